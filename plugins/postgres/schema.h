// plugins/postgres/schema.h — bringing the backend's schema to
// kSchemaVersion (schema_text.h).
//
// migrate() runs in one transaction under the schema's migration advisory
// lock, so two processes opening at once migrate once: the second waits,
// then finds the work done. It creates the schema when absent, refuses one
// that holds tables but no schema_version (not engram's: CorruptData,
// nothing touched) or was made by a newer engram (NotSupported), and
// applies the missing migrations in order, each recorded with its time. A
// failure rolls everything back.
//
// Thread safety: REQUIRES a connection of the caller's own, outside a
// transaction.
#ifndef ENGRAM_PLUGINS_POSTGRES_SCHEMA_H_
#define ENGRAM_PLUGINS_POSTGRES_SCHEMA_H_

#include <cstdint>
#include <string_view>

#include "connection.h"

namespace engram::postgres {

// Migrates `schema` on `connection` at time `now` (Unix seconds); returns
// the schema's version after (kSchemaVersion).
std::int64_t migrate(Connection& connection, std::string_view schema, double now);

// The key pair of the schema's advisory lock `which` (schema_text.h), as
// SQL: "hashtext('<schema>'), <which>". REQUIRES: is_sql_identifier(schema).
std::string advisory_key(std::string_view schema, int which);

}  // namespace engram::postgres

#endif  // ENGRAM_PLUGINS_POSTGRES_SCHEMA_H_
