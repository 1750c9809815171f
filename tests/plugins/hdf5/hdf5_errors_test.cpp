// Bad input gives typed errors and loses nothing: ids with / or .., a file
// that is not HDF5, a read-only file or folder, spike arrays of different
// lengths, an unknown or unavailable codec (at open, not at the first
// write). Also: every codec round-trips.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "engram/array.h"
#include "engram/errors.h"
#include "engram/storage.h"
#include "engram/trace_store.h"
#include "file_bytes.h"
#include "hdf5_test_util.h"

namespace fs = std::filesystem;

namespace {

using engram::Array;
using engram::Json;

constexpr double kT = 1700000000.0;

// What opening `file` gave, as an exit code for a child process.
int open_outcome(const fs::path& file, const std::string& options = {}) {
  try {
    engram::Storage storage = hdf5_test::open_hdf5(file, options);
    storage.traces()->store_plasticity_trace(kT, Array(std::vector<double>{1.0}));
    return 1;
  } catch (const engram::AccessDenied&) {
    return 0;
  } catch (const engram::NotSupported&) {
    return 4;
  } catch (const engram::StorageError&) {
    return 2;
  } catch (...) {
    return 3;
  }
}

// Opening `file` must be AccessDenied. Root ignores permission bits, so as
// root the open runs in a forked child that first drops to nobody (65534).
void require_access_denied(const fs::path& file) {
  if (::geteuid() != 0) {
    CHECK_THROWS_AS(hdf5_test::open_hdf5(file), engram::AccessDenied);
    return;
  }
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(10);
    ::_exit(open_outcome(file));
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  INFO(
      "child outcome: 0 AccessDenied, 1 opened and stored, 2 other StorageError, 3 other, "
      "10 could not drop privileges");
  CHECK(WEXITSTATUS(status) == 0);
}

}  // namespace

TEST_CASE("hdf5: ids with / or .. are InvalidArgument and never become paths", "[hdf5][errors]") {
  hdf5_test::TempDir dir;
  const auto file = dir / "traces.h5";
  engram::Storage storage = hdf5_test::open_hdf5(file);
  auto s = storage.traces();
  const Array a(std::vector<float>{1.0f, 2.0f});
  const std::string kept = s->store_reservoir_states(kT, a, "res");
  for (const std::string& bad :
       std::vector<std::string>{"../topology", "a/b", "..", ".", "/", "x/../../y"}) {
    INFO(bad);
    CHECK_THROWS_AS(s->store_reservoir_states(kT, a, bad), engram::InvalidArgument);
    CHECK_THROWS_AS(s->store_plasticity_trace(kT, a, bad), engram::InvalidArgument);
    CHECK_THROWS_AS(s->store_layer_outputs(kT, {{bad, a}}), engram::InvalidArgument);
    CHECK_THROWS_AS(s->retrieve_reservoir_states(bad), engram::InvalidArgument);
    CHECK_THROWS_AS(s->retrieve_network_snapshot("../../" + bad), engram::InvalidArgument);
  }
  // A name HDF5 could mistake for a path part stays one link in its group.
  const std::string dots = s->store_reservoir_states(kT, a, "...");
  CHECK(dots == "..._1700000000000");
  const auto stats = s->maintenance().stats();
  CHECK(stats.at("reservoir_states") == 2);
  CHECK(stats.at("plasticity_traces") == 0);
  CHECK(stats.at("layer_outputs") == 0);
  auto got = s->retrieve_reservoir_states(kept);
  REQUIRE(got);
  CHECK(got->reservoir_states == a);
}

TEST_CASE("hdf5: a file that is not HDF5 is CorruptData and stays as it was", "[hdf5][errors]") {
  hdf5_test::TempDir dir;
  const auto path = dir / "garbage.h5";
  std::string garbage;
  for (int i = 0; i < 4096; ++i) garbage += static_cast<char>('A' + i % 26);
  std::ofstream(path, std::ios::binary) << garbage;
  CHECK_THROWS_AS(hdf5_test::open_hdf5(path), engram::CorruptData);
  CHECK(engram_test::file_bytes(path) == garbage);
  // (An empty file is a new store: hdf5_foreign_files_test.cpp.)
  // A folder is not a file.
  fs::create_directory(dir / "folder.h5");
  CHECK_THROWS_AS(hdf5_test::open_hdf5(dir / "folder.h5"), engram::AccessDenied);
}

