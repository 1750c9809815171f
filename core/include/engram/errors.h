// engram/errors.h — the exceptions every engram call may throw.
//
// StorageError is the base; the kinds below are backend-neutral, so a host
// and the conformance suite catch the same type whatever the backend. Each
// error carries the name of the backend that raised it (empty for the core)
// and the backend's native code where there is one (an SQLite result code,
// an errno, an HDF5 major error number). "Not found" is never an error:
// lookups return std::nullopt or an empty list.
//
// The classes are exported from engram::core, so a throw in a plugin is
// caught by type in the host.
//
// Thread safety: error objects are immutable once built.
#ifndef ENGRAM_ERRORS_H_
#define ENGRAM_ERRORS_H_

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "engram/export.h"

namespace engram {

class ENGRAM_API StorageError : public std::runtime_error {
 public:
  // what() is "<backend>: <message> (code <native_code>)", leaving out the
  // parts that are empty.
  explicit StorageError(const std::string& message, std::string backend = {},
                        std::optional<std::int64_t> native_code = std::nullopt);
  ~StorageError() override;

  // The backend's name ("sqlite", "redis", ...); empty for the core.
  const std::string& backend() const noexcept { return backend_; }
  // The backend's own error code, if it had one.
  std::optional<std::int64_t> native_code() const noexcept { return native_code_; }

 private:
  std::string backend_;
  std::optional<std::int64_t> native_code_;
};

#define ENGRAM_DECLARE_ERROR(Name)                                          \
  class ENGRAM_API Name : public StorageError {                             \
   public:                                                                  \
    using StorageError::StorageError;                                       \
    ~Name() override;                                                       \
  }

// A config that is malformed, names an unknown key or backend, or gives an
// option the wrong type. The message names file:line:column.
ENGRAM_DECLARE_ERROR(ConfigError);
// A plugin that cannot be found, is not a plugin, or was built for another ABI.
ENGRAM_DECLARE_ERROR(PluginError);
// A bad argument: malformed id or name, wrong dtype, mismatched shapes,
// non-finite value. Nothing was stored.
ENGRAM_DECLARE_ERROR(InvalidArgument);
// An operation the backend lacks, or a format (schema, file, .npy) version
// newer than this build knows.
ENGRAM_DECLARE_ERROR(NotSupported);
// Server unreachable, timed out or connection lost.
ENGRAM_DECLARE_ERROR(ConnectionError);
// Wrong password, ACL refusal, a read-only or unwritable file.
ENGRAM_DECLARE_ERROR(AccessDenied);
// Bytes or a file that do not decode: not a database, not HDF5, a blob that
// is not .npy, a truncated payload.
ENGRAM_DECLARE_ERROR(CorruptData);
// Any other failure of the backend.
ENGRAM_DECLARE_ERROR(BackendError);

#undef ENGRAM_DECLARE_ERROR

// What every call on a closed backend throws: StorageError("the backend is
// closed", backend), with `what` ("database data/engram.db") in brackets
// when given.
[[noreturn]] ENGRAM_API void throw_closed(std::string_view backend, std::string_view what = {});

// Rethrows `error` as its own kind (ConnectionError stays ConnectionError),
// its native code kept, with `context` and ": " in front of its message.
[[noreturn]] ENGRAM_API void rethrow_with_context(const StorageError& error,
                                                  const std::string& context);

}  // namespace engram

#endif  // ENGRAM_ERRORS_H_
