// plugins/sqlite/schema.h — the sqlite plugin's schema on a database: what a
// database holds (read without writing, for schema_recognition.h to judge),
// the version it records, and its migration to the version this build knows
// (the SQL is schema_text.h's).
//
// Each migration runs in its own write transaction and is recorded in
// schema_version, so two processes opening one new file migrate it once. A
// database at a version newer than kSchemaVersion is NotSupported. Other
// errors are SQLite's, through throw_sqlite (sqlite_errors.h).
//
// Thread safety: each function uses the one Connection it is given.
#ifndef ENGRAM_PLUGINS_SQLITE_SCHEMA_H_
#define ENGRAM_PLUGINS_SQLITE_SCHEMA_H_

#include <cstdint>

#include "connection.h"
#include "schema_recognition.h"
#include "schema_text.h"
#include "sqlite_errors.h"

namespace engram::sqlite {

// The highest version recorded in schema_version, 0 when it has no rows.
// REQUIRES: the schema_version table exists.
std::int64_t recorded_version(Connection& connection);

// What the database holds, read in one snapshot, writing nothing. A file
// that is not a SQLite database fails here (CorruptData).
DatabaseLayout read_layout(Connection& connection);

// Brings the database to kSchemaVersion, one transaction per migration,
// recording each with applied_at `now`. Returns the version recorded after.
// Throws NotSupported when the database records a newer version.
// REQUIRES: `connection` may write.
std::int64_t migrate(Connection& connection, const Origin& origin, double now);

}  // namespace engram::sqlite

#endif  // ENGRAM_PLUGINS_SQLITE_SCHEMA_H_
