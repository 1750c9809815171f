// plugins/sqlite/maintenance.h — maintenance of the sqlite backend's file:
// statistics, online backups (explicit, or automatic every backup_interval
// with the oldest past max_backups deleted), VACUUM, clearing every table,
// sync (a WAL checkpoint) and close.
//
// An automatic backup is "<stem>_backup_<unix seconds>[_<n>].db" beside the
// database. A backup is written to a partial file beside its target
// (partial_file.h) and moved there only if no file is there: it never
// overwrites a file (InvalidArgument for an explicit path that exists) nor
// lands on the database's own files, and a failed one leaves nothing.
//
// clear_all drops the recall caches (engram/recall_cache.h) after its commit;
// VACUUM keeps every row and id (INTEGER PRIMARY KEY), so the caches stay.
//
// Thread safety: any number of threads; backups are serialised by a mutex,
// everything else leases a connection from the Database.
#ifndef ENGRAM_PLUGINS_SQLITE_MAINTENANCE_H_
#define ENGRAM_PLUGINS_SQLITE_MAINTENANCE_H_

#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connection.h"
#include "database.h"
#include "engram/json.h"
#include "engram/maintenance.h"
#include "engram/recall_cache.h"
#include "partial_file.h"
#include "sqlite_options.h"

namespace engram::sqlite {

// backup, backup_if_due, compact, clear_all, sync and stats work; rotate,
// rotate_if_needed, cleanup and clear_expired are not overridden (the seed's
// SQLite storage has none of them) and throw NotSupported.
class SqliteMaintenance final : public Maintenance {
 public:
  // `options` gives the live options' first values; `recall_caches` are
  // the roles' (dropped by clear_all).
  SqliteMaintenance(Database& database, const SqliteOptions& options, RecallCaches& recall_caches)
      : database_(database), recall_caches_(recall_caches), live_(options) {}

  std::string_view backend_name() const noexcept override { return database_.origin().backend; }

  // Rows per table, "total", the schema version and the file's sizes.
  Json stats() override;

  std::filesystem::path backup(std::optional<std::filesystem::path> path) override;

  std::optional<std::filesystem::path> backup_if_due() override;

  // VACUUM: SQLite rebuilds the file in a transaction; the data stays
  // readable throughout and a failure leaves it intact.
  void compact() override;

  void clear_all() override;

  // A commit is already durable as far as `synchronous` makes it; in WAL
  // mode this also copies the log into the database file.
  void sync() override;

  // backup_interval and max_backups (sqlite_options.h), taken in by the
  // next backup_if_due or backup; recall_cache_bytes, which lets the recall
  // caches go, to load within the new bound at the next recall.
  void set_option(std::string_view key, const Json& value) override;

  void close() override { database_.close(); }

  std::vector<std::filesystem::path> files() const override { return database_.files(); }

 private:
  // The copy is written to a partial file beside its target and moved
  // there only if no file is there: never over an existing file (an
  // explicit path that exists is InvalidArgument, an automatic name taken
  // meanwhile makes the next one be used), never onto the database's own
  // files, and a failed backup leaves nothing behind.
  // REQUIRES: backup_mutex_ held.
  std::filesystem::path backup_locked(std::optional<std::filesystem::path> path);

  // InvalidArgument when `target` is one of the database's own files (by
  // any spelling) or any file exists there.
  void refuse_target(const std::filesystem::path& target) const;

  // Moves `partial` to the next free automatic backup name and returns it.
  // Within a second the suffix only grows, past every backup of that second
  // still present, so the newest backup always sorts last (and pruning
  // never takes it); a name another process took meanwhile is skipped.
  std::filesystem::path publish_automatic(PartialFile& partial);

  // Copies the database into the empty file `target` through SQLite's
  // online backup API: one step over every page, inside one read
  // transaction of `source`, so the copy is consistent while writers go on
  // (in WAL mode they do not even wait). Errors say `doing`.
  void copy_to(Connection& source, const std::filesystem::path& target, const std::string& doing);

  // Deletes the oldest automatic backups past max_backups. A file that will
  // not go is logged, not thrown: the backup itself succeeded.
  void prune();

  // The live options now (a copy, under live_mutex_).
  SqliteOptions live() const;

  Database& database_;
  RecallCaches& recall_caches_;
  mutable std::mutex live_mutex_;
  SqliteOptions live_;  // backup_interval and max_backups are read from here
  std::mutex backup_mutex_;
  std::optional<double> last_backup_;  // when this instance last backed up
};

}  // namespace engram::sqlite

#endif  // ENGRAM_PLUGINS_SQLITE_MAINTENANCE_H_
