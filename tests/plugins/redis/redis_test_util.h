// Helpers for the redis plugin's tests: the shared test server
// (ENGRAM_TEST_REDIS_PORT, started by tools/test.sh), servers of a test's
// own (to kill, stop or protect with a password without disturbing other
// tests; replicas of them; sentinels watching them), engram configs, and
// redis-cli as the independent client.
#ifndef ENGRAM_TESTS_REDIS_TEST_UTIL_H_
#define ENGRAM_TESTS_REDIS_TEST_UTIL_H_

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "engram/storage.h"
#include "temp_dir.h"

namespace redis_test {

// The shared server's port; the test fails (not skips) without it.
int shared_port();

// A key prefix no other test or run uses: "<tag>:<pid>:<counter>:".
std::string unique_prefix(std::string_view tag);

// Config text for one redis backend "fast" serving working_memory on
// 127.0.0.1:`port` under `prefix`; `extra_options` is appended inside the
// backend's flow map, e.g. ", compression: zstd".
std::string redis_config(int port, std::string_view prefix, std::string_view extra_options = {});
engram::Storage open_redis(int port, std::string_view prefix, std::string_view extra_options = {});

// Config text for one redis backend "fast" serving working_memory on the
// master the sentinels on 127.0.0.1:`sentinel_ports` (in order) name
// `master_name`, under `prefix`; `extra_options` as for redis_config.
std::string sentinel_config(const std::vector<int>& sentinel_ports, std::string_view master_name,
                            std::string_view prefix, std::string_view extra_options = {});

// Calls `done` every 20 ms until it returns true; throws std::runtime_error
// naming `what` if it has not within `timeout`.
void wait_until(const std::function<bool()>& done, std::chrono::milliseconds timeout,
                std::string_view what);

// redis-cli against 127.0.0.1:`port` with `args` (each shell-quoted);
// returns its output without the trailing newline. `auth` is passed as -a.
std::string cli(int port, const std::vector<std::string>& args, std::string_view auth = {});

// A redis-server of the test's own on a free loopback port, persisting
// nothing. The destructor kills it.
class OwnServer {
 public:
  // Starts it with `extra_args` (e.g. {"--requirepass", "secret"}) and waits
  // until it accepts connections.
  explicit OwnServer(std::vector<std::string> extra_args = {});
  ~OwnServer();
  OwnServer(const OwnServer&) = delete;
  OwnServer& operator=(const OwnServer&) = delete;

  int port() const noexcept { return port_; }
  // SIGKILL, and waits for it to die: what a crashed server looks like.
  void kill();
  // SIGSTOP / SIGCONT: a server that accepts nothing and answers nothing.
  void freeze();
  void thaw();
  // Starts it again on the same port with the same arguments.
  void start();

 private:
  engram_test::TempDir dir_;
  std::vector<std::string> extra_args_;
  int port_ = 0;
  pid_t pid_ = -1;
};

// A replica of the server on 127.0.0.1:`master_port`, of the test's own;
// returns once it is synced and its master reports it online.
class OwnReplica : public OwnServer {
 public:
  explicit OwnReplica(int master_port, std::vector<std::string> extra_args = {});
};

// Whether the server on `port` reports ROLE `role` ("master", "slave").
bool has_role(int port, std::string_view role);

// What a sentinel watches and how quickly it acts.
struct SentinelSetup {
  std::string master_name = "engram-test";
  int master_port = 0;
  // Sentinels that must agree the master is down before one fails it over.
  int quorum = 1;
  // Silence after which a sentinel thinks the master down.
  int down_after_ms = 1000;
  int failover_timeout_ms = 3000;
  // The sentinel's own requirepass, and what it gives other sentinels.
  std::string password;
};

// A Redis Sentinel (redis-server --sentinel) of the test's own on a free
// loopback port, its config file in a folder of its own (a sentinel
// rewrites it). The destructor kills it.
class OwnSentinel {
 public:
  // Starts it and waits until it answers.
  explicit OwnSentinel(const SentinelSetup& setup);
  ~OwnSentinel();
  OwnSentinel(const OwnSentinel&) = delete;
  OwnSentinel& operator=(const OwnSentinel&) = delete;

  int port() const noexcept { return port_; }
  // The master's port as this sentinel names it now.
  int master_port() const;
  // How many replicas of the master it knows and could promote (it hears
  // from them, they from the master), and how many other sentinels.
  int replicas_known() const;
  int sentinels_known() const;
  // redis-cli against it (with its password).
  std::string cli(const std::vector<std::string>& args) const;

 private:
  engram_test::TempDir dir_;
  SentinelSetup setup_;
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace redis_test

#endif  // ENGRAM_TESTS_REDIS_TEST_UTIL_H_
