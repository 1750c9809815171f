#include "redis_test_util.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>

#include "loopback_port.h"
#include "shell.h"

namespace redis_test {
namespace {

using engram_test::accepts_connections;
using engram_test::free_port;

// Starts `args` (argv[0] a full path), the program's log at `log`, and
// waits until it accepts connections on `port`; returns its pid.
pid_t spawn(std::vector<std::string> args, int port, const std::string& log) {
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw std::system_error(errno, std::generic_category(), "fork");
  if (pid == 0) {
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (!accepts_connections(port)) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) {
      throw std::runtime_error(args[0] + " exited at start; see " + log);
    }
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      throw std::runtime_error(args[0] + " did not accept connections within 20 s; see " + log);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return pid;
}

void stop(pid_t& pid) {
  if (pid <= 0) return;
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  pid = -1;
}

// The last line of redis-cli's output.
std::string last_line(const std::string& text) {
  const std::size_t newline = text.rfind('\n');
  return newline == std::string::npos ? text : text.substr(newline + 1);
}

// The entries of a SENTINEL listing (replicas, sentinels), each a flat
// list of field and value lines, "name" first.
std::vector<std::map<std::string, std::string>> listing(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::vector<std::map<std::string, std::string>> entries;
  for (std::size_t i = 0; i + 1 < lines.size(); i += 2) {
    if (lines[i] == "name") entries.emplace_back();
    if (!entries.empty()) entries.back()[lines[i]] = lines[i + 1];
  }
  return entries;
}

}  // namespace

int shared_port() {
  const char* text = std::getenv("ENGRAM_TEST_REDIS_PORT");
  if (text == nullptr || *text == '\0') {
    throw std::runtime_error(
        "ENGRAM_TEST_REDIS_PORT is not set: run the tests through tools/test.sh, which starts "
        "a redis-server on loopback");
  }
  return std::stoi(text);
}

std::string unique_prefix(std::string_view tag) {
  static std::atomic<int> counter{0};
  return std::string(tag) + ":" + std::to_string(::getpid()) + ":" + std::to_string(++counter) +
         ":";
}

std::string redis_config(int port, std::string_view prefix, std::string_view extra_options) {
  return std::string("version: 1\nlog: {level: error}\nbackends:\n  fast: {plugin: redis, host: ") +
         "127.0.0.1, port: " + std::to_string(port) + ", key_prefix: \"" + std::string(prefix) +
         "\"" + std::string(extra_options) + "}\nroles:\n  working_memory: fast\n";
}

engram::Storage open_redis(int port, std::string_view prefix, std::string_view extra_options) {
  return engram::Storage::from_yaml(redis_config(port, prefix, extra_options));
}

std::string sentinel_config(const std::vector<int>& sentinel_ports, std::string_view master_name,
                            std::string_view prefix, std::string_view extra_options) {
  std::string sentinels;
  for (const int port : sentinel_ports) {
    sentinels +=
        (sentinels.empty() ? "\"127.0.0.1:" : ", \"127.0.0.1:") + std::to_string(port) + "\"";
  }
  return std::string("version: 1\nlog: {level: error}\nbackends:\n  fast: {plugin: redis, ") +
         "sentinels: [" + sentinels + "], master_name: \"" + std::string(master_name) +
         "\", key_prefix: \"" + std::string(prefix) + "\"" + std::string(extra_options) +
         "}\nroles:\n  working_memory: fast\n";
}

void wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout,
                std::string_view what) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("waited " + std::to_string(timeout.count()) + " ms in vain for " +
                               std::string(what));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string cli(int port, const std::vector<std::string>& args, std::string_view auth) {
  std::string command = "redis-cli -h 127.0.0.1 -p " + std::to_string(port);
  if (!auth.empty()) command += " --no-auth-warning -a " + engram_test::shell_quote(auth);
  for (const std::string& arg : args) command += " " + engram_test::shell_quote(arg);
  int status = 0;
  std::string output = engram_test::capture(command + " 2>&1", &status);
  if (status != 0) throw std::runtime_error(command + " failed: " + output);
  return output;
}

OwnServer::OwnServer(std::vector<std::string> extra_args)
    : dir_("engram-redis-server"), extra_args_(std::move(extra_args)), port_(free_port()) {
  start();
}