TEST_CASE("hdf5: a read-only file or folder is AccessDenied and keeps its records",
          "[hdf5][errors]") {
  hdf5_test::TempDir dir;
  fs::permissions(dir.path(), fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                  fs::perms::others_read | fs::perms::others_exec);
  const auto ro = dir / "read_only";
  fs::create_directory(ro);
  const fs::perms read_only =
      fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read;
  const fs::perms read_only_dir =
      read_only | fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec;

  SECTION("an existing read-only file") {
    const auto file = ro / "old.h5";
    std::string id;
    {
      engram::Storage storage = hdf5_test::open_hdf5(file);
      id = storage.traces()->store_plasticity_trace(kT, Array(std::vector<double>{4.0, 2.0}));
    }
    const std::string before = engram_test::file_bytes(file);
    fs::permissions(file, read_only);
    fs::permissions(ro, read_only_dir);
    require_access_denied(file);
    CHECK(engram_test::file_bytes(file) == before);
    fs::permissions(ro, fs::perms::owner_all, fs::perm_options::add);
    fs::permissions(file, fs::perms::owner_write, fs::perm_options::add);
    engram::Storage storage = hdf5_test::open_hdf5(file);
    auto got = storage.traces()->retrieve_plasticity_trace(id);
    REQUIRE(got);
    CHECK(got->synapse_changes == Array(std::vector<double>{4.0, 2.0}));
  }

  SECTION("a new file in a read-only folder") {
    fs::permissions(ro, read_only_dir);
    require_access_denied(ro / "new.h5");
    CHECK_FALSE(fs::exists(ro / "new.h5"));
  }
}

TEST_CASE("hdf5: spike arrays of different lengths are InvalidArgument, nothing stored",
          "[hdf5][errors]") {
  hdf5_test::TempDir dir;
  engram::Storage storage = hdf5_test::open_hdf5(dir / "traces.h5");
  auto s = storage.traces();
  const Array times(std::vector<double>{0.1, 0.2, 0.3});
  const Array ids(std::vector<std::int32_t>{1, 2, 3});
  const std::string kept = s->store_spike_train(kT, times, ids);
  CHECK_THROWS_AS(s->store_spike_train(kT, times, Array(std::vector<std::int32_t>{1, 2})),
                  engram::InvalidArgument);
  CHECK_THROWS_AS(s->store_spike_train(kT, times, ids, Array(std::vector<float>{1.0f})),
                  engram::InvalidArgument);
  CHECK_THROWS_AS(s->store_spike_train(kT, Array(std::vector<double>{1, 2, 3, 4}, {2, 2}),
                                       Array(std::vector<std::int32_t>{1, 2, 3, 4}, {2, 2})),
                  engram::InvalidArgument);
  const Array square(std::vector<double>(4, 1.0), {2, 2});
  CHECK_THROWS_AS(
      s->store_network_snapshot(kT, square, Array(std::vector<double>(6, 1.0), {2, 3}), square),
      engram::InvalidArgument);
  const auto page = s->list_spike_trains({}, 10);
  REQUIRE(page.items.size() == 1);
  CHECK(page.items[0].id == kept);
  CHECK(page.items[0].spike_times == times);
  CHECK(s->list_network_snapshots({}, 10).items.empty());
}

TEST_CASE("hdf5: an unknown codec or level is ConfigError at open, and creates no file",
          "[hdf5][errors]") {
  hdf5_test::TempDir dir;
  const auto file = dir / "traces.h5";
  CHECK_THROWS_AS(hdf5_test::open_hdf5(file, ", compression: zip"), engram::ConfigError);
  CHECK_THROWS_AS(hdf5_test::open_hdf5(file, ", compression: gzip, compression_opts: 12"),
                  engram::ConfigError);
  CHECK_THROWS_AS(hdf5_test::open_hdf5(file, ", compression: szip, compression_opts: 7"),
                  engram::ConfigError);
  CHECK_THROWS_AS(hdf5_test::open_hdf5(file, ", chunk_size: 0"), engram::ConfigError);
  CHECK_FALSE(fs::exists(file));
}

TEST_CASE("hdf5: an option out of range is ConfigError at its place, naming the backend",
          "[hdf5][errors]") {
  hdf5_test::TempDir dir;
  const auto file = dir / "traces.h5";
  using Catch::Matchers::Contains;
  for (const char* option : {", max_file_size: -1", ", chunk_size: 0", ", compression: zip",
                             ", max_record_bytes: 0"}) {
    INFO(option);
    CHECK_THROWS_WITH(hdf5_test::open_hdf5(file, option),
                      Contains(":3:") && Contains("option `") && Contains("` of backend `") &&
                          Contains("must"));
  }
  CHECK_THROWS_WITH(hdf5_test::open_hdf5(file, ", max_file_size: -1"),
                    Contains("option `max_file_size`") && Contains("must be at least 1, got -1"));
  CHECK_FALSE(fs::exists(file));
}

// Run alone, in a process whose HDF5_PLUGIN_PATH names an empty folder (the
// library reads it once): the filter plugins are not there.
TEST_CASE("hdf5 helper: codecs from filter plugins are NotSupported at open", "[.][hdf5-helper]") {
  const fs::path file = std::getenv("ENGRAM_HDF5_HELPER_FILE");
  for (const char* codec : {"lz4", "lzf", "bzip2", "blosc", "blosc-zstd"}) {
    INFO(codec);
    CHECK_THROWS_AS(hdf5_test::open_hdf5(file, std::string(", compression: ") + codec),
                    engram::NotSupported);
    CHECK_FALSE(fs::exists(file));
  }
  // gzip is built in.
  CHECK_NOTHROW(hdf5_test::open_hdf5(file, ", compression: gzip"));
}

