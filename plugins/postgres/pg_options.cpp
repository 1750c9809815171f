// plugins/postgres/pg_options.cpp — see pg_options.h.
#include "pg_options.h"

#include <libpq-fe.h>

#include <cmath>
#include <memory>
#include <utility>

#include "engram/errors.h"
#include "pg_errors.h"

namespace engram::postgres {
namespace {

// The server keeps timeouts as an int of milliseconds.
constexpr double kMaxStatementTimeoutSeconds = 2147483.647;

// The fields a parsed dsn gives for naming the server and masking it.
struct DsnParts {
  std::string host;
  std::string port;
  std::string dbname;
  std::string password;
};

// What `dsn` names, from libpq's own parser (no connection is made).
// Throws ConfigError, redacted, when libpq cannot parse it.
DsnParts parse_dsn(const std::string &dsn, const std::vector<std::string> &secrets) {
  DsnParts parts;
  if (dsn.empty()) return parts;
  // libpq expands dbname only when it holds '=' or starts with a URI
  // scheme; anything else is a plain database name.
  if (dsn.find('=') == std::string::npos && dsn.rfind("postgresql://", 0) != 0 &&
      dsn.rfind("postgres://", 0) != 0) {
    parts.dbname = dsn;
    return parts;
  }
  char *error = nullptr;
  const std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
      PQconninfoParse(dsn.c_str(), &error), &PQconninfoFree);
  if (!options) {
    // libpq may echo all or part of the dsn: the whole of it is a secret.
    std::vector<std::string> masked = secrets;
    masked.push_back(dsn);
    const std::string why = error != nullptr ? error : "out of memory";
    PQfreemem(error);
    std::string line = redacted(why, masked);
    if (const auto end = line.find('\n'); end != std::string::npos) line.erase(end);
    throw ConfigError("option 'dsn' is not a libpq connection string or URI: " + line);
  }
  for (const PQconninfoOption *option = options.get(); option->keyword != nullptr; ++option) {
    if (option->val == nullptr) continue;
    const std::string_view keyword = option->keyword;
    if (keyword == "host" || (keyword == "hostaddr" && parts.host.empty())) {
      parts.host = option->val;
    } else if (keyword == "port") {
      parts.port = option->val;
    } else if (keyword == "dbname") {
      parts.dbname = option->val;
    } else if (keyword == "password") {
      parts.password = option->val;
    }
  }
  return parts;
}

}  // namespace

const OptionTable<PgOptions> &option_table() {
  static const auto kOptions =
      OptionTable<PgOptions>()
          .add("dsn", &PgOptions::dsn,
               "libpq connection string or postgresql:// URI; what it names "
               "wins over host, "
               "port, dbname, user, password and sslmode; empty to use those",
               OptionType::kSecret)
          .add("host", &PgOptions::host, "server host name, address or Unix socket folder")
          .add("port", &PgOptions::port, "server TCP port", in_range(1, 65535))
          .add("dbname", &PgOptions::dbname, "database name; empty for libpq's default (the user)")
          .add("user", &PgOptions::user, "role to log in as; empty for libpq's default")
          .add("password", &PgOptions::password, "the role's password; empty for none or ~/.pgpass",
               OptionType::kSecret)
          .add("sslmode", &PgOptions::sslmode, "libpq sslmode",
               one_of({"disable", "allow", "prefer", "require", "verify-ca", "verify-full"}))
          .add("schema", &PgOptions::schema,
               "schema holding engram's tables (created if absent): letters, "
               "digits and '_', "
               "not starting with a digit, at most 63 bytes",
               non_empty())
          .add("pool_size", &PgOptions::pool_size,
               "connections kept open; calls beyond wait for one", in_range(1, 64))
          .add("connect_timeout", &PgOptions::connect_timeout,
               "whole seconds a connect may take before ConnectionError", in_range(1, 2147483647))
          .add("statement_timeout", &PgOptions::statement_timeout,
               "seconds one statement may run before the server cancels it "
               "(ConnectionError)",
               in_range(0.001, kMaxStatementTimeoutSeconds))
          .add("max_record_bytes", &PgOptions::max_record_bytes,
               "largest record a read may allocate (never more than the "
               "machine's memory); "
               "larger is CorruptData before it is allocated",
               at_least(1))
          .add("recall_cache_bytes", &PgOptions::recall_cache_bytes,
               "bytes of embeddings recall keeps in memory (4 per float plus norm, id and "
               "filter columns per row); past it a recall streams the table; 0 never caches",
               at_least(0))
          .live();
  return kOptions;
}

