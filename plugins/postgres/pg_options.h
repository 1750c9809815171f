// plugins/postgres/pg_options.h — the postgres plugin's options: one struct
// with in-class defaults (PgOptions), the table that binds a backend's
// option map to it and gives the schema, the Settings they resolve to, and
// the libpq connection parameters (ConnInfo) made from them.
//
// The server is named by `dsn` (a libpq conninfo string or postgresql://
// URI) or by host, port, dbname, user and password. Both may be given: the
// separate options come first and the dsn is expanded after them
// (expand_dbname), so what the dsn names wins.
//
// Secrets: `password` (and a password inside `dsn`) is never logged nor put
// in a message: Settings::server names the server without it, and
// Settings::secrets lists what pg_errors.h's Origin must mask.
//
// Errors: settings_of throws ConfigError for an unknown key or wrong type,
// a value outside the range or choices declared with it (OptionTable), a
// schema that is not an SQL identifier, and a dsn libpq cannot parse (the
// message redacted).
//
// Thread safety: option_table() is built once, on first use, and is
// immutable; a Settings or ConnInfo is immutable once made.
#ifndef ENGRAM_PLUGINS_POSTGRES_PG_OPTIONS_H_
#define ENGRAM_PLUGINS_POSTGRES_PG_OPTIONS_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engram/embedding_matrix.h"
#include "engram/json.h"
#include "engram/options.h"
#include "engram/record_limits.h"

namespace engram::postgres {

struct PgOptions {
  std::string dsn;
  std::string host = "127.0.0.1";
  std::int64_t port = 5432;
  std::string dbname;
  std::string user;
  std::string password;
  std::string sslmode = "prefer";
  std::string schema = "engram";
  std::int64_t pool_size = 4;
  std::int64_t connect_timeout = 5;
  double statement_timeout = 30.0;
  std::int64_t max_record_bytes = kDefaultMaxRecordBytes;
  std::int64_t recall_cache_bytes = static_cast<std::int64_t>(kDefaultRecallCacheBytes);
};

// The keys, types, defaults, ranges and docs of PgOptions.
const OptionTable<PgOptions> &option_table();

// The options checked and in the units the backend uses.
struct Settings {
  PgOptions options;
  // "host:port/dbname" of the server, from the dsn where it names them,
  // else the options; never a password. For messages.
  std::string server;
  // The password option and a password the dsn holds, non-empty ones only:
  // what every message must mask (pg_errors.h's Origin::secrets).
  std::vector<std::string> secrets;
  // statement_timeout in milliseconds, as the server's setting takes it.
  std::int64_t statement_timeout_ms = 0;
  // The most bytes a decoded record may declare.
  std::uint64_t record_limit = 0;
};

// The Settings of a backend's options. Throws ConfigError as above.
Settings settings_of(const Json &json);

// Whether `name` is an identifier the plugin accepts for a schema: ASCII
// letters, digits and '_', not starting with a digit, 1 to 63 bytes (the
// server's NAMEDATALEN - 1).
bool is_sql_identifier(std::string_view name) noexcept;

// The keyword/value arrays PQconnectdbParams takes, with expand_dbname = 1:
// host, port, user, password, sslmode (the non-empty ones),
// connect_timeout and application_name=engram, then dbname — the dsn when
// it is set (expanded, so it wins), else the dbname option. Both arrays end
// in nullptr. Copying a ConnInfo is not allowed (the arrays point into it).
class ConnInfo {
 public:
  explicit ConnInfo(const PgOptions &options);
  ConnInfo(const ConnInfo &) = delete;
  ConnInfo &operator=(const ConnInfo &) = delete;

  const char *const *keywords() const noexcept { return keyword_ptrs_.data(); }
  const char *const *values() const noexcept { return value_ptrs_.data(); }
  static constexpr int kExpandDbname = 1;

  // The value given for `keyword` (the last one), or nullptr.
  const char *value_of(std::string_view keyword) const noexcept;

 private:
  void add(std::string keyword, std::string value);

  std::vector<std::string> keywords_;
  std::vector<std::string> values_;
  std::vector<const char *> keyword_ptrs_;
  std::vector<const char *> value_ptrs_;
};

}  // namespace engram::postgres

#endif  // ENGRAM_PLUGINS_POSTGRES_PG_OPTIONS_H_
