// npy_errors.h — everything the `npy` plugin throws, in one place: the
// error mapper from errno and from the core's .npy reader to engram's
// error kinds (engram/errors.h).
//
//   errno EACCES, EPERM, EROFS       -> AccessDenied
//   any other errno (ENOSPC, EIO...) -> BackendError
//   a file that does not decode      -> CorruptData (a .npy the core's reader
//     refuses, a record.json that is not the record this plugin wrote)
//   a .npy or record.json newer than this plugin knows -> NotSupported
//
// Every error carries the backend's name (the config's key) and, for
// errno, the native code; every message names the file or folder.
//
// Thread safety: stateless.
#ifndef ENGRAM_EXAMPLES_NPY_ERRORS_H_
#define ENGRAM_EXAMPLES_NPY_ERRORS_H_

#include <filesystem>
#include <string>
#include <string_view>

namespace engram::npy_plugin {

// Throws AccessDenied or BackendError for errno `code` while `doing`
// ("create folder") `path`.
[[noreturn]] void throw_io(std::string_view doing, const std::filesystem::path& path, int code,
                           const std::string& backend);

// Throws CorruptData: `file` does not hold what a record of this plugin
// holds, because `why`.
[[noreturn]] void throw_corrupt(const std::filesystem::path& file, std::string_view why,
                                const std::string& backend);

// Rethrows the exception being handled (call only inside a catch block) as
// the same engram kind, its message naming `file` and its backend
// `backend`: how the core's npy::load and Json errors become this plugin's.
// A std::exception that is not an engram error becomes CorruptData.
[[noreturn]] void rethrow_reading(const std::filesystem::path& file, const std::string& backend);

}  // namespace engram::npy_plugin

#endif  // ENGRAM_EXAMPLES_NPY_ERRORS_H_
