#include "engram/publish_file.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>

namespace engram {

bool publish_file(const std::filesystem::path& from, const std::filesystem::path& to,
                  std::error_code& error) noexcept {
  error.clear();
  int code = 0;
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(), RENAME_NOREPLACE) != 0) {
    code = errno;
    if (code == EINVAL || code == ENOSYS || code == ENOTSUP) {
      // A file system without RENAME_NOREPLACE: link() never replaces either.
      code = ::link(from.c_str(), to.c_str()) == 0 ? 0 : errno;
      if (code == 0) ::unlink(from.c_str());
    }
  }
  if (code != 0) {
    error = {code, std::generic_category()};
    return false;
  }
  sync_folder(to.parent_path());
  return true;
}

void sync_folder(const std::filesystem::path& folder) noexcept {
  const int fd = ::open(folder.empty() ? "." : folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace engram
