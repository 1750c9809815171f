// The `npy` plugin's error mapper (npy_errors.h).
#include "npy_errors.h"

#include <cerrno>
#include <exception>
#include <system_error>

#include "engram/errors.h"

namespace engram::npy_plugin {

void throw_io(std::string_view doing, const std::filesystem::path& path, int code,
              const std::string& backend) {
  const std::string message = "cannot " + std::string(doing) + " '" + path.string() +
                              "': " + std::generic_category().message(code);
  if (code == EACCES || code == EPERM || code == EROFS) {
    throw AccessDenied(message, backend, code);
  }
  throw BackendError(message, backend, code);
}

void throw_corrupt(const std::filesystem::path& file, std::string_view why,
                   const std::string& backend) {
  throw CorruptData("'" + file.string() + "' is damaged: " + std::string(why), backend);
}

void rethrow_reading(const std::filesystem::path& file, const std::string& backend) {
  const std::string prefix = "reading '" + file.string() + "': ";
  // The core's errors say what was wrong but not (always) which file, and
  // name no backend: keep the kind and the native code, add both.
  try {
    throw;
  } catch (const CorruptData& e) {
    throw CorruptData(prefix + e.what(), backend, e.native_code());
  } catch (const NotSupported& e) {
    throw NotSupported(prefix + e.what(), backend, e.native_code());
  } catch (const AccessDenied& e) {
    throw AccessDenied(prefix + e.what(), backend, e.native_code());
  } catch (const StorageError& e) {
    throw BackendError(prefix + e.what(), backend, e.native_code());
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    // nlohmann's parse and type errors: the file is not what we wrote.
    throw CorruptData(prefix + e.what(), backend);
  }
}

}  // namespace engram::npy_plugin
