// The hdf5 plugin's error mapper (hdf5_errors.h).
#include "hdf5_errors.h"

#include <hdf5.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
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

// One entry of HDF5's error stack: its major and minor error ids.
struct Entry {
  hid_t major = H5I_INVALID_HID;
  hid_t minor = H5I_INVALID_HID;
};

// This thread's error stack, outermost entry (the API call) first.
struct ErrorStack {
  std::vector<Entry> entries;
  std::string full;   // every entry, for the debug log
  std::string outer;  // the API call's description
  std::string inner;  // the deepest description

  bool has_major(hid_t major) const {
    return std::any_of(entries.begin(), entries.end(),
                       [&](const Entry& e) { return e.major == major; });
  }
  bool has_minor(hid_t minor) const {
    return std::any_of(entries.begin(), entries.end(),
                       [&](const Entry& e) { return e.minor == minor; });
  }
  bool has(hid_t major, hid_t minor) const {
    return std::any_of(entries.begin(), entries.end(),
                       [&](const Entry& e) { return e.major == major && e.minor == minor; });
  }
};

herr_t collect_error(unsigned n, const H5E_error2_t* error, void* data) {
  auto* stack = static_cast<ErrorStack*>(data);
  stack->entries.push_back({error->maj_num, error->min_num});
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

// The kinds of failure the stack's numbers tell apart.
enum class Kind { kUnsupported, kCorrupt, kLocked, kAlreadyOpen, kOther };

Kind kind_of(const ErrorStack& stack) {
  // HDF5 found a filter plugin but could not load it.
  if (stack.has_major(H5E_PLUGIN)) return Kind::kUnsupported;
  // The bytes are not a sound HDF5 file: the superblock's signature or
  // size, metadata the cache read but could not verify or decode (a bad
  // checksum or signature) or could not read at all (an address past the
  // file: the driver records real read failures, handled before this), a
  // chunk the filter pipeline could not undo (Fletcher-32).
  if (stack.has_minor(H5E_NOTHDF5) || stack.has_minor(H5E_BADFILE) ||
      stack.has_minor(H5E_TRUNCATED) || stack.has(H5E_CACHE, H5E_READERROR) ||
      stack.has(H5E_CACHE, H5E_CANTLOAD) || stack.has_minor(H5E_CANTFILTER) ||
      stack.has_minor(H5E_CANTDECODE)) {
    return Kind::kCorrupt;
  }
  if (stack.has_minor(H5E_CANTLOCKFILE)) return Kind::kLocked;
  if (stack.has_minor(H5E_FILEOPEN)) return Kind::kAlreadyOpen;
  return Kind::kOther;
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
    throw_errno(backend, std::string(io->doing) + " " + io->path, io->error);
  }
  std::string detail = stack.outer;
  if (stack.inner != stack.outer) detail += (detail.empty() ? "" : ": ") + stack.inner;
  const std::string message =
      std::string(doing) + ": " + (detail.empty() ? std::string("HDF5 error") : one_line(detail));
  const auto code =
      static_cast<std::int64_t>(stack.entries.empty() ? H5I_INVALID_HID : stack.entries[0].major);
  switch (kind_of(stack)) {
    case Kind::kUnsupported:
      throw NotSupported(message, backend, code);
    case Kind::kCorrupt:
      throw CorruptData(message, backend, code);
    case Kind::kLocked:
      throw AccessDenied(message + " (the file is open in another process)", backend, code);
    case Kind::kAlreadyOpen:
      throw AccessDenied(message + " (the file is already open)", backend, code);
    case Kind::kOther:
      break;
  }
  throw BackendError(message, backend, code);
}

}  // namespace engram::hdf5
