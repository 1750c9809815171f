// The write-behind queue's writer (core/src/write_queue.h): how it cuts the
// queue into writes. Behind a held writer (a flush interval no test waits
// out), drain() makes it write everything queued; each write is one
// store_batch of the role, so its size is what the backend gets at once.
#include "write_queue.h"

#include <catch2/catch.hpp>
#include <cstddef>
#include <numeric>
#include <string>
#include <vector>

#include "engram/write_behind.h"

namespace {

using engram::detail::WriteFailure;
using engram::detail::WriteQueue;

// A queue of numbered records whose writer notes each write's records.
struct Recorder {
  std::vector<std::vector<int>> writes;
  WriteQueue<int> queue{engram::WriteBehindOptions{.max_pending = 1 << 20,
                                                   .max_bytes = std::int64_t{1} << 40,
                                                   .flush_interval = 3600},
                        "mem", "write-behind of backend `mem` (test)",
                        {[this](std::vector<int>& items) {
                           writes.push_back(items);
                           return std::vector<WriteFailure>{};
                         },
                         [](const int&) {}, [](const int& i) { return std::to_string(i); }, {}}};

  void push(int record, std::size_t bytes) {
    auto lock = queue.lock();
    queue.admit(lock, bytes);
    queue.push(lock, record, bytes);
  }
  // Every record written, in order.
  std::vector<int> written() const {
    std::vector<int> all;
    for (const auto& write : writes) all.insert(all.end(), write.begin(), write.end());
    return all;
  }
};

}  // namespace

TEST_CASE("write_behind: a write takes at most 1,024 records, oldest first", "[write_behind]") {
  Recorder r;
  for (int i = 0; i < 3000; ++i) r.push(i, 100);
  r.queue.drain();
  REQUIRE(r.writes.size() == 3);
  CHECK(r.writes[0].size() == 1024);
  CHECK(r.writes[1].size() == 1024);
  CHECK(r.writes[2].size() == 952);
  std::vector<int> expected(3000);
  std::iota(expected.begin(), expected.end(), 0);
  CHECK(r.written() == expected);
}

TEST_CASE("write_behind: a write takes at most 4 MiB of arrays; a larger record goes alone",
          "[write_behind]") {
  constexpr std::size_t kMiB = std::size_t{1} << 20;
  Recorder r;
  for (int i = 0; i < 10; ++i) r.push(i, kMiB);  // writes of four, four and two
  r.push(10, 9 * kMiB);
  r.push(11, kMiB);
  r.queue.drain();
  std::vector<std::size_t> sizes;
  for (const auto& write : r.writes) sizes.push_back(write.size());
  CHECK(sizes == std::vector<std::size_t>{4, 4, 2, 1, 1});
  CHECK(r.written() == std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11});
}
