// A migration's progress, kept in a JSON file so that an interrupted
// migrate run again with the same arguments continues where it stopped
// (engram/migrate.h describes the file for users).
//
// The file is replaced whole on every save: written to "<file>.tmp",
// fsync'd, renamed over the file, and the folder fsync'd, so a crash leaves
// either the previous state or the new one.
//
// Thread safety: none; one migration owns its state.
#ifndef ENGRAM_CORE_SRC_MIGRATION_STATE_H_
#define ENGRAM_CORE_SRC_MIGRATION_STATE_H_

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "engram/json.h"

namespace engram::detail {

// One record of a batch stored but not yet confirmed: the key it is stored
// under (empty for kinds without one), the digest of its content
// (record_digest.h) and, for concepts, its id in the source.
struct UnconfirmedRecord {
  std::string key;
  std::string digest;
  std::int64_t source_id = 0;
  bool replaces = false;  // it overwrites a record the target had (kReplace)
};

// Progress of one kind of record.
struct KindProgress {
  bool done = false;
  // The source listing's cursor where the next page starts, and whether the
  // listing ended (every page confirmed; only the count check is left).
  std::string cursor;
  bool at_end = false;
  // The target's record count when this kind started (first run), and the
  // records the migration has added to it since (stores that did not
  // replace a record).
  std::int64_t target_before = 0;
  std::int64_t added = 0;
  // What the report says, summed over every run.
  std::int64_t copied = 0;
  std::int64_t skipped = 0;
  std::int64_t replaced = 0;
  std::int64_t remapped = 0;
  std::int64_t bytes = 0;
  // Source records passed over because they could not be decoded
  // (skip_undecodable), and relationships passed over with their concepts.
  std::int64_t undecodable = 0;
};

// The page whose store_batch was sent last and not yet confirmed.
struct UnconfirmedBatch {
  std::string kind;
  std::string cursor_after;       // the source's cursor past the page
  std::int64_t page_records = 0;  // records the source's page held
  KindProgress delta;             // what it adds to the kind's progress (copied ... bytes, added)
  std::vector<UnconfirmedRecord> records;  // the records written
};

struct MigrationState {
  // The source's and the target's backends (name, plugin, files).
  Json source = Json::array();
  Json target = Json::array();
  // The roles of the last run (role names).
  std::vector<std::string> roles;
  // Per kind of record that lasts (working memory's expire), the content
  // digest of the source's first record ("" for none): a source replaced
  // by another under the same names is told apart.
  Json fingerprint = Json::object();
  // Per kind ("concepts", ...), in the order started.
  std::map<std::string, KindProgress> kinds;
  // Concept ids the target changed (source id → target id).
  std::map<std::int64_t, std::int64_t> concept_ids;
  // Target concept ids that the source's concepts were matched to because
  // the target already had their names (skipped or replaced).
  std::set<std::int64_t> joined_concepts;
  // Source concept ids passed over as undecodable, with the error's kind:
  // their relationships are passed over too.
  std::map<std::int64_t, std::string> undecodable_concepts;
  std::optional<UnconfirmedBatch> unconfirmed;

  // True iff every kind started is done and nothing is unconfirmed.
  bool finished() const;
};

// The state in `file`; nullopt when there is no such file. Throws
// InvalidArgument naming the file when it exists but is not a migration
// state (it is never written over), AccessDenied/BackendError when it
// cannot be read.
std::optional<MigrationState> load_migration_state(const std::filesystem::path& file);

// Writes `state` to `file` atomically (see above). Throws AccessDenied or
// BackendError naming the file and the reason.
void save_migration_state(const std::filesystem::path& file, const MigrationState& state);

// The temporary file save_migration_state writes first.
std::filesystem::path migration_state_temp(const std::filesystem::path& file);

}  // namespace engram::detail

#endif  // ENGRAM_CORE_SRC_MIGRATION_STATE_H_
