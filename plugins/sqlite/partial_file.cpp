#include "partial_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <string>

#include "engram/publish_file.h"

namespace engram::sqlite {
namespace {

namespace fs = std::filesystem;

// An open file descriptor, closed when it goes.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) noexcept : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const noexcept { return fd_; }

 private:
  int fd_;
};

std::error_code last_error() { return {errno, std::generic_category()}; }

}  // namespace

PartialFile::PartialFile(const fs::path& folder, std::string_view name, std::error_code& error) {
  static std::atomic<unsigned> counter{0};
  const std::string prefix = "." + std::string(name) + ".partial-" + std::to_string(::getpid());
  for (;;) {
    const fs::path candidate = folder / (prefix + "-" + std::to_string(++counter));
    const FileDescriptor fd(
        ::open(candidate.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (fd.get() >= 0) {
      path_ = candidate;
      error.clear();
      return;
    }
    if (errno != EEXIST) {
      error = last_error();
      return;
    }
  }
}

PartialFile::~PartialFile() {
  if (path_.empty()) return;
  ::unlink(path_.c_str());
  ::unlink((path_.string() + "-journal").c_str());
}

bool PartialFile::publish(const fs::path& target, std::error_code& error) {
  if (!publish_file(path_, target, error)) return false;
  path_.clear();
  return true;
}

}  // namespace engram::sqlite
