// The queue behind one role object under write-behind (engram/write_behind.h)
// and its writer thread.
//
// A store locks the queue (lock()), asks for room (admit: waits while the
// queue is full, throws a pending failure report or "closed"), chooses the
// record's id with the lock held — the queue's contents are what the ids
// are checked against — and pushes it. The writer thread takes the oldest
// records, up to one write's worth (kWriteRecords, kWriteBytes), once the
// oldest has waited flush_interval (at once when the queue is half full or
// somebody waits for it), hands them to `write` without the lock, then,
// with the lock, lets `forget` drop each record from the role's view of
// the queue and counts the records done, so a record is "queued" to the
// role until it is in the backend.
//
// Failures `write` reports (records not written) are kept and reported
// once: by the next check() (every call on the role makes one) or drain().
// The report is the first failure's own error kind, its message naming the
// records not written.
//
// Thread safety: every call may be made from several threads at once; the
// hooks run on the writer thread (`forget` with the lock held).
#ifndef ENGRAM_CORE_SRC_WRITE_QUEUE_H_
#define ENGRAM_CORE_SRC_WRITE_QUEUE_H_

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "engram/errors.h"
#include "engram/log.h"
#include "engram/write_behind.h"

namespace engram::detail {

// A record `write` could not write: its position in the items and why.
struct WriteFailure {
  std::size_t index = 0;
  std::exception_ptr error;
};

// Appends to `failures` item `index`'s failure when the backend stored it
// under another id than `wanted`, the one its store returned: `given` is
// what store_batch gave for its kind, `at` the item's place among them.
template <class Id>
void check_same_id(std::vector<WriteFailure>& failures, std::size_t index,
                   const std::vector<Id>& given, std::size_t at, const Id& wanted) {
  if (at < given.size() && given[at] == wanted) return;
  std::string stored = "nothing";
  if (at < given.size()) {
    if constexpr (std::is_same_v<Id, std::string>) {
      stored = given[at];
    } else {
      stored = std::to_string(given[at]);
    }
  }
  failures.push_back(
      {index, std::make_exception_ptr(BackendError("the backend stored it under " + stored +
                                                   ", not the id its store returned"))});
}

// Writes items[0, n) by `write_range(first, last)`, which writes
// items[first, last) as one batch and returns the ones it found not
// written (indexes into items), or throws when it wrote none. When a batch
// of several throws about its records (not a ConnectionError or an
// AccessDenied: those fail the lot), each is written alone, so only the
// records the backend refuses fail.
template <class WriteRange>
std::vector<WriteFailure> write_isolating(std::size_t n, WriteRange write_range) {
  std::exception_ptr whole;
  try {
    return write_range(std::size_t{0}, n);
  } catch (const ConnectionError&) {
    whole = std::current_exception();
  } catch (const AccessDenied&) {
    whole = std::current_exception();
  } catch (...) {
    whole = std::current_exception();
    if (n > 1) {
      std::vector<WriteFailure> failures;
      for (std::size_t i = 0; i < n; ++i) {
        try {
          for (WriteFailure& failure : write_range(i, i + 1)) failures.push_back(failure);
        } catch (...) {
          failures.push_back({i, std::current_exception()});
        }
      }
      return failures;
    }
  }
  std::vector<WriteFailure> failures;
  for (std::size_t i = 0; i < n; ++i) failures.push_back({i, whole});
  return failures;
}

template <class Item>
class WriteQueue {
 public:
  struct Hooks {
    // Writes `items` in order (the writer thread, no lock held); returns the
    // ones not written. May throw: then none was written.
    std::function<std::vector<WriteFailure>(std::vector<Item>& items)> write;
    // The item left the queue, written or not (the lock held).
    std::function<void(const Item& item)> forget;
    // "episode 42", for reports.
    std::function<std::string(const Item& item)> name;
    // Between two writes (the writer thread, no lock held): what the role
    // prepares ahead, e.g. a new block of ids. Errors are logged.
    std::function<void()> between_writes;
  };

