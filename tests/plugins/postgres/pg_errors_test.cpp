// The postgres plugin's error mapper and options (plugins/postgres/
// pg_errors.cpp, pg_options.cpp) as units: each SQLSTATE family becomes its
// engram error kind with the backend's name, the packed SQLSTATE as native
// code and "<doing> on <server>: <reason>" as message;
// no password — given, inside a dsn, or echoed by libpq — ever reaches a
// message. No server is needed and no plugin is loaded.
#include "pg_errors.h"

#include <catch2/catch.hpp>
#include <cstring>
#include <memory>
#include <string>
#include <typeinfo>

#include "engram/errors.h"
#include "engram/json.h"
#include "handles.h"
#include "pg_options.h"

namespace {

namespace pg = engram::postgres;
using pg::ErrorKind;

constexpr const char *kPassword = "hunter2-Secret";

const pg::Origin kOrigin{"episodes_pg", "db.example:5432/engram", {kPassword}};

// The error `call` throws, copied as its own kind; null when none.
template <class Throw>
std::unique_ptr<engram::StorageError> caught(Throw &&call) {
  try {
    call();
  } catch (const engram::ConfigError &e) {
    return std::make_unique<engram::ConfigError>(e);
  } catch (const engram::ConnectionError &e) {
    return std::make_unique<engram::ConnectionError>(e);
  } catch (const engram::AccessDenied &e) {
    return std::make_unique<engram::AccessDenied>(e);
  } catch (const engram::CorruptData &e) {
    return std::make_unique<engram::CorruptData>(e);
  } catch (const engram::InvalidArgument &e) {
    return std::make_unique<engram::InvalidArgument>(e);
  } catch (const engram::NotSupported &e) {
    return std::make_unique<engram::NotSupported>(e);
  } catch (const engram::BackendError &e) {
    return std::make_unique<engram::BackendError>(e);
  } catch (const engram::StorageError &e) {
    return std::make_unique<engram::StorageError>(e);
  }
  return nullptr;
}

std::unique_ptr<engram::StorageError> mapped(const char *sqlstate, const std::string &text) {
  return caught([&] { pg::throw_sqlstate(kOrigin, "storing episode 7", sqlstate, text); });
}

template <class Kind>
void require_maps(const char *sqlstate, ErrorKind kind) {
  INFO("SQLSTATE " << sqlstate);
  CHECK(pg::kind_of_sqlstate(sqlstate) == kind);
  const auto error = mapped(sqlstate, "ERROR:  something failed\nDETAIL:  more");
  REQUIRE(error != nullptr);
  CHECK(typeid(*error) == typeid(Kind));
  CHECK(error->backend() == "episodes_pg");
  CHECK(error->native_code() == pg::sqlstate_code(sqlstate));
  const std::string what = error->what();
  CHECK(what.rfind("episodes_pg: storing episode 7 on db.example:5432/engram: something failed",
                   0) == 0);
  CHECK(what.find(std::string("[SQLSTATE ") + sqlstate + "]") != std::string::npos);
  CHECK(what.find("DETAIL") == std::string::npos);
}

}  // namespace

TEST_CASE("postgres: each SQLSTATE family maps to its engram error kind", "[postgres][errors]") {
  require_maps<engram::ConnectionError>("08006", ErrorKind::kConnection);
  require_maps<engram::ConnectionError>("08001", ErrorKind::kConnection);
  require_maps<engram::ConnectionError>("57014", ErrorKind::kConnection);
  require_maps<engram::ConnectionError>("57P01", ErrorKind::kConnection);
  require_maps<engram::AccessDenied>("28P01", ErrorKind::kAccessDenied);
  require_maps<engram::AccessDenied>("28000", ErrorKind::kAccessDenied);
  require_maps<engram::AccessDenied>("42501", ErrorKind::kAccessDenied);
  require_maps<engram::AccessDenied>("25006", ErrorKind::kAccessDenied);
  require_maps<engram::InvalidArgument>("22001", ErrorKind::kInvalidArgument);
  require_maps<engram::InvalidArgument>("22P02", ErrorKind::kInvalidArgument);
  require_maps<engram::InvalidArgument>("54000", ErrorKind::kInvalidArgument);
  require_maps<engram::NotSupported>("0A000", ErrorKind::kNotSupported);
  require_maps<engram::CorruptData>("XX001", ErrorKind::kCorruptData);
  require_maps<engram::CorruptData>("XX002", ErrorKind::kCorruptData);
  require_maps<engram::BackendError>("23505", ErrorKind::kBackend);
  require_maps<engram::BackendError>("23503", ErrorKind::kBackend);
  require_maps<engram::BackendError>("53100", ErrorKind::kBackend);
  require_maps<engram::BackendError>("40001", ErrorKind::kBackend);
  require_maps<engram::BackendError>("40P01", ErrorKind::kBackend);
  require_maps<engram::BackendError>("42P01", ErrorKind::kBackend);
  require_maps<engram::BackendError>("XX000", ErrorKind::kBackend);
  CHECK(pg::kind_of_sqlstate("") == ErrorKind::kBackend);
  CHECK(pg::kind_of_sqlstate("080") == ErrorKind::kBackend);
}

