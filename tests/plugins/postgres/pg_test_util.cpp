#include "pg_test_util.h"

#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <vector>

#include "loopback_port.h"
#include "shell.h"

#ifndef ENGRAM_SOURCE_DIR
#error "ENGRAM_SOURCE_DIR must name the source tree (tools/pg-test-server.sh)"
#endif

namespace pg_test {
namespace {

namespace fs = std::filesystem;
using engram_test::accepts_connections;
using engram_test::capture;
using engram_test::free_port;
using engram_test::shell_quote;

// Runs `command` through the shell; throws with its output on failure.
std::string checked(const std::string& command) {
  int status = 0;
  std::string output = capture(command + " 2>&1", &status);
  if (status != 0) {
    throw std::runtime_error(command + " failed (exit " + std::to_string(status) + "): " + output);
  }
  return output;
}

}  // namespace

std::string shared_dsn() {
  const char* text = std::getenv("ENGRAM_TEST_PG_DSN");
  if (text == nullptr || *text == '\0') {
    throw std::runtime_error(
        "ENGRAM_TEST_PG_DSN is not set: run the tests through tools/test.sh, which starts a "
        "PostgreSQL server on loopback (or start one with tools/pg-test-server.sh start <port> "
        "<dir> and export the connection string it prints)");
  }
  return text;
}

std::string unique_schema() {
  static std::atomic<int> counter{0};
  static const std::uint32_t random = [] {
    std::random_device entropy;
    return entropy();
  }();
  std::ostringstream name;
  name << "t_" << ::getpid() << "_" << ++counter << "_" << std::hex << random;
  return name.str();  // at most 2 + 10 + 1 + 10 + 1 + 8 = 32 bytes
}

std::string dsn_with(std::string_view dsn, std::string_view key, std::string_view value) {
  std::istringstream words{std::string(dsn)};
  std::string word;
  std::string out;
  bool replaced = false;
  const std::string prefix = std::string(key) + "=";
  while (words >> word) {
    if (word.rfind(prefix, 0) == 0) {
      replaced = true;
      if (value.empty()) continue;
      word = prefix + std::string(value);
    }
    out += (out.empty() ? "" : " ") + word;
  }
  if (!replaced && !value.empty()) out += " " + prefix + std::string(value);
  return out;
}

std::string dsn_value(std::string_view dsn, std::string_view key) {
  std::istringstream words{std::string(dsn)};
  std::string word;
  const std::string prefix = std::string(key) + "=";
  while (words >> word) {
    if (word.rfind(prefix, 0) == 0) return word.substr(prefix.size());
  }
  return {};
}

std::string pg_config(std::string_view dsn, std::string_view schema,
                      std::string_view extra_options) {
  return "version: 1\nlog: {level: error}\nbackends:\n  pg: {plugin: postgres, dsn: \"" +
         std::string(dsn) + "\", schema: " + std::string(schema) + std::string(extra_options) +
         "}\nroles: {episodes: pg, concepts: pg}\n";
}

engram::Storage open_pg(std::string_view dsn, std::string_view schema,
                        std::string_view extra_options) {
  return engram::Storage::from_yaml(pg_config(dsn, schema, extra_options));
}

fs::path pg_bin() {
  static const fs::path bin = [] {
    fs::path best;
    int best_version = -1;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", error)) {
      const std::string name = entry.path().filename().string();
      char* end = nullptr;
      const long version = std::strtol(name.c_str(), &end, 10);
      if (end == name.c_str() || *end != '\0') continue;
      if (fs::exists(entry.path() / "bin" / "psql") && version > best_version) {
        best_version = static_cast<int>(version);
        best = entry.path() / "bin";
      }
    }
    if (best.empty()) {
      throw std::runtime_error(
          "no PostgreSQL under /usr/lib/postgresql (apt-get install "
          "postgresql-15)");
    }
    return best;
  }();
  return bin;
}

std::string psql(std::string_view dsn, std::string_view sql) {
  return checked((pg_bin() / "psql").string() + " -X -A -t -q -v ON_ERROR_STOP=1 -d " +
                 shell_quote(dsn) + " -c " + shell_quote(sql));
}

std::int64_t psql_int(std::string_view dsn, std::string_view sql) {
  const std::string text = psql(dsn, sql);
  try {
    return std::stoll(text);
  } catch (const std::exception&) {
    throw std::runtime_error("psql: not an integer from " + std::string(sql) + ": " + text);
  }
}

