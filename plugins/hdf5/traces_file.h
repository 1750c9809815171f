// plugins/hdf5/traces_file.h — the traces file as the hdf5 plugin keeps it
// open: recognising what is at file_path before anything is written,
// opening or creating it (on the journaled driver, journaled_driver.h),
// flushing and committing each store, closing it, abandoning it after a
// failed write, and the lookups every operation on it needs (groups, links,
// the link and access property lists).
//
// Durability: every store ends with flush(): H5Fflush and a commit of the
// undo journal, so a process killed mid-store leaves a file that the next
// open rolls back to the last commit (not a power loss: nothing is fsynced
// except by sync()). The file uses HDF5's default (earliest) format, whose
// superblock has no status flag to clear. A write that fails (a full disk,
// EFBIG, EIO) fails its store with "writing <file>: <errno text>"; the file
// is then abandoned (closed, rolled back to its last commit) and reopened by
// the next call, so nothing stored before is lost and no open file is left
// for HDF5's exit handler.
//
// Files that are not engram's are left alone: before anything is written
// at or beside file_path (the lock file, the journal), the file must be
// absent (its folders are created), empty (0 bytes, or an HDF5 file with
// nothing in it: a new store), have engram's journal beside it, or be HDF5
// in the seed's layout; anything else is CorruptData.
//
// Errors: engram errors through the mapper (hdf5_errors.h); each method
// says which. Thread safety: none; the backend's mutex guards the file
// (shared_file.h).
#ifndef ENGRAM_PLUGINS_HDF5_TRACES_FILE_H_
#define ENGRAM_PLUGINS_HDF5_TRACES_FILE_H_

#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "engram/clock.h"
#include "engram/record_limits.h"
#include "filters.h"
#include "handles.h"
#include "hdf5_errors.h"
#include "hdf5_options.h"
#include "journaled_driver.h"

namespace engram::hdf5 {

namespace fs = std::filesystem;

// The data file `path` and every file engram writes beside it (journal,
// lock, a compaction's copy and its journal), absolute.
std::vector<fs::path> owned_files(const fs::path& path);

// Throws the failed write the journaled driver recorded for `file` since
// its last commit, if any ("writing <file>: <errno text>"; `path` when the
// driver did not record one).
void check_writes(hid_t file, const std::string& backend, const fs::path& path);

// The open file and what every operation on it needs. Not thread-safe: the
// backend's mutex guards it.
class File {
 public:
  // Checks the options, then recognises and opens (or creates) the file at
  // options.file_path (recognise(), open()). Throws ConfigError for a bad
  // codec or chunk_size, NotSupported for a codec HDF5 cannot encode with,
  // and what recognise() and open() throw.
  // Time (the created_at attribute) is read from `clock`, the backend's.
  File(std::string backend, Hdf5Options options,
       std::shared_ptr<const Clock> clock = system_clock());

  // With enable_swmr, the exclusive flock on "<file>.lock" that keeps
  // readers following the protocol out while the file changes (released
  // when the result goes); without, nothing.
  FileLock writer_turn() const;

  const std::string& backend() const noexcept { return backend_; }
  const fs::path& path() const noexcept { return path_; }
  const Hdf5Options& options() const noexcept { return options_; }
  // Now, by the backend's clock (backup and rotation names, created_at).
  double now() const { return clock_->now(); }
  const Codec& codec() const noexcept { return codec_; }
  hid_t id() const noexcept { return file_.get(); }
  bool is_open() const noexcept { return static_cast<bool>(file_); }
  // True iff a write of the open file failed since its last commit.
  bool write_failed() const noexcept { return file_ && hdf5::write_failed(file_.get()); }
  // Throws the write of the open file that failed since its last commit, if
  // any (check_writes()). Called before each object a store creates: HDF5
  // 1.10 leaks a group or dataset whose creation fails halfway (its header
  // stays in the file's open objects, so the file can never be closed), and
  // after a failed write the driver refuses the reads a creation may need.
  void stop_after_failed_write() const {
    if (write_failed()) check_writes(file_.get(), backend_, path_);
  }

  // check(result, backend(), doing, what): `result`, or the engram error
  // HDF5's stack gives.
  template <class Result>
  Result ok(Result result, const char* doing, std::string_view what = {}) const {
    return check(result, backend_, doing, what);
  }

