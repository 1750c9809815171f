// Helpers shared by the hdf5 plugin's tests: temporary folders, engram
// configs for one hdf5 backend, running other programs (h5py, h5ls,
// h5dump), and the seed's fixtures.
#ifndef ENGRAM_TESTS_HDF5_TEST_UTIL_H_
#define ENGRAM_TESTS_HDF5_TEST_UTIL_H_

#include <filesystem>
#include <string>
#include <string_view>

#include "engram/storage.h"

namespace hdf5_test {

// A fresh folder under the system's temp folder, removed (with everything
// in it, permissions restored first) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const noexcept { return path_; }
  std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

// Config text for one hdf5 backend "arrays" serving traces. `extra_options`
// is appended inside the backend's flow map, e.g. ", compression: lz4".
std::string hdf5_config(const std::filesystem::path& file, std::string_view extra_options = {});
engram::Storage open_hdf5(const std::filesystem::path& file, std::string_view extra_options = {});

// Single-quoted for /bin/sh.
std::string shell_quote(std::string_view text);
// Runs `command` through /bin/sh; returns its exit status (-1 if it did not
// exit normally).
int run(const std::string& command);
// Runs `command`, returns its standard output with a trailing newline
// removed; `status` receives its exit status.
std::string capture(const std::string& command, int* status = nullptr);
// "<python> <this folder>/h5py_interop.py <args>", for run/capture.
std::string python_script(const std::string& args);

// Copies a seed fixture into `dir` (writable copy); returns the copy's path.
std::filesystem::path copy_fixture(const TempDir& dir, std::string_view name);
std::filesystem::path fixture_path(std::string_view name);

}  // namespace hdf5_test

#endif  // ENGRAM_TESTS_HDF5_TEST_UTIL_H_
