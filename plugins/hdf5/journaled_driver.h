// plugins/hdf5/journaled_driver.h — an HDF5 file driver that makes each
// store atomic against a process crash.
//
// HDF5 1.10 updates metadata in place (group B-trees, local heaps, the
// superblock) and writes it in no particular order, so a process killed in
// the middle of a store can leave a flushed, previously sound file
// unreadable. This driver is the sec2 (POSIX) driver plus an undo journal
// "<file>.journal": before the first write to any byte that existed at the
// last commit, it appends that byte range's old contents to the journal
// (and, before any write, the file's committed size). commit() marks the
// journal empty (it zeroes the magic; the journal is cut once it passes
// 1 MiB, and at close). recover() — run before the file is opened — puts the old bytes
// back and cuts the file to its committed size, so the file is exactly as it
// was at the last commit. A writer holds an exclusive flock on the journal
// while the file is open: a second writer (in any process) is refused, and
// recover() never touches a live writer's journal. The (empty) journal
// stays beside the file after close.
//
// Files are plain HDF5 files (no driver block in the superblock): h5py and
// the HDF5 tools read them. The journal is written with write(2) and not
// fsynced: it protects against the process dying (SIGKILL, abort), not
// against the machine losing power.
//
// A failed write (a full disk, EFBIG, EIO) is not reported to HDF5, whose
// 1.10 metadata cache cannot flush again after a failed flush (so the file
// could not be closed, and HDF5's exit handler crashes on it). Instead the
// driver drops that write and every later one (nothing torn lands in the
// journal or the file after the failure), refuses reads (so HDF5 never
// reads back bytes it believes written), refuses commit(), and keeps the
// journal at close: the caller checks write_failure() after each flush,
// closes the file (after abandon(), which lets reads go on so HDF5 can
// close it) and recover() brings back the last commit.
//
// Thread safety: the HDF5 library serialises driver callbacks; commit() and
// abandon() need the same exclusion the caller's other HDF5 calls on the
// file have. The I/O failure record is per thread (the thread whose HDF5
// call drove the driver).
#ifndef ENGRAM_PLUGINS_HDF5_JOURNALED_DRIVER_H_
#define ENGRAM_PLUGINS_HDF5_JOURNALED_DRIVER_H_

#include <hdf5.h>

#include <filesystem>
#include <optional>
#include <string>

namespace engram::hdf5 {

// Sets the journaled driver on the file-access property list `fapl`.
// Returns a negative value (HDF5's error stack set) on failure.
herr_t set_journaled_driver(hid_t fapl);

// The journal of `file`: "<file>.journal".
std::filesystem::path journal_path(const std::filesystem::path& file);

// Undoes the interrupted transaction `file`'s journal holds, if any, and
// cuts the journal to nothing (also when `file` is gone). Returns true iff it rolled
// something back. Throws std::system_error when it cannot read the journal
// or write the file, (EWOULDBLOCK) when a writer in another process has the
// file open, or (EBADMSG, nothing changed) when the journal is damaged: it
// claims a committed size the file never had.
bool recover(const std::filesystem::path& file);

// Makes everything written to `file` (an open file on this driver, just
// flushed) the committed state: the journal is marked empty. Returns false
// (and sets *error) when the journal could not be written.
bool commit(hid_t file, std::string* error);

// True iff `file` (an open file on this driver) drops its writes: a write
// failed since its last commit, or it was abandoned.
bool write_failed(hid_t file) noexcept;

// From now on `file`'s writes are dropped and its close keeps the journal:
// H5Fclose then succeeds, and recover() restores the last commit. Safe on a
// file that is not on this driver (does nothing).
void abandon(hid_t file) noexcept;

// The last system call of the driver that failed on this thread: what it
// was doing to which file, and errno.
struct IoFailure {
  const char* doing = "writing";  // "opening", "reading" or "writing"
  std::string path;               // the data file or its journal
  int error = 0;                  // errno
};

// Takes (and forgets) this thread's last I/O failure, if any.
std::optional<IoFailure> take_io_failure() noexcept;

// The first write of `file` (open on this driver) that failed since its
// last commit; nullopt if none.
std::optional<IoFailure> write_failure(hid_t file) noexcept;

}  // namespace engram::hdf5

#endif  // ENGRAM_PLUGINS_HDF5_JOURNALED_DRIVER_H_
