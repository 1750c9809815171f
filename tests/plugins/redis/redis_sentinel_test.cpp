// The redis plugin with Redis Sentinel and replicas: options that do not
// hold together, finding the master through the sentinels (dead ones
// skipped, a stale one passed over, unknown names and wrong passwords
// refused, a replica never written to), stores that wait for replicas
// (min_replicas_acked), READONLY from a demoted master, a graceful
// failover, and a master killed mid-run while two writers keep storing.
// Every server and sentinel is the test's own, on loopback; the new cases
// take about 11 s in all.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "engram/errors.h"
#include "engram/storage.h"
#include "engram/working_memory.h"
#include "redis_test_util.h"

namespace {

using engram::ArrayView;
using redis_test::cli;
using redis_test::OwnReplica;
using redis_test::OwnSentinel;
using redis_test::OwnServer;
using redis_test::sentinel_config;
using redis_test::SentinelSetup;
using Clock = std::chrono::steady_clock;
using Seconds = std::chrono::duration<double>;

const std::vector<float> kValues{1.0f, 2.0f, 3.0f};

// Short timeouts, as the resilience tests' (one failing attempt gives up
// within about a second).
constexpr double kConnectTimeout = 0.5;
constexpr double kCommandTimeout = 0.5;
constexpr double kRetryDelay = 0.05;

std::string quick(int retry_attempts) {
  return ", connect_timeout: 0.5, command_timeout: 0.5, retry_delay: 0.05, retry_attempts: " +
         std::to_string(retry_attempts);
}

// What connection_pool.h promises a call of one round trip with S
// sentinels (0: none) takes at most, W the min_replicas_timeout of a store
// that waits for replicas:
//   attempts × (S × (connect_timeout + command_timeout)
//               + connect_timeout + 2 × command_timeout + W)
//     + retry_delay × (2^(attempts−1) − 1).
Seconds documented_bound(int attempts, int sentinels, double min_replicas_timeout = 0) {
  const double attempt = sentinels * (kConnectTimeout + kCommandTimeout) + kConnectTimeout +
                         2 * kCommandTimeout + min_replicas_timeout;
  return Seconds(attempts * attempt + kRetryDelay * ((1 << (attempts - 1)) - 1));
}

// Scheduling on a loaded machine, sanitizers: a failure must come within
// the bound, give or take this.
constexpr Seconds kMargin{3.0};

engram::Storage open_sentinel(const std::vector<int>& sentinels, std::string_view master_name,
                              std::string_view extra) {
  return engram::Storage::from_yaml(sentinel_config(sentinels, master_name, "engram:", extra));
}

// A port nothing listens on: a server started and killed.
int dead_port() {
  OwnServer server;
  const int port = server.port();
  server.kill();
  return port;
}

std::string what_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const std::exception& e) {
    return e.what();
  }
  return "(nothing thrown)";
}

std::vector<float> floats(const engram::Array& array) {
  const auto values = array.values<float>();
  return {values.begin(), values.end()};
}

}  // namespace

