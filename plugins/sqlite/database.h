// plugins/sqlite/database.h — one sqlite backend instance's database: its
// writer connection, its pool of reader connections, its clock, and its
// life (open until close()).
//
// Opening recognises the file before writing a byte to it
// (schema_recognition.h: empty, engram's or the seed's; anything else is
// CorruptData and left as it was, a newer schema NotSupported), then
// switches on WAL if asked and migrates the schema (schema.h).
//
// Thread safety: one writer connection behind a mutex and a small pool of
// reader connections; every lease holds the database's life lock shared,
// close() takes it alone, so it waits for the calls under way. After
// close() every lease throws StorageError("... closed").
#ifndef ENGRAM_PLUGINS_SQLITE_DATABASE_H_
#define ENGRAM_PLUGINS_SQLITE_DATABASE_H_

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <utility>
#include <vector>

#include "connection.h"
#include "engram/clock.h"
#include "engram/life_lock.h"
#include "engram/plugin.h"
#include "engram/record_columns.h"
#include "settings.h"
#include "sqlite_errors.h"

namespace engram::sqlite {

// The files SQLite keeps for the database `db`: the database, its
// write-ahead log and shared-memory index, and its rollback journal.
std::vector<std::filesystem::path> database_files(const std::filesystem::path& db);

class Database {
 public:
  // Opens (creating if absent, with its folder) the database at
  // `settings.db_path` for the backend `context.name`, on `context.clock`
  // (the system clock when none). Throws AccessDenied for a directory or a
  // read-only file, CorruptData for somebody else's database, NotSupported
  // for a newer schema, and SQLite's errors as throw_sqlite.
  Database(const BackendContext& context, Settings settings);

  // The files SQLite keeps for this database, absolute: the database, its
  // write-ahead log and shared-memory index, and its rollback journal.
  std::vector<std::filesystem::path> files() const {
    return database_files(settings_.absolute_db_path);
  }

  const Origin& origin() const noexcept { return origin_; }
  // The origin the core's record columns name (engram/record_columns.h):
  // the same backend and file, built once.
  const ColumnOrigin& column_origin() const noexcept { return column_origin_; }
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
  WriterLease writer();
  ReaderLease reader();

  // Waits for the calls under way, then closes every connection. Idempotent.
  void close() noexcept;

 private:
  // Readers beyond this wait for one to come back.
  static constexpr std::size_t kMaxReaders = 4;

  std::shared_lock<std::shared_mutex> enter() const;
  void give_back(std::unique_ptr<Connection> connection) noexcept;

  const Settings settings_;
  const Origin origin_;
  const ColumnOrigin column_origin_{origin_.backend, origin_.path};
  const std::shared_ptr<const Clock> clock_;
  std::int64_t schema_version_ = 0;

  LifeLock life_{origin_.backend, "database " + origin_.path};
  std::mutex writer_mutex_;
  std::unique_ptr<Connection> writer_;
  std::mutex readers_mutex_;
  std::condition_variable readers_free_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::size_t readers_open_ = 0;
};

}  // namespace engram::sqlite

#endif  // ENGRAM_PLUGINS_SQLITE_DATABASE_H_
