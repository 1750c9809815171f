// File management: get_file_info (stats), compact (a fresh, verified copy
// replaces the original; a failed compaction leaves it alone), rotate,
// check_file_size (rotate_if_needed past max_file_size),
// cleanup_old_data(retention_days), backup, close.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "engram/array.h"
#include "engram/clock.h"
#include "engram/errors.h"
#include "engram/storage.h"
#include "engram/trace_store.h"
#include "hdf5_test_util.h"

namespace fs = std::filesystem;
using engram::Array;
using engram::Json;

namespace {

double now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

Array matrix(double v, std::size_t n = 32) { return Array(std::vector<double>(n * n, v), {n, n}); }

}  // namespace

TEST_CASE("hdf5: stats is the seed's get_file_info", "[hdf5][maintenance]") {
  hdf5_test::TempDir dir;
  const auto file = dir / "traces.h5";
  engram::Storage storage = hdf5_test::open_hdf5(file, ", compression: lz4, max_file_size: 123456");
  auto s = storage.traces();
  s->store_network_snapshot(1.0, matrix(1), matrix(2), matrix(3));
  s->store_performance_metrics(1.0, {{"a", 1.0}});
  const Json info = s->maintenance().stats();
  CHECK(info.at("file_path") == file.string());
  CHECK(info.at("file_size").get<std::uintmax_t>() == fs::file_size(file));
  CHECK(info.at("compression") == "lz4");
  CHECK(info.at("max_file_size") == 123456);
  CHECK(info.at("chunk_size") == 1024);
  CHECK(info.at("enable_swmr") == true);
  CHECK(info.at("version") == "1.0");
  CHECK(info.at("network_snapshots") == 1);
  CHECK(info.at("performance_metrics") == 1);
  CHECK(info.at("raw_spike_trains") == 0);
}

TEST_CASE("hdf5: cleanup removes old snapshots and raw trains only", "[hdf5][maintenance]") {
  hdf5_test::TempDir dir;
  engram::Storage storage = hdf5_test::open_hdf5(dir / "traces.h5");
  auto s = storage.traces();
  const double old_t = now() - 40 * 86400.0;
  const double new_t = now() - 1.0;
  const std::string old_snap =
      s->store_network_snapshot(old_t, matrix(1, 4), matrix(1, 4), matrix(1, 4));
  const std::string new_snap =
      s->store_network_snapshot(new_t, matrix(2, 4), matrix(2, 4), matrix(2, 4));
  const Array times(std::vector<double>{0.1}), ids(std::vector<std::int32_t>{1});
  const std::string old_train = s->store_spike_train(old_t, times, ids);
  const std::string new_train = s->store_spike_train(new_t, times, ids);
  const std::string old_plast = s->store_plasticity_trace(old_t, times);
  CHECK_THROWS_AS(s->maintenance().cleanup(-1), engram::InvalidArgument);
  CHECK(s->maintenance().cleanup(30) == 2);
  CHECK_FALSE(s->retrieve_network_snapshot(old_snap));
  CHECK_FALSE(s->retrieve_spike_train(old_train));
  CHECK(s->retrieve_network_snapshot(new_snap));
  CHECK(s->retrieve_spike_train(new_train));
  CHECK(s->retrieve_plasticity_trace(old_plast));  // the seed keeps the other kinds
  const Json info = s->maintenance().stats();
  CHECK(info.at("network_snapshots") == 1);
  // All three groups of the old snapshot went.
  int status = 0;
  const std::string listing = hdf5_test::capture(
      "h5ls -r " + hdf5_test::shell_quote((dir / "traces.h5").string()), &status);
  REQUIRE(status == 0);
  CHECK(listing.find(old_snap) == std::string::npos);
  CHECK(s->maintenance().cleanup(30) == 0);
}

