// The traces file behind one mutex (shared_file.h).
#include "shared_file.h"

#include <exception>

#include "engram/errors.h"
#include "engram/log.h"

namespace engram::hdf5 {

void SharedFile::close() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (closed_) return;
  closed_ = true;
  begin_hdf5_call();
  file_.close();
}

void SharedFile::undo(const std::vector<Created>& created) noexcept {
  try {
    for (auto it = created.rbegin(); it != created.rend(); ++it) {
      records_.remove(it->group, it->name);
    }
    file_.flush();
  } catch (const std::exception& e) {
    log(LogLevel::kWarn, name_ + ": could not undo a failed store (" + e.what() +
                             "); rolling the file back to its last commit");
    file_.abandon();
  }
}

void SharedFile::check_open() {
  if (closed_) {
    throw StorageError("the backend is closed (file " + file_.path().string() + ")", name_);
  }
  if (!file_.is_open()) {
    FileLock turn = writer_turn();
    records_.forget_names();
    records_.forget_suffixes();
    file_.open();
  }
}

}  // namespace engram::hdf5
