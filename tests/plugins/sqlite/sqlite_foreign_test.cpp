// Files that are not the plugin's: a SQLite database another program wrote
// is refused before a byte of it changes (no WAL switch, no tables, no
// -wal/-shm/-journal left beside it); what the plugin may open is an empty
// file or database (a new store), its own, or the Python system's.
#include <catch2/catch.hpp>
#include <fstream>
#include <iterator>
#include <set>
#include <string>

#include "engram/errors.h"
#include "engram/json.h"
#include "engram/storage.h"
#include "sqlite_test_util.h"
#include "file_bytes.h"

namespace fs = std::filesystem;

namespace {

using engram::Json;

std::set<std::string> folder_entries(const fs::path& folder) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(folder)) {
    names.insert(entry.path().filename().string());
  }
  return names;
}

// A database written by the sqlite3 shell, as another program would.
void sqlite3_shell(const fs::path& db, const std::string& sql) {
  REQUIRE(sqlite_test::run(std::string(ENGRAM_SQLITE3_CLI) + " " +
                           sqlite_test::shell_quote(db.string()) + " " +
                           sqlite_test::shell_quote(sql)) == 0);
}

// The database's schema and journal mode as the sqlite3 shell prints them,
// read from a copy so that reading changes nothing.
std::string shell_view(const sqlite_test::TempDir& dir, const fs::path& db) {
  const fs::path copy = dir / "inspected_copy.db";
  fs::copy_file(db, copy, fs::copy_options::overwrite_existing);
  const std::string view = sqlite_test::capture(std::string(ENGRAM_SQLITE3_CLI) + " " +
                                                sqlite_test::shell_quote(copy.string()) +
                                                " .schema 'PRAGMA journal_mode'");
  fs::remove(copy);
  return view;
}

// Opening `db` throws `Error` whose first line names the file; the file,
// its folder and what sqlite3 sees in it are as they were.
template <class Error>
void require_refused_untouched(const sqlite_test::TempDir& dir, const fs::path& db,
                               const std::string& expected_reason) {
  const std::string bytes = engram_test::file_bytes(db);
  const std::string view = shell_view(dir, db);
  const std::set<std::string> entries = folder_entries(db.parent_path());
  try {
    engram::Storage storage = sqlite_test::open_sqlite(db);
    FAIL("opened " << db << "; stats: " << storage.maintenance("db")->stats().dump());
  } catch (const Error& e) {
    const std::string what = e.what();
    INFO(what);
    const std::string first_line = what.substr(0, what.find('\n'));
    CHECK(first_line.find(db.string()) != std::string::npos);
    CHECK(first_line.find(expected_reason) != std::string::npos);
    CHECK(first_line.size() < 300);
  }
  CHECK(engram_test::file_bytes(db) == bytes);
  CHECK(shell_view(dir, db) == view);
  CHECK(folder_entries(db.parent_path()) == entries);
}

}  // namespace

TEST_CASE("sqlite: a database with an episodes table of other columns is refused untouched",
          "[sqlite]") {
  sqlite_test::TempDir dir;
  const fs::path db = dir / "podcast.db";
  sqlite3_shell(db,
                "CREATE TABLE episodes (id INTEGER PRIMARY KEY, title TEXT, aired TEXT);INSERT "
                "INTO episodes (title, aired) VALUES ('pilot', '2001-01-01');");
  require_refused_untouched<engram::CorruptData>(
      dir, db, "not an engram or seed database (table episodes has no column timestamp)");
}

TEST_CASE("sqlite: a database in WAL mode that is not ours keeps its mode and files", "[sqlite]") {
  sqlite_test::TempDir dir;
  const fs::path db = dir / "other.db";
  // Written in WAL mode and closed: SQLite checkpoints and removes the log.
  sqlite3_shell(db,
                "PRAGMA journal_mode=WAL; CREATE TABLE episodes (id INTEGER PRIMARY KEY, x);INSERT "
                "INTO episodes (x) VALUES (1);");
  require_refused_untouched<engram::CorruptData>(dir, db, "table episodes has no column");
}

TEST_CASE("sqlite: engram stats on a database of other tables installs nothing", "[sqlite]") {
  sqlite_test::TempDir dir;
  const fs::path db = dir / "notes.db";
  sqlite3_shell(db,
                "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);INSERT INTO notes (body) "
                "VALUES ('keep me');");
  // What `engram stats` does: open the config's backends, ask for stats.
  require_refused_untouched<engram::CorruptData>(dir, db,
                                                 "table notes is neither engram's nor the seed's");
  sqlite_test::RawDb raw(db, true);
  CHECK(raw.scalar_int("SELECT count(*) FROM sqlite_master WHERE name = 'schema_version'") == 0);
}

