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
// Conflicts. A conflict is a source record the target already holds under
// the same key, which a store would replace (or, for traces, duplicate):
//   patterns            the same pattern_hash
//   attention_weights   the same context
//   concepts            the same name
//   relationships       the same (source, target, type) once the concept
//                       ids are mapped (only possible when concepts were
//                       matched to the target's by name: skip or replace)
//   traces (8 kinds)    a record of equal content (every field but the id)
//                       under the trace's id or where the trace role would
//                       put it when that id is taken ("<prefix>_<ms>",
//                       "_1", ... up to the first free one). A trace whose
//                       id the target uses for a different record is not a
//                       conflict: the trace role never overwrites, it is
//                       stored under the next free id and counted remapped.
// Episodes, learning events and cached spike trains have no key a store
// could replace (ids are assigned, trains at one timestamp are all kept):
// they never conflict. With OnConflict::kFail (the default) every kind of
// the chosen roles is checked, page by page, before anything is written,
// and the first conflict found makes the migration throw InvalidArgument
// naming it, the kind and how many conflicts each kind has; nothing is
// written. kSkip leaves the target's record (a skipped concept's
// relationships then join the target's concept of that name); kReplace
// overwrites it (a trace of equal content is left as it is and counted
// skipped: there is nothing to replace). The check needs no more memory
// than a page, but 16 bytes per concept of the target (an index of names).
//
// Undecodable records. A source record the source backend cannot decode
// (an episode or concept whose bytes another program wrote in a form engram
// does not read: a pickle holding a forbidden global, damaged bytes) stops
// the migration with its CorruptData or NotSupported, like any read
// failure. With `skip_undecodable`, the episode and concept roles are
// listed with Undecodable::kSkip (engram/page.h): such records are passed
// over and named in MigrationReport::Kind::undecodable (key, error kind,
// message), the rest is copied; a relationship whose source or target
// concept was passed over is passed over too (the target has no concept
// for it), named with the concept. Working-memory and trace records that
// do not decode still stop the migration. Passed-over records count
// neither as copied nor as conflicts; the count check expects them absent.
//
// Resuming. With `state_file` set, the migration keeps its progress there
// (JSON; see below): which kinds are done, each kind's source cursor, the
// counts, the concept ids the target changed, and the page being stored.
// Before each store_batch the page's records (key and content digest) are
// written to the file as "unconfirmed", with the progress up to the page
// before (so a page is confirmed in the file by the next one's write, or
// the kind's end: one durable write per page). Each write replaces the file
// atomically (temporary file, fsync, rename, fsync of the folder). Run
// again after an interruption (a kill, a failure, a throw from
// on_progress) with the same storages and roles, the migration starts each
// kind at its cursor and skips the kinds done, so nothing is copied twice.
// The unconfirmed page is recognised: by equal content under each record's
// key for keyed kinds, by the target's count for the others (it must be
// the count before the page or after it; anything else means the target
// changed, BackendError). A finished migration stays in the file, marked
// done: run again with the same storages, it copies nothing and says so
// (MigrationReport::Kind::done_before); roles not yet copied are copied.
// Delete the file to copy again. A state file of other storages that is
// finished is started afresh; one that is not finished, or of the same
// storages but other roles, is refused (ConfigError naming the file, what
// it is of, and what to do). The state file is never written over a file
// that either storage's backends use (Maintenance::files()), nor over a
// file that is not a migration state: InvalidArgument. Without
// `state_file` nothing is kept, and an interrupted migration run again
// copies again what it had copied (conflicts are still refused).
//
// Counts. At the end of each kind the target is listed again: it must hold
// exactly the records it held when the kind started (in the first run)
// plus those the migration added (stores that did not replace a record).
// Otherwise the target changed under the migration (another writer, an
// expiry in working memory), and the migration throws BackendError saying
// so; MigrationReport::Kind::verified is true for the kinds checked.
//
// The state file (version 1):
//   {"format": "engram-migrate-state", "version": 1,
//    "source": [{"name", "plugin", "roles": [...], "files": [...]}, ...],
//    "target": [...same...], "roles": ["concepts", ...],
//    "kinds": {"<kind>": {"done", "cursor", "target_before", "added",
//              "copied", "skipped", "replaced", "remapped", "bytes",
//              "undecodable"}},
//    "concept_ids": [[source_id, target_id], ...],   // changed ids only
//    "joined_concepts": [target_id, ...],
//    "undecodable_concepts": [[source_id, "CorruptData"], ...],  // if any
//    "unconfirmed": null | {"kind", "cursor_after", "delta": {...as a
//              kind...}, "records": [{"key", "digest", "source_id"}]}}
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
// may not be copied and may make the count check fail. One migration at a
// time per state file.
#ifndef ENGRAM_MIGRATE_H_
#define ENGRAM_MIGRATE_H_

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engram/export.h"
#include "engram/page.h"
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