TEST_CASE("postgres: timeouts and retryable failures say why", "[postgres][errors]") {
  const auto timeout = mapped("57014", "canceling statement due to statement timeout");
  CHECK(std::string(timeout->what()).find("statement_timeout") != std::string::npos);
  const auto deadlock = mapped("40P01", "deadlock detected");
  CHECK(std::string(deadlock->what()).find("may be retried") != std::string::npos);
}

TEST_CASE("postgres: SQLSTATEs pack as the server's errcodes", "[postgres][errors]") {
  // ERRCODE_QUERY_CANCELED = MAKE_SQLSTATE('5','7','0','1','4').
  CHECK(pg::sqlstate_code("57014") == (5 | 7 << 6 | 0 << 12 | 1 << 18 | 4 << 24));
  CHECK(pg::sqlstate_code("00000") == 0);
  CHECK(pg::sqlstate_code("40P01") != pg::sqlstate_code("40001"));
  CHECK_FALSE(pg::sqlstate_code("4000").has_value());
  CHECK_FALSE(pg::sqlstate_code("40p01").has_value());
}

TEST_CASE("postgres: failed connections map by libpq's message", "[postgres][errors]") {
  CHECK(pg::kind_of_connection_message(
            "connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  "
            "password "
            "authentication failed for user \"engram\"") == ErrorKind::kAccessDenied);
  CHECK(pg::kind_of_connection_message("FATAL:  no pg_hba.conf entry for host \"10.0.0.1\"") ==
        ErrorKind::kAccessDenied);
  CHECK(pg::kind_of_connection_message("FATAL:  role \"bob\" does not exist") ==
        ErrorKind::kAccessDenied);
  CHECK(pg::kind_of_connection_message("connection to server at \"127.0.0.1\", port 5432 failed: "
                                       "Connection refused\n\tIs "
                                       "the server running on that host and accepting TCP/IP "
                                       "connections?") == ErrorKind::kConnection);
  CHECK(pg::kind_of_connection_message("server closed the connection unexpectedly") ==
        ErrorKind::kConnection);
  const auto refused = caught([] {
    pg::throw_connection_message(kOrigin, "connecting",
                                 "could not connect: Connection refused\n"
                                 "\tIs the server running?");
  });
  REQUIRE(refused != nullptr);
  CHECK(typeid(*refused) == typeid(engram::ConnectionError));
  CHECK(std::string(refused->what())
            .find("connecting on db.example:5432/engram: could not connect: "
                  "Connection refused") != std::string::npos);
  CHECK(std::string(refused->what()).find("Is the server") == std::string::npos);
  // No connection at all: libpq could not allocate one.
  const auto none = caught([] { pg::throw_connection(kOrigin, "connecting", nullptr); });
  REQUIRE(none != nullptr);
  CHECK(typeid(*none) == typeid(engram::ConnectionError));
}

TEST_CASE("postgres: a result without SQLSTATE on no connection is a ConnectionError",
          "[postgres][errors]") {
  const auto error =
      caught([] { pg::throw_result(kOrigin, "reading concept 3", nullptr, nullptr); });
  REQUIRE(error != nullptr);
  CHECK(typeid(*error) == typeid(engram::ConnectionError));
  CHECK(std::string(error->what()).rfind("episodes_pg: reading concept 3 on db.example", 0) == 0);
}

TEST_CASE("postgres: a handle owns a libpq result; libpq's own errors map without SQLSTATE",
          "[postgres][errors][handles]") {
  const pg::ResultHandle result(PQmakeEmptyPGresult(nullptr, PGRES_FATAL_ERROR));
  REQUIRE(result != nullptr);
  const auto error =
      caught([&] { pg::throw_result(kOrigin, "listing episodes", result.get(), nullptr); });
  REQUIRE(error != nullptr);
  CHECK(typeid(*error) == typeid(engram::ConnectionError));
  CHECK_FALSE(error->native_code().has_value());
  const pg::ConnectionHandle none(nullptr);
  CHECK(none == nullptr);
}

