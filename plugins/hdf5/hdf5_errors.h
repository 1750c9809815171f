// plugins/hdf5/hdf5_errors.h — the hdf5 plugin's one error mapper: HDF5's
// error stack (and the journaled driver's failed system call) to the engram
// error a caller catches.
//
// The first line of every message is short: what failed and where, and the
// errno text when a system call failed ("writing data/traces.h5: No space
// left on device"). HDF5's whole stack goes to the log at debug level.
//
// Thread safety: HDF5 keeps its error stack per thread, and the driver its
// failure record; call on the thread whose HDF5 call failed.
#ifndef ENGRAM_PLUGINS_HDF5_HDF5_ERRORS_H_
#define ENGRAM_PLUGINS_HDF5_HDF5_ERRORS_H_

#include <string>
#include <string_view>

#include "engram/ids.h"

namespace engram::hdf5 {

// Stops HDF5 printing its error stack on this thread (the thread-safe
// library keeps that setting per thread) and forgets this thread's earlier
// failures (the error stack and the driver's record), so a later error is
// not blamed on them. Call at the start of each operation.
void begin_hdf5_call() noexcept;

// Throws the engram error for what HDF5's error stack (this thread's) and
// the driver's failure record say went wrong while `doing` (e.g. "opening
// data/traces.h5"), and clears both:
//   a failed write or read (from the driver): "writing <file>: <errno text>"
//     — AccessDenied for EACCES/EPERM/EROFS, else BackendError;
//   not HDF5, a bad checksum, an undecodable object: CorruptData;
//   the file locked by another process, no permission: AccessDenied;
//   a filter that cannot be loaded: NotSupported; anything else: BackendError.
[[noreturn]] void throw_hdf5(const std::string& backend, std::string_view doing);

// Throws the engram error for a failed system call `error` (errno) while
// `doing` ("<doing>: <errno text>"): AccessDenied for EACCES/EPERM/EROFS and
// a lock another process holds, else BackendError.
[[noreturn]] void throw_errno(const std::string& backend, std::string_view doing, int error);

// Returns `result` when it is not negative; else throws through
// throw_hdf5(backend, "<doing> <what>") (`what` made printable).
template <class Result>
Result check(Result result, const std::string& backend, const char* doing,
             std::string_view what = {}) {
  if (result < 0) {
    throw_hdf5(backend,
               what.empty() ? std::string(doing) : std::string(doing) + " " + printable(what));
  }
  return result;
}

}  // namespace engram::hdf5

#endif  // ENGRAM_PLUGINS_HDF5_HDF5_ERRORS_H_
