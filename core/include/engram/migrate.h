// engram/migrate.h — copying every record of chosen roles from one Storage
// to another, whatever the backends (what `engram migrate` runs).
//
// Each kind of record is read from the source a page at a time (the roles'
// list_* enumerations) and written to the target a page per store_batch
// (all or nothing per page), so memory stays bounded by a page whatever the
// size of the source. Records move whole: timestamps, metadata, access
// counts and times, and the TTL a working-memory record has left. Ids are
// kept where the target can keep them; where it gives another id (an id
// already taken, a backend that numbers its own), the record is remapped
// and what refers to it follows: relationships are copied after every
// concept, with their source and target ids mapped. The map holds only the
// ids that changed.
//
// At the end of each kind the target is listed again and its count checked:
// it must have grown by the records copied, unless stores replaced records
// already there (a pattern hash, an attention context or a concept name the
// target had before), in which case it must hold at least that many.
//
// Errors: a role the source or the target does not have is ConfigError
// naming it. A failure of either backend is rethrown as the same kind of
// StorageError with the kind of record and how many were copied before it
// in the message: pages already stored stay stored (the target is not
// rolled back), the failed page left nothing. A count that does not check
// out is BackendError.
//
// Thread safety: as the roles'; other threads may use both storages
// meanwhile, but records they store or remove during a migration may or
// may not be copied and may make the count check fail.
#ifndef ENGRAM_MIGRATE_H_
#define ENGRAM_MIGRATE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engram/export.h"
#include "engram/plugin.h"
#include "engram/storage.h"

namespace engram {

// Where a migration is, after each page.
struct MigrationProgress {
  Role role = Role::kWorkingMemory;
  // The kind of record: "patterns", "cached_spike_trains",
  // "attention_weights", "episodes", "learning_events", "concepts",
  // "relationships", "network_snapshots", "spike_trains",
  // "compressed_spike_trains", "reservoir_states", "layer_outputs",
  // "plasticity_traces", "homeostatic_traces", "performance_metrics".
  std::string_view kind;
  // Records of this kind copied so far, and their array bytes.
  std::int64_t records = 0;
  std::int64_t bytes = 0;
};

struct MigrationOptions {
  // The roles to copy; empty for every role the source has.
  std::vector<Role> roles;
  // Records per page for all kinds but traces, and for traces (whose
  // records are arrays of any size). Both at least 1.
  std::size_t page_size = 256;
  std::size_t trace_page_size = 16;
  // Called after every page; may throw to stop the migration.
  std::function<void(const MigrationProgress&)> on_progress;
};

// What a migration did, per kind of record, in the order copied.
struct MigrationReport {
  struct Kind {
    Role role = Role::kWorkingMemory;
    std::string kind;
    std::int64_t records = 0;  // copied
    std::int64_t bytes = 0;    // array bytes copied
    std::int64_t remapped = 0; // records the target gave another id
  };
  std::vector<Kind> kinds;

  std::int64_t total_records() const noexcept {
    std::int64_t total = 0;
    for (const Kind& kind : kinds) total += kind.records;
    return total;
  }
};

// Copies the chosen roles of `from` into `to`. Throws as above.
ENGRAM_API MigrationReport migrate(const Storage& from, const Storage& to,
                                   const MigrationOptions& options = {});

}  // namespace engram

#endif  // ENGRAM_MIGRATE_H_
