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

TempDir::TempDir() {
  std::string pattern = (fs::temp_directory_path() / "engram-hdf5-XXXXXX").string();
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) == nullptr) {
    throw std::system_error(errno, std::generic_category(), "mkdtemp");
  }
  path_ = buffer.data();
}

TempDir::~TempDir() {
  std::error_code ec;
  // Tests make files read-only; give write access back before removing.
  for (auto it = fs::recursive_directory_iterator(path_, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::error_code ignored;
    fs::permissions(it->path(), fs::perms::owner_all, fs::perm_options::add, ignored);
  }
  fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
  fs::remove_all(path_, ec);
}

std::string hdf5_config(const fs::path& file, std::string_view extra_options) {
  return std::string("version: 1\nbackends:\n  arrays: {plugin: hdf5, file_path: \"") +
         file.string() + "\"" + std::string(extra_options) + "}\nroles: {traces: arrays}\n";
}

engram::Storage open_hdf5(const fs::path& file, std::string_view extra_options) {
  return engram::Storage::from_yaml(hdf5_config(file, extra_options));
}

std::string shell_quote(std::string_view text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  quoted += '\'';
  return quoted;
}

int run(const std::string& command) {
  const int status = std::system(command.c_str());
  if (status == -1 || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

std::string capture(const std::string& command, int* status) {
  std::string output;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) {
    if (status) *status = -1;
    return output;
  }
  std::array<char, 4096> buffer{};
  std::size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    output.append(buffer.data(), n);
  const int raw = ::pclose(pipe);
  if (status) *status = (raw != -1 && WIFEXITED(raw)) ? WEXITSTATUS(raw) : -1;
  while (!output.empty() && (output.back() == '\n' || output.back() == '\r')) output.pop_back();
  return output;
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
