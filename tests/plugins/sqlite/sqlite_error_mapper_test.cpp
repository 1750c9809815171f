// The sqlite plugin's error mapper (plugins/sqlite/sqlite_errors.cpp) as a
// unit: each family of SQLite result codes becomes its engram error kind,
// carrying the backend's name, the extended result code as the native code,
// and a message naming what was done, to which database, and SQLite's reason.
// No plugin is loaded; handles are in-memory databases.
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstdint>
#include <memory>
#include <string>
#include <system_error>
#include <typeinfo>

#include "engram/errors.h"
#include "sqlite_errors.h"

namespace {

using engram::sqlite::Origin;

const Origin kOrigin{"episodes_db", "/data/engram.db"};

// The error `call` throws, copied as its own kind; null when none.
template <class Throw>
std::unique_ptr<engram::StorageError> caught(Throw&& call) {
  try {
    call();
  } catch (const engram::ConfigError& e) {
    return std::make_unique<engram::ConfigError>(e);
  } catch (const engram::AccessDenied& e) {
    return std::make_unique<engram::AccessDenied>(e);
  } catch (const engram::CorruptData& e) {
    return std::make_unique<engram::CorruptData>(e);
  } catch (const engram::InvalidArgument& e) {
    return std::make_unique<engram::InvalidArgument>(e);
  } catch (const engram::NotSupported& e) {
    return std::make_unique<engram::NotSupported>(e);
  } catch (const engram::BackendError& e) {
    return std::make_unique<engram::BackendError>(e);
  } catch (const engram::StorageError& e) {
    return std::make_unique<engram::StorageError>(e);
  }
  return nullptr;
}

// The error throw_sqlite(kOrigin, "doing it", code, db) throws.
std::unique_ptr<engram::StorageError> mapped(int code, sqlite3* db = nullptr) {
  return caught([&] { engram::sqlite::throw_sqlite(kOrigin, "doing it", code, db); });
}

// Checks that `code` (no handle) maps to exactly `Kind`, with the backend's
// name, `code` as the native code, and the message
// "<backend>: doing it in <path>: <SQLite's text for code> ... (code N)".
template <class Kind>
void require_family(int code) {
  INFO("SQLite code " << code << " (" << sqlite3_errstr(code) << ")");
  const auto error = mapped(code);
  REQUIRE(error != nullptr);
  CHECK(typeid(*error) == typeid(Kind));
  CHECK(error->backend() == "episodes_db");
  CHECK(error->native_code() == code);
  const std::string what = error->what();
  CHECK(what.starts_with("episodes_db: doing it in /data/engram.db: " +
                         std::string(sqlite3_errstr(code))));
  CHECK(what.ends_with("(code " + std::to_string(code) + ")"));
}

struct DatabaseCloser {
  void operator()(sqlite3* db) const noexcept { sqlite3_close_v2(db); }
};
using Database = std::unique_ptr<sqlite3, DatabaseCloser>;

Database in_memory() {
  sqlite3* raw = nullptr;
  REQUIRE(sqlite3_open(":memory:", &raw) == SQLITE_OK);
  return Database(raw);
}

}  // namespace

TEST_CASE("sqlite error mapper: refusals to open or write are AccessDenied", "[sqlite][unit]") {
  require_family<engram::AccessDenied>(SQLITE_CANTOPEN);
  require_family<engram::AccessDenied>(SQLITE_CANTOPEN_ISDIR);
  require_family<engram::AccessDenied>(SQLITE_READONLY);
  require_family<engram::AccessDenied>(SQLITE_READONLY_DBMOVED);
  require_family<engram::AccessDenied>(SQLITE_PERM);
  require_family<engram::AccessDenied>(SQLITE_AUTH);
}

TEST_CASE("sqlite error mapper: a file that is not a sound database is CorruptData",
          "[sqlite][unit]") {
  require_family<engram::CorruptData>(SQLITE_NOTADB);
  require_family<engram::CorruptData>(SQLITE_CORRUPT);
  require_family<engram::CorruptData>(SQLITE_CORRUPT_INDEX);
}

TEST_CASE("sqlite error mapper: a value too big for SQLite is InvalidArgument", "[sqlite][unit]") {
  require_family<engram::InvalidArgument>(SQLITE_TOOBIG);
}

TEST_CASE("sqlite error mapper: every other failure is BackendError", "[sqlite][unit]") {
  for (const int code : {SQLITE_ERROR, SQLITE_FULL, SQLITE_IOERR, SQLITE_IOERR_WRITE,
                         SQLITE_IOERR_FSYNC, SQLITE_NOMEM, SQLITE_CONSTRAINT, SQLITE_MISUSE,
                         SQLITE_BUSY, SQLITE_BUSY_SNAPSHOT, SQLITE_LOCKED}) {
    require_family<engram::BackendError>(code);
  }
}

