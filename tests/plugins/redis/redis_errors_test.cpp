// The redis plugin's error mapper (plugins/redis/redis_errors.h), as a
// unit: hiredis's context errors, failed round trips and error replies each
// become the engram error kind the mapper's table names, with the backend,
// the native code and what was being done. No server: the contexts and
// replies are built by hand.
#include "redis_errors.h"

#include <hiredis/hiredis.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <functional>
#include <optional>
#include <string>
#include <typeinfo>

#include "engram/errors.h"
#include "reply_budget.h"
#include "round_trip.h"

namespace {

namespace redis = engram::redis;
using Status = redis::RoundTrip::Status;

const std::string kBackend = "wm";

// what() of an error of kBackend: "<backend>: <message> (code <code>)".
std::string what(const std::string& message, std::optional<std::int64_t> code = std::nullopt) {
  return kBackend + ": " + message + (code ? " (code " + std::to_string(*code) + ")" : "");
}

// What a mapper call threw: its exact type, what(), backend and code.
struct Thrown {
  const std::type_info* type = nullptr;
  std::string message;
  std::string backend;
  std::optional<std::int64_t> code;
};

Thrown thrown_by(const std::function<void()>& call) {
  try {
    call();
  } catch (const engram::StorageError& e) {
    return Thrown{&typeid(e), e.what(), e.backend(), e.native_code()};
  }
  FAIL("the mapper returned");
  return {};
}

template <class Expected>
bool is(const Thrown& thrown) {
  return thrown.type != nullptr && *thrown.type == typeid(Expected);
}

// A context as hiredis leaves it after a failure.
redisContext failed_context(int err, const char* errstr) {
  redisContext context{};
  context.err = err;
  std::strncpy(context.errstr, errstr, sizeof context.errstr - 1);
  return context;
}

// An error reply with `text`.
redisReply error_reply(std::string& text) {
  redisReply reply{};
  reply.type = REDIS_REPLY_ERROR;
  reply.str = text.data();
  reply.len = text.size();
  return reply;
}

Thrown reply_error(std::string text) {
  const redisReply reply = error_reply(text);
  return thrown_by([&] { redis::throw_reply_error(reply, "HSET", kBackend); });
}

}  // namespace

TEST_CASE("redis errors: a failed context maps by hiredis's code", "[redis][redis_errors]") {
  SECTION("I/O and EOF are ConnectionError") {
    for (const int err : {REDIS_ERR_IO, REDIS_ERR_EOF}) {
      const redisContext context = failed_context(err, "Connection reset by peer");
      const Thrown t = thrown_by(
          [&] { redis::throw_context_error(&context, "connecting to h:6379", kBackend); });
      CHECK(is<engram::ConnectionError>(t));
      CHECK(t.message == what("connecting to h:6379: Connection reset by peer", err));
      CHECK(t.backend == kBackend);
      CHECK(t.code == err);
    }
  }
  SECTION("a protocol error is CorruptData") {
    const redisContext context = failed_context(REDIS_ERR_PROTOCOL, "Protocol error, got \"H\"");
    const Thrown t = thrown_by([&] { redis::throw_context_error(&context, "reading", kBackend); });
    CHECK(is<engram::CorruptData>(t));
    CHECK(t.code == REDIS_ERR_PROTOCOL);
    CHECK_THAT(t.message, Catch::Contains("Protocol error"));
  }
  SECTION("anything else is BackendError") {
    for (const int err : {REDIS_ERR_OOM, REDIS_ERR_OTHER}) {
      const redisContext context = failed_context(err, "something else");
      const Thrown t = thrown_by([&] { redis::throw_context_error(&context, "doing", kBackend); });
      CHECK(is<engram::BackendError>(t));
      CHECK(t.code == err);
    }
  }
  SECTION("no context at all is BackendError: out of memory") {
    const Thrown t =
        thrown_by([&] { redis::throw_context_error(nullptr, "connecting", kBackend); });
    CHECK(is<engram::BackendError>(t));
    CHECK(t.message == what("connecting: out of memory", REDIS_ERR_OOM));
    CHECK(t.code == REDIS_ERR_OOM);
  }
}