TEST_CASE("redis sentinel: a setup that does not hold together is a ConfigError naming the option",
          "[redis][sentinel]") {
  const auto open = [](const std::string& options) {
    return engram::Storage::from_yaml("version: 1\nbackends:\n  fast: {plugin: redis" + options +
                                      "}\nroles:\n  working_memory: fast\n");
  };
  const auto config_error = [&](const std::string& options) {
    INFO(options);
    std::string message;
    try {
      open(options);
    } catch (const engram::ConfigError& e) {
      message = e.what();
    }
    CHECK_FALSE(message.empty());
    return message;
  };
  CHECK_THAT(config_error(", sentinels: [\"127.0.0.1:26379\"]"),
             Catch::Contains("'master_name' is needed with 'sentinels'"));
  for (const char* entry : {"no-port", "127.0.0.1:0", "127.0.0.1:65536", ":26379", "h:26379x",
                            "::1:26379", "[::1]26379", ""}) {
    CHECK_THAT(config_error(std::string(", master_name: m, sentinels: [\"127.0.0.1:1\", \"") +
                            entry + "\"]"),
               Catch::Contains("option 'sentinels': entry 2, `" + std::string(entry) +
                               "`, is not host:port"));
  }
  const std::string sentinels = ", master_name: m, sentinels: [\"127.0.0.1:26379\"]";
  CHECK_THAT(config_error(sentinels + ", unix_socket: /tmp/redis.sock"),
             Catch::Contains("option 'unix_socket' cannot be given with 'sentinels'"));
  CHECK_THAT(config_error(sentinels + ", host: 10.0.0.1"),
             Catch::Contains("option 'host' cannot be given with 'sentinels'"));
  CHECK_THAT(config_error(sentinels + ", port: 7000"),
             Catch::Contains("option 'port' cannot be given with 'sentinels'"));
  CHECK_THAT(config_error(sentinels + ", min_replicas_acked: -1"),
             Catch::Contains("min_replicas_acked"));
  CHECK_THAT(config_error(sentinels + ", min_replicas_timeout: 0"),
             Catch::Contains("min_replicas_timeout"));
  CHECK_THAT(config_error(", master_name: m"),
             Catch::Contains("option 'master_name' is given without 'sentinels'"));
  CHECK_THAT(config_error(", sentinel_password: s"),
             Catch::Contains("option 'sentinel_password' is given without 'sentinels'"));
  // The password's value never shows, even in a config error.
  CHECK_THAT(config_error(", sentinel_password: [sentinel-secret]"),
             !Catch::Contains("sentinel-secret"));
}

TEST_CASE(
    "redis sentinel: the master the sentinels name takes the calls, dead sentinels are skipped, "
    "unknown names and non-sentinels refused at open",
    "[redis][sentinel]") {
  OwnServer master;
  SentinelSetup setup;
  setup.master_port = master.port();
  OwnSentinel sentinel(setup);
  const int dead = dead_port();

  SECTION("a dead sentinel first, a live one next") {
    auto storage = open_sentinel({dead, sentinel.port()}, setup.master_name, quick(2));
    storage.working_memory()->store_working_memory_pattern("p", ArrayView(kValues), 7.0);
    CHECK(cli(master.port(), {"HGET", "engram:wm:p", "timestamp"}) == "7");
    // The connection was checked with ROLE before it took a call.
    CHECK_THAT(cli(master.port(), {"INFO", "commandstats"}), Catch::Contains("cmdstat_role:"));
  }
  SECTION("a name no sentinel knows is a ConfigError naming it and each sentinel") {
    const std::string message = what_of([&] {
      open_sentinel({sentinel.port(), dead}, "no-such-master", quick(2));
    });
    CHECK_THAT(message, Catch::StartsWith("fast: finding master `no-such-master` through its "
                                          "sentinels: sentinel 127.0.0.1:" +
                                          std::to_string(sentinel.port()) +
                                          " knows no master named `no-such-master`; "));
    CHECK_THAT(message, Catch::Contains("127.0.0.1:" + std::to_string(dead)));
    CHECK_THROWS_AS(open_sentinel({sentinel.port()}, "no-such-master", quick(2)),
                    engram::ConfigError);
  }
  SECTION("a server that is not a sentinel is a BackendError") {
    CHECK_THROWS_AS(open_sentinel({master.port()}, setup.master_name, quick(2)),
                    engram::BackendError);
  }
  SECTION("no sentinel reachable: ConnectionError within the documented bound") {
    const int also_dead = dead_port();
    const auto start = Clock::now();
    std::string message;
    try {
      open_sentinel({dead, also_dead}, setup.master_name, quick(3));
    } catch (const engram::ConnectionError& e) {
      message = e.what();
    }
    const Seconds took = Clock::now() - start;
    CHECK_THAT(message, Catch::StartsWith("fast: finding master `engram-test` through its "
                                          "sentinels: connecting to sentinel 127.0.0.1:"));
    CHECK(took < documented_bound(3, 2) + kMargin);
  }
}

