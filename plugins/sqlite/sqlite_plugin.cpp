// plugins/sqlite/sqlite_plugin.cpp — the `sqlite` plugin: episodes and
// concepts in one SQLite file, in the Python system's schema (SEED_FORMATS.md)
// plus engram's migrations.
//
// It reads top to bottom as every plugin does: options → handles → the error
// mapper → connections and the database → records → the role classes →
// maintenance and backend → the descriptor and its entry point, last and the
// library's only export.
//
// Schema: version 1 is the seed's tables and indexes, created only when
// absent (a database the Python system wrote is already at 1); version 2 adds
// episodes.experience_format ('npy' or 'json'; NULL marks a row the Python
// system wrote, whose pickle blob is CorruptData when read, never
// unpickled). Each migration runs in one transaction. A database at a later
// version than this build knows is NotSupported. Before anything is written
// (the WAL switch, a migration) the file is recognised (schema_recognition.h):
// an empty file or database, engram's or the seed's; anything else is
// CorruptData and left as it was.
//
// Backups go to a partial file beside the target, moved there only if no
// file is there (partial_file.h). max_record_bytes bounds every value a read
// decodes and so every value a store writes.
//
// Arrays are .npy blobs, metadata and parameters JSON text; a JSON
// experience is its JSON text in the experience_data blob.
//
// Thread safety: one writer connection behind a mutex (every write a
// BEGIN IMMEDIATE transaction, so another process waits its turn through the
// busy timeout instead of failing) and a small pool of reader connections
// (in WAL mode readers never wait for the writer). Every call holds the
// database's life lock shared; close() takes it alone, so it waits for the
// calls under way. After close() every call throws StorageError("... closed").
#include <sqlite3.h>

#include <algorithm>
#include <boost/dll/alias.hpp>
#include <charconv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "engram/array.h"
#include "engram/clock.h"
#include "engram/concept_store.h"
#include "engram/episode_store.h"
#include "engram/errors.h"
#include "engram/ids.h"
#include "engram/json.h"
#include "engram/log.h"
#include "engram/maintenance.h"
#include "engram/npy.h"
#include "engram/options.h"
#include "engram/page.h"
#include "engram/plugin.h"
#include "engram/record_limits.h"
#include "partial_file.h"
#include "schema_recognition.h"

namespace engram::sqlite {
namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------- options

// The seed's SQLiteStorage parameters, with its defaults, and engram's
// durability and locking knobs.
struct SqliteOptions {
  std::string db_path = "godly_ai.db";
  std::int64_t backup_interval = 3600;
  std::int64_t max_backups = 10;
  bool enable_wal = true;
  double connection_timeout = 30.0;
  std::string synchronous = "full";
  std::int64_t max_record_bytes = kDefaultMaxRecordBytes;
};

const auto kOptions =
    OptionTable<SqliteOptions>()
        .add("db_path", &SqliteOptions::db_path, "the database file (created if absent)",
             OptionType::kPath)
        .add("backup_interval", &SqliteOptions::backup_interval,
             "seconds between automatic backups (backup_if_due)")
        .add("max_backups", &SqliteOptions::max_backups,
             "automatic backups kept beside the database; older ones are deleted")
        .add("enable_wal", &SqliteOptions::enable_wal,
             "write-ahead logging: readers run while a write commits")
        .add("connection_timeout", &SqliteOptions::connection_timeout,
             "seconds a call waits for another connection's lock before BackendError")
        .add("synchronous", &SqliteOptions::synchronous,
             "PRAGMA synchronous: off, normal, full or extra (full survives power loss)")
        .add("max_record_bytes", &SqliteOptions::max_record_bytes,
             "largest record a read may allocate; never more than the machine's memory");

// ---------------------------------------------------------------- handles

struct DatabaseDeleter {
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
using DatabaseHandle = std::unique_ptr<sqlite3, DatabaseDeleter>;

struct StatementDeleter {
  void operator()(sqlite3_stmt* statement) const noexcept { sqlite3_finalize(statement); }
};
using StatementHandle = std::unique_ptr<sqlite3_stmt, StatementDeleter>;

// Finishing a backup reports its outcome: the normal path calls
// sqlite3_backup_finish itself (release()); this deleter serves error paths.
struct BackupDeleter {
  void operator()(sqlite3_backup* backup) const noexcept { sqlite3_backup_finish(backup); }
};
using BackupHandle = std::unique_ptr<sqlite3_backup, BackupDeleter>;

// ---------------------------------------------------------------- errors
//
// Everything this plugin throws, in one place. `Origin` is what every
// message names: the backend and the database file.

struct Origin {
  std::string backend;
  std::string path;
};

// The one mapper from SQLite result codes to engram's errors. `code` is the
// result of a call on `db` (null when there is no handle); the native code
// carried (what() ends with "(code N)") is the extended result code. The
// message is one short line: "<doing> in <database>: <SQLite's reason>".
[[noreturn]] void throw_sqlite(const Origin& origin, std::string_view doing, int code,
                               sqlite3* db) {
  int extended = code;
  if (db != nullptr && (sqlite3_extended_errcode(db) & 0xff) == (code & 0xff)) {
    extended = sqlite3_extended_errcode(db);
  }
  // The handle's message when it is about this error (a backup step's error
  // is not recorded on the destination's handle), else the code's own text.
  const char* why = db != nullptr && (sqlite3_errcode(db) & 0xff) == (code & 0xff)
                        ? sqlite3_errmsg(db)
                        : sqlite3_errstr(code);
  std::string message = std::string(doing) + " in " + origin.path + ": " + why;
  const int primary = extended & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
    message += " (another connection held the lock past connection_timeout)";
  }
  switch (primary) {
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      throw AccessDenied(message, origin.backend, extended);
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      throw CorruptData(message, origin.backend, extended);
    case SQLITE_TOOBIG:
      throw InvalidArgument(message, origin.backend, extended);
    default:  // BUSY/LOCKED after the timeout, FULL, IOERR, NOMEM, ...
      throw BackendError(message, origin.backend, extended);
  }
}

[[noreturn]] void throw_closed(const Origin& origin) {
  throw StorageError("the backend is closed (database " + origin.path + ")", origin.backend);
}

[[noreturn]] void throw_bad_option(std::string_view key, const std::string& why) {
  throw ConfigError("option '" + std::string(key) + "' " + why);
}

[[noreturn]] void throw_not_a_file(const Origin& origin) {
  throw AccessDenied("opening the database " + origin.path + ": it is a directory, not a file",
                     origin.backend);
}

[[noreturn]] void throw_read_only(const Origin& origin) {
  throw AccessDenied(
      "opening the database " + origin.path + ": the file is read-only (engram needs to write it)",
      origin.backend, SQLITE_READONLY);
}

// A database that is not engram's, the seed's or empty: refused untouched.
[[noreturn]] void throw_foreign(const Origin& origin, const std::string& why) {
  throw CorruptData("opening " + origin.path + ": not an engram or seed database (" + why + ")",
                    origin.backend);
}

[[noreturn]] void throw_newer_schema(const Origin& origin, std::int64_t found, int known) {
  throw NotSupported("opening " + origin.path + ": its schema version is " + std::to_string(found) +
                         ", newer than version " + std::to_string(known) +
                         " that this plugin knows",
                     origin.backend);
}

[[noreturn]] void throw_overwrite(const Origin& origin, const fs::path& target) {
  throw InvalidArgument("backing up " + origin.path + ": refusing to overwrite " + target.string(),
                        origin.backend);
}

[[noreturn]] void throw_own_file(const Origin& origin, const fs::path& target) {
  throw InvalidArgument(
      "backing up " + origin.path + ": refusing to write onto its own file " + target.string(),
      origin.backend);
}

// A stored value past a reader's SQLITE_LIMIT_LENGTH (max_record_bytes).
[[noreturn]] void throw_stored_too_big(const Origin& origin, std::string_view doing) {
  throw CorruptData(std::string(doing) + " in " + origin.path +
                        ": a stored value is larger than max_record_bytes",
                    origin.backend, SQLITE_TOOBIG);
}

// A value to store that a read under max_record_bytes could not take back.
[[noreturn]] void throw_record_too_large(const Origin& origin, std::string_view what,
                                         std::size_t bytes, std::uint64_t limit) {
  throw InvalidArgument("storing " + std::string(what) + " in " + origin.path + ": " +
                            std::to_string(bytes) + " bytes, more than max_record_bytes (" +
                            std::to_string(limit) + ")",
                        origin.backend);
}

[[noreturn]] void throw_bad_cursor(const Origin& origin, std::string_view cursor) {
  throw InvalidArgument("cursor \"" + printable(cursor) + "\" was not given by this backend",
                        origin.backend);
}

[[noreturn]] void throw_missing_concept(const Origin& origin, const Relationship& relationship,
                                        std::int64_t missing) {
  throw InvalidArgument("cannot relate concept " + std::to_string(relationship.source_id) +
                            " to concept " + std::to_string(relationship.target_id) + " (" +
                            printable(relationship.type) + "): concept " + std::to_string(missing) +
                            " does not exist",
                        origin.backend);
}

[[noreturn]] void throw_query_too_long(const Origin& origin, std::size_t bytes, int limit) {
  throw InvalidArgument("searching concepts: the query is " + std::to_string(bytes) +
                            " bytes, longer than SQLite's LIKE pattern limit of " +
                            std::to_string(limit) + " bytes",
                        origin.backend);
}

[[noreturn]] void throw_bad_json_value(const Origin& origin, std::string_view what,
                                       const char* why) {
  throw InvalidArgument(
      std::string("storing ") + std::string(what) + ": it cannot be written as JSON text: " + why,
      origin.backend);
}

// A stored value that does not decode: `what` names the record and column.
[[noreturn]] void throw_corrupt(const Origin& origin, const std::string& what,
                                const std::string& why) {
  throw CorruptData("reading " + what + " in " + origin.path + ": " + why, origin.backend);
}

[[noreturn]] void throw_file_error(const Origin& origin, std::string_view doing,
                                   const fs::path& path, const std::error_code& error) {
  const std::string message = std::string(doing) + " " + path.string() + " (database " +
                              origin.path + "): " + error.message();
  if (error == std::errc::permission_denied || error == std::errc::read_only_file_system ||
      error == std::errc::is_a_directory || error == std::errc::operation_not_permitted) {
    throw AccessDenied(message, origin.backend, error.value());
  }
  throw BackendError(message, origin.backend, error.value());
}

// ---------------------------------------------------------------- settings

// The files SQLite keeps for the database `db`: the database, its
// write-ahead log and shared-memory index, and its rollback journal.
std::vector<fs::path> database_files(const fs::path& db) {
  return {db, fs::path(db.string() + "-wal"), fs::path(db.string() + "-shm"),
          fs::path(db.string() + "-journal")};
}

// The options checked and in the units the connections use.
struct Settings {
  fs::path db_path;
  fs::path absolute_db_path;  // db_path made absolute when the backend opened
  std::int64_t backup_interval = 3600;
  std::size_t max_backups = 10;
  bool enable_wal = true;
  int busy_timeout_ms = 30000;
  std::string synchronous = "FULL";
  std::uint64_t record_limit = 0;  // max_record_bytes, at most the machine's memory
};

Settings settings_of(const SqliteOptions& options) {
  Settings settings;
  if (options.db_path.empty()) throw_bad_option("db_path", "must not be empty");
  settings.db_path = options.db_path;
  std::error_code error;
  settings.absolute_db_path = fs::absolute(settings.db_path, error).lexically_normal();
  if (error) settings.absolute_db_path = settings.db_path;
  if (options.backup_interval < 0) {
    throw_bad_option("backup_interval",
                     "must be 0 or more seconds, got " + std::to_string(options.backup_interval));
  }
  settings.backup_interval = options.backup_interval;
  if (options.max_backups < 1) {
    throw_bad_option("max_backups",
                     "must be at least 1, got " + std::to_string(options.max_backups));
  }
  settings.max_backups = static_cast<std::size_t>(options.max_backups);
  settings.enable_wal = options.enable_wal;
  // sqlite3_busy_timeout takes an int of milliseconds: about 24 days at most.
  if (!(options.connection_timeout >= 0.0 && options.connection_timeout <= 2e6)) {
    throw_bad_option("connection_timeout",
                     "must be 0 to 2e6 seconds, got " + std::to_string(options.connection_timeout));
  }
  settings.busy_timeout_ms = static_cast<int>(std::lround(options.connection_timeout * 1000.0));
  std::string mode;
  for (const char c : options.synchronous) {
    mode.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
  }
  if (mode != "OFF" && mode != "NORMAL" && mode != "FULL" && mode != "EXTRA") {
    throw_bad_option("synchronous", "must be one of off, normal, full, extra; got \"" +
                                        printable(options.synchronous) + "\"");
  }
  settings.synchronous = mode;
  if (options.max_record_bytes < 1) {
    throw_bad_option("max_record_bytes",
                     "must be at least 1 byte, got " + std::to_string(options.max_record_bytes));
  }
  settings.record_limit = effective_record_limit(options.max_record_bytes);
  return settings;
}

// ---------------------------------------------------------------- statements

// A cached prepared statement, checked out for one use: the destructor
// resets it and clears its bindings, so the next use starts clean. Text
// and blobs are bound without a copy (SQLITE_STATIC): REQUIRES the bound
// bytes outlive the Statement.
class Statement {
 public:
  Statement(sqlite3_stmt* statement, sqlite3* db, const Origin& origin, std::string_view doing)
      : statement_(statement), db_(db), origin_(origin), doing_(doing) {}
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }

