// plugins/sqlite/handles.h — owning handles for SQLite's C objects: a
// database connection, a prepared statement and an online backup, each a
// unique_ptr with a named deleter that calls SQLite's close, finalize or
// finish.
//
// Thread safety: as unique_ptr; a handle is used by one thread at a time.
#ifndef ENGRAM_PLUGINS_SQLITE_HANDLES_H_
#define ENGRAM_PLUGINS_SQLITE_HANDLES_H_

#include <sqlite3.h>

#include <memory>

namespace engram::sqlite {

struct DatabaseDeleter {
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
using DatabaseHandle = std::unique_ptr<sqlite3, DatabaseDeleter>;

struct StatementDeleter {
  void operator()(sqlite3_stmt* statement) const noexcept { sqlite3_finalize(statement); }
};
using StatementHandle = std::unique_ptr<sqlite3_stmt, StatementDeleter>;

// Finishing a backup reports its outcome: the normal path calls
// sqlite3_backup_finish itself (release()); this deleter serves error paths.
struct BackupDeleter {
  void operator()(sqlite3_backup* backup) const noexcept { sqlite3_backup_finish(backup); }
};
using BackupHandle = std::unique_ptr<sqlite3_backup, BackupDeleter>;

}  // namespace engram::sqlite

#endif  // ENGRAM_PLUGINS_SQLITE_HANDLES_H_