bool is_sql_identifier(std::string_view name) noexcept {
  if (name.empty() || name.size() > 63) return false;
  if (name[0] >= '0' && name[0] <= '9') return false;
  for (const char c : name) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

Settings settings_of(const Json &json) {
  Settings s;
  s.options = option_table().bind(json);
  const PgOptions &o = s.options;
  if (!is_sql_identifier(o.schema)) {
    throw ConfigError(
        "option 'schema' must be letters, digits and '_', not starting with a "
        "digit, at most 63 bytes; got \"" +
        o.schema + "\"");
  }
  if (!o.password.empty()) s.secrets.push_back(o.password);
  const DsnParts dsn = parse_dsn(o.dsn, s.secrets);
  if (!dsn.password.empty() && dsn.password != o.password) s.secrets.push_back(dsn.password);
  // What libpq will use: the dsn's value where it has one (it is expanded
  // last), else the option.
  const std::string host = dsn.host.empty() ? o.host : dsn.host;
  const std::string port = dsn.port.empty() ? std::to_string(o.port) : dsn.port;
  const std::string dbname = dsn.dbname.empty() && o.dsn.empty() ? o.dbname : dsn.dbname;
  s.server = host + ":" + port + (dbname.empty() ? "" : "/" + dbname);
  s.statement_timeout_ms = static_cast<std::int64_t>(std::llround(o.statement_timeout * 1000.0));
  if (s.statement_timeout_ms < 1) s.statement_timeout_ms = 1;
  s.record_limit = effective_record_limit(o.max_record_bytes);
  return s;
}

ConnInfo::ConnInfo(const PgOptions &options) {
  add("host", options.host);
  add("port", std::to_string(options.port));
  add("user", options.user);
  add("password", options.password);
  add("sslmode", options.sslmode);
  add("connect_timeout", std::to_string(options.connect_timeout));
  add("application_name", "engram");
  // A server that vanishes without closing the connection (a host gone, a
  // network cut) is noticed: TCP keepalives on an idle or waiting
  // connection, and a bound on how long sent data may go unacknowledged.
  add("keepalives", "1");
  add("keepalives_idle", "10");
  add("keepalives_interval", "5");
  add("keepalives_count", "3");
  add("tcp_user_timeout", std::to_string(std::int64_t{30'000} + options.connect_timeout * 1000));
  // Last, and the only dbname: with expand_dbname the first dbname is
  // expanded when it is a conninfo or URI, and what it names overrides the
  // entries before it.
  add("dbname", options.dsn.empty() ? options.dbname : options.dsn);
  for (std::size_t i = 0; i < keywords_.size(); ++i) {
    keyword_ptrs_.push_back(keywords_[i].c_str());
    value_ptrs_.push_back(values_[i].c_str());
  }
  keyword_ptrs_.push_back(nullptr);
  value_ptrs_.push_back(nullptr);
}

void ConnInfo::add(std::string keyword, std::string value) {
  // An empty value would be skipped by libpq anyway; leaving it out keeps
  // the arrays what they say.
  if (value.empty()) return;
  keywords_.push_back(std::move(keyword));
  values_.push_back(std::move(value));
}

const char *ConnInfo::value_of(std::string_view keyword) const noexcept {
  for (std::size_t i = keywords_.size(); i-- > 0;) {
    if (keywords_[i] == keyword) return values_[i].c_str();
  }
  return nullptr;
}

}  // namespace engram::postgres
