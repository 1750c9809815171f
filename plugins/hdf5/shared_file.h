// plugins/hdf5/shared_file.h — the traces file and its records behind one
// mutex, shared by the backend's role and its maintenance: each call runs
// with the lock held, HDF5's error stack silenced and cleared, and the file
// open (reopened after a failure abandoned it, so a full disk that has
// space again takes stores). A store holds, with enable_swmr, the exclusive
// flock on "<file>.lock" too (readers in other processes that follow the
// protocol hold a shared one while they open and read), ends with a flush
// and commit, and on failure removes what it created, or abandons the file
// (rolled back to its last commit) when a write of it failed.
//
// Errors: what the called function throws; StorageError("the backend is
// closed ...") after close(). Thread safety: every method may be called
// from any thread; one call runs at a time.
#ifndef ENGRAM_PLUGINS_HDF5_SHARED_FILE_H_
#define ENGRAM_PLUGINS_HDF5_SHARED_FILE_H_

#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "handles.h"
#include "hdf5_errors.h"
#include "hdf5_options.h"
#include "records.h"
#include "traces_file.h"

namespace engram::hdf5 {

// The file behind one mutex, and whether the backend was closed.
class SharedFile {
 public:
  // Opens the file (File's constructor, and what it throws) for backend
  // `name`.
  SharedFile(std::string name, Hdf5Options options, std::shared_ptr<const Clock> clock)
      : name_(std::move(name)),
        file_(name_, std::move(options), std::move(clock)),
        records_(file_) {
    files_ = owned_files(file_.path());
  }

  const std::string& name() const noexcept { return name_; }
  // Now, by the backend's clock.
  double now() const { return file_.now(); }
  // The data file and every file engram writes beside it, absolute.
  const std::vector<fs::path>& files() const noexcept { return files_; }

  // Runs `read` with the file, the lock held.
  template <class Fn>
  auto read(Fn&& fn) {
    std::lock_guard<std::mutex> lock(mutex_);
    begin_hdf5_call();
    check_open();
    return guarded([&] { return fn(file_, records_); });
  }
  // Runs `write` with the file, the lock held (and with SWMR the sidecar
  // lock), flushes after. When it throws, what it created is removed again;
  // when a write of the file failed (a full disk), the file is abandoned
  // instead: rolled back to its last commit, and reopened by the next call.
  template <class Fn>
  auto write(Fn&& fn) {
    std::lock_guard<std::mutex> lock(mutex_);
    begin_hdf5_call();
    check_open();
    FileLock turn = writer_turn();
    records_.forget_names();
    std::vector<Created> created;
    try {
      auto result = fn(file_, records_, created);
      file_.flush();
      return result;
    } catch (...) {
      if (file_.is_open() && !file_.write_failed()) undo(created);
      if (file_.write_failed()) file_.abandon();
      throw;
    }
  }
  // Runs `fn` with the file and the lock held, for maintenance.
  template <class Fn>
  auto maintain(Fn&& fn) {
    std::lock_guard<std::mutex> lock(mutex_);
    begin_hdf5_call();
    check_open();
    FileLock turn = writer_turn();
    records_.forget_names();
    return guarded([&] { return fn(file_, records_); });
  }

  // Closes the file, writing it out (idempotent); every later call throws
  // StorageError("the backend is closed ..."). Throws what File::close
  // throws.
  void close();

 private:
  // Runs `fn`; when it throws after a write of the file failed, abandons
  // the file before the error goes on.
  template <class Fn>
  auto guarded(Fn&& fn) {
    try {
      return fn();
    } catch (...) {
      if (file_.write_failed()) file_.abandon();
      throw;
    }
  }

  // Removes what a failed store created and commits that; when this fails
  // too, the file is abandoned (the rollback removes it).
  void undo(const std::vector<Created>& created) noexcept;

  // Throws unless the file is open, reopening it after a failure abandoned
  // it (so a full disk that has space again takes stores).
  void check_open();
  FileLock writer_turn() const { return file_.writer_turn(); }

  std::string name_;
  std::mutex mutex_;
  bool closed_ = false;
  File file_;
  Records records_;
  std::vector<fs::path> files_;
};

}  // namespace engram::hdf5

#endif  // ENGRAM_PLUGINS_HDF5_SHARED_FILE_H_