  Statement& bind(int index, std::int64_t value) {
    return check(sqlite3_bind_int64(statement_, index, value));
  }
  Statement& bind(int index, double value) {
    return check(sqlite3_bind_double(statement_, index, value));
  }
  Statement& bind_text(int index, std::string_view text) {
    return check(sqlite3_bind_text64(statement_, index, text.empty() ? "" : text.data(),
                                     text.size(), SQLITE_STATIC, SQLITE_UTF8));
  }
  Statement& bind_blob(int index, std::span<const std::byte> bytes) {
    // A null pointer would bind NULL, not an empty blob.
    if (bytes.empty()) return check(sqlite3_bind_zeroblob(statement_, index, 0));
    return check(sqlite3_bind_blob64(statement_, index, bytes.data(), bytes.size(), SQLITE_STATIC));
  }
  Statement& bind_limit(int index, std::size_t limit) {
    const auto max = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
    return bind(index, static_cast<std::int64_t>(std::min(limit, max)));
  }

  // Steps once; true iff a row is ready.
  bool step() {
    const int code = sqlite3_step(statement_);
    if (code == SQLITE_ROW) return true;
    if (code == SQLITE_DONE) return false;
    if ((code & 0xff) == SQLITE_TOOBIG && sqlite3_stmt_readonly(statement_) != 0) {
      throw_stored_too_big(origin_, doing_);  // a query's row, not a value to store
    }
    throw_sqlite(origin_, doing_, code, db_);
  }
  // Steps to the end, ignoring rows.
  void run() {
    while (step()) {
    }
  }

  bool is_null(int column) const { return sqlite3_column_type(statement_, column) == SQLITE_NULL; }
  std::int64_t int64(int column) const { return sqlite3_column_int64(statement_, column); }
  double real(int column) const { return sqlite3_column_double(statement_, column); }
  std::string text(int column) const {
    const auto* data = sqlite3_column_text(statement_, column);
    const auto size = static_cast<std::size_t>(sqlite3_column_bytes(statement_, column));
    return data == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(data), size);
  }
  // The stored size of a blob or text value, without copying it.
  std::size_t bytes(int column) const {
    return static_cast<std::size_t>(sqlite3_column_bytes(statement_, column));
  }
  // Valid until the next step or the Statement's end.
  std::span<const std::byte> blob(int column) const {
    const void* data = sqlite3_column_blob(statement_, column);
    const auto size = static_cast<std::size_t>(sqlite3_column_bytes(statement_, column));
    return {static_cast<const std::byte*>(data), data == nullptr ? 0 : size};
  }

 private:
  Statement& check(int code) {
    if (code != SQLITE_OK) throw_sqlite(origin_, doing_, code, db_);
    return *this;
  }

  sqlite3_stmt* statement_;
  sqlite3* db_;
  const Origin& origin_;
  std::string_view doing_;
};

// ---------------------------------------------------------------- connections

// One connection with its statement cache. Used by one thread at a time (the
// Database hands it out), so it is opened without SQLite's own mutex.
class Connection {
 public:
  // Opens `settings.db_path`; the writer creates the file if absent. Sets
  // only what lasts as long as the connection: the file is not read or
  // written yet (the Database recognises it before anything is written).
  Connection(const Origin& origin, const Settings& settings, bool writer) : origin_(origin) {
    const int flags =
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (writer ? SQLITE_OPEN_CREATE : 0);
    sqlite3* raw = nullptr;
    const int code = sqlite3_open_v2(settings.db_path.c_str(), &raw, flags, nullptr);
    db_.reset(raw);  // sqlite3_open_v2 allocates a handle even when it fails
    if (code != SQLITE_OK) throw_sqlite(origin_, "opening the database", code, raw);
    sqlite3_extended_result_codes(raw, 1);
    sqlite3_busy_timeout(raw, settings.busy_timeout_ms);
    if (sqlite3_db_readonly(raw, "main") == 1) throw_read_only(origin_);
    if (writer) {
      exec(settings.synchronous == "OFF"      ? "PRAGMA synchronous=OFF"
           : settings.synchronous == "NORMAL" ? "PRAGMA synchronous=NORMAL"
           : settings.synchronous == "EXTRA"  ? "PRAGMA synchronous=EXTRA"
                                              : "PRAGMA synchronous=FULL",
           "setting PRAGMA synchronous");
      exec("PRAGMA foreign_keys=ON", "enabling foreign keys");
    } else {
      exec("PRAGMA query_only=ON", "making a reader connection read-only");
      // SQLite itself refuses to load a value past max_record_bytes
      // (SQLITE_TOOBIG), so a read never allocates for one. This only
      // lowers SQLite's compiled maximum (1e9 bytes).
      sqlite3_limit(raw, SQLITE_LIMIT_LENGTH,
                    static_cast<int>(std::min<std::uint64_t>(settings.record_limit,
                                                             std::numeric_limits<int>::max())));
    }
  }

