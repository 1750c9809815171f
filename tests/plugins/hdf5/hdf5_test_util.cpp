#include "hdf5_test_util.h"

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <system_error>
#include <vector>

namespace fs = std::filesystem;

namespace hdf5_test {

std::string hdf5_config(const fs::path& file, std::string_view extra_options) {
  return std::string("version: 1\nbackends:\n  arrays: {plugin: hdf5, file_path: \"") +
         file.string() + "\"" + std::string(extra_options) + "}\nroles: {traces: arrays}\n";
}

engram::Storage open_hdf5(const fs::path& file, std::string_view extra_options) {
  return engram::Storage::from_yaml(hdf5_config(file, extra_options));
}

std::string python_script(const std::string& args) {
  return shell_quote(ENGRAM_PYTHON) + " " +
         shell_quote((fs::path(ENGRAM_HDF5_TEST_SOURCE_DIR) / "h5py_interop.py").string()) + " " +
         args;
}

fs::path fixture_path(std::string_view name) { return fs::path(ENGRAM_SEED_FIXTURES_DIR) / name; }

fs::path copy_fixture(const TempDir& dir, std::string_view name) {
  const fs::path target = dir / name;
  fs::copy_file(fixture_path(name), target);
  fs::permissions(target, fs::perms::owner_read | fs::perms::owner_write);
  return target;
}

}  // namespace hdf5_test