TEST_CASE("hdf5: cleanup and backup names read the host's clock, not the wall clock",
          "[hdf5][maintenance]") {
  hdf5_test::TempDir dir;
  // A host clock in 2001: the wall clock is years past every record here.
  const double host_now = 1e9;
  auto clock = std::make_shared<engram::ManualClock>(host_now);
  engram::StorageOptions options;
  options.clock = clock;
  engram::Storage storage =
      engram::Storage::from_yaml(hdf5_test::hdf5_config(dir / "traces.h5", ""), options);
  auto s = storage.traces();
  const Array times(std::vector<double>{0.1}), ids(std::vector<std::int32_t>{1});
  const std::string recent = s->store_spike_train(host_now - 86400.0, times, ids);
  // One day old by the host's clock: kept (by the wall clock it is decades old).
  CHECK(s->maintenance().cleanup(30) == 0);
  CHECK(s->retrieve_spike_train(recent));
  // Backup names carry the host's time too.
  const fs::path backup = s->maintenance().backup();
  CHECK(backup.filename().string().find("_backup_1000000000") != std::string::npos);
  // Forty days on by the host's clock: now it goes.
  clock->advance(40 * 86400.0);
  CHECK(s->maintenance().cleanup(30) == 1);
  CHECK_FALSE(s->retrieve_spike_train(recent));
}

TEST_CASE("hdf5: compact writes a fresh verified copy and keeps every record",
          "[hdf5][maintenance]") {
  hdf5_test::TempDir dir;
  const auto file = dir / "traces.h5";
  engram::Storage storage = hdf5_test::open_hdf5(file, ", compression: none");
  auto s = storage.traces();
  std::vector<std::string> kept;
  const double t = now();
  for (int i = 0; i < 10; ++i) {
    const std::string id = s->store_network_snapshot(i % 2 ? t : t - 90 * 86400.0, matrix(i, 64),
                                                     matrix(i, 64), matrix(i, 64), Json{{"i", i}});
    if (i % 2) kept.push_back(id);
  }
  const std::string metric = s->store_performance_metrics(t, {{"acc", 0.5}});
  CHECK(s->maintenance().cleanup(30) == 5);
  const auto before = fs::file_size(file);
  struct stat st_before {};
  REQUIRE(::stat(file.c_str(), &st_before) == 0);

  SECTION("a compaction that cannot write its copy leaves the original alone") {
    fs::create_directories(dir / "traces.h5.compact" / "in_the_way");
    CHECK_THROWS_AS(s->maintenance().compact(), engram::StorageError);
    CHECK(fs::file_size(file) == before);
    for (const auto& id : kept) CHECK(s->retrieve_network_snapshot(id));
    CHECK(fs::is_directory(dir / "traces.h5.compact"));
  }
  SECTION("compaction") {
    s->maintenance().compact();
    CHECK(fs::file_size(file) < before);
    struct stat st_after {};
    REQUIRE(::stat(file.c_str(), &st_after) == 0);
    CHECK(st_after.st_ino != st_before.st_ino);  // a fresh file took the name
    CHECK_FALSE(fs::exists(dir / "traces.h5.compact"));
    const auto page = s->list_network_snapshots({}, 100);
    REQUIRE(page.items.size() == kept.size());
    for (const auto& snap : page.items) {
      CHECK(snap.weight_matrix == matrix(snap.metadata.at("i").get<int>(), 64));
    }
    CHECK(s->retrieve_performance_metrics(metric));
    // Stores go on, and h5py reads the compacted file.
    CHECK(s->store_network_snapshot(t, matrix(1, 4), matrix(1, 4), matrix(1, 4)) ==
          kept.front() + "_" + std::to_string(kept.size()));
    CHECK(hdf5_test::run(
              hdf5_test::python_script("describe " + hdf5_test::shell_quote(file.string())) +
              " > /dev/null") == 0);
  }
}

