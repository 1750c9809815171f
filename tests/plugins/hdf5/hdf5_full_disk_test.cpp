// A full disk mid-run: a child process stores snapshots and spike trains on
// a small filesystem (a 4 MiB tmpfs the test mounts; where mount is refused,
// RLIMIT_FSIZE with SIGXFSZ ignored, so writes fail with EFBIG) until a
// store fails. From then on every call is a typed engram error or works, the
// first line of the error says what failed and where, and the child exits
// normally (no SIGSEGV from HDF5's exit handler). A fresh open then reads
// back every store the child saw return; once space returns, the same file
// takes new stores. A create on a full disk leaves no file that later
// opens refuse.
#include <signal.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <sstream>
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

// Values that do not compress away, so the disk fills after a few stores.
Array noisy(std::int64_t n, std::size_t side = 48) {
  std::vector<double> v(side * side);
  std::uint64_t x = 0x9E3779B97F4A7C15ULL * static_cast<std::uint64_t>(n + 1);
  for (double& d : v) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    d = static_cast<double>(x >> 11);
  }
  return Array(std::move(v), {side, side});
}

// A small filesystem at `dir`: a tmpfs mounted there (unmounted on
// destruction), or nothing when mount is refused (then mounted() is false
// and the caller limits file sizes instead).
class SmallDisk {
 public:
  SmallDisk(const fs::path& dir, const char* size) : dir_(dir) {
    fs::create_directories(dir);
    const std::string options = std::string("size=") + size;
    mounted_ = ::mount("tmpfs", dir.c_str(), "tmpfs", 0, options.c_str()) == 0;
  }
  ~SmallDisk() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  SmallDisk(const SmallDisk&) = delete;
  SmallDisk& operator=(const SmallDisk&) = delete;
  bool mounted() const noexcept { return mounted_; }

 private:
  fs::path dir_;
  bool mounted_ = false;
};

// Fills the filesystem holding `dir` with the file `filler`, leaving about
// `leave` bytes free.
void fill(const fs::path& filler, std::uintmax_t leave) {
  const std::uintmax_t free = fs::space(filler.parent_path()).available;
  std::ofstream out(filler, std::ios::binary);
  const std::string block(4096, 'x');
  for (std::uintmax_t done = 0; done + leave + block.size() <= free; done += block.size()) {
    out << block;
  }
}

// Runs this test binary's hidden test `name` in a fresh process with the
// environment `env` ("K=V K2=V2", quoted), its output in `log`. Returns its
// exit status, -1 when it ended through a signal.
int run_helper(const std::string& name, const std::string& env, const fs::path& log) {
  const std::string command =
      env + " " + hdf5_test::shell_quote(fs::read_symlink("/proc/self/exe").string()) + " " +
      hdf5_test::shell_quote(name) + " > " + hdf5_test::shell_quote(log.string()) + " 2>&1";
  return hdf5_test::run(command);
}

// In a helper: applies ENGRAM_HDF5_HELPER_FSIZE as RLIMIT_FSIZE, SIGXFSZ
// ignored, so a write past it fails with EFBIG.
void limit_file_size() {
  const char* fsize = std::getenv("ENGRAM_HDF5_HELPER_FSIZE");
  if (fsize == nullptr) return;
  ::signal(SIGXFSZ, SIG_IGN);
  const rlim_t bytes = std::strtoull(fsize, nullptr, 10);
  const rlimit limit{bytes, bytes};
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &limit) == 0);
}

// The acknowledged stores a helper reported: "<kind> <id> <n>" lines.
struct Acked {
  std::string kind;
  std::string id;
  std::int64_t n = 0;
};

std::vector<Acked> read_acked(const fs::path& report) {
  std::vector<Acked> out;
  std::istringstream in(engram_test::file_bytes(report));
  Acked a;
  while (in >> a.kind >> a.id >> a.n) out.push_back(a);
  return out;
}

