// npy_traces.h — the traces role (engram/trace_store.h) over a folder of
// .npy files: each store writes a record folder under .staging and renames
// it into place under the first free id (folder_layout.h); each retrieve
// reads one record folder (record_files.h); a batch writes every record
// first and publishes them together, removing those already published if
// one fails; listings page each kind folder by "after:<id>" cursors
// (engram/cursor.h), holding only a page's ids in memory.
//
// What the core checked before these calls run (engram/trace_store.h):
// ids, names, timestamps, shapes, metadata. Errors: InvalidArgument for a
// cursor this backend did not give; what record_files.h and
// folder_layout.h throw; StorageError("closed") after close().
// Thread safety: every method may be called from any thread (npy_state.h).
#ifndef ENGRAM_EXAMPLES_NPY_TRACES_H_
#define ENGRAM_EXAMPLES_NPY_TRACES_H_

#include <memory>

#include "engram/trace_store.h"
#include "npy_state.h"

namespace engram::npy_plugin {

// The traces role over `state`. REQUIRES: `state` outlives the result.
std::unique_ptr<TraceStore> make_traces(NpyState& state);

}  // namespace engram::npy_plugin

#endif  // ENGRAM_EXAMPLES_NPY_TRACES_H_