ScopedSchema::~ScopedSchema() {
  try {
    psql(dsn_, "DROP SCHEMA IF EXISTS " + name_ + " CASCADE");
  } catch (const std::exception&) {
    // The server may be gone (a test's own, stopped); nothing to drop then.
  }
}

OwnPgServer::OwnPgServer() : port_(free_port()) {
  std::string dir = "/tmp/engram-pg-server-XXXXXX";
  if (::mkdtemp(dir.data()) == nullptr) {
    throw std::system_error(errno, std::generic_category(), "mkdtemp");
  }
  dir_ = dir;
  try {
    dsn_ = checked(shell_quote(ENGRAM_SOURCE_DIR "/tools/pg-test-server.sh") + " start " +
                   std::to_string(port_) + " " + shell_quote(dir_.string()));
    // The script prints the connection string last.
    if (const auto end = dsn_.rfind('\n'); end != std::string::npos) dsn_.erase(0, end + 1);
  } catch (...) {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
    throw;
  }
}

OwnPgServer::~OwnPgServer() {
  if (frozen_) {
    try {
      thaw();
    } catch (const std::exception&) {
      // pg-test-server.sh stop below ends it whatever its state.
    }
  }
  // Immediate: its data is thrown away, so no checkpoint is worth waiting
  // for. The script's stop then finds it stopped and removes the data.
  engram_test::run(as_server((pg_bin() / "pg_ctl").string() + " -D " +
                             shell_quote((dir_ / "data").string()) +
                             " -m immediate -w -t 30 stop") +
                   " >/dev/null 2>&1");
  engram_test::run(shell_quote(ENGRAM_SOURCE_DIR "/tools/pg-test-server.sh") + " stop " +
                   shell_quote(dir_.string()) + " >/dev/null 2>&1");
  std::error_code ignored;
  fs::remove_all(dir_, ignored);
}

std::string OwnPgServer::as_server(const std::string& command) const {
  if (::geteuid() != 0) return command;
  // As the script runs it: the package's postgres user, else nobody.
  const char* user = ::getpwnam("postgres") != nullptr ? "postgres" : "nobody";
  return std::string("runuser -u ") + user + " -- " + command;
}

void OwnPgServer::stop() {
  checked(as_server((pg_bin() / "pg_ctl").string() + " -D " +
                    shell_quote((dir_ / "data").string()) + " -m immediate -w -t 30 stop"));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (accepts_connections(port_)) {
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("the server on port " + std::to_string(port_) +
                               " still accepts connections after pg_ctl stop");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void OwnPgServer::restart() {
  const std::string options = "-c listen_addresses=127.0.0.1 -p " + std::to_string(port_) + " -k " +
                              dir_.string() + " -c fsync=on";
  checked(as_server((pg_bin() / "pg_ctl").string() + " -D " +
                    shell_quote((dir_ / "data").string()) + " -l " +
                    shell_quote((dir_ / "server.log").string()) + " -w -t 30 -o " +
                    shell_quote(options) + " start"));
  // pg_ctl -w waits until the server accepts connections; check the port.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!accepts_connections(port_)) {
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("the server on port " + std::to_string(port_) +
                               " did not come back within 30 s; see " +
                               (dir_ / "server.log").string());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::vector<int> OwnPgServer::server_pids() const {
  std::ifstream pid_file(dir_ / "data" / "postmaster.pid");
  int postmaster = 0;
  if (!(pid_file >> postmaster) || postmaster <= 0) {
    throw std::runtime_error("no server running in " + dir_.string());
  }
  std::vector<int> pids{postmaster};
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line)) continue;
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses.
    const auto close = line.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(line.substr(close + 1));
    std::string state;
    int parent = 0;
    if (rest >> state >> parent && parent == postmaster) pids.push_back(std::stoi(name));
  }
  return pids;
}

void OwnPgServer::freeze() {
  // The postmaster first, so it forks no new process meanwhile.
  for (const int pid : server_pids()) ::kill(pid, SIGSTOP);
  frozen_ = true;
}

void OwnPgServer::thaw() {
  for (const int pid : server_pids()) ::kill(pid, SIGCONT);
  frozen_ = false;
}

}  // namespace pg_test