  sqlite3* get() const noexcept { return db_.get(); }

  // The cached statement for `sql`, which must be a string with static
  // storage (the cache keeps a view of it). REQUIRES: no other Statement of
  // the same SQL on this connection is alive.
  Statement prepare(std::string_view sql, std::string_view doing) {
    auto found = cache_.find(sql);
    if (found == cache_.end()) {
      sqlite3_stmt* raw = nullptr;
      const int code = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                                          SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
      StatementHandle statement(raw);
      if (code != SQLITE_OK) throw_sqlite(origin_, doing, code, db_.get());
      found = cache_.emplace(sql, std::move(statement)).first;
    }
    return Statement(found->second.get(), db_.get(), origin_, doing);
  }

  // Runs SQL without results (DDL, transaction control).
  void exec(const char* sql, std::string_view doing) {
    const int code = sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr);
    if (code != SQLITE_OK) throw_sqlite(origin_, doing, code, db_.get());
  }

  // exec, retried while the database is busy, until `timeout_ms` passed.
  // For PRAGMA journal_mode, which needs the file to itself for a moment:
  // SQLite does not call the busy handler for it (another process opening
  // the same new file at once would otherwise make it fail at once).
  void exec_retrying(const char* sql, std::string_view doing, int timeout_ms) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      const int code = sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr);
      if (code == SQLITE_OK) return;
      const int primary = code & 0xff;
      if ((primary == SQLITE_BUSY || primary == SQLITE_LOCKED) &&
          std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
        continue;
      }
      throw_sqlite(origin_, doing, code, db_.get());
    }
  }

  // The rowid of the last insert on this connection.
  std::int64_t last_insert_id() const noexcept { return sqlite3_last_insert_rowid(db_.get()); }

 private:
  const Origin& origin_;
  DatabaseHandle db_;  // declared first: the statements are finalized before it closes
  std::unordered_map<std::string_view, StatementHandle> cache_;
};

// A write transaction as a scope guard: BEGIN IMMEDIATE takes the write lock
// at once (waiting through the busy timeout), so no statement inside fails
// for a lock (in rollback-journal mode COMMIT may still wait for readers);
// it rolls back unless commit() succeeded. `begin` "BEGIN" makes it a read
// transaction: one snapshot for several queries, nothing written.
class Transaction {
 public:
  explicit Transaction(Connection& connection, const char* begin = "BEGIN IMMEDIATE")
      : connection_(connection) {
    connection_.exec(begin, "starting a transaction");
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction() {
    if (committed_) return;
    if (sqlite3_get_autocommit(connection_.get()) != 0) return;  // SQLite rolled back already
    if (sqlite3_exec(connection_.get(), "ROLLBACK", nullptr, nullptr, nullptr) != SQLITE_OK) {
      log(LogLevel::kError, std::string("sqlite: rolling back a transaction failed: ") +
                                sqlite3_errmsg(connection_.get()));
    }
  }
  void commit() {
    connection_.exec("COMMIT", "committing a write transaction");
    committed_ = true;
  }

 private:
  Connection& connection_;
  bool committed_ = false;
};

// ---------------------------------------------------------------- schema

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
// decoding never guesses. NULL: a row the Python system wrote (a pickle).
constexpr const char* kSchemaVersion2 = R"sql(
ALTER TABLE episodes ADD COLUMN experience_format TEXT;
)sql";

struct Migration {
  int version;
  const char* sql;
};
constexpr Migration kMigrations[] = {{1, kSchemaVersion1}, {2, kSchemaVersion2}};
// The newest schema this build knows: the last migration's version.
constexpr int kSchemaVersion = 2;

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
    connection.exec(
        "CREATE TABLE IF NOT EXISTS schema_version "
        "(version INTEGER PRIMARY KEY, applied_at REAL NOT NULL)",
        "creating the schema_version table");
    transaction.commit();
  }
  for (const Migration& migration : kMigrations) {
    Transaction transaction(connection);
    const std::int64_t current = recorded_version(connection);
    if (current > kSchemaVersion) throw_newer_schema(origin, current, kSchemaVersion);
    if (current < migration.version) {
      connection.exec(migration.sql, "migrating the schema");
      Statement record =
          connection.prepare("INSERT INTO schema_version (version, applied_at) VALUES (?1, ?2)",
                             "recording a schema migration");
      record.bind(1, std::int64_t{migration.version}).bind(2, now).run();
    }
    transaction.commit();
  }
  return recorded_version(connection);
}

// ---------------------------------------------------------------- database

// The connections of one backend instance and its life: the writer, the
// reader pool, and whether it was closed.
class Database {
 public:
  Database(const BackendContext& context, const SqliteOptions& options)
      : settings_(settings_of(options)),
        origin_{context.name, settings_.db_path.string()},
        clock_(context.clock ? context.clock : system_clock()) {
    std::error_code error;
    if (fs::is_directory(settings_.db_path, error)) throw_not_a_file(origin_);
    const fs::path folder = settings_.db_path.parent_path();
    if (!folder.empty() && !fs::exists(folder, error)) {
      fs::create_directories(folder, error);
      if (error) throw_file_error(origin_, "creating the folder", folder, error);
    }
    writer_ = std::make_unique<Connection>(origin_, settings_, true);
    // Nothing is written before the file is known to be ours.
    switch (const Recognition found = recognise(read_layout(*writer_), kSchemaVersion);
            found.verdict) {
      case Verdict::kForeign:
        throw_foreign(origin_, found.why);
      case Verdict::kNewer:
        throw_newer_schema(origin_, recorded_version(*writer_), kSchemaVersion);
      case Verdict::kEmpty:
      case Verdict::kOurs:
        break;
    }
    if (settings_.enable_wal) {
      writer_->exec_retrying("PRAGMA journal_mode=WAL", "enabling write-ahead logging",
                             settings_.busy_timeout_ms);
    }
    schema_version_ = migrate(*writer_, origin_, now());
  }

  // The files SQLite keeps for this database, absolute: the database, its
  // write-ahead log and shared-memory index, and its rollback journal.
  std::vector<fs::path> files() const { return database_files(settings_.absolute_db_path); }

  const Origin& origin() const noexcept { return origin_; }
  const Settings& settings() const noexcept { return settings_; }
  std::int64_t schema_version() const noexcept { return schema_version_; }
  double now() const { return clock_->now(); }

  // The writer, held alone while the lease lives.
  class WriterLease {
   public:
    Connection& operator*() const noexcept { return connection_; }
    Connection* operator->() const noexcept { return &connection_; }

   private:
    friend class Database;
    WriterLease(std::shared_lock<std::shared_mutex> life, std::unique_lock<std::mutex> lock,
                Connection& connection)
        : life_(std::move(life)), lock_(std::move(lock)), connection_(connection) {}
    std::shared_lock<std::shared_mutex> life_;
    std::unique_lock<std::mutex> lock_;
    Connection& connection_;
  };

  // A reader from the pool, returned when the lease goes.
  class ReaderLease {
   public:
    ReaderLease(ReaderLease&&) = default;
    ReaderLease(const ReaderLease&) = delete;
    ReaderLease& operator=(const ReaderLease&) = delete;
    ReaderLease& operator=(ReaderLease&&) = delete;
    ~ReaderLease() {
      if (connection_) database_.give_back(std::move(connection_));
    }
    Connection& operator*() const noexcept { return *connection_; }
    Connection* operator->() const noexcept { return connection_.get(); }

   private:
    friend class Database;
    ReaderLease(Database& database, std::shared_lock<std::shared_mutex> life,
                std::unique_ptr<Connection> connection)
        : database_(database), life_(std::move(life)), connection_(std::move(connection)) {}
    Database& database_;
    std::shared_lock<std::shared_mutex> life_;  // released after the connection is back
    std::unique_ptr<Connection> connection_;
  };

