#include "sqlite_errors.h"

#include <sqlite3.h>

#include "engram/errors.h"
#include "engram/ids.h"

namespace engram::sqlite {

namespace fs = std::filesystem;

[[noreturn]] void throw_sqlite(const Origin& origin, std::string_view doing, int code,
                               sqlite3* db) {
  int extended = code;
  if (db != nullptr && (sqlite3_extended_errcode(db) & 0xff) == (code & 0xff)) {
    extended = sqlite3_extended_errcode(db);
  }
  // The handle's message when it is about this error (a backup step's error
  // is not recorded on the destination's handle), else the code's own text.
  const char* why = db != nullptr && (sqlite3_errcode(db) & 0xff) == (code & 0xff)
                        ? sqlite3_errmsg(db)
                        : sqlite3_errstr(code);
  std::string message = std::string(doing) + " in " + origin.path + ": " + why;
  const int primary = extended & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
    message += " (another connection held the lock past connection_timeout)";
  }
  switch (primary) {
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      throw AccessDenied(message, origin.backend, extended);
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
      throw CorruptData(message, origin.backend, extended);
    case SQLITE_TOOBIG:
      throw InvalidArgument(message, origin.backend, extended);
    default:  // BUSY/LOCKED after the timeout, FULL, IOERR, NOMEM, ...
      throw BackendError(message, origin.backend, extended);
  }
}

[[noreturn]] void throw_not_a_file(const Origin& origin) {
  throw AccessDenied("opening the database " + origin.path + ": it is a directory, not a file",
                     origin.backend);
}

[[noreturn]] void throw_read_only(const Origin& origin) {
  throw AccessDenied(
      "opening the database " + origin.path + ": the file is read-only (engram needs to write it)",
      origin.backend, SQLITE_READONLY);
}

// A database that is not engram's, the seed's or empty: refused untouched.
[[noreturn]] void throw_foreign(const Origin& origin, const std::string& why) {
  throw CorruptData("opening " + origin.path + ": not an engram or seed database (" + why + ")",
                    origin.backend);
}

[[noreturn]] void throw_newer_schema(const Origin& origin, std::int64_t found, int known) {
  throw NotSupported("opening " + origin.path + ": its schema version is " + std::to_string(found) +
                         ", newer than version " + std::to_string(known) +
                         " that this plugin knows",
                     origin.backend);
}

[[noreturn]] void throw_overwrite(const Origin& origin, const fs::path& target) {
  throw InvalidArgument("backing up " + origin.path + ": refusing to overwrite " + target.string(),
                        origin.backend);
}

[[noreturn]] void throw_own_file(const Origin& origin, const fs::path& target) {
  throw InvalidArgument(
      "backing up " + origin.path + ": refusing to write onto its own file " + target.string(),
      origin.backend);
}

// A stored value past a reader's SQLITE_LIMIT_LENGTH (max_record_bytes).
[[noreturn]] void throw_stored_too_big(const Origin& origin, std::string_view doing) {
  throw CorruptData(std::string(doing) + " in " + origin.path +
                        ": a stored value is larger than max_record_bytes",
                    origin.backend, SQLITE_TOOBIG);
}

[[noreturn]] void throw_missing_concept(const Origin& origin, const Relationship& relationship,
                                        std::int64_t missing) {
  throw InvalidArgument("cannot relate concept " + std::to_string(relationship.source_id) +
                            " to concept " + std::to_string(relationship.target_id) + " (" +
                            printable(relationship.type) + "): concept " + std::to_string(missing) +
                            " does not exist",
                        origin.backend);
}

[[noreturn]] void throw_bad_id_block(const Origin& origin, IdKind kind, std::int64_t count,
                                     std::int64_t last) {
  throw InvalidArgument(
      "reserving " + std::to_string(count) + " " + std::string(id_kind_name(kind)) + " ids in " +
          origin.path + ": " +
          (count < 1 ? std::string("the count must be at least 1")
                     : "the block after id " + std::to_string(last) + " would pass the largest id"),
      origin.backend);
}

[[noreturn]] void throw_not_autoincrement(const Origin& origin, std::string_view table) {
  throw NotSupported("reserving ids in " + origin.path + ": table " + std::string(table) +
                         " is not AUTOINCREMENT, so its new ids cannot be kept out of a block "
                         "(it was not made by engram or the Python system)",
                     origin.backend);
}

[[noreturn]] void throw_foreign_id_kind(const Origin& origin, IdKind kind) {
  throw InvalidArgument("reserving ids in " + origin.path +
                            ": the episodes role reserves episode and learning event ids, not " +
                            std::string(id_kind_name(kind)) + " ids",
                        origin.backend);
}

[[noreturn]] void throw_query_too_long(const Origin& origin, std::size_t bytes, int limit) {
  throw InvalidArgument("searching concepts: the query is " + std::to_string(bytes) +
                            " bytes, longer than SQLite's LIKE pattern limit of " +
                            std::to_string(limit) + " bytes",
                        origin.backend);
}

[[noreturn]] void throw_file_error(const Origin& origin, std::string_view doing,
                                   const fs::path& path, const std::error_code& error) {
  const std::string message = std::string(doing) + " " + path.string() + " (database " +
                              origin.path + "): " + error.message();
  if (error == std::errc::permission_denied || error == std::errc::read_only_file_system ||
      error == std::errc::is_a_directory || error == std::errc::operation_not_permitted) {
    throw AccessDenied(message, origin.backend, error.value());
  }
  throw BackendError(message, origin.backend, error.value());
}

}  // namespace engram::sqlite
