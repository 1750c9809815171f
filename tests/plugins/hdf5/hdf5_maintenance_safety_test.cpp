// Maintenance that cannot lose data: files() lists every file the backend
// writes; backup never replaces an existing file nor lands on one of the
// backend's own, and a failed one leaves nothing behind; a compact killed
// midway (SIGKILL) leaves nothing that blocks the next open or compact.
#include <sys/mount.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "engram/array.h"
#include "engram/errors.h"
#include "engram/storage.h"
#include "engram/trace_store.h"
#include "file_bytes.h"
#include "hdf5_test_util.h"
#include "killed_child.h"

namespace fs = std::filesystem;

namespace {

using engram::Array;
using engram::Json;

constexpr double kT = 1700000000.0;

Array matrix(double v, std::size_t n = 16) { return Array(std::vector<double>(n * n, v), {n, n}); }

std::set<std::string> names_in(const fs::path& dir) {
  std::set<std::string> out;
  for (const auto& entry : fs::directory_iterator(dir)) out.insert(entry.path().filename());
  return out;
}

}  // namespace

TEST_CASE("hdf5: files() lists the data file and every file beside it, absolute",
          "[hdf5][maintenance][files]") {
  hdf5_test::TempDir dir;
  const fs::path file = dir / "traces.h5";
  engram::Storage storage = hdf5_test::open_hdf5(file);
  auto s = storage.traces();
  s->store_plasticity_trace(kT, Array(std::vector<double>{1.0}));
  s->maintenance().compact();
  const std::vector<fs::path> files = s->maintenance().files();
  const std::set<fs::path> listed(files.begin(), files.end());
  for (const fs::path& p : files) CHECK(p.is_absolute());
  for (const char* name : {"traces.h5", "traces.h5.journal", "traces.h5.lock", "traces.h5.compact",
                           "traces.h5.compact.journal"}) {
    INFO(name);
    CHECK(listed.count(dir / name) == 1);
  }
  // Every file engram wrote beside the data file is listed.
  for (const std::string& name : names_in(dir.path())) {
    INFO(name);
    CHECK(listed.count(dir / name) == 1);
  }
  s->maintenance().close();
  CHECK(s->maintenance().files() == files);  // valid after close
}

TEST_CASE("hdf5: backup never overwrites a file, nor the backend's own files",
          "[hdf5][maintenance][backup]") {
  hdf5_test::TempDir dir;
  const fs::path file = dir / "traces.h5";
  engram::Storage storage = hdf5_test::open_hdf5(file);
  auto s = storage.traces();
  const std::string id = s->store_plasticity_trace(kT, Array(std::vector<double>{7.0}));

  // An existing file (say, another backend's database) stays as it was.
  const fs::path other = dir / "engram.db";
  std::ofstream(other, std::ios::binary) << "SQLite format 3 and precious data";
  const std::string before = engram_test::file_bytes(other);
  try {
    s->maintenance().backup(other);
    FAIL("backup overwrote " << other);
  } catch (const engram::InvalidArgument& e) {
    const std::string message = e.what();
    INFO(message);
    CHECK(message.find("refusing to overwrite") != std::string::npos);
    CHECK(message.find(other.string()) != std::string::npos);
  }
  CHECK(engram_test::file_bytes(other) == before);

  // Its own files, existing or not, by any spelling.
  for (const fs::path& own :
       {file, dir / "traces.h5.journal", dir / "traces.h5.lock", dir / "traces.h5.compact",
        dir / "." / "traces.h5", dir / "sub" / ".." / "traces.h5.compact"}) {
    INFO(own);
    CHECK_THROWS_AS(s->maintenance().backup(own), engram::InvalidArgument);
  }
  CHECK_FALSE(fs::exists(dir / "traces.h5.compact"));

  // A new name works, and leaves no temporary file.
  const std::set<std::string> names = names_in(dir.path());
  const fs::path copy = s->maintenance().backup(dir / "copy.h5");
  std::set<std::string> expected = names;
  expected.insert("copy.h5");
  CHECK(names_in(dir.path()) == expected);
  engram::Storage restored = hdf5_test::open_hdf5(copy);
  CHECK(restored.traces()->retrieve_plasticity_trace(id));
  // The store itself is unharmed by the refusals.
  auto got = s->retrieve_plasticity_trace(id);
  REQUIRE(got);
  CHECK(got->synapse_changes == Array(std::vector<double>{7.0}));
}

