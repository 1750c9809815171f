// The journaled driver's undo journal as a unit (plugins/hdf5/journaled_driver.h):
// commits zero the journal's magic instead of cutting it, so the journal
// keeps committed transactions' records before the current one's start; a
// process that dies mid-transaction (here a child that _exits without
// closing) is rolled back to its last commit, byte for byte, and never to
// an older one. recover() still reads the version 1 layout earlier builds
// left.
#include <hdf5.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "file_bytes.h"
#include "journaled_driver.h"
#include "temp_dir.h"

namespace fs = std::filesystem;

namespace {

std::string u64(std::uint64_t v) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>(v >> (8 * i));
  return out;
}

void write_file(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// Writes `n` int64 values (all `value`) over the dataset "d" of `file`.
bool overwrite(hid_t file, std::int64_t value) {
  const hid_t d = H5Dopen2(file, "d", H5P_DEFAULT);
  const std::vector<std::int64_t> values(256, value);
  const bool ok =
      d >= 0 && H5Dwrite(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data()) >= 0;
  if (d >= 0) H5Dclose(d);
  return ok;
}

// In a child: creates `path` on the journaled driver with a dataset, then
// six committed transactions that each overwrite it; copies the file as
// committed to `committed`, notes the journal's size and first bytes in
// `journal_copy`; then a transaction that overwrites the dataset, adds a
// group and flushes, and dies without a commit or close. Exit 0 when every
// step worked.
[[noreturn]] void child(const fs::path& path, const fs::path& committed,
                        const fs::path& journal_copy) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  const hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  if (engram::hdf5::set_journaled_driver(fapl) < 0) _exit(10);
  const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl);
  if (file < 0) _exit(11);
  const hsize_t dims[1] = {256};
  const hid_t space = H5Screate_simple(1, dims, nullptr);
  const hid_t d =
      H5Dcreate2(file, "d", H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (d < 0) _exit(12);
  H5Dclose(d);
  H5Sclose(space);
  std::string error;
  for (std::int64_t k = 0; k < 6; ++k) {
    if (!overwrite(file, k) || H5Fflush(file, H5F_SCOPE_GLOBAL) < 0) _exit(13);
    if (!engram::hdf5::commit(file, &error)) _exit(14);
  }
  std::error_code ec;
  fs::copy_file(path, committed, fs::copy_options::overwrite_existing, ec);
  if (ec) _exit(15);
  fs::copy_file(engram::hdf5::journal_path(path), journal_copy,
                fs::copy_options::overwrite_existing, ec);
  if (ec) _exit(16);
  if (!overwrite(file, 99)) _exit(17);
  const hid_t g = H5Gcreate2(file, "late", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  if (g < 0) _exit(18);
  H5Gclose(g);
  if (H5Fflush(file, H5F_SCOPE_GLOBAL) < 0) _exit(19);
  _exit(0);  // no commit, no close: the journal holds the transaction
}

}  // namespace

TEST_CASE("hdf5 journaled driver: commits keep the journal; a death undoes to the last commit",
          "[hdf5][journal]") {
  engram_test::TempDir dir("hdf5-journal");
  const fs::path file = dir / "traces.h5";
  const fs::path committed = dir / "committed.h5";
  const fs::path journal_copy = dir / "journal-at-commit";
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) child(file, committed, journal_copy);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);

  // The commits did not cut the journal: it holds their records, its magic
  // zeroed (no transaction).
  const std::string at_commit = engram_test::file_bytes(journal_copy);
  REQUIRE(at_commit.size() > 24);
  CHECK(at_commit.substr(0, 8) == std::string(8, '\0'));
  // The dead transaction's header points past them.
  const std::string journal = engram_test::file_bytes(engram::hdf5::journal_path(file));
  REQUIRE(journal.size() > at_commit.size());
  CHECK(journal.substr(0, 8) == "EJRNL002");

  CHECK(engram::hdf5::recover(file));
  CHECK(engram_test::file_bytes(file) == engram_test::file_bytes(committed));
  CHECK(fs::file_size(engram::hdf5::journal_path(file)) == 0);
  CHECK_FALSE(engram::hdf5::recover(file));  // nothing more to undo
}

TEST_CASE("hdf5 journaled driver: recover() restores a version 1 journal earlier builds left",
          "[hdf5][journal]") {
  engram_test::TempDir dir("hdf5-journal");
  const fs::path file = dir / "traces.h5";
  {
    const hid_t f = H5Fcreate(file.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    REQUIRE(f >= 0);
    H5Gclose(H5Gcreate2(f, "g", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT));
    REQUIRE(H5Fclose(f) >= 0);
  }
  const std::string original = engram_test::file_bytes(file);
  REQUIRE(original.size() > 96);
  // A store that died after overwriting the superblock and growing the file.
  std::string damaged = original;
  std::memset(damaged.data(), 0x5a, 96);
  write_file(file, damaged + std::string(4096, 'x'));
  write_file(engram::hdf5::journal_path(file), std::string("EJRNL001") + u64(original.size()) +
                                                   u64(0) + u64(96) + original.substr(0, 96));
  CHECK(engram::hdf5::recover(file));
  CHECK(engram_test::file_bytes(file) == original);
  CHECK(fs::file_size(engram::hdf5::journal_path(file)) == 0);
}
