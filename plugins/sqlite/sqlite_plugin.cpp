// plugins/sqlite/sqlite_plugin.cpp — the `sqlite` plugin: episodes and
// concepts in one SQLite file, in the Python system's schema (SEED_FORMATS.md)
// plus engram's migrations. This file holds the options, their checks, the
// backend that ties the units together, and last the descriptor and its
// entry point, the library's only export.
//
// The units, in the order they build on each other:
//   handles.h            owning handles for SQLite's C objects
//   sqlite_errors.h      SQLite result codes -> engram errors; every throw
//   settings.h           the options in the connections' units
//   statement.h          a prepared statement checked out for one use
//   connection.h         one connection and its statement cache
//   transaction.h        a transaction as a scope guard
//   schema_text.h        the schema's SQL, the one copy (the benchmark's too)
//   schema.h             reading the layout, migrating to kSchemaVersion
//   schema_recognition.h whether a database is ours to write
//   database.h           the writer, the reader pool, the backend's life
//   records.h            records <-> columns (.npy blobs, JSON text)
//   listing.h            lists, pages and listing cursors
//   episodes.h           the episodes role
//   concepts.h           the concepts role
//   partial_file.h       a file published only where none is
//   maintenance.h        stats, backups, VACUUM, clear, sync, close
//
// Thread safety: one writer connection behind a mutex (every write a
// BEGIN IMMEDIATE transaction, so another process waits its turn through the
// busy timeout instead of failing) and a small pool of reader connections
// (in WAL mode readers never wait for the writer). Every call holds the
// database's life lock shared; close() takes it alone, so it waits for the
// calls under way. After close() every call throws StorageError("... closed").
#include <boost/dll/alias.hpp>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

#include "concepts.h"
#include "database.h"
#include "engram/ids.h"
#include "engram/options.h"
#include "engram/plugin.h"
#include "engram/record_limits.h"
#include "episodes.h"
#include "maintenance.h"
#include "settings.h"
#include "sqlite_errors.h"

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
             OptionType::kPath, non_empty())
        .add("backup_interval", &SqliteOptions::backup_interval,
             "seconds between automatic backups (backup_if_due)", at_least(0))
        .add("max_backups", &SqliteOptions::max_backups,
             "automatic backups kept beside the database; older ones are deleted", at_least(1))
        .add("enable_wal", &SqliteOptions::enable_wal,
             "write-ahead logging: readers run while a write commits")
        // sqlite3_busy_timeout takes an int of milliseconds: about 24 days at most.
        .add("connection_timeout", &SqliteOptions::connection_timeout,
             "seconds a call waits for another connection's lock before BackendError",
             in_range(0.0, 2e6))
        // SQLite's own spelling (upper case) is taken too.
        .add("synchronous", &SqliteOptions::synchronous,
             "PRAGMA synchronous: off, normal, full or extra (full survives power loss)",
             one_of({"off", "normal", "full", "extra", "OFF", "NORMAL", "FULL", "EXTRA"}))
        .add("max_record_bytes", &SqliteOptions::max_record_bytes,
             "largest record a read may allocate; never more than the machine's memory",
             at_least(1));

// ---------------------------------------------------------------- settings

// The options (their ranges checked where they were bound) in the units the
// connections use.
Settings settings_of(const SqliteOptions& options) {
  Settings settings;
  settings.db_path = options.db_path;
  std::error_code error;
  settings.absolute_db_path = fs::absolute(settings.db_path, error).lexically_normal();
  if (error) settings.absolute_db_path = settings.db_path;
  settings.backup_interval = options.backup_interval;
  settings.max_backups = static_cast<std::size_t>(options.max_backups);
  settings.enable_wal = options.enable_wal;
  settings.busy_timeout_ms = static_cast<int>(std::lround(options.connection_timeout * 1000.0));
  for (const char c : options.synchronous) {
    settings.synchronous.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
  }
  settings.record_limit = effective_record_limit(options.max_record_bytes);
  return settings;
}

// ---------------------------------------------------------------- backend

// The Backend interface's accessors over the parts: every plugin's backend
// has this shape (engram/plugin.h), only the parts differ.
class SqliteBackend final : public Backend {
 public:
  explicit SqliteBackend(const BackendContext& context)
      : database_(context, settings_of(kOptions.bind(context.options))) {}
  ~SqliteBackend() override { database_.close(); }

  EpisodeStore* episodes() noexcept override { return &episodes_; }
  ConceptStore* concepts() noexcept override { return &concepts_; }
  Maintenance& maintenance() noexcept override { return maintenance_; }

 private:
  Database database_;
  SqliteMaintenance maintenance_{database_};
  SqliteEpisodes episodes_{database_};
  SqliteConcepts concepts_{database_};
};

}  // namespace

// ---------------------------------------------------------------- descriptor

const PluginDescriptor& descriptor() {
  static const PluginDescriptor kDescriptor = [] {
    PluginDescriptor d = describe_plugin<SqliteBackend>(
        "sqlite", "1.0.0", {Role::kEpisodes, Role::kConcepts}, kOptions.schema());
    d.files = [](const Json& options) {
      return database_files(fs::absolute(kOptions.bind(options).db_path).lexically_normal());
    };
    // A put record's id is its rowid when free (INSERT with the id).
    d.capabilities.keeps_ids = true;
    return d;
  }();
  return kDescriptor;
}

}  // namespace engram::sqlite

BOOST_DLL_ALIAS(engram::sqlite::descriptor, engram_plugin)
