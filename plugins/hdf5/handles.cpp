// The hdf5 plugin's handles (handles.h).
#include "handles.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <system_error>

#include "hdf5_errors.h"

namespace engram::hdf5 {

Hid open_group(hid_t parent, const std::string& path, const std::string& backend,
               std::string_view doing) {
  Hid group(H5Gopen2(parent, path.c_str(), H5P_DEFAULT), H5Gclose);
  if (!group) throw_hdf5(backend, doing);
  return group;
}

Hid create_group(hid_t parent, const std::string& name, hid_t lcpl, const std::string& backend,
                 std::string_view doing) {
  Hid group(H5Gcreate2(parent, name.c_str(), lcpl, H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
  if (!group) throw_hdf5(backend, doing);
  return group;
}

FileLock::~FileLock() {
  if (fd_ >= 0) ::close(fd_);  // closing releases the lock
}

FileLock FileLock::exclusive(const std::filesystem::path& path, std::string* error) {
  FileLock lock;
  lock.fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (lock.fd_ < 0 || ::flock(lock.fd_, LOCK_EX) != 0) {
    *error = std::error_code(errno, std::generic_category()).message();
    return FileLock();
  }
  return lock;
}

}  // namespace engram::hdf5
