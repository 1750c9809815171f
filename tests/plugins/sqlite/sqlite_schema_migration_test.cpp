// The sqlite plugin's schema migrations (plugins/sqlite/schema.cpp,
// schema_text.h) as a unit: a database at every schema version the plugin
// knows, and the Python system's, is brought to kSchemaVersion with the
// same tables, columns and indexes as a new one, its rows kept and each
// migration recorded once; a newer version is NotSupported and left as it
// was. No plugin is loaded: the plugin's own Connection and migrate() run
// on files made here with the sqlite3 C API.
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "connection.h"
#include "engram/errors.h"
#include "schema.h"
#include "schema_recognition.h"
#include "schema_text.h"
#include "settings.h"
#include "sqlite_errors.h"
#include "temp_dir.h"

namespace {

namespace fs = std::filesystem;
namespace sq = engram::sqlite;

constexpr double kNow = 1234.5;
constexpr double kEarlier = 99.0;

// A raw sqlite3 connection, to build a database at a given version and to
// look at what migrate() left.
class Raw {
 public:
  explicit Raw(const fs::path& path) {
    if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) {
      throw std::runtime_error("cannot open " + path.string());
    }
  }
  ~Raw() { sqlite3_close(db_); }
  Raw(const Raw&) = delete;
  Raw& operator=(const Raw&) = delete;

  void exec(const std::string& sql) {
    char* message = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &message) != SQLITE_OK) {
      const std::string why = message != nullptr ? message : "?";
      sqlite3_free(message);
      throw std::runtime_error(sql + ": " + why);
    }
  }
  // Every row of `sql`, its columns joined by '|'.
  std::vector<std::string> rows(const std::string& sql) {
    sqlite3_stmt* statement = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &statement, nullptr) != SQLITE_OK) {
      throw std::runtime_error(sql + ": " + sqlite3_errmsg(db_));
    }
    std::vector<std::string> result;
    while (sqlite3_step(statement) == SQLITE_ROW) {
      std::string row;
      for (int i = 0; i < sqlite3_column_count(statement); ++i) {
        if (i > 0) row += '|';
        const auto* text = sqlite3_column_text(statement, i);
        row += text == nullptr ? "NULL" : reinterpret_cast<const char*>(text);
      }
      result.push_back(row);
    }
    sqlite3_finalize(statement);
    return result;
  }
  std::string scalar(const std::string& sql) {
    const std::vector<std::string> found = rows(sql);
    if (found.empty()) throw std::runtime_error(sql + ": no row");
    return found.front();
  }

 private:
  sqlite3* db_ = nullptr;
};

// A database at schema `version` as engram left it: every migration up to
// it applied and recorded at kEarlier (version 0: an empty file).
void make_engram_database(const fs::path& path, int version) {
  Raw raw(path);
  if (version == 0) return;
  raw.exec(sq::kSchemaVersionTable);
  for (const sq::Migration& migration : sq::kMigrations) {
    if (migration.version > version) break;
    raw.exec(migration.sql);
    raw.exec("INSERT INTO schema_version (version, applied_at) VALUES (" +
             std::to_string(migration.version) + ", " + std::to_string(kEarlier) + ")");
  }
}

sq::Settings settings_for(const fs::path& path) {
  sq::Settings settings;
  settings.db_path = path;
  settings.absolute_db_path = path;
  settings.busy_timeout_ms = 1000;
  settings.record_limit = 1 << 20;
  return settings;
}

// migrate() through the plugin's writer connection; returns its result.
std::int64_t migrate(const fs::path& path, const sq::Origin& origin) {
  const sq::Settings settings = settings_for(path);
  sq::Connection writer(origin, settings, true);
  return sq::migrate(writer, origin, kNow);
}

// What a schema is: every table and index with its SQL, and every column.
std::vector<std::string> schema_of(const fs::path& path) {
  Raw raw(path);
  std::vector<std::string> schema =
      raw.rows("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name");
  for (const std::string& table :
       raw.rows("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                "ORDER BY name")) {
    for (const std::string& column :
         raw.rows("SELECT name, type, \"notnull\", dflt_value, pk FROM pragma_table_info('" +
                  table + "')")) {
      schema.push_back(table + "." + column);
    }
  }
  return schema;
}

}  // namespace