TEST_CASE(
    "redis sentinel: an address a sentinel names that is a replica takes no call (ROLE), and the "
    "next sentinel is asked first",
    "[redis][sentinel]") {
  OwnServer master;
  OwnReplica replica(master.port());
  // A sentinel told the replica is the master: a stale answer.
  SentinelSetup setup;
  setup.master_port = replica.port();
  OwnSentinel sentinel(setup);
  const auto start = Clock::now();
  std::string message;
  try {
    open_sentinel({sentinel.port()}, setup.master_name, quick(2));
  } catch (const engram::ConnectionError& e) {
    message = e.what();
  }
  CHECK(Seconds(Clock::now() - start) < documented_bound(2, 1) + kMargin);
  CHECK_THAT(message,
             Catch::StartsWith("fast: ROLE on 127.0.0.1:" + std::to_string(replica.port()) +
                               ": a replica, not a master"));
  // Each of the two attempts asked the sentinel, connected and asked ROLE.
  const std::string stats = cli(replica.port(), {"INFO", "commandstats"});
  CHECK_THAT(stats, Catch::Contains("cmdstat_role:calls=2,"));

  // With a sentinel that knows better after the stale one, the second
  // attempt asks it first, and the open succeeds.
  SentinelSetup current = setup;
  current.master_port = master.port();
  OwnSentinel knows(current);
  auto storage = open_sentinel({sentinel.port(), knows.port()}, setup.master_name, quick(2));
  storage.working_memory()->store_working_memory_pattern("p", ArrayView(kValues), 5.0);
  CHECK(cli(master.port(), {"HGET", "engram:wm:p", "timestamp"}) == "5");
}

TEST_CASE("redis sentinel: a wrong or missing sentinel password is AccessDenied, never printed",
          "[redis][sentinel][auth]") {
  OwnServer master;
  SentinelSetup setup;
  setup.master_port = master.port();
  setup.password = "sentinel-secret";
  OwnSentinel sentinel(setup);
  std::string message;
  try {
    open_sentinel({sentinel.port()}, setup.master_name,
                  quick(2) + ", sentinel_password: wrong-secret");
  } catch (const engram::AccessDenied& e) {
    message = e.what();
  }
  CHECK_THAT(message, Catch::Contains("AUTH to sentinel 127.0.0.1:"));
  CHECK_THAT(message, !Catch::Contains("wrong-secret") && !Catch::Contains("sentinel-secret"));
  CHECK_THROWS_AS(open_sentinel({sentinel.port()}, setup.master_name, quick(2)),
                  engram::AccessDenied);
  // The master's own password is `password`; the sentinels' is theirs.
  auto storage = open_sentinel({sentinel.port()}, setup.master_name,
                               quick(2) + ", sentinel_password: sentinel-secret");
  storage.working_memory()->store_working_memory_pattern("p", ArrayView(kValues), 3.0);
  CHECK(cli(master.port(), {"HGET", "engram:wm:p", "timestamp"}) == "3");
}

