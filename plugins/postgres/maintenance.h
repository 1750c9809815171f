// plugins/postgres/maintenance.h — maintenance of the backend's schema:
// statistics (rows per table, the relations' sizes on the server), VACUUM
// ANALYZE, backups through pg_dump (pg_dump_backup.h), clearing this
// schema's tables (and nothing else on the server), and close.
//
// clear_all deletes every row of the four tables in one transaction, bumps
// both change counters in it (other processes' recall matrices reload) and
// drops this backend's recall caches after its commit; the sequences keep
// their values, so no id is handed out twice.
//
// sync() has nothing to do: a committed write is as durable as the
// server's synchronous_commit makes it. rotate, rotate_if_needed, cleanup
// and clear_expired are not overridden (the seed's SQLite storage has none
// of them) and throw NotSupported, as backup_if_due does.
//
// Thread safety: any number of threads; each call leases a connection.
#ifndef ENGRAM_PLUGINS_POSTGRES_MAINTENANCE_H_
#define ENGRAM_PLUGINS_POSTGRES_MAINTENANCE_H_

#include <filesystem>
#include <optional>
#include <string_view>

#include "database.h"
#include "engram/maintenance.h"
#include "engram/recall_cache.h"

namespace engram::postgres {

class PgMaintenance final : public Maintenance {
 public:
  PgMaintenance(Database& database, RecallCaches& recall_caches)
      : database_(database), recall_caches_(recall_caches) {}

  std::string_view backend_name() const noexcept override { return database_.origin().backend; }

  // Rows per table and "total", the schema and server, the schema version,
  // and each table's size with its indexes and TOAST ("<table>_bytes",
  // "total_bytes").
  Json stats() override;

  // A pg_dump of this schema (custom format) at `path`, or beside the
  // working folder under a timestamped name; NotSupported without pg_dump
  // on the PATH (pg_dump_backup.h).
  std::filesystem::path backup(std::optional<std::filesystem::path> path) override;

  // VACUUM ANALYZE of each table, outside any transaction.
  void compact() override;

  void clear_all() override;

  void sync() override {}

  // recall_cache_bytes: lets the recall caches go, to load within the new
  // bound at the next recall.
  void set_option(std::string_view key, const Json& value) override;

  void close() override { database_.close(); }

 private:
  Database& database_;
  RecallCaches& recall_caches_;
};

}  // namespace engram::postgres

#endif  // ENGRAM_PLUGINS_POSTGRES_MAINTENANCE_H_