  // Each throws StorageError("closed") once the backend is closed.
  WriterLease writer() {
    auto life = enter();
    std::unique_lock lock(writer_mutex_);
    return WriterLease(std::move(life), std::move(lock), *writer_);
  }
  ReaderLease reader() {
    auto life = enter();
    std::unique_lock lock(readers_mutex_);
    readers_free_.wait(lock, [&] { return !idle_.empty() || readers_open_ < kMaxReaders; });
    if (!idle_.empty()) {
      std::unique_ptr<Connection> connection = std::move(idle_.back());
      idle_.pop_back();
      return ReaderLease(*this, std::move(life), std::move(connection));
    }
    ++readers_open_;
    lock.unlock();
    try {
      return ReaderLease(*this, std::move(life),
                         std::make_unique<Connection>(origin_, settings_, false));
    } catch (...) {
      lock.lock();
      --readers_open_;
      readers_free_.notify_one();
      throw;
    }
  }

  // Waits for the calls under way, then closes every connection. Idempotent.
  void close() noexcept {
    std::unique_lock life(life_mutex_);
    if (closed_) return;
    closed_ = true;
    std::lock_guard readers(readers_mutex_);
    idle_.clear();
    writer_.reset();
  }

 private:
  // Readers beyond this wait for one to come back.
  static constexpr std::size_t kMaxReaders = 4;

  std::shared_lock<std::shared_mutex> enter() const {
    std::shared_lock life(life_mutex_);
    if (closed_) throw_closed(origin_);
    return life;
  }
  void give_back(std::unique_ptr<Connection> connection) noexcept {
    std::lock_guard lock(readers_mutex_);
    idle_.push_back(std::move(connection));
    readers_free_.notify_one();
  }

  const Settings settings_;
  const Origin origin_;
  const std::shared_ptr<const Clock> clock_;
  std::int64_t schema_version_ = 0;

  mutable std::shared_mutex life_mutex_;
  bool closed_ = false;
  std::mutex writer_mutex_;
  std::unique_ptr<Connection> writer_;
  std::mutex readers_mutex_;
  std::condition_variable readers_free_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::size_t readers_open_ = 0;
};

// ---------------------------------------------------------------- records
//
// How values become columns and back. Arrays are encoded before any lock is
// taken; decoding failures name the record and column. No value larger than
// max_record_bytes is stored or decoded.

// What encoding and decoding a record needs: the names its messages give
// and the largest value a read may allocate.
struct Codec {
  const Origin& origin;
  std::uint64_t record_limit;
};

// JSON text of a caller's value. Throws InvalidArgument when nlohmann cannot
// write it (a string that is not UTF-8) or it is past max_record_bytes.
std::string json_text(const Codec& codec, const Json& value, std::string_view what) {
  std::string text;
  try {
    text = value.dump();
  } catch (const Json::exception& e) {
    throw_bad_json_value(codec.origin, what, e.what());
  }
  if (text.size() > codec.record_limit) {
    throw_record_too_large(codec.origin, what, text.size(), codec.record_limit);
  }
  return text;
}

// CorruptData unless the value in `column` fits max_record_bytes; checked
// from the stored size, before the value is copied or decoded.
void check_stored_size(const Codec& codec, const Statement& row, int column,
                       const std::string& what) {
  check_declared_size(codec.origin.backend, "reading " + what + " in " + codec.origin.path,
                      row.bytes(column), codec.record_limit);
}

// A JSON column: NULL (a row from before the column had a value) is {}.
Json json_column(const Codec& codec, const Statement& row, int column, const std::string& what) {
  if (row.is_null(column)) return Json::object();
  check_stored_size(codec, row, column, what);
  try {
    return Json::parse(row.text(column));
  } catch (const Json::exception& e) {
    throw_corrupt(codec.origin, what, std::string("not JSON text: ") + e.what());
  }
}

// A blob npy could not read: NotSupported for a later format or dtype,
// CorruptData otherwise.
[[noreturn]] void throw_not_npy(const Origin& origin, const std::string& what,
                                std::span<const std::byte> bytes, const StorageError& e) {
  if (dynamic_cast<const NotSupported*>(&e) != nullptr) {
    throw NotSupported("reading " + what + " in " + origin.path + ": " + e.what(), origin.backend);
  }
  const bool pickle = !bytes.empty() && bytes[0] == std::byte{0x80};
  throw_corrupt(origin, what,
                std::string("not a .npy array") +
                    (pickle ? " (it looks like a Python pickle, which engram never loads)" : "") +
                    ": " + e.what());
}

// A .npy column. The header's declared data size is checked against
// max_record_bytes and the bytes stored before the array is allocated.
Array npy_column(const Codec& codec, const Statement& row, int column, const std::string& what) {
  const Origin& origin = codec.origin;
  if (row.is_null(column)) throw_corrupt(origin, what, "the value is NULL");
  check_stored_size(codec, row, column, what);
  const std::span<const std::byte> bytes = row.blob(column);
  npy::Header header;
  try {
    header = npy::parse_header(bytes);
  } catch (const StorageError& e) {
    throw_not_npy(origin, what, bytes, e);
  }
  const std::size_t stored = bytes.size() - std::min(header.data_offset, bytes.size());
  check_declared_size(origin.backend, "reading " + what + " in " + origin.path, header.data_bytes,
                      codec.record_limit, stored);
  try {
    return npy::decode(bytes);
  } catch (const StorageError& e) {
    throw_not_npy(origin, what, bytes, e);
  }
}

// The .npy bytes of `array`. Throws InvalidArgument past max_record_bytes.
std::vector<std::byte> npy_value(const Codec& codec, const ArrayView& array,
                                 std::string_view what) {
  std::vector<std::byte> bytes = npy::encode(array);
  if (bytes.size() > codec.record_limit) {
    throw_record_too_large(codec.origin, what, bytes.size(), codec.record_limit);
  }
  return bytes;
}

// experience_format values.
constexpr std::string_view kFormatNpy = "npy";
constexpr std::string_view kFormatJson = "json";

// An episode's experience as it is stored: the bytes and their format.
struct EncodedExperience {
  std::vector<std::byte> npy;
  std::string json;
  std::string_view format;
};

EncodedExperience encode_experience(const Codec& codec, const std::variant<ArrayView, Json>& data) {
  EncodedExperience encoded;
  if (const auto* array = std::get_if<ArrayView>(&data)) {
    encoded.npy = npy_value(codec, *array, "experience_data");
    encoded.format = kFormatNpy;
  } else {
    encoded.json = json_text(codec, std::get<Json>(data), "experience_data");
    encoded.format = kFormatJson;
  }
  return encoded;
}

// An episode stored, with what its columns need.
struct EncodedEpisode {
  const EpisodeView* record;
  EncodedExperience experience;
  std::string metadata;
};

EncodedEpisode encode(const Codec& codec, const EpisodeView& record) {
  return {&record, encode_experience(codec, record.experience_data),
          json_text(codec, record.metadata, "metadata")};
}

struct EncodedConcept {
  const ConceptView* record;
  std::vector<std::byte> embedding;
  std::string metadata;
};

EncodedConcept encode(const Codec& codec, const ConceptView& record) {
  return {&record, npy_value(codec, record.embedding, "embedding"),
          json_text(codec, record.metadata, "metadata")};
}

struct EncodedEvent {
  const LearningEvent* record;
  std::string parameters;
};

EncodedEvent encode(const Codec& codec, const LearningEvent& record) {
  return {&record, json_text(codec, record.parameters, "parameters")};
}

template <class Record>
auto encode_all(const Codec& codec, const std::vector<Record>& records) {
  std::vector<decltype(encode(codec, records.front()))> encoded;
  encoded.reserve(records.size());
  for (const Record& record : records) encoded.push_back(encode(codec, record));
  return encoded;
}

// The columns every episode query selects, in this order.
//   0 id, 1 timestamp, 2 experience_data, 3 performance_score,
//   4 context_hash, 5 metadata, 6 experience_format
Episode read_episode(const Codec& codec, const Statement& row) {
  const Origin& origin = codec.origin;
  Episode episode;
  episode.id = row.int64(0);
  const std::string what = "episode " + std::to_string(episode.id);
  episode.timestamp = row.real(1);
  episode.performance_score = row.real(3);
  episode.context_hash = row.text(4);
  episode.metadata = json_column(codec, row, 5, what + "'s metadata");
  if (row.is_null(6)) {
    throw_corrupt(origin, what + "'s experience_data",
                  "the row was written by the Python system, whose experience_data is a "
                  "pickle, which engram never loads");
  }
  const std::string format = row.text(6);
  if (format == kFormatNpy) {
    episode.experience_data = npy_column(codec, row, 2, what + "'s experience_data");
  } else if (format == kFormatJson) {
    check_stored_size(codec, row, 2, what + "'s experience_data");
    const std::span<const std::byte> bytes = row.blob(2);
    try {
      episode.experience_data =
          Json::parse(reinterpret_cast<const char*>(bytes.data()),
                      reinterpret_cast<const char*>(bytes.data()) + bytes.size());
    } catch (const Json::exception& e) {
      throw_corrupt(origin, what + "'s experience_data", std::string("not JSON: ") + e.what());
    }
  } else {
    throw_corrupt(origin, what + "'s experience_data",
                  "unknown experience_format \"" + printable(format) + "\"");
  }
  return episode;
}

