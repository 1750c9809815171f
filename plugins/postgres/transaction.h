// plugins/postgres/transaction.h — a transaction as a scope guard: BEGIN
// when made, COMMIT by commit(), ROLLBACK when left without it (an
// exception). A rollback that fails (the connection is gone) is logged: the
// server rolls back a transaction whose connection dies.
//
// Thread safety: the thread holding the connection.
#ifndef ENGRAM_PLUGINS_POSTGRES_TRANSACTION_H_
#define ENGRAM_PLUGINS_POSTGRES_TRANSACTION_H_

#include <libpq-fe.h>

#include <string>

#include "connection.h"
#include "engram/log.h"

namespace engram::postgres {

class Transaction {
 public:
  // `begin` may ask for more ("BEGIN ISOLATION LEVEL REPEATABLE READ").
  explicit Transaction(Connection& connection, const char* begin = "BEGIN")
      : connection_(connection) {
    connection_.execute(begin, "starting a transaction");
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction() {
    if (committed_ || !connection_.healthy()) return;
    if (PQtransactionStatus(connection_.get()) == PQTRANS_IDLE) return;
    try {
      connection_.execute("ROLLBACK", "rolling back a transaction");
    } catch (const std::exception& e) {
      log(LogLevel::kError, std::string("postgres: ") + e.what());
    }
  }
  void commit() {
    connection_.execute("COMMIT", "committing a transaction");
    committed_ = true;
  }

 private:
  Connection& connection_;
  bool committed_ = false;
};

}  // namespace engram::postgres

#endif  // ENGRAM_PLUGINS_POSTGRES_TRANSACTION_H_