  // Tells what is at path() without writing anything, there or beside it:
  // nothing (its folders are created), an empty file (a new store), a file
  // engram opened before (it has a journal beside it), or an HDF5 file with
  // the seed's layout (or none: an empty HDF5 file). Anything else throws,
  // the file untouched: CorruptData for a file that is not HDF5 or an HDF5
  // file of another layout, AccessDenied for one engram may not write.
  void recognise() const;

  // Opens the file at path(), creating it (with the seed's groups and file
  // attributes) when absent or empty, after rolling back a store a crash or
  // a failed write interrupted, and removes a compaction's leftovers. A
  // create that fails leaves no file behind (or the empty file it found).
  // Throws AccessDenied for a file engram may not write (or that another
  // process has open for writing), CorruptData for one that is not HDF5,
  // BackendError when the disk is full.
  // REQUIRES: writer_turn() is held; the file is not open.
  void open();

  // Writes the file out and closes it (idempotent). When the write fails,
  // the file is abandoned (rolled back to its last commit) and the error
  // thrown; either way it is closed.
  void close();

  // Closes the file without writing anything more to it, whatever state a
  // failed write left HDF5 in, and rolls it back to its last commit
  // (journaled_driver.h). Never throws: a rollback that fails now is done by
  // the next open(). The next call reopens the file.
  void abandon() noexcept;

  // Writes everything out and commits it: from here a crash leaves the
  // file as it is now.
  void flush();

  // The temporary copy compact() writes: "<file>.compact".
  fs::path compact_path() const;

  // The file-access properties: earliest format (no status flag to clear
  // after a crash), strong close, and HDF5's file lock only without SWMR.
  Hid access_plist() const;

  // The group `path` of the open file. Throws what HDF5's stack gives
  // ("opening group <path>").
  Hid open_group(const std::string& path) const;

  // The link-creation properties: UTF-8 names, intermediate groups made
  // (one list, made when the file is; valid while it lives).
  hid_t link_plist() const noexcept { return lcpl_.get(); }

  // Creates the group `path` (and its parents) unless it exists.
  void ensure_group(const char* path);

  // True iff `name` is a link in `parent`.
  bool exists(hid_t parent, const std::string& name) const {
    return ok(H5Lexists(parent, name.c_str(), H5P_DEFAULT), "looking up", name) > 0;
  }

  // The names in `group`, sorted bytewise.
  std::vector<std::string> names(hid_t group) const;
  // Calls `visit(name)` (a const char*, valid during the call) for each
  // name in `group`, in HDF5's order, reading no object: nothing is copied
  // or sorted. REQUIRES: `visit` does not throw (it runs inside HDF5).
  template <class Visit>
  void for_each_name(hid_t group, Visit&& visit) const {
    using VisitT = std::remove_reference_t<Visit>;
    const auto call = [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
      (*static_cast<VisitT*>(data))(name);
      return 0;
    };
    ok(H5Literate(group, H5_INDEX_NAME, H5_ITER_NATIVE, nullptr, call, &visit), "listing a group");
  }

  // The number of links in the group `path`.
  std::size_t count(const char* path) const;

  // The effective max_record_bytes (computed once: it asks the system for
  // the machine's memory).
  std::uint64_t record_limit() const noexcept { return record_limit_; }

 private:
  // A new list of the link-creation properties link_plist() gives.
  Hid make_link_plist() const;

  // Rolls back a store a crash or a failed write interrupted.
  void roll_back() const;

  // Creates the folders of path() (the folder must then be writable).
  void create_folders() const;

  // Throws AccessDenied unless this process may read and write path().
  void check_writable() const;

  // After a failed create (the file abandoned): removes the file it made,
  // or leaves the empty file it found empty, so no broken file stays.
  void discard_create(bool was_present) const noexcept;

  // Removes what a compaction killed midway left: its copy (and, from
  // builds that journaled the copy, the copy's journal). Only engram's own
  // names, and only while this process has the file open (no other writer
  // can be compacting it).
  void remove_compact_leftovers() const noexcept;

  // Closes every object of `file` still open (a failed call's leftovers).
  static void close_objects(hid_t file) noexcept;

  std::string backend_;
  Hdf5Options options_;
  std::shared_ptr<const Clock> clock_;
  fs::path path_;
  Codec codec_;
  std::uint64_t record_limit_;
  Hid lcpl_;
  Hid file_;
};

}  // namespace engram::hdf5

#endif  // ENGRAM_PLUGINS_HDF5_TRACES_FILE_H_
