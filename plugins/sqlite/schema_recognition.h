// plugins/sqlite/schema_recognition.h — whether a SQLite database is one the
// sqlite plugin may write: empty (a new store), engram's own, or the Python
// system's (SEED_FORMATS.md). Anything else is somebody else's file and is
// refused before the plugin writes a byte to it (no WAL switch, no tables).
//
// The layout is read by the plugin (sqlite_master, PRAGMA table_info); this
// file only judges it, so it needs no SQLite header.
//
// Thread safety: stateless.
#ifndef ENGRAM_PLUGINS_SQLITE_SCHEMA_RECOGNITION_H_
#define ENGRAM_PLUGINS_SQLITE_SCHEMA_RECOGNITION_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>

namespace engram::sqlite {

// What a database holds.
struct DatabaseLayout {
  // Rows of sqlite_master (tables, indexes, views, triggers); 0 for an
  // empty database or a 0-byte file.
  std::size_t objects = 0;
  // Every table but SQLite's own (sqlite_*), with its column names.
  std::map<std::string, std::set<std::string>> tables;
  // MAX(version) of schema_version, when that table exists with a `version`
  // column (0 when it has no rows).
  std::optional<std::int64_t> recorded_version;
};

enum class Verdict {
  kEmpty,    // nothing in it: a new store
  kOurs,     // engram's or the seed's layout, at a version this build knows
  kNewer,    // engram's, at a schema version newer than this build knows
  kForeign,  // somebody else's database
};

struct Recognition {
  Verdict verdict = Verdict::kForeign;
  // For kForeign, why, e.g. "table episodes has no column context_hash".
  std::string why;
};

// Judges `layout` against the schemas up to `known_version`. A database is
// ours when the tables it shares with the seed's layout have the seed's
// columns, and either it records a schema version (then, from version 1 on,
// all four seed tables exist, and from 2 on episodes.experience_format) or
// it holds no table but those four (the seed's layout, or a store whose
// first migration was interrupted).
Recognition recognise(const DatabaseLayout& layout, std::int64_t known_version);

}  // namespace engram::sqlite

#endif  // ENGRAM_PLUGINS_SQLITE_SCHEMA_RECOGNITION_H_
