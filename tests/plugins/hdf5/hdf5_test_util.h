// Helpers shared by the hdf5 plugin's tests: temporary folders, engram
// configs for one hdf5 backend, running other programs (h5py, h5ls,
// h5dump), and the seed's fixtures.
#ifndef ENGRAM_TESTS_HDF5_TEST_UTIL_H_
#define ENGRAM_TESTS_HDF5_TEST_UTIL_H_

#include <filesystem>
#include <string>
#include <string_view>

#include "engram/storage.h"
#include "shell.h"
#include "temp_dir.h"

namespace hdf5_test {

using engram_test::capture;
using engram_test::run;
using engram_test::shell_quote;
// The support TempDir, named for these tests' folders.
class TempDir : public engram_test::TempDir {
 public:
  TempDir() : engram_test::TempDir("engram-hdf5") {}
};

// Config text for one hdf5 backend "arrays" serving traces. `extra_options`
// is appended inside the backend's flow map, e.g. ", compression: lz4".
std::string hdf5_config(const std::filesystem::path& file, std::string_view extra_options = {});
engram::Storage open_hdf5(const std::filesystem::path& file, std::string_view extra_options = {});

// "<python> <this folder>/h5py_interop.py <args>", for run/capture.
std::string python_script(const std::string& args);

// Copies a seed fixture into `dir` (writable copy); returns the copy's path.
std::filesystem::path copy_fixture(const TempDir& dir, std::string_view name);
std::filesystem::path fixture_path(std::string_view name);

}  // namespace hdf5_test

#endif  // ENGRAM_TESTS_HDF5_TEST_UTIL_H_