// Every acknowledged store is there, intact.
void check_acked(engram::TraceStore& s, const std::vector<Acked>& acked) {
  for (const Acked& a : acked) {
    INFO(a.kind << " " << a.id);
    if (a.kind == "snapshot") {
      auto got = s.retrieve_network_snapshot(a.id);
      REQUIRE(got);
      CHECK(got->metadata == Json{{"n", a.n}});
      CHECK(got->adjacency_matrix == noisy(a.n));
      CHECK(got->weight_matrix == noisy(a.n + 1));
      CHECK(got->neuron_states == noisy(a.n + 2, 8));
    } else {
      auto got = s.retrieve_spike_train(a.id);
      REQUIRE(got);
      CHECK(got->spike_times == Array(std::vector<double>{0.5, static_cast<double>(a.n)}));
      CHECK(got->neuron_ids == Array(std::vector<std::int64_t>{a.n, 2}));
    }
  }
}

// What a call gave after the disk filled: it worked, or threw an engram
// error. Anything else fails the test.
template <class Fn>
void typed_or_ok(const char* what, Fn&& fn) {
  INFO(what);
  try {
    fn();
  } catch (const engram::StorageError& e) {
    const std::string message = e.what();
    INFO(message);
    CHECK(message.find('\n') == std::string::npos);
    CHECK(message.size() < 400);
  }
}

}  // namespace

// Run by the tests below in a fresh process. Stores until a store fails,
// reporting each one that returned; then tries more calls; then exits
// normally.
TEST_CASE("hdf5 helper: store until the disk is full", "[.][hdf5-full-disk-helper]") {
  const fs::path file = std::getenv("ENGRAM_HDF5_HELPER_FILE");
  const fs::path report = std::getenv("ENGRAM_HDF5_HELPER_REPORT");
  limit_file_size();
  std::ofstream out(report, std::ios::app);
  engram::Storage storage = hdf5_test::open_hdf5(file, ", compression: none");
  auto s = storage.traces();
  std::optional<std::string> failure;
  std::int64_t n = 0;
  for (; n < 100000 && !failure; n += 3) {
    try {
      const std::string id = s->store_network_snapshot(
          kT + static_cast<double>(n), noisy(n), noisy(n + 1), noisy(n + 2, 8), Json{{"n", n}});
      out << "snapshot " << id << " " << n << std::endl;
      const std::string train = s->store_spike_train(
          kT + static_cast<double>(n), Array(std::vector<double>{0.5, static_cast<double>(n)}),
          Array(std::vector<std::int64_t>{n, 2}));
      out << "train " << train << " " << n << std::endl;
    } catch (const engram::BackendError& e) {
      failure = e.what();
    } catch (const engram::AccessDenied& e) {
      failure = e.what();
    }
  }
  REQUIRE(failure);
  INFO(*failure);
  // The first line says what failed, where, and why; HDF5's stack is not in it.
  CHECK(failure->rfind("arrays: writing " + file.string(), 0) == 0);
  const bool no_space = failure->find("No space left on device") != std::string::npos ||
                        failure->find("File too large") != std::string::npos;
  CHECK(no_space);
  CHECK(failure->find('\n') == std::string::npos);
  CHECK(failure->size() < 300);
  // Every later call is a typed error (or works, as a read may).
  for (int i = 0; i < 3; ++i, n += 3) {
    typed_or_ok("store", [&] {
      s->store_network_snapshot(kT, noisy(n), noisy(n + 1), noisy(n + 2, 8), Json{{"n", n}});
    });
    typed_or_ok("batch", [&] {
      engram::TraceBatch batch;
      const Array a = noisy(n);
      batch.put(engram::NetworkSnapshotView{{}, kT, a, a, a, Json::object()});
      s->store_batch(batch);
    });
    typed_or_ok("list", [&] { s->list_network_snapshots({}, 5); });
    typed_or_ok("stats", [&] { s->maintenance().stats(); });
    typed_or_ok("sync", [&] { s->maintenance().sync(); });
    typed_or_ok("compact", [&] { s->maintenance().compact(); });
  }
  typed_or_ok("close", [&] { storage.close(); });
}

// Run by the test below in a fresh process: the create of a new file on a
// full disk is a typed error.
TEST_CASE("hdf5 helper: create on a full disk", "[.][hdf5-full-disk-helper]") {
  const fs::path file = std::getenv("ENGRAM_HDF5_HELPER_FILE");
  limit_file_size();
  try {
    engram::Storage storage = hdf5_test::open_hdf5(file);
    storage.traces()->store_plasticity_trace(kT, noisy(1, 200));
    FAIL("the create and store worked on a full disk");
  } catch (const engram::StorageError& e) {
    const std::string message = e.what();
    INFO(message);
    CHECK(message.find('\n') == std::string::npos);
    CHECK(message.size() < 300);
  }
}

