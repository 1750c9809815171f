// plugins/sqlite/connection.h — one SQLite connection with its cache of
// prepared statements: opened and configured from the Settings (the writer
// creates the file, sets PRAGMA synchronous and foreign keys; a reader is
// query-only and refuses values past max_record_bytes), then used to
// prepare statements and run SQL. Errors go through throw_sqlite
// (sqlite_errors.h).
//
// Thread safety: used by one thread at a time (the Database hands it out),
// so it is opened without SQLite's own mutex.
#ifndef ENGRAM_PLUGINS_SQLITE_CONNECTION_H_
#define ENGRAM_PLUGINS_SQLITE_CONNECTION_H_

#include <sqlite3.h>

#include <cstdint>
#include <string_view>
#include <unordered_map>

#include "handles.h"
#include "settings.h"
#include "sqlite_errors.h"
#include "statement.h"

namespace engram::sqlite {

class Connection {
 public:
  // Opens `settings.db_path`; the writer creates the file if absent. Sets
  // only what lasts as long as the connection: the file is not read or
  // written yet (the Database recognises it before anything is written).
  // Throws as throw_sqlite, or AccessDenied for a read-only file.
  // REQUIRES: `origin` outlives the connection.
  Connection(const Origin& origin, const Settings& settings, bool writer);

  sqlite3* get() const noexcept { return db_.get(); }

  // The cached statement for `sql`, which must be a string with static
  // storage (the cache keeps a view of it). REQUIRES: no other Statement of
  // the same SQL on this connection is alive.
  Statement prepare(std::string_view sql, std::string_view doing);

  // Runs SQL without results (DDL, transaction control).
  void exec(const char* sql, std::string_view doing);

  // exec, retried while the database is busy, until `timeout_ms` passed.
  // For PRAGMA journal_mode, which needs the file to itself for a moment:
  // SQLite does not call the busy handler for it (another process opening
  // the same new file at once would otherwise make it fail at once).
  void exec_retrying(const char* sql, std::string_view doing, int timeout_ms);

  // The rowid of the last insert on this connection.
  std::int64_t last_insert_id() const noexcept { return sqlite3_last_insert_rowid(db_.get()); }

 private:
  const Origin& origin_;
  DatabaseHandle db_;  // declared first: the statements are finalized before it closes
  std::unordered_map<std::string_view, StatementHandle> cache_;
};

}  // namespace engram::sqlite

#endif  // ENGRAM_PLUGINS_SQLITE_CONNECTION_H_
