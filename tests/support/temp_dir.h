// tests/support/temp_dir.h — a fresh folder per test, removed afterwards.
//
// Thread safety: one TempDir per thread, or external synchronisation.
#ifndef ENGRAM_TESTS_SUPPORT_TEMP_DIR_H_
#define ENGRAM_TESTS_SUPPORT_TEMP_DIR_H_

#include <filesystem>
#include <string_view>

namespace engram_test {

// A fresh folder under the system's temp folder, named after `tag`, removed
// (with everything in it, permissions restored first) on destruction.
class TempDir {
 public:
  explicit TempDir(std::string_view tag = "engram");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const noexcept { return path_; }
  std::filesystem::path operator/(std::string_view name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

}  // namespace engram_test

#endif  // ENGRAM_TESTS_SUPPORT_TEMP_DIR_H_
