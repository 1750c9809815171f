// enable_swmr, as engram defines it (README, "HDF5 plugin"): with it on, a
// reader in another process (h5py) opens the file while engram writes —
// holding a shared flock on "<file>.lock" while it opens and reads — and
// sees a consistent file with every store that had returned; with it off,
// HDF5's file lock keeps other processes out while engram has the file.
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "engram/array.h"
#include "engram/json.h"
#include "engram/storage.h"
#include "engram/trace_store.h"
#include "hdf5_test_util.h"

namespace fs = std::filesystem;
using engram::Array;
using engram::Json;
using hdf5_test::shell_quote;

TEST_CASE("hdf5: enable_swmr on, an h5py reader sees every returned store while engram writes",
          "[hdf5][swmr]") {
  hdf5_test::TempDir dir;
  const auto file = dir / "traces.h5";
  const auto done = dir / "done";
  engram::Storage storage = hdf5_test::open_hdf5(file, ", enable_swmr: true");
  auto s = storage.traces();
  constexpr int kCount = 60;
  // The reader starts while engram has the file open (and has stored one).
  const auto store = [&](int i) {
    const Array adj(std::vector<std::int64_t>(100, i), {10, 10});
    const Array w(std::vector<double>(100, i / 2.0), {10, 10});
    s->store_network_snapshot(1700000000.0 + i, adj, w, w, Json{{"i", i}});
  };
  store(0);
  FILE* reader = ::popen((hdf5_test::python_script("swmr-read " + shell_quote(file.string()) + " " +
                                                   shell_quote(done.string())) +
                          " 2>&1")
                             .c_str(),
                         "r");
  REQUIRE(reader != nullptr);
  for (int i = 1; i < kCount; ++i) {
    store(i);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::ofstream(done).flush();  // every store has returned
  std::string output;
  char buffer[4096];
  std::size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, reader)) > 0) output.append(buffer, n);
  const int status = ::pclose(reader);
  INFO(output);
  REQUIRE(status == 0);
  const Json result = Json::parse(output);
  CHECK(result.at("last_count") == kCount);
  CHECK(result.at("rounds").get<int>() >= 1);
  // engram goes on after the reader.
  store(kCount);
  CHECK(s->maintenance().stats().at("network_snapshots") == kCount + 1);
}

TEST_CASE("hdf5: enable_swmr off, other processes cannot open the file while engram has it",
          "[hdf5][swmr]") {
  hdf5_test::TempDir dir;
  const auto file = dir / "traces.h5";
  const std::string open_it =
      hdf5_test::python_script("open-default " + shell_quote(file.string())) + " 2>/dev/null";
  {
    engram::Storage storage = hdf5_test::open_hdf5(file, ", enable_swmr: false");
    storage.traces()->store_plasticity_trace(1.0, Array(std::vector<double>{1.0}));
    CHECK(hdf5_test::run(open_it) == 5);  // refused: locked
  }
  CHECK(hdf5_test::run(open_it) == 0);
}
