// Helpers for the postgres plugin's tests: the shared test server
// (ENGRAM_TEST_PG_DSN, started by tools/test.sh), a schema of each test's
// own on it, engram configs, psql as the independent client, and servers
// of a test's own (to stop and restart without disturbing other tests).
#ifndef ENGRAM_TESTS_PG_TEST_UTIL_H_
#define ENGRAM_TESTS_PG_TEST_UTIL_H_

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engram/storage.h"

namespace pg_test {

// The shared server's libpq connection string; the test fails (not skips)
// without it.
std::string shared_dsn();

// A schema name no other test or run uses: "t_<pid>_<counter>_<random>",
// lower case (psql folds unquoted names), at most 63 bytes.
std::string unique_schema();

// `dsn` (simple "key=value ..." form) with `key` set to `value`: replaced
// where the dsn has it, appended where not; an empty `value` removes it.
std::string dsn_with(std::string_view dsn, std::string_view key, std::string_view value);

// The value of `key` in `dsn` (simple form), or "" when it has none.
std::string dsn_value(std::string_view dsn, std::string_view key);
inline std::string dsn_port(std::string_view dsn) { return dsn_value(dsn, "port"); }

// Config text for one postgres backend "pg" serving episodes and concepts
// in `schema`; `extra_options` is appended inside the backend's flow map,
// e.g. ", pool_size: 2".
std::string pg_config(std::string_view dsn, std::string_view schema,
                      std::string_view extra_options = {});
engram::Storage open_pg(std::string_view dsn, std::string_view schema,
                        std::string_view extra_options = {});

// The folder of the newest PostgreSQL's programs (/usr/lib/postgresql/N/bin).
std::filesystem::path pg_bin();

// psql against `dsn` running `sql` unaligned, tuples only: its output
// without the trailing newline (columns split by '|'). Throws
// std::runtime_error, with psql's output, when psql fails.
std::string psql(std::string_view dsn, std::string_view sql);
std::int64_t psql_int(std::string_view dsn, std::string_view sql);

// A fresh schema name on a server, dropped (CASCADE) when the test ends.
// Declare it before the Storage that uses it.
class ScopedSchema {
 public:
  explicit ScopedSchema(std::string dsn) : dsn_(std::move(dsn)), name_(unique_schema()) {}
  ~ScopedSchema();
  ScopedSchema(const ScopedSchema&) = delete;
  ScopedSchema& operator=(const ScopedSchema&) = delete;

  const std::string& name() const noexcept { return name_; }
  const std::string& dsn() const noexcept { return dsn_; }
  // "<name>.<table>", for psql.
  std::string table(std::string_view table) const { return name_ + "." + std::string(table); }

 private:
  std::string dsn_;
  std::string name_;
};

// A PostgreSQL server of the test's own on a free loopback port, its data
// in a folder of its own under /tmp (tools/pg-test-server.sh; run as root,
// the server runs as the `postgres` user). The destructor stops it and
// removes the folder.
class OwnPgServer {
 public:
  // initdb, start, and the `engram` user and database (a few seconds).
  OwnPgServer();
  ~OwnPgServer();
  OwnPgServer(const OwnPgServer&) = delete;
  OwnPgServer& operator=(const OwnPgServer&) = delete;

  int port() const noexcept { return port_; }
  // "host=127.0.0.1 port=P dbname=engram user=engram password=engram".
  const std::string& dsn() const noexcept { return dsn_; }

  // pg_ctl stop -m immediate: the server's processes quit at once, no
  // checkpoint, every connection dropped — what a crash looks like to
  // clients. Waits until the port is closed.
  void stop();
  // Starts it again on the same port with the same data; waits until it
  // accepts connections.
  void restart();
  // SIGSTOP / SIGCONT to the server and every process of it: a server that
  // answers nothing (its statement_timeout does not run either), while the
  // kernel still accepts its connections — a hung host, seen from a client.
  void freeze();
  void thaw();

 private:
  std::string as_server(const std::string& command) const;
  // The postmaster's pid (data/postmaster.pid) and its children's.
  std::vector<int> server_pids() const;

  std::filesystem::path dir_;
  int port_ = 0;
  std::string dsn_;
  bool frozen_ = false;
};

}  // namespace pg_test

#endif  // ENGRAM_TESTS_PG_TEST_UTIL_H_
