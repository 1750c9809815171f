// The redis plugin against hostile peers (a fake server, fake_redis.h) and
// against replies larger than it accepts: a peer that drips, stalls, lies
// about sizes, floods, or answers garbage. Every call returns within the
// bound the plugin documents (Pool::run in redis_plugin.cpp) with a typed
// error, and memory stays bounded whatever a reply declares.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "engram/errors.h"
#include "engram/maintenance.h"
#include "engram/working_memory.h"
#include "fake_redis.h"
#include "redis_test_util.h"

namespace {

using engram::ArrayView;
using redis_test::FakeRedis;
using redis_test::open_redis;
using redis_test::shared_port;
using redis_test::unique_prefix;
using Clock = std::chrono::steady_clock;
using Seconds = std::chrono::duration<double>;

struct Timing {
  int attempts;
  double connect_timeout;
  double command_timeout;
  double retry_delay;

  std::string options() const {
    return ", connect_timeout: " + std::to_string(connect_timeout) +
           ", command_timeout: " + std::to_string(command_timeout) +
           ", retry_attempts: " + std::to_string(attempts) +
           ", retry_delay: " + std::to_string(retry_delay);
  }
  // The documented bound of a one-round-trip call (redis_plugin.cpp,
  // Pool::run): attempts × (connect_timeout + 2 × command_timeout) plus the
  // retry delays; and a margin of 5 s for a loaded machine.
  Seconds bound() const {
    double delays = 0.0;
    for (int i = 1; i < attempts; ++i) delays += retry_delay * static_cast<double>(1 << (i - 1));
    return Seconds(attempts * (connect_timeout + 2.0 * command_timeout) + delays + 5.0);
  }
};

// The README's defaults but for connect_timeout: a peer dripping a byte
// every 1.5 s never lets a 2 s read timeout fire.
constexpr Timing kDefaults{3, 1.0, 2.0, 0.1};
// Two attempts: still longer than the drip's 1.5 s per byte.
constexpr Timing kTwoAttempts{2, 1.0, 2.0, 0.05};
// For peers that fail at once (no retry is made for CorruptData) or stall.
constexpr Timing kQuick{2, 1.0, 1.0, 0.05};

const std::vector<float> kValues{1.0f, 2.0f, 3.0f};

std::uint64_t resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  std::uint64_t size = 0;
  std::uint64_t resident = 0;
  statm >> size >> resident;
  return resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

// Runs `call`, which must throw `Error` within `timing`'s bound; returns
// the message.
template <class Error>
std::string check_fails(const std::string& what, const Timing& timing,
                        const std::function<void()>& call) {
  INFO(what);
  const auto start = Clock::now();
  std::string message;
  try {
    call();
    FAIL("the call succeeded");
  } catch (const Error& e) {
    message = e.what();
  } catch (const engram::StorageError& e) {
    FAIL("another error: " << e.what());
  }
  const Seconds took = Clock::now() - start;
  INFO(message << " after " << took.count() << " s");
  CHECK(took < timing.bound());
  return message;
}

// The calls a hostile peer meets: a read (HGETALL and PTTL pipelined) and
// a store (a MULTI/EXEC pipeline).
template <class Error>
void check_calls(FakeRedis& fake, const Timing& timing, const std::string& expected) {
  auto storage = open_redis(fake.port(), "hostile:", timing.options());
  auto wm = storage.working_memory();
  const std::string read = check_fails<Error>(
      "retrieve", timing, [&] { (void)wm->retrieve_working_memory_pattern("p"); });
  CHECK_THAT(read, Catch::Contains(expected));
  const std::string store = check_fails<Error>(
      "store", timing, [&] { wm->store_attention_weights("c", ArrayView(kValues), 1.0); });
  CHECK_THAT(store, Catch::Contains(expected));
}

}  // namespace

TEST_CASE("redis: a peer dripping a byte every 1.5 s is cut off within the documented bound",
          "[redis][hostile]") {
  FakeRedis fake(FakeRedis::Mode::kDrip);
  auto storage = open_redis(fake.port(), "hostile:", kDefaults.options());
  auto wm = storage.working_memory();
  const std::string message = check_fails<engram::ConnectionError>(
      "retrieve", kDefaults, [&] { (void)wm->retrieve_working_memory_pattern("p"); });
  CHECK_THAT(message, Catch::Contains("reading reply to HGETALL from 127.0.0.1:" +
                                      std::to_string(fake.port())));
  CHECK_THAT(message, Catch::Contains("command_timeout (2 s)"));
  CHECK(fake.connections() == kDefaults.attempts);
}

