// Loaded by errors_test.cpp with dlopen(RTLD_LOCAL), like a plugin: throws
// the engram error named by `kind`, so the test can catch it by type in
// another shared library.
#include <string_view>

#include "engram/errors.h"

extern "C" __attribute__((visibility("default"))) void engram_test_throw(const char* kind) {
  const std::string_view k = kind;
  const std::string backend = "thrower";
  if (k == "ConfigError") throw engram::ConfigError("config", backend, 1);
  if (k == "PluginError") throw engram::PluginError("plugin", backend, 2);
  if (k == "InvalidArgument") throw engram::InvalidArgument("argument", backend, 3);
  if (k == "NotSupported") throw engram::NotSupported("unsupported", backend, 4);
  if (k == "ConnectionError") throw engram::ConnectionError("connection", backend, 5);
  if (k == "AccessDenied") throw engram::AccessDenied("denied", backend, 6);
  if (k == "CorruptData") throw engram::CorruptData("corrupt", backend, 7);
  if (k == "BackendError") throw engram::BackendError("backend", backend, 8);
  throw engram::StorageError("base", backend, 9);
}
