// plugins/postgres/database.h — one postgres backend instance's hold on
// the server: its settings, its pool of connections, its clock, and its
// life (open until close()).
//
// Opening connects once (AccessDenied for refused credentials,
// ConnectionError for a server out of reach, within connect_timeout) and
// migrates the schema (schema.h), then keeps that connection in the pool.
// The pool holds up to pool_size connections, opened on demand; a call
// beyond them waits for one to come back. A connection that failed
// (healthy() false: the server restarted, the network dropped) is not
// handed out again, nor is an idle one whose server closed it meanwhile
// (alive(): a restart while the backend was idle): the next lease connects
// anew, so calls recover once the server is back, without the backend being
// reopened; while it is away a lease fails with ConnectionError within
// connect_timeout.
//
// Every connection has a number of its own for this backend (writer_id()):
// the row of the change counters (schema.h) its writes bump.
//
// Thread safety: any number of threads; every lease holds the database's
// life lock shared, close() takes it alone, so it waits for the calls under
// way. After close() every lease throws StorageError("... closed").
#ifndef ENGRAM_PLUGINS_POSTGRES_DATABASE_H_
#define ENGRAM_PLUGINS_POSTGRES_DATABASE_H_

#include <condition_variable>
#include <cstddef>
#include <cstdint>
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
#include "pg_errors.h"
#include "pg_options.h"

namespace engram::postgres {

class Database {
 public:
  // Connects for the backend `context.name` and migrates the schema. Throws
  // as above, and NotSupported for a schema a newer engram made.
  Database(const BackendContext& context, Settings settings);

  const Origin& origin() const noexcept { return origin_; }
  const ColumnOrigin& columns() const noexcept { return columns_; }
  const Settings& settings() const noexcept { return settings_; }
  ColumnCodec codec() const noexcept { return {columns_, settings_.record_limit}; }
  std::int64_t schema_version() const noexcept { return schema_version_; }
  double now() const { return clock_->now(); }
  // "<schema> on <server>", for messages and stats.
  const std::string& where() const noexcept { return columns_.where; }

  // A connection from the pool, returned when the lease goes (and dropped
  // if it failed meanwhile: the slot connects anew on its next lease).
  class Lease {
   public:
    Lease(Lease&& other) noexcept
        : database_(other.database_), life_(std::move(other.life_)), slot_(other.slot_) {
      other.slot_ = nullptr;
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (slot_ != nullptr) database_.give_back(slot_);
    }
    Connection& operator*() const noexcept { return *slot_->connection; }
    Connection* operator->() const noexcept { return slot_->connection.get(); }
    // This connection's change-counter row (schema.h).
    const std::string& writer_id() const noexcept { return slot_->writer_id; }

   private:
    friend class Database;
    struct Slot {
      std::unique_ptr<Connection> connection;  // null until connected, or after a failure
      std::string writer_id;
    };
    Lease(Database& database, std::shared_lock<std::shared_mutex> life, Slot* slot)
        : database_(database), life_(std::move(life)), slot_(slot) {}
    Database& database_;
    std::shared_lock<std::shared_mutex> life_;  // released after the slot is back
    Slot* slot_;
  };

  // Throws StorageError("closed") once the backend is closed, and
  // ConnectionError/AccessDenied when a new connection cannot be made.
  Lease lease();

  // Waits for the calls under way, then closes every connection. Idempotent.
  void close() noexcept;

 private:
  using Slot = Lease::Slot;
  void give_back(Slot* slot) noexcept;

  const Settings settings_;
  const Origin origin_;
  const ColumnOrigin columns_;
  const std::shared_ptr<const Clock> clock_;
  std::int64_t schema_version_ = 0;

  LifeLock life_;
  std::mutex mutex_;
  std::condition_variable free_;
  // pool_size slots, each with its writer_id ("<instance>:<n>"), and the
  // ones not leased.
  std::vector<Slot> slots_;
  std::vector<Slot*> idle_;
};

}  // namespace engram::postgres

#endif  // ENGRAM_PLUGINS_POSTGRES_DATABASE_H_