TEST_CASE("redis: an open against a peer that drips from its first byte is bounded",
          "[redis][hostile]") {
  SECTION("AUTH and SELECT dripped") {
    FakeRedis fake(FakeRedis::Mode::kDrip, true);
    check_fails<engram::ConnectionError>("open", kDefaults, [&] {
      (void)open_redis(fake.port(), "hostile:", kDefaults.options() + ", password: s, db: 1");
    });
  }
  SECTION("PING dripped") {
    FakeRedis fake(FakeRedis::Mode::kDrip, true);
    check_fails<engram::ConnectionError>("open", kTwoAttempts, [&] {
      (void)open_redis(fake.port(), "hostile:", kTwoAttempts.options());
    });
  }
}

TEST_CASE("redis: a peer that accepts and never answers is a ConnectionError", "[redis][hostile]") {
  FakeRedis fake(FakeRedis::Mode::kStall);
  check_calls<engram::ConnectionError>(fake, kQuick, "command_timeout");
}

TEST_CASE("redis: a reply declaring more than max_reply_bytes is CorruptData at its header",
          "[redis][hostile]") {
  SECTION("a bulk string of 999999999999 bytes") {
    FakeRedis fake(FakeRedis::Mode::kLieBulk);
    check_calls<engram::CorruptData>(
        fake, kQuick, "reply declares 999999999999 bytes, more than max_reply_bytes (536870912)");
  }
  SECTION("an array of 2147483647 elements") {
    FakeRedis fake(FakeRedis::Mode::kLieArray);
    check_calls<engram::CorruptData>(fake, kQuick, "more than max_reply_bytes (536870912)");
  }
}

TEST_CASE("redis: a peer flooding a 10 GB reply is refused at the header, memory bounded",
          "[redis][hostile]") {
  FakeRedis fake(FakeRedis::Mode::kFlood);
  const std::uint64_t before = resident_bytes();
  check_calls<engram::CorruptData>(
      fake, kQuick, "reply declares 10737418240 bytes, more than max_reply_bytes (536870912)");
  const std::uint64_t after = resident_bytes();
  INFO("resident before " << before << ", after " << after);
  CHECK(after < before + (std::uint64_t{200} << 20));
}

TEST_CASE("redis: a peer answering what is not RESP is CorruptData, never a crash",
          "[redis][hostile]") {
  SECTION("an HTTP error page") {
    FakeRedis fake(FakeRedis::Mode::kGarbage);
    check_calls<engram::CorruptData>(fake, kQuick, "not a RESP reply (type byte 0x48)");
  }
  SECTION("a bulk length that is not a number") {
    FakeRedis fake(FakeRedis::Mode::kBadLength);
    check_calls<engram::CorruptData>(fake, kQuick, "not a RESP reply (bad bulk length");
  }
}

TEST_CASE("redis: a stored value larger than max_reply_bytes is CorruptData; the backend goes on",
          "[redis][hostile]") {
  const std::string prefix = unique_prefix("maxreply");
  auto storage = open_redis(shared_port(), prefix, ", compression: none, max_reply_bytes: 1048576");
  auto wm = storage.working_memory();
  const std::vector<float> big(512 * 1024, 0.5f);  // 2 MiB of .npy
  wm->store_working_memory_pattern("big", ArrayView(big), 1.0);
  wm->store_working_memory_pattern("small", ArrayView(kValues), 2.0);
  CHECK_THROWS_WITH(wm->retrieve_working_memory_pattern("big"),
                    Catch::Contains("reading reply to HGETALL from 127.0.0.1:") &&
                        Catch::Contains("more than max_reply_bytes (1048576)"));
  // The connection was dropped with the refused reply; the next call
  // reconnects and reads what fits.
  const auto small = wm->retrieve_working_memory_pattern("small");
  REQUIRE(small.has_value());
  CHECK(small->pattern.values<float>().size() == kValues.size());
  storage.maintenance("fast")->clear_all();
}

TEST_CASE("redis: max_reply_bytes and max_record_bytes must be sensible", "[redis][hostile]") {
  CHECK_THROWS_AS(open_redis(shared_port(), unique_prefix("opt"), ", max_reply_bytes: 0"),
                  engram::ConfigError);
  CHECK_THROWS_AS(open_redis(shared_port(), unique_prefix("opt"), ", max_record_bytes: -1"),
                  engram::ConfigError);
}