  // `where` names the role in reports: "write-behind of backend `db` (episodes)".
  WriteQueue(const WriteBehindOptions& options, std::string backend, std::string where, Hooks hooks)
      : options_(options),
        backend_(std::move(backend)),
        where_(std::move(where)),
        hooks_(std::move(hooks)),
        writer_([this] { run(); }) {}
  WriteQueue(const WriteQueue&) = delete;
  WriteQueue& operator=(const WriteQueue&) = delete;
  ~WriteQueue() {
    try {
      close();
    } catch (const std::exception& e) {
      log(LogLevel::kError, where_ + ": " + e.what());
    }
  }

  std::unique_lock<std::mutex> lock() { return std::unique_lock<std::mutex>(mutex_); }

  // With `lock` held: throws the pending report or "closed", then waits
  // until the queue has room for a record of `bytes` (a record larger than
  // max_bytes gets in when the queue is empty).
  void admit(std::unique_lock<std::mutex>& lock, std::size_t bytes) {
    throw_report_locked();
    if (closed_) throw_closed(backend_);
    const auto full = [&] {
      if (count_ == 0) return false;
      return count_ >= static_cast<std::size_t>(options_.max_pending) ||
             bytes_ + bytes > static_cast<std::size_t>(options_.max_bytes);
    };
    if (full()) {
      ++waiting_;
      work_.notify_one();
      done_.wait(lock, [&] { return closed_ || !full(); });
      --waiting_;
      if (closed_) throw_closed(backend_);
    }
  }

  // With `lock` held, after admit(): queues `item`.
  void push(std::unique_lock<std::mutex>&, Item item, std::size_t bytes) {
    const bool was_empty = queue_.empty();
    queue_.push_back({next_seq_++, Clock::now(), bytes, std::move(item)});
    ++count_;
    bytes_ += bytes;
    if (was_empty || urgent_locked()) work_.notify_one();
  }

  // Throws the pending report, if any.
  void check() {
    auto held = lock();
    throw_report_locked();
  }

  // Waits until every record queued before the call is written or failed,
  // then throws the pending report, if any.
  void drain() {
    auto held = lock();
    wait_written(held);
    throw_report_locked();
  }

  // Waits for the queue like drain() but throws nothing: for the calls
  // that go on to the backend (a pending report waits for the next check).
  void settle() {
    auto held = lock();
    wait_written(held);
  }

  // Writes what is queued and stops the writer; later admits throw
  // "closed". Then throws the pending report, if any. Idempotent.
  void close() {
    {
      auto held = lock();
      wait_written(held);
      closed_ = true;
      work_.notify_all();
      done_.notify_all();
    }
    if (writer_.joinable()) writer_.join();
    check();
  }

 private:
  using Clock = std::chrono::steady_clock;
  struct Entry {
    std::uint64_t seq;
    Clock::time_point queued_at;
    std::size_t bytes;
    Item item;
  };

  bool urgent_locked() const {
    return waiting_ > 0 || closed_ ||
           2 * count_ >= static_cast<std::size_t>(options_.max_pending) ||
           2 * bytes_ >= static_cast<std::size_t>(options_.max_bytes);
  }

  void wait_written(std::unique_lock<std::mutex>& held) {
    const std::uint64_t last = next_seq_ - 1;
    if (done_seq_ >= last) return;
    ++waiting_;
    work_.notify_one();
    done_.wait(held, [&] { return done_seq_ >= last || stopped_; });
    --waiting_;
  }

  void throw_report_locked() {
    if (!first_error_) return;
    std::exception_ptr error = std::exchange(first_error_, nullptr);
    std::vector<std::string> names = std::exchange(failed_, {});
    const std::size_t count = std::exchange(failed_count_, 0);
    std::string context = where_ + ": " + std::to_string(count) +
                          (count == 1 ? " store was" : " stores were") + " not written (";
    for (std::size_t i = 0; i < names.size(); ++i) context += (i ? ", " : "") + names[i];
    if (count > names.size()) context += ", ...";
    context += ")";
    try {
      std::rethrow_exception(error);
    } catch (const StorageError& e) {
      rethrow_with_context(e, context);
    } catch (const std::exception& e) {
      throw BackendError(context + ": " + e.what(), backend_);
    }
  }

