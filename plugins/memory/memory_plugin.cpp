// plugins/memory/memory_plugin.cpp — the `memory` plugin: all four roles,
// held in process, nothing on disk, no dependency.
//
// engram's reference plugin and the model for plugin authors. This file
// holds the backend that ties the units together, and last the descriptor
// and its entry point, the library's only export. The units, in the order
// they build on each other:
//   memory_options.h  the options and their table
//   (handles: none; the plugin holds no C resource)
//   memory_errors.h   everything the plugin throws
//   shared_state.h    name, TTLs, clock and the one lock of a backend
//   claim_id.h        the id a new record gets, blocks of ids reserved
//   listing.h         maps as pages, with the core's cursors
//   recall_index.h    a role's embeddings for recall, within the bound
//   working_memory.h  the working-memory role
//   episodes.h        the episodes role
//   concepts.h        the concepts role
//   traces.h          the traces role
//   maintenance.h     stats, cleanup, clear, close
//
// Time is the BackendContext's clock (a ManualClock in tests): TTLs,
// "recent" windows and access times all read it. An expired working-memory
// record is invisible at once; its memory goes at clear_expired(), or when a
// store finds working memory has doubled since the last sweep.
//
// Recall: each of the concepts and episodes roles keeps its embeddings in an
// EmbeddingMatrix (engram/embedding_matrix.h) beside its records, changed
// under the same lock as they are, and answers nearest_* from it — up to
// recall_cache_bytes; past it, or with 0, a recall scores the records
// themselves (recall_index.h).
//
// Thread safety: one backend's four roles and its maintenance share one
// LifeLock (engram/life_lock.h): lookups share it, stores hold it alone. Arrays are
// copied once on the way in (before the lock is taken) and once on the way
// out. After close() every call throws StorageError("... closed").
#include <boost/dll/alias.hpp>
#include <iterator>

#include "concepts.h"
#include "engram/plugin.h"
#include "episodes.h"
#include "maintenance.h"
#include "memory_options.h"
#include "shared_state.h"
#include "traces.h"
#include "working_memory.h"

namespace engram::memory {
namespace {

// ---------------------------------------------------------------- backend

// The Backend interface's accessors over the parts: every plugin's backend
// has this shape (engram/plugin.h), only the parts differ.
class MemoryBackend final : public Backend {
 public:
  explicit MemoryBackend(const BackendContext& context) : shared_(context) {}

  WorkingMemory* working_memory() noexcept override { return &working_memory_; }
  EpisodeStore* episodes() noexcept override { return &episodes_; }
  ConceptStore* concepts() noexcept override { return &concepts_; }
  TraceStore* traces() noexcept override { return &traces_; }
  Maintenance& maintenance() noexcept override { return maintenance_; }

 private:
  Shared shared_;
  MemoryWorkingMemory working_memory_{shared_};
  MemoryEpisodes episodes_{shared_};
  MemoryConcepts concepts_{shared_};
  MemoryTraces traces_{shared_};
  MemoryMaintenance maintenance_{shared_, working_memory_, episodes_, concepts_, traces_};
};

}  // namespace

// ---------------------------------------------------------------- descriptor

const PluginDescriptor& descriptor() {
  static const PluginDescriptor kDescriptor = [] {
    PluginDescriptor d = describe_plugin<MemoryBackend>(
        "memory", "1.0.0", {std::begin(kAllRoles), std::end(kAllRoles)}, kOptions.schema());
    // A put record keeps its id when free; blocks of ids come off the
    // roles' next-id counters (claim_id.h).
    d.capabilities.keeps_ids = true;
    d.capabilities.reserves_ids = true;
    return d;
  }();
  return kDescriptor;
}

}  // namespace engram::memory

BOOST_DLL_ALIAS(engram::memory::descriptor, engram_plugin)
