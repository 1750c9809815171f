// plugins/hdf5/file_maintenance.h — maintenance of the traces file
// (engram/maintenance.h): the seed's get_file_info as stats(); a backup
// (a copy of the flushed file, never over an existing file nor one of the
// backend's own, renamed into place only when whole); compact() (every
// group copied into a fresh file, checked, renamed over the original);
// rotate() and rotate_if_needed() past max_file_size (the file renamed
// aside, a new one started); the seed's cleanup_old_data as cleanup();
// clear_all(); sync() (fsync); set_option("max_file_size", bytes), taken in
// by the next rotate_if_needed. backup_if_due and clear_expired are not
// overridden: the file has no backup interval and no TTLs, so they throw
// NotSupported.
//
// Errors: InvalidArgument for a bad backup target or a negative retention;
// the errno of a failed copy or rename ("backing up ...: <errno text>");
// what the file throws. Any failure leaves the original file in place.
// Thread safety: every method may be called from any thread (SharedFile
// serialises them).
#ifndef ENGRAM_PLUGINS_HDF5_FILE_MAINTENANCE_H_
#define ENGRAM_PLUGINS_HDF5_FILE_MAINTENANCE_H_

#include <memory>

#include "engram/maintenance.h"
#include "shared_file.h"

namespace engram::hdf5 {

// The maintenance of `shared`'s file, opened with `options`; max_file_size
// is live (set_option). REQUIRES: `shared` outlives it.
std::unique_ptr<Maintenance> make_maintenance(SharedFile& shared, const Hdf5Options& options);

}  // namespace engram::hdf5

#endif  // ENGRAM_PLUGINS_HDF5_FILE_MAINTENANCE_H_
