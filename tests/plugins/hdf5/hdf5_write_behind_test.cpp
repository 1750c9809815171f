// The core's write-behind (engram/write_behind.h) on the hdf5 plugin: ids
// chosen at queue time against a file that already has records, close()
// writes the queue, and SIGKILL after sync() returned loses nothing.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "engram/array.h"
#include "engram/storage.h"
#include "hdf5_test_util.h"
#include "killed_child.h"

namespace {

using engram::Array;

const std::vector<float> kValues(16, 0.5f);

struct Report {
  char id[64];
};

// Stores snapshots, reporting each id after the sync() that followed it;
// never returns.
[[noreturn]] void store_and_sync_until_killed(const std::filesystem::path& file, int report_fd) {
  try {
    engram::Storage storage = hdf5_test::open_hdf5(file, ", write_behind: {flush_interval: 0.01}");
    auto traces = storage.traces();
    auto maintenance = storage.maintenance("arrays");
    for (std::int64_t n = 0;; ++n) {
      std::vector<std::string> ids;
      for (int i = 0; i < 20; ++i) {
        ids.push_back(traces->store_network_snapshot(
            1700000000.0 + 0.001 * static_cast<double>(20 * n + i), kValues, kValues, kValues));
      }
      maintenance->sync();
      for (const std::string& id : ids) {
        Report r{};
        id.copy(r.id, sizeof r.id - 1);
        if (::write(report_fd, &r, sizeof r) != static_cast<ssize_t>(sizeof r)) ::_exit(4);
      }
    }
  } catch (...) {
    ::_exit(3);
  }
}

}  // namespace

TEST_CASE("hdf5 write-behind: ids chosen at queue time skip the file's own",
          "[hdf5][write_behind]") {
  hdf5_test::TempDir dir;
  const auto file = dir / "ids.h5";
  {
    engram::Storage direct = hdf5_test::open_hdf5(file);
    CHECK(direct.traces()->store_network_snapshot(1.0, kValues, kValues, kValues) ==
          "snapshot_1000");
    CHECK(direct.traces()->store_network_snapshot(2.0, kValues, kValues, kValues) ==
          "snapshot_2000");
    CHECK(direct.traces()->store_plasticity_trace(2.0, kValues, "stdp") == "stdp_2000");
  }
  {
    engram::Storage queued = hdf5_test::open_hdf5(file, ", write_behind: {flush_interval: 3600}");
    auto traces = queued.traces();
    CHECK(traces->store_network_snapshot(2.0, kValues, kValues, kValues) == "snapshot_2000_1");
    CHECK(traces->store_network_snapshot(1.0, kValues, kValues, kValues) == "snapshot_1000_1");
    CHECK(traces->store_network_snapshot(3.0, kValues, kValues, kValues) == "snapshot_3000");
    CHECK(traces->store_network_snapshot(3.0, kValues, kValues, kValues) == "snapshot_3000_1");
    CHECK(traces->store_plasticity_trace(2.0, kValues, "stdp") == "stdp_2000_1");
    CHECK(traces->store_plasticity_trace(2.0, kValues, "other") == "other_2000");
    // close() writes what is queued.
  }
  engram::Storage reopened = hdf5_test::open_hdf5(file);
  auto traces = reopened.traces();
  for (const char* id : {"snapshot_1000", "snapshot_1000_1", "snapshot_2000", "snapshot_2000_1",
                         "snapshot_3000", "snapshot_3000_1"}) {
    INFO(id);
    CHECK(traces->retrieve_network_snapshot(id));
  }
  CHECK(traces->retrieve_network_snapshot("snapshot_3000_1")->timestamp == 3.0);
  CHECK(traces->retrieve_plasticity_trace("stdp_2000_1"));
  CHECK(traces->retrieve_plasticity_trace("other_2000"));
}

TEST_CASE("hdf5 write-behind: SIGKILL after sync() returned loses nothing",
          "[hdf5][write_behind][crash]") {
  hdf5_test::TempDir dir;
  const auto file = dir / "killed.h5";
  std::mt19937 random(20261201);
  std::uniform_int_distribution<int> delay_ms(200, 700);
  std::vector<std::string> reported;
  for (int round = 0; round < 5; ++round) {
    INFO("round " << round);
    const auto child =
        engram_test::run_until_killed([&](int fd) { store_and_sync_until_killed(file, fd); },
                                      std::chrono::milliseconds(delay_ms(random)));
    REQUIRE(child.killed);
    for (std::size_t at = 0; at + sizeof(Report) <= child.reported.size(); at += sizeof(Report)) {
      Report r{};
      std::memcpy(&r, child.reported.data() + at, sizeof r);
      reported.emplace_back(r.id);
    }
    engram::Storage storage = hdf5_test::open_hdf5(file);
    for (const std::string& id : reported) {
      INFO(id);
      CHECK(storage.traces()->retrieve_network_snapshot(id));
    }
  }
  CHECK(reported.size() >= 20);  // some sync() returned before a kill
}