TEST_CASE(
    "redis: min_replicas_acked makes stores wait for replicas, and too few is a ConnectionError",
    "[redis][replicas]") {
  OwnServer master;
  OwnReplica replica(master.port());
  SECTION("one replica asked, one there: every store waited for it") {
    // Time enough for the replica however loaded the machine: no store
    // may need a second WAIT.
    auto storage = redis_test::open_redis(
        master.port(), "engram:", quick(2) + ", min_replicas_acked: 1, min_replicas_timeout: 10");
    auto wm = storage.working_memory();
    for (int i = 0; i < 5; ++i) {
      wm->store_working_memory_pattern("p" + std::to_string(i), ArrayView(kValues), i);
    }
    CHECK(wm->retrieve_working_memory_pattern("p4").has_value());
    // One WAIT per store, none for the read; the replica has each store
    // as the call returns.
    CHECK_THAT(cli(master.port(), {"INFO", "commandstats"}),
               Catch::Contains("cmdstat_wait:calls=5,"));
    for (int i = 0; i < 5; ++i) {
      CHECK(cli(replica.port(), {"HGET", "engram:wm:p" + std::to_string(i), "timestamp"}) ==
            std::to_string(i));
    }
  }
  SECTION(
      "two replicas asked, one there: ConnectionError in bounded time, the store on the master") {
    auto storage = redis_test::open_redis(
        master.port(), "engram:", quick(2) + ", min_replicas_acked: 2, min_replicas_timeout: 0.2");
    const auto start = Clock::now();
    std::string message;
    try {
      storage.working_memory()->store_working_memory_pattern("p", ArrayView(kValues), 1.0);
    } catch (const engram::ConnectionError& e) {
      message = e.what();
    }
    CHECK(Seconds(Clock::now() - start) < documented_bound(2, 0, 0.2) + kMargin);
    // The replica there may or may not have answered within 200 ms (a
    // loaded machine): fewer than two either way.
    CHECK_THAT(message, Catch::StartsWith("fast: WAIT after a store on 127.0.0.1:" +
                                          std::to_string(master.port()) + ": only "));
    CHECK_THAT(message, Catch::Contains(" of 2 replicas acknowledged it within 200 ms"));
    CHECK_THAT(message, Catch::Contains("applied on that master"));
    // Tried twice (retry_attempts: 2), applied on the master each time.
    CHECK_THAT(cli(master.port(), {"INFO", "commandstats"}),
               Catch::Contains("cmdstat_wait:calls=2,"));
    CHECK(cli(master.port(), {"HGET", "engram:wm:p", "timestamp"}) == "1");
  }
}

TEST_CASE("redis sentinel: READONLY from a demoted master sends the next store to the new master",
          "[redis][sentinel]") {
  OwnServer old_master;
  OwnReplica replica(old_master.port());
  SentinelSetup setup;
  setup.master_port = old_master.port();
  OwnSentinel sentinel(setup);
  redis_test::wait_until([&] { return sentinel.replicas_known() == 1; }, std::chrono::seconds(20),
                         "the sentinel to see the replica");

  // One connection, kept: the store after the failover goes on the one
  // made to the old master.
  auto storage =
      open_sentinel({sentinel.port()}, setup.master_name, quick(3) + ", max_connections: 1");
  auto wm = storage.working_memory();
  wm->store_working_memory_pattern("before", ArrayView(kValues), 1.0);

  REQUIRE(sentinel.cli({"SENTINEL", "FAILOVER", setup.master_name}) == "OK");
  redis_test::wait_until([&] { return sentinel.master_port() == replica.port(); },
                         std::chrono::seconds(20), "the sentinel to promote the replica");
  // What the sentinel does some seconds later (Redis 7 waits 8 s): the old
  // master becomes a replica of the new one, keeping its clients.
  cli(old_master.port(), {"REPLICAOF", "127.0.0.1", std::to_string(replica.port())});
  redis_test::wait_until([&] { return redis_test::has_role(old_master.port(), "slave"); },
                         std::chrono::seconds(20), "the old master to become a replica");

  const std::vector<float> after{4.0f, 5.0f};
  wm->store_working_memory_pattern("after", ArrayView(after), 2.0);
  // The store met READONLY on the old master, then went to the new one.
  CHECK_THAT(cli(old_master.port(), {"INFO", "errorstats"}),
             Catch::Contains("errorstat_READONLY:count="));
  CHECK(cli(replica.port(), {"HGET", "engram:wm:after", "timestamp"}) == "2");
  const auto back = wm->retrieve_working_memory_pattern("after");
  REQUIRE(back.has_value());
  CHECK(floats(back->pattern) == after);
  CHECK(wm->retrieve_working_memory_pattern("before").has_value());
}