//   0 id, 1 task_type, 2 performance_delta, 3 strategy_used, 4 timestamp,
//   5 parameters
LearningEvent read_event(const Codec& codec, const Statement& row) {
  LearningEvent event;
  event.id = row.int64(0);
  event.task_type = row.text(1);
  event.performance_delta = row.real(2);
  event.strategy_used = row.text(3);
  event.timestamp = row.real(4);
  event.parameters =
      json_column(codec, row, 5, "learning event " + std::to_string(event.id) + "'s parameters");
  return event;
}

//   0 id, 1 name, 2 embedding, 3 creation_time, 4 access_count,
//   5 last_accessed, 6 metadata
Concept read_concept(const Codec& codec, const Statement& row) {
  Concept record;
  record.id = row.int64(0);
  const std::string what = "concept " + std::to_string(record.id);
  record.name = row.text(1);
  record.embedding = npy_column(codec, row, 2, what + "'s embedding");
  record.creation_time = row.real(3);
  record.access_count = row.int64(4);
  record.last_accessed = row.real(5);
  record.metadata = json_column(codec, row, 6, what + "'s metadata");
  return record;
}

// Every row `query` gives, read by `read`.
template <class Read>
auto read_all(Statement& query, Read read) {
  std::vector<decltype(read(static_cast<const Statement&>(query)))> records;
  while (query.step()) records.push_back(read(static_cast<const Statement&>(query)));
  return records;
}

// The id a store asks for, when the backend can keep it: positive, not the
// largest (AUTOINCREMENT could not go past it) and free in `table`'s query.
bool id_is_free(Connection& connection, std::string_view exists_sql, std::int64_t wanted) {
  if (wanted <= 0 || wanted == std::numeric_limits<std::int64_t>::max()) return false;
  Statement exists = connection.prepare(exists_sql, "checking whether an id is taken");
  exists.bind(1, wanted);
  return !exists.step();
}

// ---------------------------------------------------------------- listings
//
// Keyset pagination: a cursor is "after:<key>", the key of the last record a
// page returned; the next page is the records past it, one query, never a
// whole table.

constexpr std::string_view kCursorPrefix = "after:";

template <class Number>
bool parse_number(std::string_view text, Number& value) {
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  return !text.empty() && error == std::errc() && stop == end;
}

// The id after which a listing goes on: 0 for the first page.
std::int64_t id_after(const Origin& origin, std::string_view cursor) {
  if (cursor.empty()) return 0;
  std::int64_t id = 0;
  if (!cursor.starts_with(kCursorPrefix) ||
      !parse_number(cursor.substr(kCursorPrefix.size()), id)) {
    throw_bad_cursor(origin, cursor);
  }
  return id;
}

// One page from `query` (bound to ask for the records past the cursor, in
// key order, at most page_rows(limit) of them): up to `limit` rows read by
// `read`; the next cursor made by `key` from the last record when another
// row follows (that row is seen, not decoded).
template <class Read, class Key>
auto read_page(Statement& query, std::size_t limit, Read read, Key key) {
  Page<decltype(read(static_cast<const Statement&>(query)))> page;
  while (query.step()) {
    if (page.items.size() == limit) {
      page.next_cursor = std::string(kCursorPrefix) + key(page.items.back());
      break;
    }
    page.items.push_back(read(static_cast<const Statement&>(query)));
  }
  return page;
}

// One more row than a page holds, to learn whether another page follows.
std::size_t page_rows(std::size_t limit) {
  return limit < std::numeric_limits<std::size_t>::max() ? limit + 1 : limit;
}

// ---------------------------------------------------------------- episodes

class SqliteEpisodes final : public EpisodeStore {
 public:
  SqliteEpisodes(Database& database, Maintenance& maintenance)
      : database_(database), maintenance_(maintenance) {}

  Maintenance& maintenance() override { return maintenance_; }

 protected:
  double now() const override { return database_.now(); }

 private:
  const Origin& origin() const noexcept { return database_.origin(); }
  Codec codec() const noexcept { return {database_.origin(), database_.settings().record_limit}; }

  // --- episodes ---

  std::int64_t do_store_episode(const EpisodeView& record) override {
    const EncodedEpisode encoded = encode(codec(), record);
    auto writer = database_.writer();
    Transaction transaction(*writer);
    const std::int64_t id = insert(*writer, encoded);
    transaction.commit();
    return id;
  }

  std::optional<Episode> do_retrieve_episode(std::int64_t episode_id) override {
    auto reader = database_.reader();
    Statement query = reader->prepare(
        "SELECT id, timestamp, experience_data, performance_score, context_hash, metadata, "
        "experience_format FROM episodes WHERE id = ?1",
        "retrieving an episode");
    query.bind(1, episode_id);
    if (!query.step()) return std::nullopt;
    return read_episode(codec(), query);
  }

  std::vector<Episode> do_get_episodes_by_context(std::string_view context_hash, std::size_t limit,
                                                  std::optional<double> min_score) override {
    auto reader = database_.reader();
    Statement query = reader->prepare(
        "SELECT id, timestamp, experience_data, performance_score, context_hash, metadata, "
        "experience_format FROM episodes WHERE context_hash = ?1 "
        "AND (?2 IS NULL OR performance_score >= ?2) "
        "ORDER BY timestamp DESC, id DESC LIMIT ?3",
        "listing episodes by context");
    query.bind_text(1, context_hash);
    if (min_score) query.bind(2, *min_score);
    query.bind_limit(3, limit);
    return read_all(query, [&](const Statement& row) { return read_episode(codec(), row); });
  }

  std::vector<Episode> do_get_episodes_since(double since, std::size_t limit) override {
    auto reader = database_.reader();
    Statement query = reader->prepare(
        "SELECT id, timestamp, experience_data, performance_score, context_hash, metadata, "
        "experience_format FROM episodes WHERE timestamp >= ?1 "
        "ORDER BY timestamp DESC, id DESC LIMIT ?2",
        "listing recent episodes");
    query.bind(1, since).bind_limit(2, limit);
    return read_all(query, [&](const Statement& row) { return read_episode(codec(), row); });
  }

  // --- learning events ---

  std::int64_t do_store_learning_event(const LearningEvent& record) override {
    const EncodedEvent encoded = encode(codec(), record);
    auto writer = database_.writer();
    Transaction transaction(*writer);
    const std::int64_t id = insert(*writer, encoded);
    transaction.commit();
    return id;
  }

  std::vector<LearningEvent> do_get_learning_events_by_task(
      std::string_view task_type, std::size_t limit,
      std::optional<double> min_performance_delta) override {
    auto reader = database_.reader();
    Statement query = reader->prepare(
        "SELECT id, task_type, performance_delta, strategy_used, timestamp, parameters "
        "FROM learning_events WHERE task_type = ?1 "
        "AND (?2 IS NULL OR performance_delta >= ?2) "
        "ORDER BY timestamp DESC, id DESC LIMIT ?3",
        "listing learning events by task");
    query.bind_text(1, task_type);
    if (min_performance_delta) query.bind(2, *min_performance_delta);
    query.bind_limit(3, limit);
    return read_all(query, [&](const Statement& row) { return read_event(codec(), row); });
  }

  // The seed's query; the strategy name last, so ties list alike.
  std::vector<StrategyScore> do_get_best_strategies(std::string_view task_type,
                                                    std::size_t limit) override {
    auto reader = database_.reader();
    Statement query = reader->prepare(
        "SELECT strategy_used, AVG(performance_delta) AS avg_delta, COUNT(*) AS count "
        "FROM learning_events WHERE task_type = ?1 AND performance_delta > 0 "
        "GROUP BY strategy_used ORDER BY avg_delta DESC, count DESC, strategy_used ASC "
        "LIMIT ?2",
        "ranking strategies");
    query.bind_text(1, task_type).bind_limit(2, limit);
    return read_all(query, [](const Statement& row) {
      return StrategyScore{row.text(0), row.real(1), row.int64(2)};
    });
  }

  // --- beyond the seed ---

  EpisodeBatchIds do_store_batch(const EpisodeBatch& batch) override {
    const auto episodes = encode_all(codec(), batch.episodes());
    const auto events = encode_all(codec(), batch.learning_events());
    EpisodeBatchIds ids;
    auto writer = database_.writer();
    Transaction transaction(*writer);
    for (const EncodedEpisode& episode : episodes) {
      ids.episode_ids.push_back(insert(*writer, episode));
    }
    for (const EncodedEvent& event : events) {
      ids.learning_event_ids.push_back(insert(*writer, event));
    }
    transaction.commit();
    return ids;
  }

