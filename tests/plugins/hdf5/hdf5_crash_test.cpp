// SIGKILL in the middle of writing: a child process stores snapshots in a
// loop, reporting each id on a pipe after the store returns; the parent
// kills it at a random moment, 20 times over one file, with enable_swmr on
// and off. After every kill engram reopens the file (no status-flag
// clearing needed: the default file format has none) and every reported
// snapshot is there and intact; at the end h5py reads the file too.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "engram/array.h"
#include "engram/storage.h"
#include "engram/trace_store.h"
#include "hdf5_test_util.h"
#include "killed_child.h"

namespace {

using engram::Array;
using engram::Json;

struct Report {
  char id[64];
  std::int64_t n;
};

Array filled(std::int64_t n) {
  return Array(std::vector<double>(64, static_cast<double>(n)), {8, 8});
}

// The child: never returns.
[[noreturn]] void store_until_killed(const std::filesystem::path& file, const std::string& options,
                                     std::int64_t first, int report_fd) {
  try {
    engram::Storage storage = hdf5_test::open_hdf5(file, options);
    auto s = storage.traces();
    for (std::int64_t n = first;; ++n) {
      const Array a = filled(n);
      const std::string id = s->store_network_snapshot(
          1700000000.0 + static_cast<double>(n) * 0.0005, a, a, a, Json{{"n", n}});
      s->store_spike_train(1700000000.0, Array(std::vector<double>{0.5}),
                           Array(std::vector<std::int64_t>{n}));
      Report r{};
      id.copy(r.id, sizeof r.id - 1);
      r.n = n;
      if (::write(report_fd, &r, sizeof r) != static_cast<ssize_t>(sizeof r)) ::_exit(4);
    }
  } catch (...) {
    ::_exit(3);
  }
}

void crash_rounds(const std::string& options) {
  hdf5_test::TempDir dir;
  const auto file = dir / "crash.h5";
  std::mt19937 random(20261124);
  std::uniform_int_distribution<int> delay_ms(5, 120);
  std::vector<Report> reported;
  std::int64_t next = 0;
  for (int round = 0; round < 20; ++round) {
    const auto child = engram_test::run_until_killed(
        [&](int fd) { store_until_killed(file, options, next, fd); },
        std::chrono::milliseconds(delay_ms(random)));
    INFO("round " << round);
    // It must have been killed, not have failed on its own.
    REQUIRE(child.killed);
    for (std::size_t at = 0; at + sizeof(Report) <= child.reported.size(); at += sizeof(Report)) {
      Report r{};
      std::memcpy(&r, child.reported.data() + at, sizeof r);
      reported.push_back(r);
      next = r.n + 1;
    }
    next += 1000;  // the killed store's n is never reused

    // The file reopens as it is, and every store that returned is intact.
    engram::Storage storage = hdf5_test::open_hdf5(file, options);
    auto s = storage.traces();
    for (const Report& want : reported) {
      auto got = s->retrieve_network_snapshot(want.id);
      INFO("snapshot " << want.id);
      REQUIRE(got);
      CHECK(got->metadata == Json{{"n", want.n}});
      CHECK(got->adjacency_matrix == filled(want.n));
      CHECK(got->weight_matrix == filled(want.n));
      CHECK(got->neuron_states == filled(want.n));
    }
    // And takes more stores.
    const Array a = filled(-1);
    CHECK_NOTHROW(s->store_network_snapshot(1.0, a, a, a));
  }
  CHECK(reported.size() > 20);  // the child got some stores done
  CHECK(
      hdf5_test::run(hdf5_test::python_script("describe " + hdf5_test::shell_quote(file.string())) +
                     " > /dev/null") == 0);
}

}  // namespace

// A batch commits once: killed mid-batch, none of it is there.
TEST_CASE("hdf5: SIGKILL during batches leaves whole batches only", "[hdf5][crash]") {
  hdf5_test::TempDir dir;
  const auto file = dir / "batches.h5";
  constexpr std::int64_t kPerBatch = 5;
  std::int64_t returned = 0;
  for (int round = 0; round < 10; ++round) {
    const auto child = engram_test::run_until_killed([&](int fd) {
        engram::Storage storage = hdf5_test::open_hdf5(file);
        auto s = storage.traces();
        const Array a = filled(round);
        for (std::int64_t n = 0;; ++n) {
          engram::TraceBatch batch;
          for (std::int64_t i = 0; i < kPerBatch; ++i) {
            batch.put(engram::NetworkSnapshotView{{}, 1700000000.0, a, a, a, Json{{"batch", n}}});
          }
          s->store_batch(batch);
          const char done = 1;
          if (::write(fd, &done, 1) != 1) ::_exit(4);
        }
    }, std::chrono::milliseconds(20 + 13 * round));
    INFO("round " << round);
    REQUIRE(child.killed);
    returned += static_cast<std::int64_t>(child.reported.size());
    engram::Storage storage = hdf5_test::open_hdf5(file);
    const auto count =
        storage.traces()->maintenance().stats().at("network_snapshots").get<std::int64_t>();
    // Every returned batch whole; the interrupted one, if any, not at all.
    // (One batch may have committed and been killed before it reported.)
    CHECK(count % kPerBatch == 0);
    CHECK(count >= returned * kPerBatch);
    CHECK(count <= (returned + 1) * kPerBatch);
    returned = count / kPerBatch;
  }
  CHECK(returned > 0);
}

TEST_CASE("hdf5: SIGKILL while storing loses no returned store, enable_swmr on", "[hdf5][crash]") {
  crash_rounds(", enable_swmr: true");
}

TEST_CASE("hdf5: SIGKILL while storing loses no returned store, enable_swmr off", "[hdf5][crash]") {
  crash_rounds(", enable_swmr: false");
}