TEST_CASE("sqlite error mapper: a lock held too long says connection_timeout", "[sqlite][unit]") {
  for (const int code :
       {SQLITE_BUSY, SQLITE_BUSY_TIMEOUT, SQLITE_LOCKED, SQLITE_LOCKED_SHAREDCACHE}) {
    INFO("SQLite code " << code);
    const auto error = mapped(code);
    REQUIRE(error != nullptr);
    CHECK(typeid(*error) == typeid(engram::BackendError));
    CHECK(std::string(error->what())
              .find("another connection held the lock past "
                    "connection_timeout") != std::string::npos);
  }
  const auto full = mapped(SQLITE_FULL);
  CHECK(std::string(full->what()).find("connection_timeout") == std::string::npos);
}

TEST_CASE("sqlite error mapper: the handle's extended code and message are carried",
          "[sqlite][unit]") {
  Database db = in_memory();
  REQUIRE(sqlite3_exec(db.get(), "CREATE TABLE t (x UNIQUE); INSERT INTO t VALUES (1);", nullptr,
                       nullptr, nullptr) == SQLITE_OK);
  // Without extended result codes switched on the call returns the primary
  // code; the handle still records the extended one.
  const int code = sqlite3_exec(db.get(), "INSERT INTO t VALUES (1)", nullptr, nullptr, nullptr);
  REQUIRE(code == SQLITE_CONSTRAINT);
  REQUIRE(sqlite3_extended_errcode(db.get()) == SQLITE_CONSTRAINT_UNIQUE);

  const auto error = mapped(code, db.get());
  REQUIRE(error != nullptr);
  CHECK(typeid(*error) == typeid(engram::BackendError));
  CHECK(error->backend() == "episodes_db");
  CHECK(error->native_code() == SQLITE_CONSTRAINT_UNIQUE);
  CHECK(std::string(error->what()) ==
        "episodes_db: doing it in /data/engram.db: UNIQUE constraint failed: t.x (code " +
            std::to_string(SQLITE_CONSTRAINT_UNIQUE) + ")");
}

TEST_CASE("sqlite error mapper: a handle whose last error is another one is not believed",
          "[sqlite][unit]") {
  // A backup step's error is not recorded on the destination's handle: the
  // code's own text and code are reported, not the handle's stale error.
  Database db = in_memory();
  REQUIRE(sqlite3_exec(db.get(), "SELECT * FROM missing", nullptr, nullptr, nullptr) ==
          SQLITE_ERROR);
  const auto error = mapped(SQLITE_FULL, db.get());
  REQUIRE(error != nullptr);
  CHECK(typeid(*error) == typeid(engram::BackendError));
  CHECK(error->native_code() == SQLITE_FULL);
  const std::string what = error->what();
  CHECK(what.find(sqlite3_errstr(SQLITE_FULL)) != std::string::npos);
  CHECK(what.find("missing") == std::string::npos);
}

TEST_CASE("sqlite error mapper: the plugin's own refusals have their kinds and codes",
          "[sqlite][unit]") {
  namespace sq = engram::sqlite;
  SECTION("a read-only file is AccessDenied with SQLITE_READONLY") {
    const auto error = caught([] { sq::throw_read_only(kOrigin); });
    REQUIRE(error != nullptr);
    CHECK(typeid(*error) == typeid(engram::AccessDenied));
    CHECK(error->native_code() == SQLITE_READONLY);
  }
  SECTION("a newer schema is NotSupported, naming both versions") {
    const auto error = caught([] { sq::throw_newer_schema(kOrigin, 7, 2); });
    REQUIRE(error != nullptr);
    CHECK(typeid(*error) == typeid(engram::NotSupported));
    const std::string what = error->what();
    CHECK(what.find("schema version is 7, newer than version 2") != std::string::npos);
  }
  SECTION("a stored value past max_record_bytes is CorruptData with SQLITE_TOOBIG") {
    const auto error = caught([] { sq::throw_stored_too_big(kOrigin, "reading"); });
    REQUIRE(error != nullptr);
    CHECK(typeid(*error) == typeid(engram::CorruptData));
    CHECK(error->native_code() == SQLITE_TOOBIG);
  }
  SECTION("a file-system refusal is AccessDenied, another failure BackendError, with errno") {
    const auto denied = caught([] {
      sq::throw_file_error(kOrigin, "creating the folder", "/data",
                           std::make_error_code(std::errc::permission_denied));
    });
    REQUIRE(denied != nullptr);
    CHECK(typeid(*denied) == typeid(engram::AccessDenied));
    CHECK(denied->native_code() == EACCES);
    const auto full = caught([] {
      sq::throw_file_error(kOrigin, "creating the folder", "/data",
                           std::make_error_code(std::errc::no_space_on_device));
    });
    REQUIRE(full != nullptr);
    CHECK(typeid(*full) == typeid(engram::BackendError));
    CHECK(full->native_code() == ENOSPC);
    CHECK(std::string(full->what()).find("creating the folder /data (database /data/engram.db)") !=
          std::string::npos);
  }
}
