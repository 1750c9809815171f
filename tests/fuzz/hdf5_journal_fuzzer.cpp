// Fuzzes the hdf5 plugin's journal recovery (plugins/hdf5/journaled_driver.h):
// the input is the `<file>.journal` beside a small valid HDF5 file, and
// recover() runs on it in the fuzzer's process. It must return or throw
// std::system_error; after it returns, the journal is empty and, when it
// rolled back, the file has the committed size the journal states. The
// recovered file is then opened and read with libhdf5 in a child process: a
// crash or hang there is a library limit (child_process.h), not a finding.
#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

#include "child_process.h"
#include "fuzz_support.h"
#include "journaled_driver.h"

namespace {

using engram::fuzz::finding;
namespace fs = std::filesystem;

struct Paths {
  fs::path dir;
  fs::path pristine;
  fs::path file;
};

// A file as the plugin would hold: a group and a small dataset.
void make_pristine(const fs::path& path) {
  const hid_t file = H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  const hid_t group = H5Gcreate2(file, "/spike_trains", H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  const hsize_t dims[1] = {16};
  const hid_t space = H5Screate_simple(1, dims, nullptr);
  const hid_t data =
      H5Dcreate2(group, "train_1", H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  std::vector<double> values(16, 1.5);
  H5Dwrite(data, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
  H5Dclose(data);
  H5Sclose(space);
  H5Gclose(group);
  if (file < 0 || H5Fclose(file) < 0) finding("cannot make the pristine HDF5 file");
}

const Paths& paths() {
  static const Paths made = [] {
    const std::filesystem::path pattern = engram::fuzz::make_temp_dir("journal");
    Paths p{pattern, fs::path(pattern) / "pristine.h5", fs::path(pattern) / "traces.h5"};
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    make_pristine(p.pristine);
    std::atexit([] {
      std::error_code ignored;
      fs::remove_all(paths().dir, ignored);
    });
    return p;
  }();
  return made;
}

std::uint64_t get_u64(const std::uint8_t* in) {
  std::uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | in[i];
  return value;
}

// Opens the file read-only and reads every dataset of /spike_trains
// (bounded), as the plugin would.
void read_with_hdf5(const fs::path& path) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT);
  if (file < 0) return;
  const hid_t data = H5Dopen2(file, "/spike_trains/train_1", H5P_DEFAULT);
  if (data >= 0) {
    const hid_t space = H5Dget_space(data);
    const hssize_t points = space >= 0 ? H5Sget_simple_extent_npoints(space) : -1;
    if (points >= 0 && points <= (1 << 20)) {
      std::vector<double> values(static_cast<std::size_t>(points));
      H5Dread(data, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
    }
    if (space >= 0) H5Sclose(space);
    H5Dclose(data);
  }
  H5Fclose(file);
}

void write_file(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::string u64(std::uint64_t value) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((value >> (8 * i)) & 0xff);
  return out;
}

// With ENGRAM_FUZZ_WRITE_SEEDS=<folder>: the journal of a real interrupted
// store (made through the driver, flushed, never committed) and journals
// made by hand from the pristine file's own bytes.
void write_seeds(const fs::path& folder) {
  const Paths& p = paths();
  fs::copy_file(p.pristine, p.file, fs::copy_options::overwrite_existing);
  const hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
  if (engram::hdf5::set_journaled_driver(fapl) < 0) finding("set_journaled_driver");
  const hid_t file = H5Fopen(p.file.c_str(), H5F_ACC_RDWR, fapl);
  const hid_t data = H5Dopen2(file, "/spike_trains/train_1", H5P_DEFAULT);
  std::vector<double> values(16, -2.0);
  H5Dwrite(data, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
  const hsize_t dims[1] = {4};
  const hid_t space = H5Screate_simple(1, dims, nullptr);
  const hid_t more = H5Dcreate2(file, "/spike_trains/train_2", H5T_NATIVE_DOUBLE, space,
                                H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite(more, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, values.data());
  H5Fflush(file, H5F_SCOPE_GLOBAL);
  fs::copy_file(engram::hdf5::journal_path(p.file), folder / "valid-interrupted-store",
                fs::copy_options::overwrite_existing);
  H5Dclose(more);
  H5Sclose(space);
  H5Dclose(data);
  H5Fclose(file);
  H5Pclose(fapl);

  std::ifstream in(p.pristine, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string header = std::string("EJRNL001") + u64(bytes.size());
  write_file(folder / "valid-header-only", header);
  write_file(folder / "valid-superblock", header + u64(0) + u64(96) + bytes.substr(0, 96));
  write_file(folder / "valid-two-records", header + u64(0) + u64(8) + bytes.substr(0, 8) +
                                               u64(bytes.size() - 512) + u64(512) +
                                               bytes.substr(bytes.size() - 512));
  write_file(folder / "valid-torn-record", header + u64(0) + u64(96) + bytes.substr(0, 40));
  // Version 2: a committed transaction's record (garbage over the
  // superblock) before the start, which recover() must not apply.
  const std::string stale = u64(0) + u64(8) + std::string(8, '\xff');
  const std::string header2 = std::string("EJRNL002") + u64(bytes.size()) + u64(24 + stale.size());
  write_file(folder / "valid-v2-after-commits",
             header2 + stale + u64(0) + u64(96) + bytes.substr(0, 96));
  write_file(folder / "v2-committed", std::string(8, '\0') + u64(bytes.size()) + u64(24) + stale);
  write_file(folder / "empty-committed", "");
  write_file(folder / "torn-header", "EJRNL0");
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  paths();
  if (const char* folder = std::getenv("ENGRAM_FUZZ_WRITE_SEEDS")) write_seeds(folder);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const Paths& p = paths();
  std::error_code error;
  fs::copy_file(p.pristine, p.file, fs::copy_options::overwrite_existing, error);
  if (error) finding("cannot copy the pristine file: " + error.message());
  const fs::path journal = engram::hdf5::journal_path(p.file);
  std::ofstream(journal, std::ios::binary | std::ios::trunc)
      .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));

  bool rolled_back = false;
  try {
    rolled_back = engram::hdf5::recover(p.file);
  } catch (const std::system_error& e) {
    engram::fuzz::refused(e);
    return 0;
  } catch (const std::exception& e) {
    finding(std::string("recover threw ") + typeid(e).name() + ": " + e.what());
  }
  if (fs::file_size(journal) != 0) finding("recover left the journal non-empty");
  // Version 1 (16-byte header) or 2 (24 bytes: records from a start offset).
  const bool has_header = (size >= 16 && std::memcmp(data, "EJRNL001", 8) == 0) ||
                          (size >= 24 && std::memcmp(data, "EJRNL002", 8) == 0);
  if (rolled_back != has_header) finding("recover's result disagrees with the journal's header");
  if (rolled_back && fs::file_size(p.file) != get_u64(data + 8)) {
    finding("the recovered file does not have the committed size the journal states");
  }
  if (engram::fuzz::expect_valid() && !rolled_back && size != 0) {
    finding("a valid journal rolled nothing back");
  }
  engram::fuzz::run_in_child("hdf5_journal", data, size, [&] { read_with_hdf5(p.file); });
  return 0;
}