TEST_CASE("sqlite: a database beside the seed's tables of its own is refused untouched",
          "[sqlite]") {
  sqlite_test::TempDir dir;
  const fs::path db = dir / "mixed.db";
  sqlite3_shell(db,
                "CREATE TABLE concepts (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL "
                "UNIQUE, embedding BLOB NOT NULL, creation_time REAL NOT NULL, access_count "
                "INTEGER DEFAULT 0, last_accessed REAL DEFAULT 0, metadata TEXT DEFAULT "
                "'{}');CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL);");
  require_refused_untouched<engram::CorruptData>(dir, db, "table invoices");
}

TEST_CASE("sqlite: a file that is not SQLite is CorruptData, untouched and alone", "[sqlite]") {
  sqlite_test::TempDir dir;
  const fs::path db = dir / "notes.txt.db";
  std::ofstream(db, std::ios::binary) << std::string(3000, 'x') << "SQLite format 3";
  const std::string bytes = engram_test::file_bytes(db);
  const std::set<std::string> entries = folder_entries(dir.path());
  try {
    sqlite_test::open_sqlite(db);
    FAIL("opened a text file");
  } catch (const engram::CorruptData& e) {
    const std::string what = e.what();
    INFO(what);
    CHECK(what.find(db.string()) != std::string::npos);
    CHECK(what.find("not a database") != std::string::npos);
    CHECK(what.find('\n') == std::string::npos);
  }
  CHECK(engram_test::file_bytes(db) == bytes);
  CHECK(folder_entries(dir.path()) == entries);
}

TEST_CASE("sqlite: a newer engram schema is NotSupported and nothing is written", "[sqlite]") {
  sqlite_test::TempDir dir;
  const fs::path db = dir / "future.db";
  {
    engram::Storage storage = sqlite_test::open_sqlite(db, ", enable_wal: false");
    storage.episodes()->store_episode(Json{{"x", 1}}, 0.5, "ctx");
  }
  {
    sqlite_test::RawDb raw(db);
    raw.exec(
        "INSERT INTO schema_version(version, applied_at) VALUES (3, 0);ALTER TABLE episodes ADD "
        "COLUMN something_new TEXT;");
  }
  require_refused_untouched<engram::NotSupported>(dir, db, "schema version is 3");
}

TEST_CASE("sqlite: empty files and databases are new stores", "[sqlite]") {
  sqlite_test::TempDir dir;
  SECTION("a 0-byte file, as mkstemp leaves one") {
    const fs::path db = dir / "zero.db";
    std::ofstream(db, std::ios::binary).flush();
    REQUIRE(fs::file_size(db) == 0);
    {
      engram::Storage storage = sqlite_test::open_sqlite(db);
      storage.episodes()->store_episode(Json{{"x", 1}}, 0.5, "ctx");
    }
    sqlite_test::RawDb raw(db, true);
    CHECK(raw.count("episodes") == 1);
  }
  SECTION("a database without tables") {
    const fs::path db = dir / "blank.db";
    sqlite3_shell(db, "PRAGMA user_version = 0; VACUUM;");
    {
      engram::Storage storage = sqlite_test::open_sqlite(db);
      storage.concepts()->store_concept("c", engram::ArrayView(std::vector<float>{1.0f}));
    }
    sqlite_test::RawDb raw(db, true);
    CHECK(raw.count("concepts") == 1);
  }
  SECTION("a store whose first migration never ran (schema_version only)") {
    const fs::path db = dir / "started.db";
    sqlite3_shell(
        db, "CREATE TABLE schema_version (version INTEGER PRIMARY KEY, applied_at REAL NOT NULL);");
    { sqlite_test::open_sqlite(db).episodes()->store_learning_event("t", 1.0, "s"); }
    sqlite_test::RawDb raw(db, true);
    CHECK(raw.scalar_int("SELECT max(version) FROM schema_version") == 2);
  }
}

TEST_CASE("sqlite: db_path's missing folders are created", "[sqlite]") {
  sqlite_test::TempDir dir;
  const fs::path db = dir / "a" / "b" / "c" / "engram.db";
  { sqlite_test::open_sqlite(db).episodes()->store_learning_event("t", 1.0, "s"); }
  REQUIRE(fs::is_regular_file(db));
  sqlite_test::RawDb raw(db, true);
  CHECK(raw.count("learning_events") == 1);
}
