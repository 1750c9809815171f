// plugins/hdf5/hdf5_errors.h — the hdf5 plugin's one error mapper: HDF5's
// error stack (and the journaled driver's failed system call) to the engram
// error a caller catches.
//
// The kind is decided from numbers only: the driver's errno, and the major
// and minor error ids of the entries on HDF5's stack (H5Ewalk2). HDF5's
// descriptions only make the message. The first line of every message is
// short: what failed and where, and the errno text when a system call
// failed ("writing data/traces.h5: No space left on device"). HDF5's whole
// stack goes to the log at debug level.
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
// data/traces.h5"), and clears both. In order:
//   a system call of the driver failed (open, read, write): "<opening |
//     reading | writing> <file>: <errno text>", as throw_errno;
//   a filter plugin HDF5 found but could not load (an H5E_PLUGIN entry):
//     NotSupported;
//   not HDF5 (H5E_NOTHDF5), a bad or truncated file (H5E_BADFILE,
//     H5E_TRUNCATED), metadata the cache could not load (H5E_CACHE with
//     H5E_READERROR or H5E_CANTLOAD: a bad checksum, a bad signature, an
//     address past the file), a filter pipeline that failed on read
//     (H5E_CANTFILTER: Fletcher-32, a codec's bad input, a filter that is
//     not registered), an object HDF5 cannot decode (H5E_CANTDECODE):
//     CorruptData;
//   the file locked by another process (H5E_CANTLOCKFILE) or already open
//     (H5E_FILEOPEN): AccessDenied;
//   anything else: BackendError.
// Every error carries the outermost entry's major id as its native code.
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
