// Helpers for the redis plugin's tests: the shared test server
// (ENGRAM_TEST_REDIS_PORT, started by tools/test.sh), servers of a test's
// own (to kill, stop or protect with a password without disturbing other
// tests), engram configs, and redis-cli as the independent client.
#ifndef ENGRAM_TESTS_REDIS_TEST_UTIL_H_
#define ENGRAM_TESTS_REDIS_TEST_UTIL_H_

#include <sys/types.h>

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
engram::Storage open_redis(int port, std::string_view prefix,
                           std::string_view extra_options = {});

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

}  // namespace redis_test

#endif  // ENGRAM_TESTS_REDIS_TEST_UTIL_H_