TEST_CASE("hdf5: rotate moves the file aside, rotate_if_needed past max_file_size",
          "[hdf5][maintenance]") {
  hdf5_test::TempDir dir;
  const auto file = dir / "traces.h5";
  engram::Storage storage =
      hdf5_test::open_hdf5(file, ", compression: none, max_file_size: 200000");
  auto s = storage.traces();
  const std::string first = s->store_plasticity_trace(1.0, matrix(7, 8));
  // The seed's get_file_info: its top-level groups and every dataset.
  const engram::Json before = s->maintenance().stats();
  CHECK(before.at("groups") ==
        engram::Json{"activations", "learning_traces", "network_states", "spike_trains"});
  CHECK(before.at("total_datasets") == 1);
  const fs::path moved = s->maintenance().rotate();
  CHECK(moved.parent_path() == file.parent_path());
  CHECK(moved.filename().string().starts_with("traces_"));
  CHECK(moved.extension() == ".h5");
  CHECK(fs::exists(moved));
  CHECK(fs::exists(file));
  CHECK_FALSE(s->retrieve_plasticity_trace(first));  // the fresh file
  CHECK(s->maintenance().stats().at("total_datasets") == 0);
  {
    engram::Storage old = hdf5_test::open_hdf5(moved);
    auto got = old.traces()->retrieve_plasticity_trace(first);
    REQUIRE(got);
    CHECK(got->synapse_changes == matrix(7, 8));
  }
  CHECK_FALSE(s->maintenance().rotate_if_needed());
  s->store_reservoir_states(1.0, matrix(3, 200));  // 320 KB, past 200000 bytes
  CHECK(s->maintenance().rotate_if_needed());
  CHECK_FALSE(s->maintenance().rotate_if_needed());
  CHECK(s->maintenance().stats().at("reservoir_states") == 0);
  std::size_t rotated = 0;
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    const std::string name = entry.path().filename().string();
    if (name.starts_with("traces_") && entry.path().extension() == ".h5") ++rotated;
  }
  CHECK(rotated == 2);  // two rotations in one second never overwrite each other
}

TEST_CASE("hdf5: max_file_size changes on a running backend (set_option)",
          "[hdf5][maintenance]") {
  hdf5_test::TempDir dir;
  const auto file = dir / "traces.h5";
  engram::Storage storage = hdf5_test::open_hdf5(file, ", compression: none");
  auto s = storage.traces();
  s->store_reservoir_states(1.0, matrix(3, 200));  // 320 KB, far below the default 10 GiB
  CHECK_FALSE(s->maintenance().rotate_if_needed());
  s->maintenance().set_option("max_file_size", 200000);
  CHECK(s->maintenance().stats().at("max_file_size") == 200000);
  CHECK(s->maintenance().rotate_if_needed());
  CHECK(s->maintenance().stats().at("reservoir_states") == 0);
  CHECK_THROWS_AS(s->maintenance().set_option("max_file_size", 0), engram::InvalidArgument);
  CHECK_THROWS_AS(s->maintenance().set_option("max_file_size", 1.5), engram::InvalidArgument);
  CHECK_THROWS_AS(s->maintenance().set_option("chunk_size", 16), engram::NotSupported);
  CHECK(s->maintenance().stats().at("max_file_size") == 200000);
}

TEST_CASE("hdf5: backup copies the file, close releases it", "[hdf5][maintenance]") {
  hdf5_test::TempDir dir;
  const auto file = dir / "traces.h5";
  engram::Storage storage = hdf5_test::open_hdf5(file);
  auto s = storage.traces();
  const std::string id = s->store_homeostatic_trace(1.0, matrix(5, 3));
  const fs::path copy = s->maintenance().backup(dir / "copy.h5");
  CHECK(copy == dir / "copy.h5");
  const fs::path automatic = s->maintenance().backup();
  CHECK(automatic.filename().string().starts_with("traces_backup_"));
  for (const fs::path& p : {copy, automatic}) {
    engram::Storage other = hdf5_test::open_hdf5(p);
    CHECK(other.traces()->retrieve_homeostatic_trace(id));
  }
  s->maintenance().close();
  s->maintenance().close();
  CHECK_THROWS_AS(s->retrieve_homeostatic_trace(id), engram::StorageError);
  CHECK_THROWS_AS(s->maintenance().stats(), engram::StorageError);
  // Released: another process opens it with HDF5's default locking.
  CHECK(hdf5_test::run(hdf5_test::python_script("open-default " +
                                                hdf5_test::shell_quote(file.string()))) == 0);
}
