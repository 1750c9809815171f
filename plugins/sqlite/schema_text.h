// plugins/sqlite/schema_text.h — the SQLite schema of the sqlite plugin, as
// SQL text, the one copy: the Python system's tables and indexes (version 1,
// SEED_FORMATS.md), engram's additions (version 2), the schema_version table
// that records them, and the statement that records one.
//
// Migrations run in order, each applied iff the version recorded is below
// its own (schema.h runs them). The text is plain constants with no plugin
// code, so the benchmark's raw side (tools/bench/sqlite_bench.cpp) builds
// the very same schema from it without linking the plugin.
//
// Thread safety: constants.
#ifndef ENGRAM_PLUGINS_SQLITE_SCHEMA_TEXT_H_
#define ENGRAM_PLUGINS_SQLITE_SCHEMA_TEXT_H_

#include <iterator>

namespace engram::sqlite {

// The table recording each migration applied: its version and when.
constexpr const char* kSchemaVersionTable =
    "CREATE TABLE IF NOT EXISTS schema_version "
    "(version INTEGER PRIMARY KEY, applied_at REAL NOT NULL)";

// Records a migration: ?1 its version, ?2 the time (Unix seconds).
constexpr const char* kRecordMigration =
    "INSERT INTO schema_version (version, applied_at) VALUES (?1, ?2)";

// The seed's schema (version 1), exactly: table, column and index names are
// what the Python system and sqlite3 users read.
constexpr const char* kSchemaVersion1 = R"sql(
CREATE TABLE IF NOT EXISTS episodes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    timestamp REAL NOT NULL,
    experience_data BLOB NOT NULL,
    performance_score REAL NOT NULL,
    context_hash TEXT NOT NULL,
    metadata TEXT DEFAULT '{}',
    created_at REAL DEFAULT (julianday('now'))
);
CREATE INDEX IF NOT EXISTS idx_episodes_timestamp ON episodes(timestamp);
CREATE INDEX IF NOT EXISTS idx_episodes_context ON episodes(context_hash);
CREATE INDEX IF NOT EXISTS idx_episodes_performance ON episodes(performance_score);
CREATE TABLE IF NOT EXISTS concepts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    embedding BLOB NOT NULL,
    creation_time REAL NOT NULL,
    access_count INTEGER DEFAULT 0,
    last_accessed REAL DEFAULT 0,
    metadata TEXT DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS idx_concepts_name ON concepts(name);
CREATE INDEX IF NOT EXISTS idx_concepts_creation_time ON concepts(creation_time);
CREATE INDEX IF NOT EXISTS idx_concepts_access_count ON concepts(access_count);
CREATE TABLE IF NOT EXISTS learning_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    task_type TEXT NOT NULL,
    performance_delta REAL NOT NULL,
    strategy_used TEXT NOT NULL,
    timestamp REAL NOT NULL,
    parameters TEXT DEFAULT '{}'
);
CREATE INDEX IF NOT EXISTS idx_learning_events_task_type ON learning_events(task_type);
CREATE INDEX IF NOT EXISTS idx_learning_events_timestamp ON learning_events(timestamp);
CREATE INDEX IF NOT EXISTS idx_learning_events_performance ON learning_events(performance_delta);
CREATE TABLE IF NOT EXISTS concept_relationships (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    source_concept_id INTEGER NOT NULL,
    target_concept_id INTEGER NOT NULL,
    relationship_type TEXT NOT NULL,
    strength REAL DEFAULT 1.0,
    created_at REAL DEFAULT (julianday('now')),
    FOREIGN KEY (source_concept_id) REFERENCES concepts(id),
    FOREIGN KEY (target_concept_id) REFERENCES concepts(id),
    UNIQUE(source_concept_id, target_concept_id, relationship_type)
);
CREATE INDEX IF NOT EXISTS idx_relationships_source ON concept_relationships(source_concept_id);
CREATE INDEX IF NOT EXISTS idx_relationships_target ON concept_relationships(target_concept_id);
CREATE INDEX IF NOT EXISTS idx_relationships_type ON concept_relationships(relationship_type);
)sql";

// engram's additions (version 2): how experience_data is encoded, so that
// decoding never guesses. NULL: a row the Python system wrote (a pickle,
// read through engram/pickle.h).
constexpr const char* kSchemaVersion2 = R"sql(
ALTER TABLE episodes ADD COLUMN experience_format TEXT;
)sql";

// One migration: the version it brings the database to, and its SQL.
struct Migration {
  int version;
  const char* sql;
};
constexpr Migration kMigrations[] = {{1, kSchemaVersion1}, {2, kSchemaVersion2}};
// The newest schema this build knows: the last migration's version.
constexpr int kSchemaVersion = 2;
static_assert(kMigrations[std::size(kMigrations) - 1].version == kSchemaVersion);

}  // namespace engram::sqlite

#endif  // ENGRAM_PLUGINS_SQLITE_SCHEMA_TEXT_H_