TEST_CASE("postgres: no message ever holds a password", "[postgres][errors][secrets]") {
  const std::string echoes[] = {
      std::string("invalid password ") + kPassword,
      std::string("missing \"=\" after \"x\" in connection info string: password=") + kPassword,
      "end of string reached in URI: "
      "\"postgresql://engram:other-pw@[db/engram\"",
      "connection info: host=db password='quoted pw' user=engram",
      "conninfo password = spaced-pw sslmode=require",
  };
  for (const std::string &echo : echoes) {
    INFO(echo);
    for (const auto &error : {mapped("08006", echo), mapped("XX000", echo), caught([&] {
                                pg::throw_connection_message(kOrigin, "connecting", echo);
                              })}) {
      REQUIRE(error != nullptr);
      const std::string what = error->what();
      CHECK(what.find(kPassword) == std::string::npos);
      CHECK(what.find("other-pw") == std::string::npos);
      CHECK(what.find("quoted pw") == std::string::npos);
      CHECK(what.find("spaced-pw") == std::string::npos);
    }
  }
  CHECK(pg::redacted("user=engram password=abc host=h", {}) == "user=engram password=*** host=h");
  CHECK(pg::redacted("postgresql://u:abc@h:5432/db", {}) == "postgresql://u:***@h:5432/db");
  CHECK(pg::redacted("postgresql://u@h/db", {}) == "postgresql://u@h/db");
}

TEST_CASE("postgres: options bind with their defaults and constraints", "[postgres][options]") {
  const pg::Settings defaults = pg::settings_of(engram::Json::object());
  CHECK(defaults.options.host == "127.0.0.1");
  CHECK(defaults.options.port == 5432);
  CHECK(defaults.options.sslmode == "prefer");
  CHECK(defaults.options.schema == "engram");
  CHECK(defaults.options.pool_size == 4);
  CHECK(defaults.statement_timeout_ms == 30000);
  CHECK(defaults.server == "127.0.0.1:5432");
  CHECK(defaults.secrets.empty());

  using engram::Json;
  CHECK_THROWS_AS(pg::settings_of(Json{{"port", 0}}), engram::ConfigError);
  CHECK_THROWS_AS(pg::settings_of(Json{{"port", 65536}}), engram::ConfigError);
  CHECK_THROWS_AS(pg::settings_of(Json{{"pool_size", 65}}), engram::ConfigError);
  CHECK_THROWS_AS(pg::settings_of(Json{{"connect_timeout", 0}}), engram::ConfigError);
  CHECK_THROWS_AS(pg::settings_of(Json{{"statement_timeout", 0.0}}), engram::ConfigError);
  CHECK_THROWS_AS(pg::settings_of(Json{{"sslmode", "always"}}), engram::ConfigError);
  CHECK_THROWS_AS(pg::settings_of(Json{{"schema", "1abc"}}), engram::ConfigError);
  CHECK_THROWS_AS(pg::settings_of(Json{{"schema", "a-b"}}), engram::ConfigError);
  CHECK_THROWS_AS(pg::settings_of(Json{{"schema", std::string(64, 'a')}}), engram::ConfigError);
  CHECK_NOTHROW(pg::settings_of(Json{{"schema", "_Engram_2" + std::string(54, 'x')}}));
}

TEST_CASE("postgres: the server is named without its password", "[postgres][options][secrets]") {
  using engram::Json;
  const pg::Settings fields =
      pg::settings_of(Json{{"host", "db"}, {"dbname", "mem"}, {"password", kPassword}});
  CHECK(fields.server == "db:5432/mem");
  CHECK(fields.secrets == std::vector<std::string>{kPassword});

  const pg::Settings uri = pg::settings_of(
      Json{{"dsn", "postgresql://engram:uri-pw@pg.example:6543/memories?sslmode=require"}});
  CHECK(uri.server == "pg.example:6543/memories");
  CHECK(uri.secrets == std::vector<std::string>{"uri-pw"});

  const pg::Settings plain = pg::settings_of(Json{{"dsn", "mydb"}});
  CHECK(plain.server == "127.0.0.1:5432/mydb");

  // libpq echoes a URI it cannot parse; the ConfigError must not.
  try {
    pg::settings_of(Json{{"dsn", "postgresql://engram:uri-pw@[pg.example/memories"}});
    FAIL("a malformed dsn was accepted");
  } catch (const engram::ConfigError &e) {
    const std::string what = e.what();
    CHECK(what.find("dsn") != std::string::npos);
    CHECK(what.find("uri-pw") == std::string::npos);
  }
}

TEST_CASE("postgres: the connection parameters expand the dsn last", "[postgres][options]") {
  pg::PgOptions options;
  options.password = kPassword;
  options.dbname = "mem";
  {
    const pg::ConnInfo info(options);
    CHECK(std::strcmp(info.value_of("application_name"), "engram") == 0);
    CHECK(std::strcmp(info.value_of("connect_timeout"), "5") == 0);
    CHECK(std::strcmp(info.value_of("dbname"), "mem") == 0);
    CHECK(info.value_of("user") == nullptr);
    CHECK(pg::ConnInfo::kExpandDbname == 1);
  }
  options.dsn = "host=other dbname=x";
  const pg::ConnInfo info(options);
  int n = 0;
  while (info.keywords()[n] != nullptr) ++n;
  REQUIRE(n > 0);
  CHECK(info.values()[n] == nullptr);
  CHECK(std::strcmp(info.keywords()[n - 1], "dbname") == 0);
  CHECK(std::strcmp(info.values()[n - 1], "host=other dbname=x") == 0);
}
