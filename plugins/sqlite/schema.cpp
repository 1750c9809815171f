#include "schema.h"

#include <string>

#include "statement.h"
#include "transaction.h"

namespace engram::sqlite {

// The highest version recorded, 0 for a fresh database.
std::int64_t recorded_version(Connection& connection) {
  Statement highest = connection.prepare("SELECT COALESCE(MAX(version), 0) FROM schema_version",
                                         "reading the schema version");
  return highest.step() ? highest.int64(0) : 0;
}

// What the database holds, read in one snapshot, writing nothing. A file
// that is not a SQLite database fails here (CorruptData).
DatabaseLayout read_layout(Connection& connection) {
  DatabaseLayout layout;
  Transaction snapshot(connection, "BEGIN");
  {
    Statement objects =
        connection.prepare("SELECT type, name FROM sqlite_master", "recognising the database");
    while (objects.step()) {
      ++layout.objects;
      const std::string name = objects.text(1);
      if (objects.text(0) == "table" && !name.starts_with("sqlite_")) layout.tables[name];
    }
  }
  for (auto& [table, columns] : layout.tables) {
    Statement info =
        connection.prepare("SELECT name FROM pragma_table_info(?1)", "recognising the database");
    info.bind_text(1, table);
    while (info.step()) columns.insert(info.text(0));
  }
  const auto version = layout.tables.find("schema_version");
  if (version != layout.tables.end() && version->second.contains("version")) {
    layout.recorded_version = recorded_version(connection);
  }
  snapshot.commit();
  return layout;
}

// Brings the database to kSchemaVersion, one transaction per migration (so
// two processes opening one new file migrate it once). Returns the version.
std::int64_t migrate(Connection& connection, const Origin& origin, double now) {
  {
    Transaction transaction(connection);
    connection.exec(kSchemaVersionTable, "creating the schema_version table");
    transaction.commit();
  }
  for (const Migration& migration : kMigrations) {
    Transaction transaction(connection);
    const std::int64_t current = recorded_version(connection);
    if (current > kSchemaVersion) throw_newer_schema(origin, current, kSchemaVersion);
    if (current < migration.version) {
      connection.exec(migration.sql, "migrating the schema");
      Statement record = connection.prepare(kRecordMigration, "recording a schema migration");
      record.bind(1, std::int64_t{migration.version}).bind(2, now).run();
    }
    transaction.commit();
  }
  return recorded_version(connection);
}

}  // namespace engram::sqlite
