// Files that are not engram's: a 0-byte file (as `tempfile` leaves one) or
// an empty HDF5 file is a new store; a file that is not HDF5, or an HDF5
// file of another layout, is CorruptData and stays exactly as it was — no
// journal or lock file beside it, same bytes, same mtime. The folders of
// file_path are created.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
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

constexpr double kT = 1700000000.0;

// The file's bytes and modification time, to show it was not touched.
struct Snapshot {
  std::string bytes;
  struct timespec mtime {};
  explicit Snapshot(const fs::path& path) : bytes(engram_test::file_bytes(path)) {
    struct stat st {};
    ::stat(path.c_str(), &st);
    mtime = st.st_mtim;
  }
  bool operator==(const Snapshot& other) const {
    return bytes == other.bytes && mtime.tv_sec == other.mtime.tv_sec &&
           mtime.tv_nsec == other.mtime.tv_nsec;
  }
};

// What engram would write beside `file`.
std::vector<fs::path> beside(const fs::path& file) {
  return {fs::path(file.string() + ".journal"), fs::path(file.string() + ".lock")};
}

// Opening `file` is CorruptData with a short first line naming it, and
// leaves it and its folder as they were.
void require_refused_untouched(const fs::path& file) {
  const Snapshot before(file);
  for (const char* swmr : {", enable_swmr: true", ", enable_swmr: false"}) {
    INFO(swmr);
    try {
      hdf5_test::open_hdf5(file, swmr);
      FAIL("opened " << file);
    } catch (const engram::CorruptData& e) {
      const std::string message = e.what();
      INFO(message);
      CHECK(message.find(file.string()) != std::string::npos);
      CHECK(message.find('\n') == std::string::npos);
      CHECK(message.size() < 300);
    }
    CHECK(Snapshot(file) == before);
    for (const fs::path& extra : beside(file)) {
      INFO(extra);
      CHECK_FALSE(fs::exists(extra));
    }
  }
}

// The store at `file` takes a record and gives it back.
void require_store(const fs::path& file, const std::string& options = {}) {
  const Array a(std::vector<double>{1.5, 2.5});
  std::string id;
  {
    engram::Storage storage = hdf5_test::open_hdf5(file, options);
    id = storage.traces()->store_plasticity_trace(kT, a);
  }
  engram::Storage storage = hdf5_test::open_hdf5(file, options);
  auto got = storage.traces()->retrieve_plasticity_trace(id);
  REQUIRE(got);
  CHECK(got->synapse_changes == a);
}

int python(const std::string& code) {
  return hdf5_test::run(hdf5_test::shell_quote(ENGRAM_PYTHON) + " -c " +
                        hdf5_test::shell_quote(code));
}

}  // namespace

TEST_CASE("hdf5: a 0-byte file is a new, empty store", "[hdf5][foreign]") {
  hdf5_test::TempDir dir;
  for (const char* swmr : {", enable_swmr: true", ", enable_swmr: false"}) {
    INFO(swmr);
    const fs::path file = dir / (std::string("empty") + (swmr[15] == 't' ? "1" : "2") + ".h5");
    std::ofstream(file, std::ios::binary).flush();
    REQUIRE(fs::file_size(file) == 0);
    require_store(file, swmr);
    // h5py reads it as the seed's layout.
    CHECK(hdf5_test::run(
              hdf5_test::python_script("describe " + hdf5_test::shell_quote(file.string())) +
              " > /dev/null") == 0);
  }
}

TEST_CASE("hdf5: a file that is not HDF5 is refused untouched, nothing written beside it",
          "[hdf5][foreign]") {
  hdf5_test::TempDir dir;
  const fs::path file = dir / "notes.h5";
  std::string text;
  for (int i = 0; i < 3000; ++i) text += "line " + std::to_string(i) + "\n";
  std::ofstream(file, std::ios::binary) << text;
  require_refused_untouched(file);
  // One byte is no store either.
  const fs::path one = dir / "one.h5";
  std::ofstream(one, std::ios::binary) << "x";
  require_refused_untouched(one);
}

TEST_CASE("hdf5: an HDF5 file of another layout is refused untouched", "[hdf5][foreign]") {
  hdf5_test::TempDir dir;
  const fs::path file = dir / "other.h5";
  REQUIRE(python("import h5py, numpy as np\n"
                 "with h5py.File('" +
                 file.string() +
                 "', 'w') as f:\n"
                 "    f['images/cat'] = np.arange(100)\n"
                 "    f.attrs['owner'] = 'someone else'\n") == 0);
  require_refused_untouched(file);
  // h5py still reads it as it was.
  CHECK(python("import h5py\n"
               "with h5py.File('" +
               file.string() +
               "', 'r') as f:\n"
               "    assert list(f) == ['images'] and f['images/cat'][99] == 99\n") == 0);
}

TEST_CASE("hdf5: an empty HDF5 file is a new store", "[hdf5][foreign]") {
  hdf5_test::TempDir dir;
  const fs::path file = dir / "fresh.h5";
  REQUIRE(python("import h5py\nh5py.File('" + file.string() + "', 'w').close()\n") == 0);
  require_store(file);
}

TEST_CASE("hdf5: the folders of file_path are created", "[hdf5][foreign]") {
  hdf5_test::TempDir dir;
  for (const char* swmr : {", enable_swmr: true", ", enable_swmr: false"}) {
    INFO(swmr);
    const fs::path file =
        dir / (std::string("deep") + (swmr[15] == 't' ? "1" : "2")) / "er" / "traces.h5";
    require_store(file, swmr);
    CHECK(fs::is_regular_file(file));
  }
  // A folder that cannot be made is a typed error, not a crash.
  const fs::path blocked = dir / "a_file";
  std::ofstream(blocked) << "x";
  CHECK_THROWS_AS(hdf5_test::open_hdf5(blocked / "sub" / "traces.h5"), engram::StorageError);
}

TEST_CASE("hdf5: a damaged journal is CorruptData and grows nothing", "[hdf5][foreign]") {
  hdf5_test::TempDir dir;
  const fs::path file = dir / "traces.h5";
  require_store(file);
  const auto size = fs::file_size(file);
  const Snapshot before(file);
  // A journal claiming a committed size of 1 TiB, with no record that
  // could have cut the file: restoring it would make a 1 TiB sparse file.
  std::string journal("EJRNL001", 8);
  for (int i = 0; i < 8; ++i) journal += static_cast<char>(i == 5 ? 1 : 0);
  std::ofstream(fs::path(file.string() + ".journal"), std::ios::binary) << journal;
  CHECK_THROWS_AS(hdf5_test::open_hdf5(file), engram::CorruptData);
  CHECK(fs::file_size(file) == size);
  CHECK(Snapshot(file) == before);
  // Removing the journal, as the message says, opens the file as it is.
  fs::remove(fs::path(file.string() + ".journal"));
  require_store(file);
}
