#include "engram/errors.h"

namespace engram {
namespace {

std::string compose(const std::string& message, const std::string& backend,
                    std::optional<std::int64_t> code) {
  std::string text;
  if (!backend.empty()) text = backend + ": ";
  text += message;
  if (code) text += " (code " + std::to_string(*code) + ")";
  return text;
}

}  // namespace

StorageError::StorageError(const std::string& message, std::string backend,
                           std::optional<std::int64_t> native_code)
    : std::runtime_error(compose(message, backend, native_code)),
      backend_(std::move(backend)),
      native_code_(native_code) {}

// Out-of-line destructors anchor each class's vtable and typeinfo in
// engram::core, so every library shares one copy and catch-by-type works
// across plugin boundaries.
StorageError::~StorageError() = default;
ConfigError::~ConfigError() = default;
PluginError::~PluginError() = default;
InvalidArgument::~InvalidArgument() = default;
NotSupported::~NotSupported() = default;
ConnectionError::~ConnectionError() = default;
AccessDenied::~AccessDenied() = default;
CorruptData::~CorruptData() = default;
BackendError::~BackendError() = default;

void throw_closed(std::string_view backend, std::string_view what) {
  std::string message = "the backend is closed";
  if (!what.empty()) message += " (" + std::string(what) + ")";
  throw StorageError(message, std::string(backend));
}

void rethrow_with_context(const StorageError& error, const std::string& context) {
  // what() already names the backend; keep its native code.
  const std::string message = context + ": " + error.what();
  const auto code = error.native_code();
  if (dynamic_cast<const ConfigError*>(&error)) throw ConfigError(message, {}, code);
  if (dynamic_cast<const PluginError*>(&error)) throw PluginError(message, {}, code);
  if (dynamic_cast<const InvalidArgument*>(&error)) throw InvalidArgument(message, {}, code);
  if (dynamic_cast<const NotSupported*>(&error)) throw NotSupported(message, {}, code);
  if (dynamic_cast<const ConnectionError*>(&error)) throw ConnectionError(message, {}, code);
  if (dynamic_cast<const AccessDenied*>(&error)) throw AccessDenied(message, {}, code);
  if (dynamic_cast<const CorruptData*>(&error)) throw CorruptData(message, {}, code);
  if (dynamic_cast<const BackendError*>(&error)) throw BackendError(message, {}, code);
  throw StorageError(message, {}, code);
}

}  // namespace engram
