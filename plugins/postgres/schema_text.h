// plugins/postgres/schema_text.h — the postgres plugin's schema as SQL
// text, the one copy: the Python system's tables and columns (as the
// sqlite plugin keeps them, SEED_FORMATS.md) in PostgreSQL's types, the
// indexes every query of the roles uses, the change counters recall reads,
// and the schema_version table that records the migrations.
//
// Types: REAL columns are DOUBLE PRECISION (the same IEEE doubles), INTEGER
// ids BIGINT from a sequence each (BIGSERIAL: <table>_id_seq), BLOBs
// BYTEA (.npy bytes, or an experience's JSON text), metadata and
// parameters JSON — not JSONB, which drops -0.0 and refuses \u0000, both
// of which callers may store. The created_at defaults are Julian days, as
// SQLite's julianday('now') gives them.
//
// The text is unqualified: it runs with the backend's schema first on the
// search path (connection.h). Migrations run in order, each applied iff
// the version recorded is below its own (schema.h runs them). Plain
// constants, so the benchmark's raw side (tools/bench) builds the very same
// tables without linking the plugin.
//
// Thread safety: constants.
#ifndef ENGRAM_PLUGINS_POSTGRES_SCHEMA_TEXT_H_
#define ENGRAM_PLUGINS_POSTGRES_SCHEMA_TEXT_H_

#include <iterator>

namespace engram::postgres {

// The table recording each migration applied: its version and when.
constexpr const char* kSchemaVersionTable =
    "CREATE TABLE IF NOT EXISTS schema_version "
    "(version INTEGER PRIMARY KEY, applied_at DOUBLE PRECISION NOT NULL)";

// Records a migration: $1 its version (int8), $2 the time (Unix seconds).
constexpr const char* kRecordMigration =
    "INSERT INTO schema_version (version, applied_at) VALUES ($1, $2)";

// Version 1: the seed's tables, engram's experience_format, the change
// counters.
constexpr const char* kSchemaVersion1 = R"sql(
CREATE TABLE episodes (
    id BIGSERIAL PRIMARY KEY,
    timestamp DOUBLE PRECISION NOT NULL,
    experience_data BYTEA NOT NULL,
    performance_score DOUBLE PRECISION NOT NULL,
    context_hash TEXT NOT NULL,
    metadata JSON DEFAULT '{}',
    created_at DOUBLE PRECISION DEFAULT (extract(epoch FROM now()) / 86400.0 + 2440587.5),
    experience_format TEXT
);
CREATE INDEX idx_episodes_timestamp ON episodes (timestamp);
CREATE INDEX idx_episodes_context ON episodes (context_hash, timestamp, id);
CREATE INDEX idx_episodes_performance ON episodes (performance_score);
CREATE TABLE concepts (
    id BIGSERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    embedding BYTEA NOT NULL,
    creation_time DOUBLE PRECISION NOT NULL,
    access_count BIGINT DEFAULT 0,
    last_accessed DOUBLE PRECISION DEFAULT 0,
    metadata JSON DEFAULT '{}'
);
CREATE INDEX idx_concepts_creation_time ON concepts (creation_time);
CREATE INDEX idx_concepts_access_count ON concepts (access_count);
CREATE TABLE learning_events (
    id BIGSERIAL PRIMARY KEY,
    task_type TEXT NOT NULL,
    performance_delta DOUBLE PRECISION NOT NULL,
    strategy_used TEXT NOT NULL,
    timestamp DOUBLE PRECISION NOT NULL,
    parameters JSON DEFAULT '{}'
);
CREATE INDEX idx_learning_events_task_type ON learning_events (task_type, timestamp, id);
CREATE INDEX idx_learning_events_timestamp ON learning_events (timestamp);
CREATE INDEX idx_learning_events_performance ON learning_events (performance_delta);
CREATE TABLE concept_relationships (
    id BIGSERIAL PRIMARY KEY,
    source_concept_id BIGINT NOT NULL REFERENCES concepts (id),
    target_concept_id BIGINT NOT NULL REFERENCES concepts (id),
    relationship_type TEXT NOT NULL,
    strength DOUBLE PRECISION DEFAULT 1.0,
    created_at DOUBLE PRECISION DEFAULT (extract(epoch FROM now()) / 86400.0 + 2440587.5),
    UNIQUE (source_concept_id, target_concept_id, relationship_type)
);
CREATE INDEX idx_relationships_source ON concept_relationships (source_concept_id);
CREATE INDEX idx_relationships_target ON concept_relationships (target_concept_id);
CREATE INDEX idx_relationships_type ON concept_relationships (relationship_type);
CREATE TABLE engram_changes (
    writer TEXT PRIMARY KEY,
    concepts BIGINT NOT NULL DEFAULT 0,
    episodes BIGINT NOT NULL DEFAULT 0
);
)sql";

// One migration: the version it brings the schema to, and its SQL.
struct Migration {
  int version;
  const char* sql;
};
constexpr Migration kMigrations[] = {{1, kSchemaVersion1}};
// The newest schema this build knows: the last migration's version.
constexpr int kSchemaVersion = 1;
static_assert(kMigrations[std::size(kMigrations) - 1].version == kSchemaVersion);

// The advisory locks (two-key form: hashtext(<schema>), then one of these)
// that keep processes sharing a schema in step.
constexpr int kMigrationLock = 1;  // held by a migration's transaction
constexpr int kIdLock = 2;         // shared by inserts, alone by an id block's reservation

}  // namespace engram::postgres

#endif  // ENGRAM_PLUGINS_POSTGRES_SCHEMA_TEXT_H_