TEST_CASE("hdf5: a codec whose filter plugin is missing is NotSupported at open",
          "[hdf5][errors]") {
  hdf5_test::TempDir dir;
  fs::create_directory(dir / "no_plugins");
  const std::string command =
      "HDF5_PLUGIN_PATH=" + hdf5_test::shell_quote((dir / "no_plugins").string()) +
      " ENGRAM_HDF5_HELPER_FILE=" + hdf5_test::shell_quote((dir / "t.h5").string()) + " " +
      hdf5_test::shell_quote(fs::read_symlink("/proc/self/exe").string()) +
      " 'hdf5 helper: codecs from filter plugins are NotSupported at open' > " +
      hdf5_test::shell_quote((dir / "out.txt").string()) + " 2>&1";
  const int status = hdf5_test::run(command);
  INFO(engram_test::file_bytes(dir / "out.txt"));
  CHECK(status == 0);
  CHECK(engram_test::file_bytes(dir / "out.txt").find("All tests passed") != std::string::npos);
}

TEST_CASE("hdf5: every codec round-trips every kind of array", "[hdf5][codecs]") {
  hdf5_test::TempDir dir;
  std::vector<double> big(50000);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = static_cast<double>(i % 1000) * 0.5;
  const Array wide(std::vector<double>(big), {250, 200});
  const Array ints(std::vector<std::int16_t>(3000, 7));
  for (const std::string& codec : std::vector<std::string>{
           "none", "gzip", "lzf", "lz4", "bzip2", "blosc", "blosc-lz4", "blosc-zstd", "szip"}) {
    INFO(codec);
    const auto file = dir / (codec + ".h5");
    std::string options = ", compression: " + codec;
    if (codec == "szip") options += ", compression_opts: 8";
    std::optional<engram::Storage> storage;
    try {
      storage.emplace(hdf5_test::open_hdf5(file, options));
    } catch (const engram::NotSupported& e) {
      // Only szip may be absent from Debian's HDF5; the others must work.
      INFO(e.what());
      CHECK(codec == "szip");
      continue;
    }
    auto s = storage->traces();
    const std::string id = s->store_reservoir_states(kT, wide, "wide");
    const std::string id2 = s->store_plasticity_trace(kT, ints);
    auto got = s->retrieve_reservoir_states(id);
    REQUIRE(got);
    CHECK(got->reservoir_states == wide);
    auto got2 = s->retrieve_plasticity_trace(id2);
    REQUIRE(got2);
    CHECK(got2->synapse_changes == ints);
    if (codec != "none") CHECK(fs::file_size(file) < wide.nbytes());
  }
}

TEST_CASE("hdf5: a second writer on one file is AccessDenied, the first goes on",
          "[hdf5][errors]") {
  hdf5_test::TempDir dir;
  const auto file = dir / "traces.h5";
  for (const char* swmr : {", enable_swmr: true", ", enable_swmr: false"}) {
    INFO(swmr);
    engram::Storage first = hdf5_test::open_hdf5(file, swmr);
    const std::string id =
        first.traces()->store_plasticity_trace(kT, Array(std::vector<double>{1.0}));
    CHECK_THROWS_AS(hdf5_test::open_hdf5(file, swmr), engram::AccessDenied);
    // In another process too.
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) ::_exit(open_outcome(file, swmr));
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    REQUIRE(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);  // AccessDenied
    CHECK(first.traces()->retrieve_plasticity_trace(id));
    CHECK_NOTHROW(first.traces()->store_plasticity_trace(kT, Array(std::vector<double>{2.0})));
  }
}

TEST_CASE("hdf5: a damaged chunk fails its Fletcher-32 check: CorruptData, the rest reads",
          "[hdf5][errors]") {
  hdf5_test::TempDir dir;
  const auto file = dir / "traces.h5";
  std::string damaged, intact;
  {
    engram::Storage storage = hdf5_test::open_hdf5(file, ", compression: none");
    auto s = storage.traces();
    damaged = s->store_plasticity_trace(kT, Array(std::vector<std::uint8_t>(4096, 0xAB)));
    intact = s->store_plasticity_trace(kT, Array(std::vector<double>{1.0, 2.0}));
  }
  std::string bytes = engram_test::file_bytes(file);
  const std::size_t at = bytes.find(std::string(1024, '\xAB'));
  REQUIRE(at != std::string::npos);
  bytes[at + 100] = '\x00';
  std::ofstream(file, std::ios::binary | std::ios::trunc) << bytes;
  engram::Storage storage = hdf5_test::open_hdf5(file);
  auto s = storage.traces();
  try {
    s->retrieve_plasticity_trace(damaged);
    FAIL("read a damaged chunk");
  } catch (const engram::CorruptData& e) {
    // One short line saying what failed; HDF5's stack goes to the debug log.
    const std::string message = e.what();
    INFO(message);
    CHECK(message.rfind("arrays: reading dataset", 0) == 0);
    CHECK(message.find('\n') == std::string::npos);
    CHECK(message.size() < 300);
  }
  auto got = s->retrieve_plasticity_trace(intact);
  REQUIRE(got);
  CHECK(got->synapse_changes == Array(std::vector<double>{1.0, 2.0}));
}