TEST_CASE(
    "redis sentinel: after a graceful failover, min_replicas_acked moves stores off the old "
    "master while it still takes writes",
    "[redis][sentinel]") {
  OwnServer old_master;
  OwnReplica first(old_master.port());
  OwnReplica second(old_master.port());
  SentinelSetup setup;
  setup.master_port = old_master.port();
  OwnSentinel sentinel(setup);
  redis_test::wait_until([&] { return sentinel.replicas_known() == 2; }, std::chrono::seconds(20),
                         "the sentinel to see both replicas");
  auto storage = open_sentinel(
      {sentinel.port()}, setup.master_name,
      quick(3) + ", min_replicas_acked: 1, min_replicas_timeout: 0.5, max_connections: 1");
  auto wm = storage.working_memory();
  wm->store_working_memory_pattern("before", ArrayView(kValues), 1.0);

  REQUIRE(sentinel.cli({"SENTINEL", "FAILOVER", setup.master_name}) == "OK");
  redis_test::wait_until([&] { return sentinel.master_port() != old_master.port(); },
                         std::chrono::seconds(20), "the sentinel to promote a replica");
  const int new_master = sentinel.master_port();
  // The other replica follows the new master (the sentinel moves it).
  redis_test::wait_until(
      [&] {
        return cli(new_master, {"INFO", "replication"}).find("state=online") != std::string::npos;
      },
      std::chrono::seconds(20), "a replica online at the new master");
  // Sentinel demotes the old master only some seconds later: it is still
  // a master, and would take the store; without replicas it cannot
  // acknowledge it, so the store moves on.
  REQUIRE(redis_test::has_role(old_master.port(), "master"));
  wm->store_working_memory_pattern("after", ArrayView(kValues), 2.0);
  CHECK(cli(new_master, {"HGET", "engram:wm:after", "timestamp"}) == "2");
  CHECK_THAT(cli(old_master.port(), {"INFO", "commandstats"}),
             Catch::Contains("cmdstat_wait:calls=2,"));  // "before", and "after" refused
  CHECK(wm->retrieve_working_memory_pattern("before").has_value());
}

