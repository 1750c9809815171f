// The redis plugin when the server misbehaves: dead at open, killed and
// restarted mid-run, frozen (accepting nothing, answering nothing), behind
// a password or an ACL. Each test starts a server of its own, so killing it
// disturbs no other test.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "engram/errors.h"
#include "engram/maintenance.h"
#include "engram/working_memory.h"
#include "redis_test_util.h"
#include "temp_dir.h"

namespace {

using engram::ArrayView;
using redis_test::cli;
using redis_test::open_redis;
using redis_test::OwnServer;
using Clock = std::chrono::steady_clock;

// Short timeouts, two attempts: a failing call gives up in about
// 2 × 0.5 s + 0.05 s. The bound the tests check is generous (10 s): what
// matters is that a call fails in bounded time instead of hanging.
constexpr const char* kQuick =
    ", connect_timeout: 0.5, command_timeout: 0.5, retry_attempts: 2, retry_delay: 0.05, "
    "max_connections: 4";
constexpr auto kBound = std::chrono::seconds(10);

const std::vector<float> kValues{1.0f, 2.0f, 3.0f};

std::vector<float> floats(const engram::Array& array) {
  const auto values = array.values<float>();
  return {values.begin(), values.end()};
}

// Runs `call`, which must throw ConnectionError within kBound.
void check_connection_error(const std::string& what, const std::function<void()>& call) {
  INFO(what);
  const auto start = Clock::now();
  CHECK_THROWS_AS(call(), engram::ConnectionError);
  CHECK(Clock::now() - start < kBound);
}

void check_every_call_fails(engram::Storage& storage) {
  auto wm = storage.working_memory();
  check_connection_error("store", [&] {
    wm->store_working_memory_pattern("during", ArrayView(kValues), 2.0);
  });
  check_connection_error("retrieve", [&] { (void)wm->retrieve_working_memory_pattern("p0"); });
  check_connection_error("cache", [&] { wm->cache_spike_train(2.0, ArrayView(kValues)); });
  check_connection_error("recent", [&] { (void)wm->get_recent_spike_trains(60.0); });
  check_connection_error("list", [&] { (void)wm->list_attention_weights(); });
  check_connection_error("stats", [&] { (void)storage.maintenance("fast")->stats(); });
  // Several threads at once, more than the pool holds: none hangs.
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      try {
        wm->store_attention_weights("t" + std::to_string(t), ArrayView(kValues), 2.0);
      } catch (const engram::ConnectionError&) {
        ++failed;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(failed == 6);
  CHECK(Clock::now() - start < 2 * kBound);
}

// Stores after the outage, then reads every one back, without reopening.
void check_recovered(engram::Storage& storage) {
  auto wm = storage.working_memory();
  for (int i = 0; i < 20; ++i) {
    const std::vector<float> values{static_cast<float>(i), 0.5f};
    wm->store_working_memory_pattern("after" + std::to_string(i), ArrayView(values), i);
  }
  for (int i = 0; i < 20; ++i) {
    const auto back = wm->retrieve_working_memory_pattern("after" + std::to_string(i));
    REQUIRE(back.has_value());
    CHECK(floats(back->pattern) == std::vector<float>{static_cast<float>(i), 0.5f});
  }
  wm->cache_spike_train(3.0, ArrayView(kValues));
  CHECK(wm->retrieve_spike_train(3.0).has_value());
}

}  // namespace

TEST_CASE("redis: a server that is not there is a ConnectionError at open, in bounded time",
          "[redis][resilience]") {
  OwnServer server;
  const int port = server.port();
  server.kill();
  const auto start = Clock::now();
  CHECK_THROWS_AS(open_redis(port, "engram:", kQuick), engram::ConnectionError);
  CHECK(Clock::now() - start < kBound);
}

TEST_CASE("redis: killed and restarted mid-run, calls fail fast, then recover without reopening",
          "[redis][resilience]") {
  OwnServer server;
  auto storage = open_redis(server.port(), "engram:", kQuick);
  auto wm = storage.working_memory();
  for (int i = 0; i < 5; ++i) {
    wm->store_working_memory_pattern("p" + std::to_string(i), ArrayView(kValues), i);
  }
  server.kill();
  check_every_call_fails(storage);
  server.start();
  check_recovered(storage);
}

TEST_CASE("redis: a frozen server times calls out, and answers correctly once thawed",
          "[redis][resilience]") {
  OwnServer server;
  auto storage = open_redis(server.port(), "engram:", kQuick);
  auto wm = storage.working_memory();
  wm->store_working_memory_pattern("p0", ArrayView(kValues), 1.0);
  server.freeze();
  check_every_call_fails(storage);
  server.thaw();
  // Replies the frozen server owed must not be read as answers to later
  // calls: every value read back is the one stored under its name.
  check_recovered(storage);
  const auto first = wm->retrieve_working_memory_pattern("p0");
  REQUIRE(first.has_value());
  CHECK(floats(first->pattern) == kValues);
}

TEST_CASE("redis: a wrong or missing password is AccessDenied at open, and never printed",
          "[redis][resilience][auth]") {
  OwnServer server({"--requirepass", "right-secret"});
  try {
    open_redis(server.port(), "engram:", std::string(kQuick) + ", password: wrong-secret");
    FAIL("opened with a wrong password");
  } catch (const engram::AccessDenied& e) {
    CHECK_THAT(e.what(), !Catch::Contains("wrong-secret"));
  }
  CHECK_THROWS_AS(open_redis(server.port(), "engram:", kQuick), engram::AccessDenied);
  auto storage =
      open_redis(server.port(), "engram:", std::string(kQuick) + ", password: right-secret");
  storage.working_memory()->store_working_memory_pattern("p", ArrayView(kValues), 1.0);
  CHECK(cli(server.port(), {"HGET", "engram:wm:p", "timestamp"}, "right-secret") == "1");
  // The password is used again when the plugin reconnects by itself.
  cli(server.port(), {"CLIENT", "KILL", "TYPE", "normal"}, "right-secret");
  CHECK(storage.working_memory()->retrieve_working_memory_pattern("p").has_value());
}

TEST_CASE("redis: ACL users: a wrong user is AccessDenied at open, a refused key at the call",
          "[redis][resilience][auth]") {
  OwnServer server;
  cli(server.port(), {"ACL", "SETUSER", "limited", "on", ">limited-pw", "~elsewhere:*", "+@all"});
  cli(server.port(), {"ACL", "SETUSER", "writer", "on", ">writer-pw", "~engram:*", "+@all"});
  CHECK_THROWS_AS(open_redis(server.port(), "engram:",
                             std::string(kQuick) + ", username: nobody, password: x"),
                  engram::AccessDenied);
  auto limited = open_redis(server.port(), "engram:",
                            std::string(kQuick) + ", username: limited, password: limited-pw");
  CHECK_THROWS_AS(
      limited.working_memory()->store_working_memory_pattern("p", ArrayView(kValues), 1.0),
      engram::AccessDenied);
  auto writer = open_redis(server.port(), "engram:",
                           std::string(kQuick) + ", username: writer, password: writer-pw");
  writer.working_memory()->store_working_memory_pattern("p", ArrayView(kValues), 1.0);
  CHECK(writer.working_memory()->retrieve_working_memory_pattern("p").has_value());
}

TEST_CASE("redis: a unix socket and a database number reach the server and db they name",
          "[redis][connection]") {
  engram_test::TempDir dir("engram-redis-socket");
  const std::string socket = (dir.path() / "redis.sock").string();
  OwnServer server({"--unixsocket", socket, "--unixsocketperm", "700"});
  auto storage = redis_test::open_redis(
      server.port(), "engram:", std::string(kQuick) + ", unix_socket: \"" + socket + "\", db: 3");
  storage.working_memory()->store_working_memory_pattern("p", ArrayView(kValues), 4.0);
  CHECK(cli(server.port(), {"-n", "3", "HGET", "engram:wm:p", "timestamp"}) == "4");
  CHECK(cli(server.port(), {"EXISTS", "engram:wm:p"}) == "0");  // not in db 0
  CHECK(cli(server.port(), {"-n", "3", "CLIENT", "LIST"}).find("addr=/") != std::string::npos);
}

TEST_CASE("redis: a store larger than the socket buffers times out sending to a frozen server",
          "[redis][resilience]") {
  OwnServer server;
  // A second per round trip, time enough for the store once thawed.
  auto storage = open_redis(server.port(), "engram:",
                            ", connect_timeout: 0.5, command_timeout: 1.0, retry_attempts: 2, "
                            "retry_delay: 0.05, compression: none");
  auto wm = storage.working_memory();
  // 16 MiB: far more than a frozen peer's socket buffers take.
  const std::vector<float> big(std::size_t{4} << 20, 0.25f);
  server.freeze();
  const auto start = Clock::now();
  CHECK_THROWS_WITH(wm->store_working_memory_pattern("big", ArrayView(big), 1.0),
                    Catch::Contains("sending MULTI") && Catch::Contains("command_timeout"));
  CHECK(Clock::now() - start < kBound);
  server.thaw();
  wm->store_working_memory_pattern("big", ArrayView(big), 2.0);
  const auto back = wm->retrieve_working_memory_pattern("big");
  REQUIRE(back.has_value());
  CHECK(back->timestamp == 2.0);
  CHECK(floats(back->pattern) == big);
}