// What to do with a source record the target already holds under the same
// key (see above).
enum class OnConflict {
  kFail,     // refuse before anything is written
  kSkip,     // keep the target's record
  kReplace,  // overwrite it with the source's
};

// "fail", "skip", "replace".
ENGRAM_API std::string_view on_conflict_name(OnConflict value) noexcept;

struct MigrationOptions {
  // The roles to copy; empty for every role the source has.
  std::vector<Role> roles;
  // Records per page for all kinds but traces, and for traces (whose
  // records are arrays of any size). Both at least 1.
  std::size_t page_size = 256;
  std::size_t trace_page_size = 16;
  OnConflict on_conflict = OnConflict::kFail;
  // Pass over the episode and concept records the source cannot decode,
  // naming them in the report, instead of stopping (see above).
  bool skip_undecodable = false;
  // Where the migration keeps its progress so that it can resume (see
  // above); empty for nowhere. Its folder must exist.
  std::filesystem::path state_file;
  // Called after every page's store_batch returned, before the page is
  // confirmed in the state file; may throw to stop the migration (the page
  // stays stored, and unconfirmed).
  std::function<void(const MigrationProgress&)> on_progress;
};

// What a migration did, per kind of record, in the order copied.
struct MigrationReport {
  struct Kind {
    Role role = Role::kWorkingMemory;
    std::string kind;
    std::int64_t records = 0;   // copied by this run (stored, replacing or not)
    std::int64_t bytes = 0;     // array bytes copied by this run
    std::int64_t remapped = 0;  // records the target gave another id (this run)
    std::int64_t skipped = 0;   // conflicts left as the target had them (this run)
    std::int64_t replaced = 0;  // conflicts overwritten (this run; among `records`)
    // Records copied by earlier, interrupted runs (from the state file).
    std::int64_t resumed = 0;
    // True iff this kind was finished by an earlier run: nothing was done.
    bool done_before = false;
    // True iff the target's count was checked at the end of this kind.
    bool verified = false;
    // Records passed over by this run because the source could not decode
    // them (skip_undecodable), in the source's order: the record's key, the
    // error's kind and message. A relationship passed over with its concept
    // has the concept's error kind and a message naming the concept.
    std::vector<SkippedRecord> undecodable;
    // Passed over by earlier, interrupted runs (from the state file).
    std::int64_t undecodable_before = 0;
  };
  std::vector<Kind> kinds;
  // The state file used, if any.
  std::filesystem::path state_file;

  std::int64_t total_records() const noexcept {
    std::int64_t total = 0;
    for (const Kind& kind : kinds) total += kind.records;
    return total;
  }
  // Records passed over as undecodable by this run.
  std::int64_t total_undecodable() const noexcept {
    std::int64_t total = 0;
    for (const Kind& kind : kinds) total += static_cast<std::int64_t>(kind.undecodable.size());
    return total;
  }
  // True iff every kind was finished by an earlier run.
  bool done_before() const noexcept {
    for (const Kind& kind : kinds) {
      if (!kind.done_before) return false;
    }
    return !kinds.empty();
  }
};

// Copies the chosen roles of `from` into `to`. Throws as above.
ENGRAM_API MigrationReport migrate(const Storage& from, const Storage& to,
                                   const MigrationOptions& options = {});

}  // namespace engram

#endif  // ENGRAM_MIGRATE_H_
