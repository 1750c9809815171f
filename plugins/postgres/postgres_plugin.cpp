// plugins/postgres/postgres_plugin.cpp — the `postgres` plugin: episodes
// and concepts on a PostgreSQL server, in the Python system's tables (as
// the sqlite plugin keeps them) inside a schema of their own, so several
// applications share one database and several processes one schema. This
// file ties the units together; last come the descriptor and its entry
// point, the library's only export.
//
// The units, in the order they build on each other:
//   handles.h           owning handles for libpq's C objects
//   pg_errors.h         libpq's and the server's failures -> engram errors
//   pg_options.h        the options, their table, their settings
//   connection.h        one connection: session, prepared statements, binary rows
//   transaction.h       a transaction as a scope guard
//   schema_text.h       the schema's SQL, the one copy (the benchmark's too)
//   schema.h            migrating under an advisory lock
//   database.h          the pool of connections, the backend's life
//   id_sequences.h      ids from sequences, kept ids, blocks for write-behind
//   change_counters.h   what tells a recall matrix it is stale
//   listing.h           lists, pages and listing cursors
//   episodes.h          the episodes role
//   concepts.h          the concepts role
//   streamed_recall.h   recall past the cache's bound: a scan of the table
//   cached_recall.cpp   the roles' recall, their caches' loads and updates
//   pg_dump_backup.h    a schema's backup through pg_dump
//   maintenance.h       stats, backups, VACUUM, clear, close
//
// Records are encoded and decoded by the core (engram/record_columns.h),
// recall matrices kept by it (engram/recall_cache.h), as for sqlite.
//
// Thread safety: any number of threads, each call on a connection of the
// pool (pool_size); several processes share a schema safely (ids from
// sequences under the id lock, migrations under the migration lock).
#include <boost/dll/alias.hpp>
#include <cstddef>

#include "concepts.h"
#include "database.h"
#include "engram/plugin.h"
#include "engram/recall_cache.h"
#include "episodes.h"
#include "maintenance.h"
#include "pg_options.h"

namespace engram::postgres {
namespace {

class PgBackend final : public Backend {
 public:
  explicit PgBackend(const BackendContext& context)
      : database_(context, settings_of(context.options)) {}
  ~PgBackend() override { database_.close(); }

  EpisodeStore* episodes() noexcept override { return &episodes_; }
  ConceptStore* concepts() noexcept override { return &concepts_; }
  Maintenance& maintenance() noexcept override { return maintenance_; }

 private:
  Database database_;
  RecallCaches recall_caches_{
      static_cast<std::size_t>(database_.settings().options.recall_cache_bytes)};
  PgMaintenance maintenance_{database_, recall_caches_};
  PgEpisodes episodes_{database_, recall_caches_.episodes};
  PgConcepts concepts_{database_, recall_caches_.concepts};
};

}  // namespace

const PluginDescriptor& descriptor() {
  static const PluginDescriptor kDescriptor = [] {
    PluginDescriptor d = describe_plugin<PgBackend>(
        "postgres", "1.0.0", {Role::kEpisodes, Role::kConcepts}, option_table().schema());
    // A put record's id is kept when free; blocks of ids move the tables'
    // sequences under the id lock (id_sequences.h).
    d.capabilities.keeps_ids = true;
    d.capabilities.reserves_ids = true;
    return d;
  }();
  return kDescriptor;
}

}  // namespace engram::postgres

BOOST_DLL_ALIAS(engram::postgres::descriptor, engram_plugin)
