// plugins/sqlite/partial_file.h — a file written under a temporary name
// beside where it will go and moved there only if no file is there, so a
// failed or interrupted write never leaves a half-written file under the
// final name and never replaces one (backups).
//
// Thread safety: one PartialFile is used by one thread; any number may
// exist at once, in one process or several (their names never collide).
#ifndef ENGRAM_PLUGINS_SQLITE_PARTIAL_FILE_H_
#define ENGRAM_PLUGINS_SQLITE_PARTIAL_FILE_H_

#include <filesystem>
#include <string_view>
#include <system_error>

namespace engram::sqlite {

class PartialFile {
 public:
  // Creates "<folder>/.<name>.partial-<pid>-<n>", empty, exclusively (mode
  // 0644 less the umask, as SQLite creates databases). On failure path() is
  // empty and `error` says why.
  PartialFile(const std::filesystem::path& folder, std::string_view name, std::error_code& error);
  PartialFile(const PartialFile&) = delete;
  PartialFile& operator=(const PartialFile&) = delete;
  // Removes the file, and a "-journal" SQLite may have left beside it,
  // unless it was published. Never throws.
  ~PartialFile();

  const std::filesystem::path& path() const noexcept { return path_; }

  // Moves the file to `target` if no file (or link) is there
  // (engram::publish_file). Returns true iff moved; false with `error`
  // EEXIST when something is there, another error otherwise. REQUIRES:
  // path() not empty; `target` in the same file system.
  bool publish(const std::filesystem::path& target, std::error_code& error);

 private:
  std::filesystem::path path_;
};

}  // namespace engram::sqlite

#endif  // ENGRAM_PLUGINS_SQLITE_PARTIAL_FILE_H_
