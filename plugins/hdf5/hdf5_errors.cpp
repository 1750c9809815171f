// The hdf5 plugin's error mapper (hdf5_errors.h).
#include "hdf5_errors.h"

#include <hdf5.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <system_error>
#include <vector>

#include "engram/errors.h"
#include "engram/log.h"
#include "journaled_driver.h"

namespace engram::hdf5 {
namespace {

// The most of HDF5's descriptions the first line of a message carries.
constexpr std::size_t kMaxDetail = 160;

struct ErrorStack {
  std::string full;   // every entry, for the debug log
  std::string outer;  // the API call's description
  std::string inner;  // the deepest description
  hid_t major = H5I_INVALID_HID;
  std::vector<hid_t> minors;
};

herr_t collect_error(unsigned n, const H5E_error2_t* error, void* data) {
  auto* stack = static_cast<ErrorStack*>(data);
  if (n == 0) stack->major = error->maj_num;
  stack->minors.push_back(error->min_num);
  const std::string desc = error->desc == nullptr ? std::string() : std::string(error->desc);
  if (stack->full.size() < 16384) {
    stack->full += "\n  #" + std::to_string(n) + " " +
                   (error->func_name == nullptr ? "" : error->func_name) + ": " + desc;
  }
  if (!desc.empty()) {
    if (stack->outer.empty()) stack->outer = desc;
    stack->inner = desc;
  }
  return 0;
}

bool denied(int error) { return error == EACCES || error == EPERM || error == EROFS; }

// `text` cut to kMaxDetail bytes, on one line.
std::string one_line(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  if (text.size() > kMaxDetail) text = text.substr(0, kMaxDetail) + "...";
  return text;
}

}  // namespace

void begin_hdf5_call() noexcept {
  thread_local bool silenced = false;
  if (!silenced) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    silenced = true;
  }
  H5Eclear2(H5E_DEFAULT);
  take_io_failure();
}

void throw_errno(const std::string& backend, std::string_view doing, int error) {
  const std::string message =
      std::string(doing) + ": " + std::error_code(error, std::generic_category()).message();
  if (denied(error) || error == EWOULDBLOCK) throw AccessDenied(message, backend, error);
  throw BackendError(message, backend, error);
}

void throw_hdf5(const std::string& backend, std::string_view doing) {
  ErrorStack stack;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, collect_error, &stack);
  H5Eclear2(H5E_DEFAULT);
  if (log_enabled(LogLevel::kDebug)) {
    log(LogLevel::kDebug, backend + ": " + std::string(doing) + ": HDF5 error stack:" + stack.full);
  }
  // A system call the driver made failed: that is what the caller needs.
  if (const auto io = take_io_failure()) {
    throw_errno(backend, std::string(io->writing ? "writing " : "reading ") + io->path, io->error);
  }
  std::string detail = stack.outer;
  if (stack.inner != stack.outer) detail += (detail.empty() ? "" : ": ") + stack.inner;
  const std::string message =
      std::string(doing) + ": " + (detail.empty() ? std::string("HDF5 error") : one_line(detail));
  const auto code = static_cast<std::int64_t>(stack.major);
  const auto has = [&](hid_t minor) {
    return std::find(stack.minors.begin(), stack.minors.end(), minor) != stack.minors.end();
  };
  const auto mentions = [&](const char* text) {
    return stack.full.find(text) != std::string::npos;
  };
  if (has(H5E_NOTHDF5) || has(H5E_BADFILE)) throw CorruptData(message, backend, code);
  if (mentions("checksum") || has(H5E_CANTFILTER) || (has(H5E_NOTFOUND) && has(H5E_CANTDECODE))) {
    throw CorruptData(message, backend, code);
  }
  if (has(H5E_CANTLOCKFILE)) {
    throw AccessDenied(message + " (the file is open in another process)", backend, code);
  }
  if (mentions("Permission denied") || mentions("Read-only")) {
    throw AccessDenied(message, backend, code);
  }
  if (has(H5E_CANTLOAD)) throw NotSupported(message, backend, code);
  throw BackendError(message, backend, code);
}

}  // namespace engram::hdf5
