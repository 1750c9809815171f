// plugins/hdf5/traces_role.h — the traces role (engram/trace_store.h) over
// the traces file: each store one write of the shared file (all or nothing,
// one commit), each retrieve one read, a batch all or nothing in one commit,
// listings paged by "after:<id>" cursors over the sorted ids of a kind's
// group, the latest seed stamp of a kind from its groups' link names.
//
// Errors: InvalidArgument for a cursor this backend did not give; what the
// records and the file throw (records.h, shared_file.h). Thread safety:
// every method may be called from any thread (SharedFile serialises them).
#ifndef ENGRAM_PLUGINS_HDF5_TRACES_ROLE_H_
#define ENGRAM_PLUGINS_HDF5_TRACES_ROLE_H_

#include <memory>

#include "engram/maintenance.h"
#include "engram/trace_store.h"
#include "shared_file.h"

namespace engram::hdf5 {

// The traces role over `shared` (its maintenance() is the backend's, set by
// the core).
// REQUIRES: both outlive the result.
std::unique_ptr<TraceStore> make_traces(SharedFile& shared);

}  // namespace engram::hdf5

#endif  // ENGRAM_PLUGINS_HDF5_TRACES_ROLE_H_
