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
//   sqlite_options.h     the options, their table, their settings
//   statement.h          a prepared statement checked out for one use
//   connection.h         one connection and its statement cache
//   transaction.h        a transaction as a scope guard
//   schema_text.h        the schema's SQL, the one copy (the benchmark's too)
//   schema.h             reading the layout, migrating to kSchemaVersion
//   schema_recognition.h whether a database is ours to write
//   database.h           the writer, the reader pool, the backend's life
//   kept_ids.h           whether a put keeps its record's id
//   id_blocks.h          blocks of new ids reserved for write-behind
//   listing.h            lists, pages and listing cursors
//   episodes.h           the episodes role
//   concepts.h           the concepts role
//   streamed_recall.cpp  recall past the cache's bound: a scan of the table
//   cached_recall.cpp    the roles' recall from their RecallCache, its loads,
//                        updates and data version
//   partial_file.h       a file published only where none is
//   maintenance.h        stats, backups, VACUUM, clear, sync, close
// The core supplies how records become columns and back
// (engram/record_columns.h; a Statement is its ColumnRow) and the recall
// cache (engram/recall_cache.h).
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
#include "engram/recall_cache.h"
#include "engram/record_limits.h"
#include "episodes.h"
#include "maintenance.h"
#include "settings.h"
#include "sqlite_errors.h"
#include "sqlite_options.h"

namespace engram::sqlite {
namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------- backend

// The Backend interface's accessors over the parts: every plugin's backend
// has this shape (engram/plugin.h), only the parts differ.
class SqliteBackend final : public Backend {
 public:
  explicit SqliteBackend(const BackendContext& context)
      : options_(option_table().bind(context.options)),
        database_(context, settings_of(options_)) {}
  ~SqliteBackend() override { database_.close(); }

  EpisodeStore* episodes() noexcept override { return &episodes_; }
  ConceptStore* concepts() noexcept override { return &concepts_; }
  Maintenance& maintenance() noexcept override { return maintenance_; }

 private:
  const SqliteOptions options_;
  Database database_;
  RecallCaches recall_caches_{static_cast<std::size_t>(options_.recall_cache_bytes)};
  SqliteMaintenance maintenance_{database_, options_, recall_caches_};
  SqliteEpisodes episodes_{database_, recall_caches_.episodes};
  SqliteConcepts concepts_{database_, recall_caches_.concepts};
};

}  // namespace

// ---------------------------------------------------------------- descriptor

const PluginDescriptor& descriptor() {
  static const PluginDescriptor kDescriptor = [] {
    PluginDescriptor d = describe_plugin<SqliteBackend>(
        "sqlite", "1.0.0", {Role::kEpisodes, Role::kConcepts}, option_table().schema());
    d.files = [](const Json& options) {
      return database_files(fs::absolute(option_table().bind(options).db_path).lexically_normal());
    };
    // A put record's id is its rowid when free (INSERT with the id); blocks
    // of ids move the tables' AUTOINCREMENT sequences (id_blocks.h).
    d.capabilities.keeps_ids = true;
    d.capabilities.reserves_ids = true;
    return d;
  }();
  return kDescriptor;
}

}  // namespace engram::sqlite

BOOST_DLL_ALIAS(engram::sqlite::descriptor, engram_plugin)
