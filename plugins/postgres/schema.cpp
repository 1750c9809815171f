#include "schema.h"

#include <string>

#include "engram/errors.h"
#include "schema_text.h"
#include "transaction.h"

namespace engram::postgres {
namespace {

// Whether `schema` has a table named `table`.
bool has_table(Connection& connection, std::string_view schema, std::string_view table) {
  return connection
             .run("SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = $1 AND tablename = $2",
                  Params().text(schema).text(table), "reading the schema's tables")
             .rows() > 0;
}

}  // namespace

std::string advisory_key(std::string_view schema, int which) {
  return "hashtext('" + std::string(schema) + "'), " + std::to_string(which);
}

std::int64_t migrate(Connection& connection, std::string_view schema, double now) {
  const Origin& origin = connection.origin();
  Transaction transaction(connection);
  connection.execute("SELECT pg_advisory_xact_lock(" + advisory_key(schema, kMigrationLock) + ")",
                     "waiting for the schema's migration lock");
  connection.execute("CREATE SCHEMA IF NOT EXISTS \"" + std::string(schema) + "\"",
                     "creating the schema");
  std::int64_t version = 0;
  if (has_table(connection, schema, "schema_version")) {
    const Result found =
        connection.run("SELECT COALESCE(MAX(version), 0)::int8 FROM schema_version",
                       "reading the schema's version");
    version = found.row(0).int64(0);
  } else {
    const Result tables = connection.run(
        "SELECT tablename::text FROM pg_catalog.pg_tables WHERE schemaname = $1 LIMIT 1",
        Params().text(schema), "reading the schema's tables");
    if (tables.rows() > 0) {
      throw CorruptData("opening schema \"" + std::string(schema) + "\" on " + origin.server +
                            ": it holds tables engram did not make (\"" + tables.row(0).text(0) +
                            "\", and no schema_version): choose another schema",
                        origin.backend);
    }
    connection.execute(kSchemaVersionTable, "creating the schema_version table");
  }
  if (version > kSchemaVersion) {
    throw NotSupported("opening schema \"" + std::string(schema) + "\" on " + origin.server +
                           ": its version is " + std::to_string(version) +
                           ", newer than this engram knows (" + std::to_string(kSchemaVersion) +
                           ")",
                       origin.backend);
  }
  for (const Migration& migration : kMigrations) {
    if (migration.version <= version) continue;
    connection.execute(migration.sql,
                       "migrating the schema to version " + std::to_string(migration.version));
    connection.run(kRecordMigration, Params().int8(migration.version).float8(now),
                   "recording a migration");
    version = migration.version;
  }
  transaction.commit();
  return version;
}

}  // namespace engram::postgres