  void run() {
    auto held = lock();
    while (true) {
      work_.wait(held, [&] { return closed_ || !queue_.empty(); });
      if (queue_.empty()) break;  // closed
      const auto deadline =
          queue_.front().queued_at + std::chrono::duration_cast<Clock::duration>(
                                         std::chrono::duration<double>(options_.flush_interval));
      work_.wait_until(held, deadline, [&] { return urgent_locked(); });

      // The oldest records, one write's worth: the rest stay queued (and
      // counted) for the next turn, which follows at once.
      std::vector<Item> items;
      items.reserve(std::min(queue_.size(), kWriteRecords));
      std::size_t bytes = 0;
      std::uint64_t last = 0;
      while (!queue_.empty() &&
             (items.empty() ||
              (items.size() < kWriteRecords && bytes + queue_.front().bytes <= kWriteBytes))) {
        Entry& entry = queue_.front();
        bytes += entry.bytes;
        last = entry.seq;
        items.push_back(std::move(entry.item));
        queue_.pop_front();
      }
      held.unlock();

      std::vector<WriteFailure> failures;
      try {
        failures = hooks_.write(items);
      } catch (...) {
        failures.clear();
        for (std::size_t i = 0; i < items.size(); ++i) {
          failures.push_back({i, std::current_exception()});
        }
      }
      if (hooks_.between_writes) {
        try {
          hooks_.between_writes();
        } catch (const std::exception& e) {
          log(LogLevel::kWarn, where_ + ": " + e.what());
        }
      }

      held.lock();
      for (const Item& item : items) hooks_.forget(item);
      for (const WriteFailure& failure : failures) {
        if (!first_error_) first_error_ = failure.error;
        ++failed_count_;
        if (failed_.size() < kNamedFailures) failed_.push_back(hooks_.name(items[failure.index]));
      }
      if (!failures.empty()) {
        log(LogLevel::kError, where_ + ": " + std::to_string(failures.size()) +
                                  " stores not written; reported on the next call");
      }
      count_ -= items.size();
      bytes_ -= bytes;
      done_seq_ = last;
      done_.notify_all();
    }
    stopped_ = true;
    done_.notify_all();
  }

  static constexpr std::size_t kNamedFailures = 10;
  // One write (one store_batch: one transaction, one journal commit) takes
  // at most this many records and bytes of arrays (a larger record alone).
  // Larger batches save little and cost more: sqlite's transactions spill
  // its page cache beyond a few MiB (measured: episodes of 40 KB written
  // 1,600 a turn, the whole queue, ran at 0.78x the batch path; 4 MiB a
  // turn at 0.93x, p99 of a store 165 -> 20 us).
  static constexpr std::size_t kWriteRecords = 1024;
  static constexpr std::size_t kWriteBytes = std::size_t{4} << 20;

  const WriteBehindOptions options_;
  const std::string backend_;
  const std::string where_;
  const Hooks hooks_;

  std::mutex mutex_;
  std::condition_variable work_;  // the writer waits here
  std::condition_variable done_;  // stores, reads and sync wait here
  std::deque<Entry> queue_;
  std::size_t count_ = 0;  // queued and being written
  std::size_t bytes_ = 0;
  std::uint64_t next_seq_ = 1;
  std::uint64_t done_seq_ = 0;
  int waiting_ = 0;
  bool closed_ = false;
  bool stopped_ = false;
  std::exception_ptr first_error_;
  std::vector<std::string> failed_;
  std::size_t failed_count_ = 0;

  // Last: it starts running in the constructor, after everything above.
  std::thread writer_;
};

}  // namespace engram::detail

#endif  // ENGRAM_CORE_SRC_WRITE_QUEUE_H_