TEST_CASE("hdf5: a backup that fails (full disk) leaves nothing behind",
          "[hdf5][maintenance][backup]") {
  hdf5_test::TempDir dir;
  const fs::path file = dir / "traces.h5";
  const fs::path small = dir / "small";
  fs::create_directories(small);
  if (::mount("tmpfs", small.c_str(), "tmpfs", 0, "size=64k") != 0) {
    WARN("mount -t tmpfs refused: skipped");
    return;
  }
  struct Unmount {
    fs::path at;
    ~Unmount() { ::umount2(at.c_str(), MNT_DETACH); }
  } unmount{small};
  engram::Storage storage = hdf5_test::open_hdf5(file, ", compression: none");
  auto s = storage.traces();
  std::vector<double> values(40000);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<double>(i) * 1.5;
  const std::string id = s->store_plasticity_trace(kT, Array(std::vector<double>(values)));
  try {
    s->maintenance().backup(small / "copy.h5");
    FAIL("a 320 KB backup fit in 64 KiB");
  } catch (const engram::StorageError& e) {
    const std::string message = e.what();
    INFO(message);
    CHECK(message.find("No space left on device") != std::string::npos);
    CHECK(message.find('\n') == std::string::npos);
  }
  CHECK(names_in(small).empty());
  auto got = s->retrieve_plasticity_trace(id);
  REQUIRE(got);
  CHECK(got->synapse_changes == Array(std::vector<double>(values)));
}

TEST_CASE("hdf5: a compact killed midway leaves nothing that blocks the next one",
          "[hdf5][maintenance][compact]") {
  hdf5_test::TempDir dir;
  const fs::path file = dir / "traces.h5";
  const fs::path temp = dir / "traces.h5.compact";
  std::vector<std::string> ids;
  {
    engram::Storage storage = hdf5_test::open_hdf5(file);
    std::vector<Array> arrays;  // a batch borrows its arrays
    for (int i = 0; i < 1500; ++i) arrays.push_back(matrix(i));
    engram::TraceBatch batch;
    for (int i = 0; i < 1500; ++i) {
      const Array& a = arrays[static_cast<std::size_t>(i)];
      batch.put(engram::NetworkSnapshotView{{}, kT + i, a, a, a, Json{{"i", i}}});
    }
    ids = storage.traces()->store_batch(batch).network_snapshots;
  }
  // Kill compacts at growing delays until one dies with its copy half made.
  int interrupted = 0;
  for (int delay = 30; delay < 3000 && interrupted < 2; delay = delay * 3 / 2) {
    const auto child = engram_test::run_until_killed(
        [&](int) {
          engram::Storage storage = hdf5_test::open_hdf5(file);
          for (;;) storage.traces()->maintenance().compact();
        },
        std::chrono::milliseconds(delay));
    REQUIRE(child.killed);
    if (!fs::exists(temp)) continue;
    ++interrupted;
    INFO("killed after " << delay << " ms");
    // The next open removes the leftover; compact works; nothing is lost.
    engram::Storage storage = hdf5_test::open_hdf5(file);
    CHECK_FALSE(fs::exists(temp));
    CHECK_FALSE(fs::exists(dir / "traces.h5.compact.journal"));
    auto s = storage.traces();
    CHECK_NOTHROW(s->maintenance().compact());
    CHECK(s->maintenance().stats().at("network_snapshots") == ids.size());
    for (const std::size_t i : {std::size_t{0}, ids.size() / 2, ids.size() - 1}) {
      auto got = s->retrieve_network_snapshot(ids[i]);
      REQUIRE(got);
      CHECK(got->metadata == Json{{"i", i}});
      CHECK(got->weight_matrix == matrix(static_cast<double>(i)));
    }
  }
  CHECK(interrupted > 0);
}

TEST_CASE("hdf5: a compact finds a stale copy and journal and replaces them",
          "[hdf5][maintenance][compact]") {
  hdf5_test::TempDir dir;
  const fs::path file = dir / "traces.h5";
  engram::Storage storage = hdf5_test::open_hdf5(file);
  auto s = storage.traces();
  const std::string id = s->store_plasticity_trace(kT, Array(std::vector<double>{1.0}));
  // What a killed compact of an earlier build left: a torn copy and its
  // journal with a header (an interrupted store).
  std::ofstream(dir / "traces.h5.compact", std::ios::binary) << std::string(5000, 'z');
  std::string header("EJRNL001", 8);
  header += std::string(8, '\0');
  std::ofstream(dir / "traces.h5.compact.journal", std::ios::binary) << header;
  CHECK_NOTHROW(s->maintenance().compact());
  CHECK_FALSE(fs::exists(dir / "traces.h5.compact"));
  CHECK(s->retrieve_plasticity_trace(id));
}
