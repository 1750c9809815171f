// ReplyBudget (plugins/redis/reply_budget.h): the RESP2 header scanner the
// redis plugin runs before hiredis buffers a reply. Valid streams split at
// every byte keep their reply boundaries; declared sizes are summed over a
// whole reply and reset between replies; what is not RESP is refused.
#include "reply_budget.h"

#include <catch2/catch.hpp>
#include <string>

namespace {

using engram::redis::ReplyBudget;
using Verdict = ReplyBudget::Verdict;

constexpr std::uint64_t kElement = 56;

// Every kind of reply, nested arrays, nulls, and bodies and lines holding
// "\r" and "\n" of their own.
const std::string kStream =
    "+OK\r\n"
    "-ERR bad\rthing\r\n"
    ":-42\r\n"
    "$5\r\nhe\r\nl\r\n"
    "$0\r\n\r\n"
    "$-1\r\n"
    "*-1\r\n"
    "*0\r\n"
    "*3\r\n:1\r\n*2\r\n$3\r\nabc\r\n*1\r\n+x\n\r\n$-1\r\n"
    "*2\r\n*0\r\n*1\r\n*1\r\n:7\r\n";
constexpr std::size_t kReplies = 10;

Verdict scan(ReplyBudget& budget, const std::string& bytes) {
  return budget.scan(bytes.data(), bytes.size());
}

}  // namespace

TEST_CASE("reply budget: a valid stream split at any byte keeps its replies",
          "[redis][reply_budget]") {
  for (std::size_t split = 0; split <= kStream.size(); ++split) {
    INFO("split at " << split);
    ReplyBudget budget(1024, kElement);
    REQUIRE(scan(budget, kStream.substr(0, split)) == Verdict::kOk);
    REQUIRE(scan(budget, kStream.substr(split)) == Verdict::kOk);
    CHECK(budget.replies_done() == kReplies);
    CHECK(budget.at_reply_boundary());
  }
  ReplyBudget one_by_one(1024, kElement);
  for (const char byte : kStream) REQUIRE(one_by_one.scan(&byte, 1) == Verdict::kOk);
  CHECK(one_by_one.replies_done() == kReplies);
  CHECK(one_by_one.at_reply_boundary());
}

TEST_CASE("reply budget: a reply is refused at the header that passes the budget",
          "[redis][reply_budget]") {
  SECTION("a bulk string, before its body") {
    ReplyBudget budget(1024, kElement);
    CHECK(scan(budget, "$1025\r\n") == Verdict::kTooLarge);
    CHECK(budget.declared() == 1025);
  }
  SECTION("a bulk string of exactly the budget passes") {
    ReplyBudget budget(1024, kElement);
    CHECK(scan(budget, "$1024\r\n" + std::string(1024, 'x') + "\r\n") == Verdict::kOk);
    CHECK(budget.replies_done() == 1);
  }
  SECTION("an array, by its element count") {
    ReplyBudget budget(1024, kElement);
    CHECK(scan(budget, "*19\r\n") == Verdict::kTooLarge);
    CHECK(budget.declared() == 19 * kElement);
  }
  SECTION("an absurd count saturates instead of wrapping") {
    ReplyBudget budget(1024, kElement);
    CHECK(scan(budget, "*9999999999999999999\r\n") == Verdict::kTooLarge);
    CHECK(budget.declared() == UINT64_MAX);
  }
  SECTION("the sum over a whole reply, nested arrays included") {
    ReplyBudget budget(1024, kElement);
    const std::string body(450, 'x');
    CHECK(scan(budget, "*2\r\n*1\r\n$450\r\n" + body + "\r\n") == Verdict::kOk);
    CHECK(scan(budget, "$450\r\n") == Verdict::kTooLarge);
    CHECK(budget.declared() == 3 * kElement + 900);
    CHECK(budget.replies_done() == 0);
  }
  SECTION("the budget starts again with each reply") {
    ReplyBudget budget(1024, kElement);
    const std::string reply = "$900\r\n" + std::string(900, 'x') + "\r\n";
    CHECK(scan(budget, reply + reply + reply) == Verdict::kOk);
    CHECK(budget.replies_done() == 3);
  }
  SECTION("an endless status line") {
    ReplyBudget budget(1024, kElement);
    CHECK(scan(budget, "+" + std::string(600, 'x')) == Verdict::kOk);
    CHECK(scan(budget, std::string(600, 'x')) == Verdict::kTooLarge);
  }
  SECTION("after a refusal the scanner stays refused") {
    ReplyBudget budget(10, kElement);
    CHECK(scan(budget, "$11\r\n") == Verdict::kTooLarge);
    CHECK(scan(budget, "+OK\r\n") == Verdict::kTooLarge);
    CHECK_FALSE(budget.at_reply_boundary());
  }
}

TEST_CASE("reply budget: bytes that are not RESP are refused", "[redis][reply_budget]") {
  const char* const bad[] = {
      "HTTP/1.1 400\r\n",                                  // not a type byte
      "$12abc\r\n",                                        // a length that is not a number
      "$-2\r\n",                                           // negative but not -1
      "*--1\r\n",                                          // two signs
      "$\r\n",                                             // no digits
      "$5\r\r",                                            // '\r' not followed by '\n'
      "$12345678901234567890\r\n",                         // 20 digits
      "*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n",  // 8 levels deep
  };
  for (const char* bytes : bad) {
    INFO(bytes);
    ReplyBudget budget(std::uint64_t{1} << 40, kElement);
    CHECK(budget.scan(bytes, std::char_traits<char>::length(bytes)) == Verdict::kNotResp);
    CHECK_THAT(budget.why(), Catch::StartsWith("not a RESP reply"));
  }
  ReplyBudget budget(1024, kElement);
  CHECK(scan(budget, "HTTP") == Verdict::kNotResp);
  CHECK(budget.why() == "not a RESP reply (type byte 0x48)");
}
