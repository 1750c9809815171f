// plugins/hdf5/handles.h — the C resources the hdf5 plugin owns, each closed
// by its destructor: an HDF5 id (Hid, with the close function of its kind),
// and an flock(2) held on a file (FileLock). Groups are opened and created
// only here (open_group, create_group), so every group id has its owner.
//
// Errors: open_group and create_group throw the engram error HDF5's stack
// gives (hdf5_errors.h) with the caller's `doing` as the message; the
// destructors never throw.
//
// Thread safety: a handle is used by one thread at a time (the backend's
// mutex); HDF5 serialises its own calls.
#ifndef ENGRAM_PLUGINS_HDF5_HANDLES_H_
#define ENGRAM_PLUGINS_HDF5_HANDLES_H_

#include <hdf5.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>

namespace engram::hdf5 {

// Owns one hid_t and closes it with its own close function; move-only.
class Hid {
 public:
  using Close = herr_t (*)(hid_t);
  Hid() = default;
  Hid(hid_t id, Close close) : id_(id), close_(close) {}
  Hid(Hid&& other) noexcept
      : id_(std::exchange(other.id_, H5I_INVALID_HID)), close_(other.close_) {}
  Hid& operator=(Hid&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = std::exchange(other.id_, H5I_INVALID_HID);
      close_ = other.close_;
    }
    return *this;
  }
  Hid(const Hid&) = delete;
  Hid& operator=(const Hid&) = delete;
  ~Hid() { reset(); }

  hid_t get() const noexcept { return id_; }
  explicit operator bool() const noexcept { return id_ >= 0; }
  // Forgets the id without closing it (the caller closed it).
  void release() noexcept { id_ = H5I_INVALID_HID; }
  // Closes now; returns false when HDF5 reported an error.
  bool reset() noexcept {
    bool ok = true;
    if (id_ >= 0 && close_ != nullptr) ok = close_(id_) >= 0;
    id_ = H5I_INVALID_HID;
    return ok;
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
  Close close_ = nullptr;
};

// The group `path` under `parent` (a file or group id), open. Throws
// through throw_hdf5(backend, doing) when HDF5 cannot open it.
Hid open_group(hid_t parent, const std::string& path, const std::string& backend,
               std::string_view doing);

// Creates the group `name` under `parent` with the link-creation
// properties `lcpl` (H5P_DEFAULT for none) and returns it, open. Throws
// through throw_hdf5(backend, doing) when HDF5 cannot create it (it exists,
// a part of the path is missing and `lcpl` does not create intermediates).
Hid create_group(hid_t parent, const std::string& name, hid_t lcpl, const std::string& backend,
                 std::string_view doing);

// A file descriptor holding an flock(2), released on destruction.
class FileLock {
 public:
  FileLock() = default;
  FileLock(FileLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  FileLock& operator=(FileLock&&) = delete;
  ~FileLock();

  // An exclusive lock on `path` (created if absent), waiting for it. On
  // failure returns an empty lock and sets *error to the errno text.
  static FileLock exclusive(const std::filesystem::path& path, std::string* error);
  explicit operator bool() const noexcept { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

}  // namespace engram::hdf5

#endif  // ENGRAM_PLUGINS_HDF5_HANDLES_H_
