// plugins/sqlite/transaction.h — a transaction on one Connection as a scope
// guard: begun when made, rolled back when it goes unless commit()
// succeeded. A failed rollback is logged, never thrown.
//
// Thread safety: used by the thread that holds the Connection.
#ifndef ENGRAM_PLUGINS_SQLITE_TRANSACTION_H_
#define ENGRAM_PLUGINS_SQLITE_TRANSACTION_H_

#include <sqlite3.h>

#include <string>

#include "connection.h"
#include "engram/log.h"

namespace engram::sqlite {

// A write transaction as a scope guard: BEGIN IMMEDIATE takes the write lock
// at once (waiting through the busy timeout), so no statement inside fails
// for a lock (in rollback-journal mode COMMIT may still wait for readers);
// it rolls back unless commit() succeeded. `begin` "BEGIN" makes it a read
// transaction: one snapshot for several queries, nothing written. `begin`
// must be a string with static storage. BEGIN and COMMIT are the
// connection's cached statements: sqlite3_exec would parse them anew on
// every store.
class Transaction {
 public:
  explicit Transaction(Connection& connection, const char* begin = "BEGIN IMMEDIATE")
      : connection_(connection) {
    connection_.prepare(begin, "starting a transaction").run();
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
    connection_.prepare("COMMIT", "committing a write transaction").run();
    committed_ = true;
  }

 private:
  Connection& connection_;
  bool committed_ = false;
};

}  // namespace engram::sqlite

#endif  // ENGRAM_PLUGINS_SQLITE_TRANSACTION_H_
