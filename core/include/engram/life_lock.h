// engram/life_lock.h — a backend's life: open until close().
//
// Every plugin needs it: calls on a backend run while it is open, close()
// waits for the calls under way, and every call after close() fails the
// same way. A call holds the lock shared while it runs (enter()); close()
// takes it alone, so it waits for those calls, then marks the backend
// closed and releases what the backend holds; every later enter() throws
// StorageError "the backend is closed (<what>)" (engram::throw_closed). A
// backend whose changes must exclude its lookups (the memory plugin, whose
// records are plain containers) holds it alone for a change
// (enter_alone()).
//
//   LifeLock life_{"db", "database data/engram.db"};
//   auto held = life_.enter();        // in every call, for its whole run
//   life_.close([&] { connections_.clear(); });  // in close(), idempotent
//
// Thread safety: every method may be called from several threads at once.
// REQUIRES: a thread holding the lock does not enter it again, and
// close()'s `release` does not enter it.
#ifndef ENGRAM_LIFE_LOCK_H_
#define ENGRAM_LIFE_LOCK_H_

#include <mutex>
#include <shared_mutex>
#include <string>
#include <utility>

#include "engram/export.h"

namespace engram {

class ENGRAM_API LifeLock {
 public:
  // `backend` and `what` ("database data/engram.db"; may be empty) name the
  // backend in the closed error.
  explicit LifeLock(std::string backend, std::string what = {})
      : backend_(std::move(backend)), what_(std::move(what)) {}
  LifeLock(const LifeLock&) = delete;
  LifeLock& operator=(const LifeLock&) = delete;

  // Held shared for one call. Throws StorageError once closed.
  std::shared_lock<std::shared_mutex> enter() const;
  // Held alone for one call. Throws StorageError once closed.
  std::unique_lock<std::shared_mutex> enter_alone();

  // Waits for the calls under way and closes: the first time, runs
  // `release()` holding the lock alone and returns true; later, false.
  template <class Release>
  bool close(Release&& release) {
    std::unique_lock lock(mutex_);
    if (closed_) return false;
    closed_ = true;
    std::forward<Release>(release)();
    return true;
  }

  const std::string& backend() const noexcept { return backend_; }

 private:
  [[noreturn]] void throw_closed() const;

  const std::string backend_;
  const std::string what_;
  mutable std::shared_mutex mutex_;
  bool closed_ = false;
};

}  // namespace engram

#endif  // ENGRAM_LIFE_LOCK_H_