TEST_CASE(
    "redis sentinel: the master killed mid-run: callers get ConnectionError in bounded time, "
    "then the promoted replica, and no acknowledged store is lost",
    "[redis][sentinel][failover]") {
  OwnServer master;
  // Two replicas: once one is promoted, the other replicates from it, so
  // stores that wait for one replica succeed again.
  OwnReplica first(master.port());
  OwnReplica second(master.port());
  SentinelSetup setup;
  setup.master_port = master.port();
  setup.quorum = 2;
  std::vector<std::unique_ptr<OwnSentinel>> sentinels;
  std::vector<int> sentinel_ports;
  for (int i = 0; i < 3; ++i) {
    sentinels.push_back(std::make_unique<OwnSentinel>(setup));
    sentinel_ports.push_back(sentinels.back()->port());
  }
  redis_test::wait_until(
      [&] {
        return std::all_of(sentinels.begin(), sentinels.end(), [](const auto& sentinel) {
          return sentinel->replicas_known() == 2 && sentinel->sentinels_known() == 2;
        });
      },
      std::chrono::seconds(20), "the sentinels to know both replicas and each other");

  constexpr double kReplicasTimeout = 0.5;
  constexpr int kAttempts = 3;
  auto storage =
      open_sentinel(sentinel_ports, setup.master_name,
                    quick(kAttempts) + ", min_replicas_acked: 1, min_replicas_timeout: " +
                        std::to_string(kReplicasTimeout) + ", max_connections: 4");
  auto wm = storage.working_memory();
  const Seconds bound = documented_bound(kAttempts, 3, kReplicasTimeout);

  struct Writer {
    std::vector<std::pair<std::string, float>> acknowledged;
    // Start and end of each failed call; stores started after the kill
    // and acknowledged, and when the first of them returned.
    std::vector<std::pair<Clock::time_point, Clock::time_point>> failures;
    std::vector<std::string> other_errors;
    std::atomic<int> acknowledged_after_kill{0};
    std::optional<Clock::time_point> first_success_after_kill;
  };
  constexpr int kWriters = 2;
  std::vector<Writer> writers(kWriters);
  std::atomic<bool> stop{false};
  std::mutex killed_mutex;
  std::optional<Clock::time_point> killed_at;
  const auto kill_time = [&] {
    std::lock_guard lock(killed_mutex);
    return killed_at;
  };
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      Writer& writer = writers[w];
      for (int i = 0; !stop; ++i) {
        const std::string key = "w" + std::to_string(w) + "-" + std::to_string(i);
        const std::vector<float> values{static_cast<float>(w), static_cast<float>(i)};
        const auto start = Clock::now();
        try {
          wm->store_working_memory_pattern(key, ArrayView(values), i);
          writer.acknowledged.emplace_back(key, static_cast<float>(i));
          const auto killed = kill_time();
          if (killed && start > *killed) {
            ++writer.acknowledged_after_kill;
            if (!writer.first_success_after_kill) writer.first_success_after_kill = Clock::now();
          }
        } catch (const engram::ConnectionError&) {
          writer.failures.emplace_back(start, Clock::now());
        } catch (const std::exception& e) {
          writer.other_errors.push_back(e.what());
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  {
    std::lock_guard lock(killed_mutex);
    killed_at = Clock::now();
  }
  master.kill();
  // Until each writer has had 20 stores acknowledged after the kill, or
  // 40 s.
  std::string waited;
  try {
    redis_test::wait_until(
        [&] {
          return std::all_of(writers.begin(), writers.end(), [](const Writer& writer) {
            return writer.acknowledged_after_kill >= 20;
          });
        },
        std::chrono::seconds(40), "each writer to store 20 patterns after the kill");
  } catch (const std::exception& e) {
    waited = e.what();
  }
  stop = true;
  for (auto& thread : threads) thread.join();
  REQUIRE(waited.empty());

  const int new_master = sentinels.front()->master_port();
  CHECK((new_master == first.port() || new_master == second.port()));
  CHECK(redis_test::has_role(new_master, "master"));

  std::size_t acknowledged = 0;
  std::size_t failed = 0;
  Seconds longest_failure{0};
  Seconds outage{0};
  for (const Writer& writer : writers) {
    CHECK(writer.other_errors.empty());
    for (const auto& error : writer.other_errors) UNSCOPED_INFO(error);
    // Calls succeed again without reopening.
    CHECK(writer.acknowledged_after_kill > 0);
    acknowledged += writer.acknowledged.size();
    failed += writer.failures.size();
    for (const auto& [start, end] : writer.failures) {
      longest_failure = std::max<Seconds>(longest_failure, end - start);
      CHECK(Seconds(end - start) < bound + kMargin);
    }
    if (writer.first_success_after_kill) {
      outage = std::max<Seconds>(outage, *writer.first_success_after_kill - *killed_at);
    }
  }
  CHECK(failed > 0);  // the kill was seen

  // Every acknowledged store is on the new master: read through the plugin
  // (values too) and counted by redis-cli.
  std::size_t lost = 0;
  std::vector<std::string> keys{"EXISTS"};
  for (const Writer& writer : writers) {
    for (const auto& [key, i] : writer.acknowledged) {
      keys.push_back("engram:wm:" + key);
      const auto back = wm->retrieve_working_memory_pattern(key);
      if (!back || floats(back->pattern).back() != i) ++lost;
    }
  }
  CHECK(lost == 0);
  CHECK(cli(new_master, keys) == std::to_string(acknowledged));

  std::ostringstream figures;
  figures << "redis sentinel failover: outage seen by callers "
          << std::chrono::round<std::chrono::milliseconds>(outage).count()
          << " ms after the kill; stores acknowledged " << acknowledged << ", failed " << failed
          << " (longest failing call "
          << std::chrono::round<std::chrono::milliseconds>(longest_failure).count()
          << " ms, documented bound "
          << std::chrono::round<std::chrono::milliseconds>(bound).count()
          << " ms), acknowledged but lost " << lost;
  WARN(figures.str());
}
