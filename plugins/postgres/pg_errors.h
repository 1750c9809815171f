// plugins/postgres/pg_errors.h — the postgres plugin's one error mapper:
// what libpq or the server reports, as engram's error kinds.
//
//   an SQLSTATE (a result's PG_DIAG_SQLSTATE), by class or code:
//     08xxx connection exception, 57014 query_canceled
//     (statement_timeout), 57P01..57P03 server shutting down   ConnectionError
//     28xxx invalid authorization, 42501 insufficient
//     privilege, 25006 read-only transaction                  AccessDenied
//     22xxx data exception, 54xxx program limit exceeded      InvalidArgument
//     0A000 feature not supported                             NotSupported
//     XX001 data_corrupted, XX002 index_corrupted             CorruptData
//     anything else (23xxx integrity, 53xxx insufficient
//     resources / disk full, 40001 / 40P01 serialization
//     failure / deadlock, ...)                                BackendError
//   a connection that failed or died (PQstatus CONNECTION_BAD; libpq gives
//   no SQLSTATE for it): AccessDenied when libpq's message says
//   authentication or authorisation failed, else ConnectionError.
//   A failed result with no SQLSTATE (libpq's own error): ConnectionError
//   when the connection is bad, else BackendError.
//
// Each message's first line is "<doing> on <server>: <the server's or
// libpq's first line>" (what() puts the backend's name before it), then "[SQLSTATE xxxxx]" when
// there is one; 57014 and 40001/40P01 add why. The SQLSTATE is the native code, packed as the
// server packs it (sqlstate_code). No secret of the Origin, nor anything shaped like a password
// (password=..., a URI's user:pw@), ever reaches a message. Every throw_ function throws; none
// returns.
//
// Thread safety: stateless; throw_result and throw_connection read the
// handle's last error, so they must be called by the thread that made the
// failing call.
#ifndef ENGRAM_PLUGINS_POSTGRES_PG_ERRORS_H_
#define ENGRAM_PLUGINS_POSTGRES_PG_ERRORS_H_

#include <libpq-fe.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace engram::postgres {

// What every message names: the backend and the server; and what none may
// contain.
struct Origin {
  // The backend's name in the config.
  std::string backend;
  // "host:port/dbname" (Settings::server, pg_options.h); never a password.
  std::string server;
  // Text replaced by "***" wherever it appears in a message: the password
  // option and a password the dsn holds. Empty strings are ignored.
  std::vector<std::string> secrets;
};

// The engram error kind a failure maps to.
enum class ErrorKind {
  kConnection,
  kAccessDenied,
  kInvalidArgument,
  kNotSupported,
  kCorruptData,
  kBackend,
};

// The kind `sqlstate` maps to, by the table above; kBackend for an empty
// or unknown one.
ErrorKind kind_of_sqlstate(std::string_view sqlstate) noexcept;

// The kind a failed connection whose libpq message is `message` maps to:
// kAccessDenied or kConnection.
ErrorKind kind_of_connection_message(std::string_view message) noexcept;

// `sqlstate` as an integer, six bits a character as PostgreSQL's
// MAKE_SQLSTATE packs it (the server's internal errcode); nullopt unless it
// is five characters of 0-9 and A-Z.
std::optional<std::int64_t> sqlstate_code(std::string_view sqlstate) noexcept;

// `text` with every non-empty secret replaced by "***", and with the value
// after each "password=" and the password in each URI "://user:password@"
// replaced by "***" too (a conninfo that does not parse is echoed by
// libpq).
std::string redacted(std::string_view text, const std::vector<std::string> &secrets);

// Throws the kind_of_sqlstate(sqlstate) error for a statement that failed
// while `doing`; `server_message` is the server's text (its first line is
// used). The pure core of throw_result.
[[noreturn]] void throw_sqlstate(const Origin &origin, std::string_view doing,
                                 std::string_view sqlstate, std::string_view server_message);

// Throws for a failed call while `doing`: `result` is its result (null when
// libpq returned none: out of memory or the connection failed) and `conn`
// the connection it ran on (may be null). With an SQLSTATE, as
// throw_sqlstate; without, ConnectionError when `conn` is bad or null,
// else BackendError.
[[noreturn]] void throw_result(const Origin &origin, std::string_view doing, const PGresult *result,
                               const PGconn *conn);

// Throws for a connection that failed or died while `doing` (`conn` null:
// libpq could not allocate one): as kind_of_connection_message of
// PQerrorMessage(conn).
[[noreturn]] void throw_connection(const Origin &origin, std::string_view doing,
                                   const PGconn *conn);

// The pure core of throw_connection, from libpq's `message`.
[[noreturn]] void throw_connection_message(const Origin &origin, std::string_view doing,
                                           std::string_view message);

}  // namespace engram::postgres

#endif  // ENGRAM_PLUGINS_POSTGRES_PG_ERRORS_H_
