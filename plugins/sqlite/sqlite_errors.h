// plugins/sqlite/sqlite_errors.h — everything the sqlite plugin throws, in
// one place: the one mapper from SQLite result codes to engram's error kinds
// (throw_sqlite) and the plugin's own refusals. What a record's columns
// throw (too large to store, not decodable) is the core's
// (engram/record_columns.h).
//
// Every message names the backend and the database file (`Origin`) and is
// one short line: "<doing> in <database>: <why>". Errors from SQLite carry
// its extended result code as the native code; file-system errors carry
// errno.
//
// Thread safety: stateless; throw_sqlite reads the handle's last error, so
// it must be called by the thread that made the failing call on `db`.
#ifndef ENGRAM_PLUGINS_SQLITE_SQLITE_ERRORS_H_
#define ENGRAM_PLUGINS_SQLITE_SQLITE_ERRORS_H_

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#include "engram/concept_store.h"
#include "engram/ids.h"

struct sqlite3;

namespace engram::sqlite {

// What every message names: the backend and the database file.
struct Origin {
  std::string backend;
  std::string path;
};

// The one mapper from SQLite result codes to engram's errors. `code` is the
// result of a call on `db` (null when there is no handle); the native code
// carried (what() ends with "(code N)") is the extended result code, taken
// from `db` when its last error is of `code`'s family. Throws:
//   CANTOPEN, READONLY, PERM, AUTH   AccessDenied
//   NOTADB, CORRUPT                  CorruptData
//   TOOBIG                           InvalidArgument
//   anything else (BUSY and LOCKED   BackendError
//   after the timeout, FULL, IOERR,
//   NOMEM, CONSTRAINT, ...)
// A BUSY or LOCKED message says the lock was held past connection_timeout.
[[noreturn]] void throw_sqlite(const Origin& origin, std::string_view doing, int code, sqlite3* db);

// AccessDenied: db_path is a directory.
[[noreturn]] void throw_not_a_file(const Origin& origin);

// AccessDenied (SQLITE_READONLY): the database file cannot be written.
[[noreturn]] void throw_read_only(const Origin& origin);

// CorruptData: a database that is not engram's, the seed's or empty,
// refused untouched; `why` says what differs.
[[noreturn]] void throw_foreign(const Origin& origin, const std::string& why);

// NotSupported: the database's schema version `found` is past `known`.
[[noreturn]] void throw_newer_schema(const Origin& origin, std::int64_t found, int known);

// InvalidArgument: a backup would overwrite the file at `target`.
[[noreturn]] void throw_overwrite(const Origin& origin, const std::filesystem::path& target);

// InvalidArgument: a backup's `target` is one of the database's own files.
[[noreturn]] void throw_own_file(const Origin& origin, const std::filesystem::path& target);

// CorruptData (SQLITE_TOOBIG): a stored value past a reader's
// SQLITE_LIMIT_LENGTH (max_record_bytes).
[[noreturn]] void throw_stored_too_big(const Origin& origin, std::string_view doing);

// InvalidArgument: `relationship` names concept `missing`, which does not
// exist.
[[noreturn]] void throw_missing_concept(const Origin& origin, const Relationship& relationship,
                                        std::int64_t missing);

// InvalidArgument: a block of `count` ids of `kind` that cannot be
// reserved: count < 1, or the block after id `last` would reach the
// largest id.
[[noreturn]] void throw_bad_id_block(const Origin& origin, IdKind kind, std::int64_t count,
                                     std::int64_t last);

// NotSupported: reserving ids in `table`, which is not AUTOINCREMENT.
[[noreturn]] void throw_not_autoincrement(const Origin& origin, std::string_view table);

// InvalidArgument: the episodes role asked to reserve ids of `kind`, which
// it does not make.
[[noreturn]] void throw_foreign_id_kind(const Origin& origin, IdKind kind);

// InvalidArgument: a search query longer than SQLite's LIKE pattern limit.
[[noreturn]] void throw_query_too_long(const Origin& origin, std::size_t bytes, int limit);

// AccessDenied for a permission or read-only error, BackendError otherwise,
// with errno as the native code: `doing` on the file at `path` failed.
[[noreturn]] void throw_file_error(const Origin& origin, std::string_view doing,
                                   const std::filesystem::path& path, const std::error_code& error);

}  // namespace engram::sqlite

#endif  // ENGRAM_PLUGINS_SQLITE_SQLITE_ERRORS_H_