OwnServer::~OwnServer() {
  if (pid_ > 0) {
    ::kill(pid_, SIGCONT);
    kill();
  }
}

void OwnServer::start() {
  std::vector<std::string> args{"/usr/bin/redis-server", "--bind", "127.0.0.1", "--port",
                                std::to_string(port_), "--save", "", "--appendonly", "no", "--dir",
                                dir_.path().string(), "--logfile",
                                (dir_.path() / "redis.log").string(),
                                // A replica syncs at once, not after 5 s.
                                "--repl-diskless-sync-delay", "0"};
  args.insert(args.end(), extra_args_.begin(), extra_args_.end());
  pid_ = spawn(std::move(args), port_, (dir_.path() / "redis.log").string());
}

void OwnServer::kill() { stop(pid_); }

void OwnServer::freeze() {
  if (pid_ > 0) ::kill(pid_, SIGSTOP);
}

void OwnServer::thaw() {
  if (pid_ > 0) ::kill(pid_, SIGCONT);
}

}  // namespace redis_test

namespace redis_test {

OwnReplica::OwnReplica(int master_port, std::vector<std::string> extra_args)
    : OwnServer([&] {
        std::vector<std::string> args{"--replicaof", "127.0.0.1", std::to_string(master_port)};
        args.insert(args.end(), extra_args.begin(), extra_args.end());
        return args;
      }()) {
  // Synced, and online at the master: it streams writes to the replica and
  // counts its acknowledgements (WAIT) only from then.
  const std::string online = "port=" + std::to_string(port()) + ",state=online";
  wait_until(
      [&] {
        return cli(port(), {"INFO", "replication"}).find("master_link_status:up") !=
                   std::string::npos &&
               cli(master_port, {"INFO", "replication"}).find(online) != std::string::npos;
      },
      std::chrono::seconds(20), "a replica to be synced and online at its master");
}

bool has_role(int port, std::string_view role) {
  const std::string reply = cli(port, {"ROLE"});
  return reply.substr(0, reply.find('\n')) == role;
}

OwnSentinel::OwnSentinel(const SentinelSetup& setup)
    : dir_("engram-redis-sentinel"), setup_(setup), port_(free_port()) {
  const std::string& name = setup.master_name;
  const std::filesystem::path conf = dir_.path() / "sentinel.conf";
  const std::string log = (dir_.path() / "sentinel.log").string();
  {
    std::ofstream out(conf);
    out << "port " << port_ << "\nbind 127.0.0.1\ndir " << dir_.path().string() << "\nlogfile "
        << log << "\nsentinel monitor " << name << " 127.0.0.1 " << setup.master_port << " "
        << setup.quorum << "\nsentinel down-after-milliseconds " << name << " "
        << setup.down_after_ms << "\nsentinel failover-timeout " << name << " "
        << setup.failover_timeout_ms << "\n";
    if (!setup.password.empty()) {
      out << "requirepass " << setup.password << "\nsentinel sentinel-pass " << setup.password
          << "\n";
    }
    if (!out) throw std::runtime_error("cannot write " + conf.string());
  }
  pid_ = spawn({"/usr/bin/redis-server", conf.string(), "--sentinel"}, port_, log);
}

OwnSentinel::~OwnSentinel() { stop(pid_); }

std::string OwnSentinel::cli(const std::vector<std::string>& args) const {
  return redis_test::cli(port_, args, setup_.password);
}

int OwnSentinel::master_port() const {
  return std::stoi(last_line(cli({"SENTINEL", "get-master-addr-by-name", setup_.master_name})));
}

int OwnSentinel::replicas_known() const {
  int known = 0;
  for (auto& replica : listing(cli({"SENTINEL", "replicas", setup_.master_name}))) {
    // Answering it, and it its master: a replica the sentinel may promote.
    if (replica["flags"] == "slave" && replica["master-link-status"] == "ok" &&
        !replica["runid"].empty()) {
      ++known;
    }
  }
  return known;
}

int OwnSentinel::sentinels_known() const {
  return static_cast<int>(listing(cli({"SENTINEL", "sentinels", setup_.master_name})).size());
}

}  // namespace redis_test