TEST_CASE("redis errors: a failed round trip maps by its status", "[redis][redis_errors]") {
  const redis::ReplyBudget fine(1024, 56);
  SECTION("the deadline is ConnectionError with the timeout in the message") {
    const redisContext context = failed_context(REDIS_ERR_IO, "Resource temporarily unavailable");
    const Thrown t = thrown_by([&] {
      redis::throw_round_trip_error(&context, fine, Status::kTimedOut, "reading reply to GET", 2.5,
                                    kBackend);
    });
    CHECK(is<engram::ConnectionError>(t));
    CHECK(t.message ==
          what("reading reply to GET: Resource temporarily unavailable (2.5 s)", REDIS_ERR_IO));
    CHECK(t.code == REDIS_ERR_IO);
    CHECK(t.backend == kBackend);
  }
  SECTION("a reply over max_reply_bytes is CorruptData naming both sizes") {
    redis::ReplyBudget budget(100, 56);
    const std::string header = "$1000\r\n";
    REQUIRE(budget.scan(header.data(), header.size()) == redis::ReplyBudget::Verdict::kTooLarge);
    const redisContext context = failed_context(REDIS_ERR_PROTOCOL, "refused");
    const Thrown t = thrown_by([&] {
      redis::throw_round_trip_error(&context, budget, Status::kTooLarge, "reading reply to GET", 2,
                                    kBackend);
    });
    CHECK(is<engram::CorruptData>(t));
    CHECK(t.message ==
          what("reading reply to GET: reply declares " + std::to_string(budget.declared()) +
               " bytes, more than max_reply_bytes (100)"));
    CHECK_FALSE(t.code.has_value());
    CHECK(budget.declared() > 100);
  }
  SECTION("bytes the budget refused as not RESP are CorruptData with its reason") {
    redis::ReplyBudget budget(1024, 56);
    const std::string http = "HTTP/1.1 400 Bad Request\r\n";
    REQUIRE(budget.scan(http.data(), http.size()) == redis::ReplyBudget::Verdict::kNotResp);
    const redisContext context = failed_context(REDIS_ERR_PROTOCOL, "hiredis's own text");
    const Thrown t = thrown_by([&] {
      redis::throw_round_trip_error(&context, budget, Status::kNotResp, "reading reply to PING", 2,
                                    kBackend);
    });
    CHECK(is<engram::CorruptData>(t));
    CHECK(t.message == what("reading reply to PING: " + budget.why(), REDIS_ERR_PROTOCOL));
    CHECK(t.code == REDIS_ERR_PROTOCOL);
  }
  SECTION("not RESP by hiredis's reader (the budget passed it) is the context's error") {
    const redisContext context = failed_context(REDIS_ERR_PROTOCOL, "Protocol error");
    const Thrown t = thrown_by([&] {
      redis::throw_round_trip_error(&context, fine, Status::kNotResp, "reading reply to PING", 2,
                                    kBackend);
    });
    CHECK(is<engram::CorruptData>(t));
    CHECK(t.message == what("reading reply to PING: Protocol error", REDIS_ERR_PROTOCOL));
  }
  SECTION("a failed trip is the context's error") {
    const redisContext eof = failed_context(REDIS_ERR_EOF, "Server closed the connection");
    const Thrown t = thrown_by([&] {
      redis::throw_round_trip_error(&eof, fine, Status::kFailed, "sending HSET to h:1", 2,
                                    kBackend);
    });
    CHECK(is<engram::ConnectionError>(t));
    CHECK(t.message == what("sending HSET to h:1: Server closed the connection", REDIS_ERR_EOF));
    CHECK(t.code == REDIS_ERR_EOF);
  }
}

TEST_CASE("redis errors: refused authentication and permissions are AccessDenied",
          "[redis][redis_errors]") {
  for (const char* text : {
           "NOAUTH Authentication required.",
           "WRONGPASS invalid username-password pair or user is disabled.",
           "NOPERM this user has no permissions to run the 'hset' command",
           "ERR invalid password",
           "ERR invalid username-password pair",
           "ERR AUTH <password> called without any password configured for the default user. "
           "Are you sure your configuration is correct?",
       }) {
    DYNAMIC_SECTION(text) {
      const Thrown t = reply_error(text);
      CHECK(is<engram::AccessDenied>(t));
      CHECK(t.message == what(std::string("HSET: ") + text));
      CHECK_FALSE(t.code.has_value());
      CHECK(t.backend == kBackend);
    }
  }
}

TEST_CASE(
    "redis errors: WRONGTYPE is CorruptData, READONLY ConnectionError, other error replies "
    "BackendError",
    "[redis][redis_errors]") {
  const Thrown wrongtype =
      reply_error("WRONGTYPE Operation against a key holding the wrong kind of value");
  CHECK(is<engram::CorruptData>(wrongtype));
  CHECK(wrongtype.message ==
        what("HSET: WRONGTYPE Operation against a key holding the wrong kind of value"));
  // A master demoted to a replica: the pool retries, as for a lost
  // connection (and asks the sentinels again when there are any).
  const Thrown readonly = reply_error("READONLY You can't write against a read only replica.");
  CHECK(is<engram::ConnectionError>(readonly));
  CHECK(readonly.message == what("HSET: READONLY You can't write against a read only replica."));

  for (const char* text :
       {"ERR unknown command 'FOO'", "OOM command not allowed when used memory > 'maxmemory'.",
        "ERR readonly only counts at the start",
        "ERR wrongtype and noauth only count at the start"}) {
    DYNAMIC_SECTION(text) {
      const Thrown t = reply_error(text);
      CHECK(is<engram::BackendError>(t));
      CHECK(t.message == what(std::string("HSET: ") + text));
      CHECK_FALSE(t.code.has_value());
    }
  }
  SECTION("an error reply without text") {
    redisReply reply{};
    reply.type = REDIS_REPLY_ERROR;
    const Thrown t = thrown_by([&] { redis::throw_reply_error(reply, "EXEC", kBackend); });
    CHECK(is<engram::BackendError>(t));
    CHECK(t.message == what("EXEC: "));
  }
}

TEST_CASE("redis errors: closed and unreadable records", "[redis][redis_errors]") {
  const Thrown closed = thrown_by([] { redis::throw_closed(kBackend); });
  CHECK(is<engram::StorageError>(closed));
  CHECK(closed.message == what("the backend is closed"));
  CHECK(closed.backend == kBackend);

  const Thrown corrupt =
      thrown_by([] { redis::throw_corrupt("engram:wm:x", "no field pattern", kBackend); });
  CHECK(is<engram::CorruptData>(corrupt));
  CHECK(corrupt.message == what("reading engram:wm:x: no field pattern"));
  // A key with control characters is made printable in the message.
  const Thrown odd = thrown_by([] { redis::throw_corrupt("k\x01y", "bad", kBackend); });
  CHECK(odd.message.find('\x01') == std::string::npos);
}
