// Bounded memory whatever a file claims: a dataset whose header declares
// more bytes than max_record_bytes, or more than its stored chunks can
// decompress to (stored bytes × the codec's largest ratio), is CorruptData
// before anything is allocated. The hostile files are small files h5py
// writes; each retrieve runs in a child process under RLIMIT_AS, so an
// allocation of the declared size fails there instead of succeeding.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <new>
#include <string>
#include <vector>

#include "engram/array.h"
#include "engram/errors.h"
#include "engram/storage.h"
#include "engram/trace_store.h"
#include "hdf5_test_util.h"

namespace fs = std::filesystem;

namespace {

using engram::Array;

constexpr double kT = 1700000000.0;

// Adds plasticity trace `id` to the store at `file` with h5py: a float64
// dataset of `shape` (a Python tuple), chunked as `chunks`, with `filters`
// (h5py keyword arguments), of which only `written` leading elements are
// written.
void add_hostile(const fs::path& file, const std::string& id, const std::string& shape,
                 const std::string& chunks, const std::string& filters, long written) {
  const std::string code =
      "import h5py, numpy as np\n"
      "with h5py.File('" +
      file.string() +
      "', 'a') as f:\n"
      "    g = f['learning_traces/plasticity']\n"
      "    d = g.create_dataset('" +
      id + "', shape=" + shape + ", dtype='f8', chunks=" + chunks + filters +
      ")\n"
      "    d[:" +
      std::to_string(written) + "] = np.arange(" + std::to_string(written) +
      ")\n"
      "    d.attrs['timestamp'] = 1.0\n"
      "    d.attrs['plasticity_type'] = 'stdp'\n";
  REQUIRE(hdf5_test::run(hdf5_test::shell_quote(ENGRAM_PYTHON) + " -c " +
                         hdf5_test::shell_quote(code)) == 0);
}

// Exit codes of the child below.
enum Outcome { kCorrupt = 0, kRead = 1, kOtherError = 2, kBadAlloc = 3, kOther = 4 };

// Retrieves `id` from `file` in a child limited to 3 GiB of address space
// (the 8 GB a declaration asks for cannot be had there); returns what
// happened.
int retrieve_in_child(const fs::path& file, const std::string& id,
                      const std::string& options = {}) {
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
    // (A sanitizer's shadow memory already passes any such limit: there the
    // sanitizer's own allocator reports a huge allocation instead.)
    rlimit limit{};
    ::getrlimit(RLIMIT_AS, &limit);
    limit.rlim_cur = rlim_t{3} << 30;
    ::setrlimit(RLIMIT_AS, &limit);
#endif
    try {
      engram::Storage storage = hdf5_test::open_hdf5(file, options);
      storage.traces()->retrieve_plasticity_trace(id);
      ::_exit(kRead);
    } catch (const engram::CorruptData&) {
      ::_exit(kCorrupt);
    } catch (const engram::StorageError&) {
      ::_exit(kOtherError);
    } catch (const std::bad_alloc&) {
      ::_exit(kBadAlloc);
    } catch (...) {
      ::_exit(kOther);
    }
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  return WEXITSTATUS(status);
}

}  // namespace

TEST_CASE("hdf5: a dataset declaring a huge extent is CorruptData before any allocation",
          "[hdf5][limits]") {
  hdf5_test::TempDir dir;
  const fs::path file = dir / "hostile.h5";
  std::string kept;
  {
    engram::Storage storage = hdf5_test::open_hdf5(file);
    kept = storage.traces()->store_plasticity_trace(kT, Array(std::vector<double>{1.0, 2.0}));
  }
  // 8 GB declared: past the 4 GiB default limit.
  add_hostile(file, "past_limit", "(10**9,)", "(2**17,)", ", compression='gzip'", 10);
  // 800 MB declared, within the limit, but one 1 MiB chunk of zeros holds
  // it: more than the stored bytes × gzip's largest ratio.
  add_hostile(file, "past_ratio", "(10**8,)", "(2**17,)", ", compression='gzip'", 10);
  // No compression: the declared bytes must all be stored.
  add_hostile(file, "unbacked", "(10**8,)", "(2**17,)", "", 10);
  INFO("0 CorruptData, 1 read, 2 other engram error, 3 bad_alloc, 4 other");
  const auto started = std::chrono::steady_clock::now();
  for (const char* id : {"past_limit", "past_ratio", "unbacked"}) {
    INFO(id);
    CHECK(retrieve_in_child(file, id) == kCorrupt);
  }
  // A generous bound on how long refusing takes (no 800 MB read first).
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(30));
  // The honest records still read.
  engram::Storage storage = hdf5_test::open_hdf5(file);
  auto got = storage.traces()->retrieve_plasticity_trace(kept);
  REQUIRE(got);
  CHECK(got->synapse_changes == Array(std::vector<double>{1.0, 2.0}));
  try {
    storage.traces()->retrieve_plasticity_trace("past_ratio");
    FAIL("read a dataset its file cannot back");
  } catch (const engram::CorruptData& e) {
    const std::string message = e.what();
    INFO(message);
    CHECK(message.find("/learning_traces/plasticity/past_ratio") != std::string::npos);
    CHECK(message.find(file.string()) != std::string::npos);
  }
}

TEST_CASE("hdf5: max_record_bytes bounds what a read may allocate", "[hdf5][limits]") {
  hdf5_test::TempDir dir;
  const fs::path file = dir / "traces.h5";
  const Array big(std::vector<double>(20000, 0.25));  // 160,000 bytes
  std::string id;
  {
    engram::Storage storage = hdf5_test::open_hdf5(file);
    id = storage.traces()->store_plasticity_trace(kT, big);
  }
  {
    engram::Storage storage = hdf5_test::open_hdf5(file, ", max_record_bytes: 100000");
    CHECK_THROWS_AS(storage.traces()->retrieve_plasticity_trace(id), engram::CorruptData);
    // Smaller records still read under that limit.
    const std::string small =
        storage.traces()->store_plasticity_trace(kT, Array(std::vector<double>{3.0}));
    CHECK(storage.traces()->retrieve_plasticity_trace(small));
  }
  engram::Storage storage = hdf5_test::open_hdf5(file);
  auto got = storage.traces()->retrieve_plasticity_trace(id);
  REQUIRE(got);
  CHECK(got->synapse_changes == big);
}