TEST_CASE("sqlite schema: the migrations end at kSchemaVersion, in order", "[sqlite][unit]") {
  int previous = 0;
  for (const sq::Migration& migration : sq::kMigrations) {
    CHECK(migration.version == previous + 1);
    previous = migration.version;
  }
  CHECK(previous == sq::kSchemaVersion);
  CHECK(sq::kSchemaVersion == 2);
}

TEST_CASE("sqlite schema: a new database gets the seed's tables and engram's column",
          "[sqlite][unit]") {
  engram_test::TempDir dir("sqlite-schema");
  const sq::Origin origin{"db", (dir / "new.db").string()};
  CHECK(migrate(dir / "new.db", origin) == sq::kSchemaVersion);

  Raw raw(dir / "new.db");
  CHECK(raw.rows("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                 "'sqlite_%' ORDER BY name") ==
        std::vector<std::string>{"concept_relationships", "concepts", "episodes", "learning_events",
                                 "schema_version"});
  // The seed's index names, which the Python system and sqlite3 users read.
  CHECK(raw.rows("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'idx_%' "
                 "ORDER BY name") ==
        std::vector<std::string>{"idx_concepts_access_count", "idx_concepts_creation_time",
                                 "idx_concepts_name", "idx_episodes_context",
                                 "idx_episodes_performance", "idx_episodes_timestamp",
                                 "idx_learning_events_performance", "idx_learning_events_task_type",
                                 "idx_learning_events_timestamp", "idx_relationships_source",
                                 "idx_relationships_target", "idx_relationships_type"});
  CHECK(raw.scalar("SELECT count(*) FROM pragma_table_info('episodes') "
                   "WHERE name = 'experience_format'") == "1");
  CHECK(raw.rows("SELECT version, applied_at FROM schema_version ORDER BY version") ==
        std::vector<std::string>{"1|1234.5", "2|1234.5"});
}

TEST_CASE("sqlite schema: a database at each older version is upgraded to the current one",
          "[sqlite][unit]") {
  engram_test::TempDir dir("sqlite-schema");
  const sq::Origin fresh_origin{"db", (dir / "fresh.db").string()};
  REQUIRE(migrate(dir / "fresh.db", fresh_origin) == sq::kSchemaVersion);
  const std::vector<std::string> current = schema_of(dir / "fresh.db");

  for (int version = 0; version < sq::kSchemaVersion; ++version) {
    INFO("from schema version " << version);
    const fs::path path = dir / ("v" + std::to_string(version) + ".db");
    make_engram_database(path, version);
    const sq::Origin origin{"db", path.string()};
    CHECK(migrate(path, origin) == sq::kSchemaVersion);
    CHECK(schema_of(path) == current);

    // The versions it had keep their time; the ones it gained are now's.
    Raw raw(path);
    std::vector<std::string> expected;
    for (int v = 1; v <= sq::kSchemaVersion; ++v) {
      expected.push_back(std::to_string(v) + "|" + (v <= version ? "99.0" : "1234.5"));
    }
    CHECK(raw.rows("SELECT version, applied_at FROM schema_version ORDER BY version") == expected);
  }
}

TEST_CASE("sqlite schema: the Python system's database is upgraded, its rows kept",
          "[sqlite][unit]") {
  engram_test::TempDir dir("sqlite-schema");
  const fs::path path = dir / "seed.db";
  {
    // The seed's tables (version 1's text is the seed's schema), no
    // schema_version, and a row of each kind as the Python system wrote it.
    Raw raw(path);
    raw.exec(sq::kMigrations[0].sql);
    raw.exec(
        "INSERT INTO episodes (timestamp, experience_data, performance_score, context_hash) "
        "VALUES (10.0, x'80049500', 0.5, 'ctx');"
        "INSERT INTO concepts (name, embedding, creation_time) VALUES ('c', x'00', 11.0);");
  }
  {
    const sq::Settings settings = settings_for(path);
    const sq::Origin origin{"db", path.string()};
    sq::Connection writer(origin, settings, true);
    const sq::DatabaseLayout layout = sq::read_layout(writer);
    CHECK_FALSE(layout.recorded_version.has_value());
    CHECK(layout.tables.size() == 4);
    CHECK(sq::recognise(layout, sq::kSchemaVersion).verdict == sq::Verdict::kOurs);
    CHECK(sq::migrate(writer, origin, kNow) == sq::kSchemaVersion);
  }
  Raw raw(path);
  CHECK(raw.rows("SELECT version FROM schema_version ORDER BY version") ==
        std::vector<std::string>{"1", "2"});
  // The Python system's row stays, marked as not engram's (NULL format).
  CHECK(raw.rows("SELECT context_hash, hex(experience_data), experience_format FROM episodes") ==
        std::vector<std::string>{"ctx|80049500|NULL"});
  CHECK(raw.scalar("SELECT name FROM concepts") == "c");
}

TEST_CASE("sqlite schema: a database already current is left as it is", "[sqlite][unit]") {
  engram_test::TempDir dir("sqlite-schema");
  const fs::path path = dir / "current.db";
  make_engram_database(path, sq::kSchemaVersion);
  const std::vector<std::string> before = schema_of(path);
  const sq::Origin origin{"db", path.string()};
  CHECK(migrate(path, origin) == sq::kSchemaVersion);
  CHECK(migrate(path, origin) == sq::kSchemaVersion);
  CHECK(schema_of(path) == before);
  Raw raw(path);
  CHECK(raw.rows("SELECT version, applied_at FROM schema_version ORDER BY version") ==
        std::vector<std::string>{"1|99.0", "2|99.0"});
}

TEST_CASE("sqlite schema: a store whose first migration never ran is migrated", "[sqlite][unit]") {
  engram_test::TempDir dir("sqlite-schema");
  const fs::path path = dir / "interrupted.db";
  {
    Raw raw(path);
    raw.exec(sq::kSchemaVersionTable);
  }
  const sq::Origin origin{"db", path.string()};
  CHECK(migrate(path, origin) == sq::kSchemaVersion);
  Raw raw(path);
  CHECK(raw.rows("SELECT version FROM schema_version ORDER BY version") ==
        std::vector<std::string>{"1", "2"});
}

TEST_CASE("sqlite schema: a newer version is NotSupported and nothing is written",
          "[sqlite][unit]") {
  engram_test::TempDir dir("sqlite-schema");
  const fs::path path = dir / "newer.db";
  make_engram_database(path, sq::kSchemaVersion);
  {
    Raw raw(path);
    raw.exec("INSERT INTO schema_version (version, applied_at) VALUES (" +
             std::to_string(sq::kSchemaVersion + 1) + ", 7.0)");
  }
  const std::vector<std::string> before = schema_of(path);
  const sq::Settings settings = settings_for(path);
  const sq::Origin origin{"db", path.string()};
  sq::Connection writer(origin, settings, true);

  const sq::DatabaseLayout layout = sq::read_layout(writer);
  CHECK(layout.recorded_version == sq::kSchemaVersion + 1);
  CHECK(sq::recognise(layout, sq::kSchemaVersion).verdict == sq::Verdict::kNewer);

  try {
    sq::migrate(writer, origin, kNow);
    FAIL("migrate() accepted a newer schema");
  } catch (const engram::NotSupported& e) {
    CHECK(e.backend() == "db");
    const std::string expected = "its schema version is " + std::to_string(sq::kSchemaVersion + 1) +
                                 ", newer than version " + std::to_string(sq::kSchemaVersion);
    CHECK(std::string(e.what()).find(expected) != std::string::npos);
  }
  // The failed migration's transaction was rolled back.
  CHECK(sqlite3_get_autocommit(writer.get()) != 0);
  CHECK(sq::recorded_version(writer) == sq::kSchemaVersion + 1);
  CHECK(schema_of(path) == before);
}