  Page<Episode> do_list_episodes(std::string_view cursor, std::size_t limit) override {
    const std::int64_t after = id_after(origin(), cursor);
    auto reader = database_.reader();
    Statement query = reader->prepare(
        "SELECT id, timestamp, experience_data, performance_score, context_hash, metadata, "
        "experience_format FROM episodes WHERE id > ?1 ORDER BY id LIMIT ?2",
        "listing episodes");
    query.bind(1, after).bind_limit(2, page_rows(limit));
    return read_page(
        query, limit, [&](const Statement& row) { return read_episode(codec(), row); },
        [](const Episode& last) { return std::to_string(last.id); });
  }

  Page<LearningEvent> do_list_learning_events(std::string_view cursor, std::size_t limit) override {
    const std::int64_t after = id_after(origin(), cursor);
    auto reader = database_.reader();
    Statement query = reader->prepare(
        "SELECT id, task_type, performance_delta, strategy_used, timestamp, parameters "
        "FROM learning_events WHERE id > ?1 ORDER BY id LIMIT ?2",
        "listing learning events");
    query.bind(1, after).bind_limit(2, page_rows(limit));
    return read_page(
        query, limit, [&](const Statement& row) { return read_event(codec(), row); },
        [](const LearningEvent& last) { return std::to_string(last.id); });
  }