namespace {

// One full-disk round: helper stores until full (exits normally), a fresh
// open reads everything back, space returns, the same file takes stores.
void full_disk_round(bool use_tmpfs) {
  hdf5_test::TempDir dir;
  const fs::path disk = dir / "disk";
  std::optional<SmallDisk> small;
  if (use_tmpfs) {
    small.emplace(disk, "4m");
    if (!small->mounted()) {
      WARN("mount -t tmpfs refused; the RLIMIT_FSIZE round covers the full disk");
      return;
    }
  } else {
    fs::create_directories(disk);
  }
  const fs::path file = disk / "traces.h5";
  const fs::path report = dir / "acked.txt";
  const fs::path filler = disk / "filler";
  std::string env = "ENGRAM_HDF5_HELPER_FILE=" + hdf5_test::shell_quote(file.string()) +
                    " ENGRAM_HDF5_HELPER_REPORT=" + hdf5_test::shell_quote(report.string());
  if (use_tmpfs) {
    fill(filler, 1536 * 1024);
  } else {
    env += " ENGRAM_HDF5_HELPER_FSIZE=1500000";
  }

  const int status = run_helper("hdf5 helper: store until the disk is full", env, dir / "log");
  INFO(engram_test::file_bytes(dir / "log"));
  CHECK(status == 0);  // -1: it ended through a signal
  const std::vector<Acked> acked = read_acked(report);
  CHECK(acked.size() >= 4);

  // A fresh open, the disk still full: every acknowledged store is there.
  {
    engram::Storage storage = hdf5_test::open_hdf5(file, ", compression: none");
    check_acked(*storage.traces(), acked);
  }
  // Space returns: the same file opens and takes new stores.
  if (use_tmpfs) fs::remove(filler);
  engram::Storage storage = hdf5_test::open_hdf5(file, ", compression: none");
  auto s = storage.traces();
  const std::string id =
      s->store_network_snapshot(kT, noisy(-9), noisy(-8), noisy(-7, 8), Json{{"n", -9}});
  check_acked(*s, acked);
  check_acked(*s, {{"snapshot", id, -9}});
}

}  // namespace

TEST_CASE("hdf5: a full tmpfs mid-run: typed errors, clean exit, nothing acknowledged lost",
          "[hdf5][full-disk]") {
  full_disk_round(true);
}

TEST_CASE("hdf5: RLIMIT_FSIZE mid-run (EFBIG): typed errors, clean exit, nothing lost",
          "[hdf5][full-disk]") {
  full_disk_round(false);
}

TEST_CASE("hdf5: a create on a full disk leaves no file that later opens refuse",
          "[hdf5][full-disk]") {
  hdf5_test::TempDir dir;
  const fs::path disk = dir / "disk";
  SmallDisk small(disk, "1m");
  if (!small.mounted()) {
    WARN("mount -t tmpfs refused: skipped");
    return;
  }
  const fs::path file = disk / "new.h5";
  const fs::path filler = disk / "filler";
  for (const std::uintmax_t leave :
       {std::uintmax_t{0}, std::uintmax_t{1200}, std::uintmax_t{6000}}) {
    INFO("free bytes left: " << leave);
    fill(filler, leave);
    const int status =
        run_helper("hdf5 helper: create on a full disk",
                   "ENGRAM_HDF5_HELPER_FILE=" + hdf5_test::shell_quote(file.string()), dir / "log");
    INFO(engram_test::file_bytes(dir / "log"));
    CHECK(status == 0);
    fs::remove(filler);
    // Space is back: the same path opens as a store and keeps what it takes.
    {
      engram::Storage storage = hdf5_test::open_hdf5(file);
      const std::string id = storage.traces()->store_plasticity_trace(kT, noisy(2, 4));
      auto got = storage.traces()->retrieve_plasticity_trace(id);
      REQUIRE(got);
      CHECK(got->synapse_changes == noisy(2, 4));
    }
    fs::remove(file);
    for (const char* extra : {".journal", ".lock"}) fs::remove(fs::path(file.string() + extra));
  }
}
