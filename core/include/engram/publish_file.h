// engram/publish_file.h — putting a finished file where it goes, never over
// another.
//
// A backup, a compacted copy or a migration's state is written under a
// temporary name in the folder it goes to, then published: moved to its
// name only if nothing is there, so a failed or interrupted write never
// leaves a half-written file under the final name and never replaces a
// file the user did not ask to replace:
//
//   std::error_code error;
//   if (!engram::publish_file(temp, target, error)) { remove temp; report error; }
//
// Thread safety: safe from several threads and processes at once: of two
// publishes to one name, one wins and the other gets EEXIST.
#ifndef ENGRAM_PUBLISH_FILE_H_
#define ENGRAM_PUBLISH_FILE_H_

#include <filesystem>
#include <system_error>

#include "engram/export.h"

namespace engram {

// Moves `from` to `to` if no file (or link) is at `to`, atomically
// (renameat2 RENAME_NOREPLACE, or link() then unlink() where the file system
// lacks it), then syncs `to`'s folder so the name survives a power loss.
// Returns true iff moved; false with `error` EEXIST when something is at
// `to`, another errno otherwise (`from` is then left where it is).
// REQUIRES: `from` and `to` on one file system.
ENGRAM_API bool publish_file(const std::filesystem::path& from, const std::filesystem::path& to,
                             std::error_code& error) noexcept;

// fsync()s `folder` (the current one when empty), so a name just created,
// renamed or linked into it survives a power loss. Errors are ignored.
ENGRAM_API void sync_folder(const std::filesystem::path& folder) noexcept;

}  // namespace engram

#endif  // ENGRAM_PUBLISH_FILE_H_