  // Inserts with the record's id when it is free (a put), else a new one
  // (NULL: AUTOINCREMENT, past every id ever used). REQUIRES: the writer.
  std::int64_t insert(Connection& writer, const EncodedEpisode& episode) {
    const EpisodeView& record = *episode.record;
    const bool keep = id_is_free(writer, "SELECT 1 FROM episodes WHERE id = ?1", record.id);
    Statement statement = writer.prepare(
        "INSERT INTO episodes (id, timestamp, experience_data, performance_score, context_hash, "
        "metadata, experience_format) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        "storing an episode");
    if (keep) statement.bind(1, record.id);
    // A JSON experience is TEXT, so the sqlite3 shell and Python's sqlite3
    // show it as a string; an array is a .npy BLOB.
    if (episode.experience.format == kFormatJson) {
      statement.bind_text(3, episode.experience.json);
    } else {
      statement.bind_blob(3, episode.experience.npy);
    }
    statement.bind(2, record.timestamp)
        .bind(4, record.performance_score)
        .bind_text(5, record.context_hash)
        .bind_text(6, episode.metadata)
        .bind_text(7, episode.experience.format)
        .run();
    return writer.last_insert_id();
  }

  std::int64_t insert(Connection& writer, const EncodedEvent& event) {
    const LearningEvent& record = *event.record;
    const bool keep = id_is_free(writer, "SELECT 1 FROM learning_events WHERE id = ?1", record.id);
    Statement statement = writer.prepare(
        "INSERT INTO learning_events (id, task_type, performance_delta, strategy_used, "
        "timestamp, parameters) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        "storing a learning event");
    if (keep) statement.bind(1, record.id);
    statement.bind_text(2, record.task_type)
        .bind(3, record.performance_delta)
        .bind_text(4, record.strategy_used)
        .bind(5, record.timestamp)
        .bind_text(6, event.parameters)
        .run();
    return writer.last_insert_id();
  }

  Database& database_;
  Maintenance& maintenance_;
};

// ---------------------------------------------------------------- concepts

// A relationship listing's key: "<source>:<target>:<type>" (the type last:
// it may hold ':').
std::string relationship_key(const Relationship& r) {
  return std::to_string(r.source_id) + ':' + std::to_string(r.target_id) + ':' + r.type;
}

// The relationship after which a listing goes on; nullopt for the first page.
std::optional<Relationship> relationship_after(const Origin& origin, std::string_view cursor) {
  if (cursor.empty()) return std::nullopt;
  if (!cursor.starts_with(kCursorPrefix)) throw_bad_cursor(origin, cursor);
  const std::string_view key = cursor.substr(kCursorPrefix.size());
  const std::size_t first = key.find(':');
  const std::size_t second = first == std::string_view::npos ? first : key.find(':', first + 1);
  Relationship after;
  if (second == std::string_view::npos || !parse_number(key.substr(0, first), after.source_id) ||
      !parse_number(key.substr(first + 1, second - first - 1), after.target_id)) {
    throw_bad_cursor(origin, cursor);
  }
  after.type = key.substr(second + 1);
  return after;
}

class SqliteConcepts final : public ConceptStore {
 public:
  SqliteConcepts(Database& database, Maintenance& maintenance)
      : database_(database), maintenance_(maintenance) {}

  Maintenance& maintenance() override { return maintenance_; }

 protected:
  double now() const override { return database_.now(); }

 private:
  const Origin& origin() const noexcept { return database_.origin(); }
  Codec codec() const noexcept { return {database_.origin(), database_.settings().record_limit}; }

  std::int64_t do_store_concept(const ConceptView& record) override {
    const EncodedConcept encoded = encode(codec(), record);
    auto writer = database_.writer();
    Transaction transaction(*writer);
    const std::int64_t id = upsert(*writer, encoded, false);
    transaction.commit();
    return id;
  }

  std::optional<Concept> do_retrieve_concept(std::int64_t concept_id) override {
    auto reader = database_.reader();
    Statement query = reader->prepare(
        "SELECT id, name, embedding, creation_time, access_count, last_accessed, metadata "
        "FROM concepts WHERE id = ?1",
        "retrieving a concept");
    query.bind(1, concept_id);
    if (!query.step()) return std::nullopt;
    return read_concept(codec(), query);
  }

  // The access is counted and the row read in one transaction: the record
  // returned shows this access and no later one.
  std::optional<Concept> do_retrieve_concept_by_name(std::string_view name, double now) override {
    auto writer = database_.writer();
    Transaction transaction(*writer);
    std::optional<Concept> found;
    {
      Statement update = writer->prepare(
          "UPDATE concepts SET access_count = access_count + 1, last_accessed = ?2 "
          "WHERE name = ?1 RETURNING id, name, embedding, creation_time, access_count, "
          "last_accessed, metadata",
          "counting an access to a concept");
      update.bind_text(1, name).bind(2, now);
      if (update.step()) {
        found = read_concept(codec(), update);
        update.run();
      }
    }
    transaction.commit();
    return found;
  }

  std::vector<Concept> do_search_concepts(std::string_view query_text, std::size_t limit) override {
    auto reader = database_.reader();
    // The pattern is the query between two '%'.
    const int max_pattern = sqlite3_limit(reader->get(), SQLITE_LIMIT_LIKE_PATTERN_LENGTH, -1);
    if (query_text.size() + 2 > static_cast<std::size_t>(max_pattern)) {
      throw_query_too_long(origin(), query_text.size(), max_pattern);
    }
    Statement query = reader->prepare(
        "SELECT id, name, embedding, creation_time, access_count, last_accessed, metadata "
        "FROM concepts WHERE name LIKE '%' || ?1 || '%' "
        "ORDER BY access_count DESC, creation_time DESC, id DESC LIMIT ?2",
        "searching concepts");
    query.bind_text(1, query_text).bind_limit(2, limit);
    return read_all(query, [&](const Statement& row) { return read_concept(codec(), row); });
  }

  void do_add_concept_relationship(const Relationship& relationship) override {
    auto writer = database_.writer();
    Transaction transaction(*writer);
    relate(*writer, relationship);
    transaction.commit();
  }

  std::vector<Relationship> do_get_concept_relationships(
      std::int64_t concept_id, const std::optional<std::string>& relationship_type) override {
    auto reader = database_.reader();
    Statement query = reader->prepare(
        "SELECT source_concept_id, target_concept_id, relationship_type, strength "
        "FROM concept_relationships WHERE source_concept_id = ?1 "
        "AND (?2 IS NULL OR relationship_type = ?2) "
        "ORDER BY strength DESC, target_concept_id ASC, relationship_type ASC",
        "listing a concept's relationships");
    query.bind(1, concept_id);
    if (relationship_type) query.bind_text(2, *relationship_type);
    return read_all(query, read_relationship);
  }

  std::vector<std::int64_t> do_store_batch(const ConceptBatch& batch) override {
    const auto concepts = encode_all(codec(), batch.concepts());
    std::vector<std::int64_t> ids;
    ids.reserve(concepts.size());
    auto writer = database_.writer();
    Transaction transaction(*writer);
    for (std::size_t i = 0; i < concepts.size(); ++i) {
      ids.push_back(upsert(*writer, concepts[i], batch.is_whole_record(i)));
    }
    for (const Relationship& relationship : batch.relationships()) relate(*writer, relationship);
    transaction.commit();
    return ids;
  }

  Page<Concept> do_list_concepts(std::string_view cursor, std::size_t limit) override {
    const std::int64_t after = id_after(origin(), cursor);
    auto reader = database_.reader();
    Statement query = reader->prepare(
        "SELECT id, name, embedding, creation_time, access_count, last_accessed, metadata "
        "FROM concepts WHERE id > ?1 ORDER BY id LIMIT ?2",
        "listing concepts");
    query.bind(1, after).bind_limit(2, page_rows(limit));
    return read_page(
        query, limit, [&](const Statement& row) { return read_concept(codec(), row); },
        [](const Concept& last) { return std::to_string(last.id); });
  }

  Page<Relationship> do_list_relationships(std::string_view cursor, std::size_t limit) override {
    const std::optional<Relationship> after = relationship_after(origin(), cursor);
    auto reader = database_.reader();
    if (!after) {
      Statement query = reader->prepare(
          "SELECT source_concept_id, target_concept_id, relationship_type, strength "
          "FROM concept_relationships "
          "ORDER BY source_concept_id, target_concept_id, relationship_type LIMIT ?1",
          "listing relationships");
      query.bind_limit(1, page_rows(limit));
      return read_page(query, limit, read_relationship, relationship_key);
    }
    Statement query = reader->prepare(
        "SELECT source_concept_id, target_concept_id, relationship_type, strength "
        "FROM concept_relationships "
        "WHERE (source_concept_id, target_concept_id, relationship_type) > (?1, ?2, ?3) "
        "ORDER BY source_concept_id, target_concept_id, relationship_type LIMIT ?4",
        "listing relationships");
    query.bind(1, after->source_id)
        .bind(2, after->target_id)
        .bind_text(3, after->type)
        .bind_limit(4, page_rows(limit));
    return read_page(query, limit, read_relationship, relationship_key);
  }

  //   0 source, 1 target, 2 type, 3 strength
  static Relationship read_relationship(const Statement& row) {
    return {row.int64(0), row.int64(1), row.text(2), row.is_null(3) ? 1.0 : row.real(3)};
  }

  // Stores a concept and returns its id. Under a name already stored, the
  // embedding and metadata are replaced and the id, creation time and access
  // history kept, unless `whole` (a put of a listed record): then those
  // replace the stored ones too. A new name keeps the record's id when free.
  // REQUIRES: the writer, in a transaction.
  std::int64_t upsert(Connection& writer, const EncodedConcept& encoded, bool whole) {
    const ConceptView& record = *encoded.record;
    std::optional<std::int64_t> stored;
    {
      Statement find =
          writer.prepare("SELECT id FROM concepts WHERE name = ?1", "looking up a concept's name");
      find.bind_text(1, record.name);
      if (find.step()) stored = find.int64(0);
    }
    if (stored && whole) {
      Statement update = writer.prepare(
          "UPDATE concepts SET embedding = ?2, metadata = ?3, creation_time = ?4, "
          "access_count = ?5, last_accessed = ?6 WHERE id = ?1",
          "replacing a concept");
      update.bind(1, *stored)
          .bind_blob(2, encoded.embedding)
          .bind_text(3, encoded.metadata)
          .bind(4, record.creation_time)
          .bind(5, record.access_count)
          .bind(6, record.last_accessed)
          .run();
      return *stored;
    }
    if (stored) {
      Statement update = writer.prepare(
          "UPDATE concepts SET embedding = ?2, metadata = ?3 WHERE id = ?1", "updating a concept");
      update.bind(1, *stored).bind_blob(2, encoded.embedding).bind_text(3, encoded.metadata).run();
      return *stored;
    }
    const bool keep = id_is_free(writer, "SELECT 1 FROM concepts WHERE id = ?1", record.id);
    Statement insert = writer.prepare(
        "INSERT INTO concepts (id, name, embedding, creation_time, access_count, last_accessed, "
        "metadata) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        "storing a concept");
    if (keep) insert.bind(1, record.id);
    insert.bind_text(2, record.name)
        .bind_blob(3, encoded.embedding)
        .bind(4, record.creation_time)
        .bind(5, record.access_count)
        .bind(6, record.last_accessed)
        .bind_text(7, encoded.metadata)
        .run();
    return writer.last_insert_id();
  }

  // Adds the relationship or updates its strength; both ends must exist
  // (checked here, in the transaction, so the error is InvalidArgument
  // whatever PRAGMA foreign_keys says). REQUIRES: the writer, in a
  // transaction.
  void relate(Connection& writer, const Relationship& relationship) {
    for (const std::int64_t end : {relationship.source_id, relationship.target_id}) {
      Statement exists =
          writer.prepare("SELECT 1 FROM concepts WHERE id = ?1", "checking a concept exists");
      exists.bind(1, end);
      if (!exists.step()) throw_missing_concept(origin(), relationship, end);
    }
    Statement upsert_relationship = writer.prepare(
        "INSERT INTO concept_relationships (source_concept_id, target_concept_id, "
        "relationship_type, strength) VALUES (?1, ?2, ?3, ?4) "
        "ON CONFLICT (source_concept_id, target_concept_id, relationship_type) "
        "DO UPDATE SET strength = excluded.strength",
        "storing a relationship");
    upsert_relationship.bind(1, relationship.source_id)
        .bind(2, relationship.target_id)
        .bind_text(3, relationship.type)
        .bind(4, relationship.strength)
        .run();
  }

  Database& database_;
  Maintenance& maintenance_;
};

// ---------------------------------------------------------------- maintenance

// An automatic backup's name: "<stem>_backup_<unix seconds>[_<n>].db"
// beside the database; n keeps backups made in one second apart.
struct BackupName {
  std::int64_t seconds = 0;
  std::int64_t n = 0;
  fs::path path;

  bool operator<(const BackupName& other) const noexcept {
    return seconds != other.seconds ? seconds < other.seconds : n < other.n;
  }
};

std::string backup_prefix(const fs::path& db_path) { return db_path.stem().string() + "_backup_"; }

// The automatic backups beside `db_path`, oldest first.
std::vector<BackupName> auto_backups(const fs::path& db_path) {
  const std::string prefix = backup_prefix(db_path);
  std::vector<BackupName> found;
  std::error_code error;
  fs::path folder = db_path.parent_path();
  if (folder.empty()) folder = ".";
  for (fs::directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (!name.starts_with(prefix) || !name.ends_with(".db")) continue;
    const std::string_view stamp =
        std::string_view(name).substr(prefix.size(), name.size() - prefix.size() - 3);
    BackupName backup{0, 0, it->path()};
    const std::size_t underscore = stamp.find('_');
    if (!parse_number(stamp.substr(0, underscore), backup.seconds)) continue;
    if (underscore != std::string_view::npos &&
        !parse_number(stamp.substr(underscore + 1), backup.n)) {
      continue;
    }
    found.push_back(std::move(backup));
  }
  std::sort(found.begin(), found.end());
  return found;
}

// backup, backup_if_due, compact, clear_all, sync and stats work; rotate,
// rotate_if_needed, cleanup and clear_expired are not overridden (the seed's
// SQLite storage has none of them) and throw NotSupported.
class SqliteMaintenance final : public Maintenance {
 public:
  explicit SqliteMaintenance(Database& database) : database_(database) {}

  std::string_view backend_name() const noexcept override { return database_.origin().backend; }

  // Rows per table, "total", the schema version and the file's sizes.
  Json stats() override {
    auto reader = database_.reader();
    Json stats = Json::object();
    stats["path"] = database_.origin().path;
    stats["schema_version"] = database_.schema_version();
    std::int64_t total = 0;
    const auto count = [&](const char* key, std::string_view sql) {
      Statement query = reader->prepare(sql, "counting rows");
      const std::int64_t rows = query.step() ? query.int64(0) : 0;
      stats[key] = rows;
      total += rows;
    };
    count("episodes", "SELECT COUNT(*) FROM episodes");
    count("learning_events", "SELECT COUNT(*) FROM learning_events");
    count("concepts", "SELECT COUNT(*) FROM concepts");
    count("concept_relationships", "SELECT COUNT(*) FROM concept_relationships");
    {
      Statement pages = reader->prepare("PRAGMA page_count", "reading the page count");
      stats["page_count"] = pages.step() ? pages.int64(0) : 0;
    }
    {
      Statement size = reader->prepare("PRAGMA page_size", "reading the page size");
      stats["page_size"] = size.step() ? size.int64(0) : 0;
    }
    std::error_code error;
    const std::uintmax_t bytes = fs::file_size(database_.settings().db_path, error);
    stats["file_size_bytes"] = error ? std::uintmax_t{0} : bytes;
    stats["total"] = total;
    return stats;
  }

  std::filesystem::path backup(std::optional<std::filesystem::path> path) override {
    std::lock_guard lock(backup_mutex_);
    return backup_locked(std::move(path));
  }

  std::optional<std::filesystem::path> backup_if_due() override {
    std::lock_guard lock(backup_mutex_);
    const double now = database_.now();
    std::optional<double> last = last_backup_;
    const std::vector<BackupName> existing = auto_backups(database_.settings().db_path);
    if (!existing.empty()) {
      last = std::max(last.value_or(0.0), static_cast<double>(existing.back().seconds));
    }
    if (last && now - *last < static_cast<double>(database_.settings().backup_interval)) {
      auto reader = database_.reader();  // a closed backend still throws "closed"
      return std::nullopt;
    }
    return backup_locked(std::nullopt);
  }

  // VACUUM: SQLite rebuilds the file in a transaction; the data stays
  // readable throughout and a failure leaves it intact.
  void compact() override {
    auto writer = database_.writer();
    writer->exec("VACUUM", "compacting the database");
  }

  void clear_all() override {
    auto writer = database_.writer();
    Transaction transaction(*writer);
    writer->exec("DELETE FROM concept_relationships", "clearing relationships");
    writer->exec("DELETE FROM concepts", "clearing concepts");
    writer->exec("DELETE FROM learning_events", "clearing learning events");
    writer->exec("DELETE FROM episodes", "clearing episodes");
    transaction.commit();
  }

  // A commit is already durable as far as `synchronous` makes it; in WAL
  // mode this also copies the log into the database file.
  void sync() override {
    auto writer = database_.writer();
    if (!database_.settings().enable_wal) {
      const int code = sqlite3_db_cacheflush(writer->get());
      if (code != SQLITE_OK) throw_sqlite(database_.origin(), "flushing", code, writer->get());
      return;
    }
    Statement checkpoint =
        writer->prepare("PRAGMA wal_checkpoint(FULL)", "checkpointing the write-ahead log");
    checkpoint.run();
  }

  void close() override { database_.close(); }

  std::vector<std::filesystem::path> files() const override { return database_.files(); }

 private:
  // The copy is written to a partial file beside its target and moved
  // there only if no file is there: never over an existing file (an
  // explicit path that exists is InvalidArgument, an automatic name taken
  // meanwhile makes the next one be used), never onto the database's own
  // files, and a failed backup leaves nothing behind.
  // REQUIRES: backup_mutex_ held.
  std::filesystem::path backup_locked(std::optional<std::filesystem::path> path) {
    auto reader = database_.reader();
    const Origin& origin = database_.origin();
    const fs::path& db_path = database_.settings().db_path;
    if (path) refuse_target(*path);
    const fs::path folder = path ? path->parent_path() : db_path.parent_path();
    std::error_code error;
    PartialFile partial(folder, (path ? *path : db_path).filename().string(), error);
    if (error) {
      throw_file_error(origin, "writing a backup in", folder.empty() ? "." : folder, error);
    }
    copy_to(*reader, partial.path(),
            path ? "backing up to " + path->string() : std::string("making an automatic backup"));
    fs::path written;
    if (path) {
      if (!partial.publish(*path, error)) {
        if (error == std::errc::file_exists) throw_overwrite(origin, *path);
        throw_file_error(origin, "backing up to", *path, error);
      }
      written = *path;
    } else {
      written = publish_automatic(partial);
    }
    last_backup_ = database_.now();
    if (!path) prune();
    return written;
  }

  // InvalidArgument when `target` is one of the database's own files (by
  // any spelling) or any file exists there.
  void refuse_target(const fs::path& target) const {
    const Origin& origin = database_.origin();
    std::error_code error;
    const fs::path wanted = fs::weakly_canonical(fs::absolute(target, error), error);
    for (const fs::path& own : database_.files()) {
      std::error_code own_error;
      const fs::path mine = fs::weakly_canonical(own, own_error);
      if (!error && !own_error && wanted == mine) throw_own_file(origin, target);
    }
    const fs::file_status status = fs::symlink_status(target, error);
    if (status.type() == fs::file_type::not_found) return;
    if (status.type() == fs::file_type::none) {
      throw_file_error(origin, "backing up to", target, error);
    }
    throw_overwrite(origin, target);
  }

  // Moves `partial` to the next free automatic backup name and returns it.
  // Within a second the suffix only grows, past every backup of that second
  // still present, so the newest backup always sorts last (and pruning
  // never takes it); a name another process took meanwhile is skipped.
  fs::path publish_automatic(PartialFile& partial) {
    const fs::path& db_path = database_.settings().db_path;
    const auto seconds = static_cast<std::int64_t>(std::floor(database_.now()));
    const std::string stem = backup_prefix(db_path) + std::to_string(seconds);
    std::int64_t n = 0;
    for (const BackupName& existing : auto_backups(db_path)) {
      if (existing.seconds == seconds) n = std::max(n, existing.n + 1);
    }
    for (;; ++n) {
      const fs::path candidate =
          db_path.parent_path() /
          (stem + (n == 0 ? std::string() : "_" + std::to_string(n)) + ".db");
      std::error_code error;
      if (partial.publish(candidate, error)) return candidate;
      if (error != std::errc::file_exists) {
        throw_file_error(database_.origin(), "backing up to", candidate, error);
      }
    }
  }

  // Copies the database into the empty file `target` through SQLite's
  // online backup API: one step over every page, inside one read
  // transaction of `source`, so the copy is consistent while writers go on
  // (in WAL mode they do not even wait). Errors say `doing`.
  void copy_to(Connection& source, const fs::path& target, const std::string& doing) {
    const Origin& origin = database_.origin();
    sqlite3* raw = nullptr;
    const int opened = sqlite3_open_v2(target.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr);
    DatabaseHandle destination(raw);
    if (opened != SQLITE_OK) throw_sqlite(origin, doing, opened, raw);
    sqlite3_extended_result_codes(raw, 1);
    sqlite3_busy_timeout(raw, database_.settings().busy_timeout_ms);
    BackupHandle backup(sqlite3_backup_init(raw, "main", source.get(), "main"));
    if (!backup) throw_sqlite(origin, doing, sqlite3_errcode(raw), raw);
    const auto deadline = std::chrono::steady_clock::now() +
                          std::chrono::milliseconds(database_.settings().busy_timeout_ms);
    for (;;) {
      const int code = sqlite3_backup_step(backup.get(), -1);
      if (code == SQLITE_DONE) break;
      if ((code == SQLITE_BUSY || code == SQLITE_LOCKED) &&
          std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        continue;
      }
      if (code != SQLITE_OK) throw_sqlite(origin, doing, code, raw);
    }
    const int finished = sqlite3_backup_finish(backup.release());
    if (finished != SQLITE_OK) throw_sqlite(origin, doing, finished, raw);
  }

  // Deletes the oldest automatic backups past max_backups. A file that will
  // not go is logged, not thrown: the backup itself succeeded.
  void prune() {
    std::vector<BackupName> existing = auto_backups(database_.settings().db_path);
    const std::size_t keep = database_.settings().max_backups;
    if (existing.size() <= keep) return;
    for (std::size_t i = 0; i + keep < existing.size(); ++i) {
      std::error_code error;
      fs::remove(existing[i].path, error);
      if (error) {
        log(LogLevel::kWarn, "sqlite: could not delete old backup " + existing[i].path.string() +
                                 ": " + error.message());
      }
    }
  }

  Database& database_;
  std::mutex backup_mutex_;
  std::optional<double> last_backup_;  // when this instance last backed up
};

// ---------------------------------------------------------------- backend

class SqliteBackend final : public Backend {
 public:
  explicit SqliteBackend(const BackendContext& context)
      : database_(context, kOptions.bind(context.options)) {}
  ~SqliteBackend() override { database_.close(); }

  EpisodeStore* episodes() noexcept override { return &episodes_; }
  ConceptStore* concepts() noexcept override { return &concepts_; }
  Maintenance& maintenance() noexcept override { return maintenance_; }

 private:
  Database database_;
  SqliteMaintenance maintenance_{database_};
  SqliteEpisodes episodes_{database_, maintenance_};
  SqliteConcepts concepts_{database_, maintenance_};
};

}  // namespace

// ---------------------------------------------------------------- descriptor

const PluginDescriptor& descriptor() {
  static const PluginDescriptor kDescriptor = [] {
    PluginDescriptor d;
    d.name = "sqlite";
    d.version = "1.0.0";
    d.roles = {Role::kEpisodes, Role::kConcepts};
    d.options = kOptions.schema();
    d.create = [](const BackendContext& context) -> std::unique_ptr<Backend> {
      return std::make_unique<SqliteBackend>(context);
    };
    d.files = [](const Json& options) {
      return database_files(fs::absolute(kOptions.bind(options).db_path).lexically_normal());
    };
    return d;
  }();
  return kDescriptor;
}

}  // namespace engram::sqlite

BOOST_DLL_ALIAS(engram::sqlite::descriptor, engram_plugin)
