// plugins/hdf5/journaled_driver.h — an HDF5 file driver that makes each
// store atomic against a process crash.
//
// HDF5 1.10 updates metadata in place (group B-trees, local heaps, the
// superblock) and writes it in no particular order, so a process killed in
// the middle of a store can leave a flushed, previously sound file
// unreadable. This driver is the sec2 (POSIX) driver plus an undo journal
// "<file>.journal": before the first write to any byte that existed at the
// last commit, it appends that byte range's old contents to the journal
// (and, before any write, the file's committed size). commit() empties the
// journal. recover() — run before the file is opened — puts the old bytes
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
// Thread safety: the HDF5 library serialises driver callbacks; commit()
// needs the same exclusion the caller's other HDF5 calls on the file have.
#ifndef ENGRAM_PLUGINS_HDF5_JOURNALED_DRIVER_H_
#define ENGRAM_PLUGINS_HDF5_JOURNALED_DRIVER_H_

#include <hdf5.h>

#include <filesystem>
#include <string>

namespace engram::hdf5 {

// Sets the journaled driver on the file-access property list `fapl`.
// Returns a negative value (HDF5's error stack set) on failure.
herr_t set_journaled_driver(hid_t fapl);

// The journal of `file`: "<file>.journal".
std::filesystem::path journal_path(const std::filesystem::path& file);

// Undoes the interrupted transaction `file`'s journal holds, if any, and
// empties the journal. Returns true iff it rolled something back. Throws
// std::system_error when it cannot read the journal or write the file, or
// (EWOULDBLOCK) when a writer in another process has the file open.
bool recover(const std::filesystem::path& file);

// Makes everything written to `file` (an open file on this driver, just
// flushed) the committed state: the journal is emptied. Returns false (and
// sets *error) when the journal could not be emptied.
bool commit(hid_t file, std::string* error);

}  // namespace engram::hdf5

#endif  // ENGRAM_PLUGINS_HDF5_JOURNALED_DRIVER_H_
