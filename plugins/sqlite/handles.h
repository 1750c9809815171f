// plugins/sqlite/handles.h — owning handles for SQLite's C objects: a
// database connection, a prepared statement and an online backup, each an
// engram::CHandle (engram/c_handle.h) that calls SQLite's close, finalize
// or finish.
//
// Thread safety: as unique_ptr; a handle is used by one thread at a time.
#ifndef ENGRAM_PLUGINS_SQLITE_HANDLES_H_
#define ENGRAM_PLUGINS_SQLITE_HANDLES_H_

#include <sqlite3.h>

#include "engram/c_handle.h"

namespace engram::sqlite {

using DatabaseHandle = CHandle<sqlite3, sqlite3_close_v2>;
using StatementHandle = CHandle<sqlite3_stmt, sqlite3_finalize>;
// Finishing a backup reports its outcome: the normal path calls
// sqlite3_backup_finish itself (release()); the handle serves error paths.
using BackupHandle = CHandle<sqlite3_backup, sqlite3_backup_finish>;

}  // namespace engram::sqlite

#endif  // ENGRAM_PLUGINS_SQLITE_HANDLES_H_
