// engram/maintenance.h — the uniform maintenance interface of a backend
// instance.
//
// The seed's maintenance calls differ per class; engram maps them to one
// interface, reachable from every role object (`maintenance()`) and from
// Storage, so a host that links only the core reaches all of them:
//
//   uniform call               seed operations
//   stats()                    get_memory_usage, get_database_stats, get_file_info
//   backup(path)               create_backup
//   backup_if_due()            auto_backup_if_needed
//   compact()                  vacuum_database, compact_file
//   rotate()                   rotate_file
//   rotate_if_needed()         check_file_size
//   cleanup(retention_days)    cleanup_old_data
//   clear_expired()            clear_expired_data
//   clear_all()                flush_all_data (this backend's records only)
//   sync()                     (flush buffers to durable storage)
//   set_option(key, value)     assigning backup_interval, max_backups, max_file_size
//   close()                    close
//
// A backend that cannot do one throws NotSupported (the default of every
// call but close()), never a silent no-op; a tool running several reports
// those as "not supported" and goes on.
//
// Thread safety: every call may be made from several threads at once, and
// concurrently with the role objects' calls. After close(), every call on
// the instance (role calls included) throws StorageError("closed").
#ifndef ENGRAM_MAINTENANCE_H_
#define ENGRAM_MAINTENANCE_H_

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engram/export.h"
#include "engram/json.h"

namespace engram {

class ENGRAM_API Maintenance {
 public:
  virtual ~Maintenance();

  // The backend's name as configured (the config's backend key).
  virtual std::string_view backend_name() const noexcept = 0;

  // Statistics as a JSON object: record counts per kind, sizes in bytes,
  // and whatever else the backend knows (schema version, pages, memory).
  virtual Json stats();
  // Writes a consistent copy of the backend's data to `path`, or beside the
  // data under a fresh timestamped name when `path` is nullopt, and returns
  // the path written. Old automatic backups past the backend's limit go.
  virtual std::filesystem::path backup(
      std::optional<std::filesystem::path> path = std::nullopt);
  // backup() when the backend's interval has passed since the last one;
  // returns the path written, or nullopt when none was due.
  virtual std::optional<std::filesystem::path> backup_if_due();
  // Reclaims unused space. The data stays readable throughout or the call
  // fails leaving the original intact.
  virtual void compact();
  // Moves the current file aside and starts a fresh one; returns the path of
  // the file moved aside.
  virtual std::filesystem::path rotate();
  // rotate() when the file is past the backend's size limit; true iff it
  // rotated.
  virtual bool rotate_if_needed();
  // Removes records older than `retention_days` days; returns how many.
  // Throws InvalidArgument for a negative count.
  virtual std::int64_t cleanup(int retention_days = 30);
  // Removes expired records now; returns how many.
  virtual std::int64_t clear_expired();
  // Removes every record of this backend (and nothing of anybody else's).
  virtual void clear_all();
  // Makes every completed store durable as far as the backend can.
  virtual void sync();
  // Gives live option `key` (OptionSpec::live: sqlite's backup_interval and
  // max_backups, hdf5's max_file_size) a new value, taken in by the next
  // call that reads it; the config is not changed. Throws InvalidArgument
  // for an option the backend lacks, a value of the wrong type or outside
  // the option's range, NotSupported for an option that is not live (the
  // default for every key: a backend without live options).
  virtual void set_option(std::string_view key, const Json& value);
  // Releases the backend's resources. Idempotent.
  virtual void close() = 0;

  // Every file this instance keeps data or state in, absolute: the data
  // file and whatever the backend writes beside it (a journal, a lock file,
  // SQLite's -wal and -shm), whether or not each exists right now. The core
  // refuses to write a backup, a migration's state or any other file over
  // one of them. Empty (the default) for a backend without files; a backend
  // with files must override it. Never throws; valid after close().
  virtual std::vector<std::filesystem::path> files() const;

 protected:
  // Throws NotSupported naming `operation` and this backend.
  [[noreturn]] void not_supported(std::string_view operation) const;
  // The time before which cleanup(retention_days) removes records: `now`
  // (the backend's clock) less retention_days days. Throws InvalidArgument,
  // naming this backend, for a negative count.
  double retention_cutoff(int retention_days, double now) const;
};

}  // namespace engram

#endif  // ENGRAM_MAINTENANCE_H_
