// What the redis plugin writes on the wire: the command buffer's RESP is
// what hiredis would format for the same arguments, byte for byte; a
// command built wrong never leaves it; and a store far larger than the
// socket buffers (sent in many partial writes) arrives whole, every value
// byte for byte.
#include <hiredis/hiredis.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "command_buffer.h"
#include "engram/errors.h"
#include "engram/maintenance.h"
#include "engram/working_memory.h"
#include "redis_test_util.h"

namespace {

using engram::ArrayView;
using engram::redis::CommandBuffer;
using redis_test::cli;
using redis_test::open_redis;
using redis_test::shared_port;
using redis_test::unique_prefix;
using namespace std::string_literals;

// hiredis's own formatting of one command: the reference.
std::string hiredis_format(const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  for (const std::string& arg : args) {
    argv.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  char* text = nullptr;
  const int length =
      redisFormatCommandArgv(&text, static_cast<int>(args.size()), argv.data(), lengths.data());
  REQUIRE(length > 0);
  std::string formatted(text, static_cast<std::size_t>(length));
  redisFreeCommand(text);
  return formatted;
}

// `count` random words: bit patterns of every kind, CR, LF and NUL bytes
// among them.
std::vector<std::uint32_t> random_words(std::size_t count, std::uint32_t seed) {
  std::mt19937 random(seed);
  std::vector<std::uint32_t> words(count);
  for (auto& word : words) word = static_cast<std::uint32_t>(random());
  words.front() = 0x0a0d000a;  // "\n\0\r\n" in memory, whatever the rest
  return words;
}

std::vector<std::uint32_t> words_of(const engram::Array& array) {
  const auto values = array.values<std::uint32_t>();
  return {values.begin(), values.end()};
}

}  // namespace

TEST_CASE("command buffer: the RESP hiredis would send, arguments byte for byte",
          "[redis][wire]") {
  const std::vector<std::vector<std::string>> commands{
      {"HSET", "engram:wm:p", "pattern", "a\r\nb\0c"s, "timestamp", "12.5"},
      {"DEL", "engram:wm:p"},
      {"ZADD", "engram:index:wm", "0", ""},
      {"PEXPIRE", "engram:wm:p", "3600000"},
      {"EVAL", std::string(300, 'x'), "0"}};
  CommandBuffer buffer;
  std::string expected;
  for (const auto& command : commands) {
    buffer.command(command.front(), command.size());
    for (std::size_t i = 1; i < command.size(); ++i) buffer.arg(command[i]);
    expected += hiredis_format(command);
  }
  CHECK(buffer.bytes() == expected);
  REQUIRE(buffer.size() == commands.size());
  for (std::size_t i = 0; i < commands.size(); ++i) CHECK(buffer.verb(i) == commands[i].front());
}

TEST_CASE("command buffer: a command built with the wrong number of arguments is refused",
          "[redis][wire]") {
  SECTION("too few, then the next command") {
    CommandBuffer buffer;
    buffer.command("HSET", 4).arg("k").arg("f");
    CHECK_THROWS_WITH(buffer.command("DEL", 2), Catch::Contains("HSET") &&
                                                    Catch::Contains("wrong number of arguments"));
  }
  SECTION("too few, then the bytes") {
    CommandBuffer buffer;
    buffer.command("DEL", 2);
    CHECK_THROWS_AS(buffer.bytes(), engram::BackendError);
  }
  SECTION("too many") {
    CommandBuffer buffer;
    buffer.command("DEL", 2).arg("k");
    CHECK_THROWS_AS(buffer.arg("again"), engram::BackendError);
    CHECK(buffer.bytes() == hiredis_format({"DEL", "k"}));
  }
  SECTION("none at all") {
    CommandBuffer buffer;
    CHECK_THROWS_AS(buffer.command("PING", 0), engram::BackendError);
    CHECK(buffer.empty());
  }
}

TEST_CASE("redis: a batch far larger than the socket buffers is stored whole, byte for byte",
          "[redis][wire]") {
  const std::string prefix = unique_prefix("wire");
  // 48 values of 256 KiB: 12 MiB in one MULTI/EXEC, many partial sends.
  constexpr int kRecords = 48;
  constexpr std::size_t kWords = 64 * 1024;
  std::vector<std::vector<std::uint32_t>> values;
  for (int i = 0; i < kRecords; ++i) values.push_back(random_words(kWords, 100 + i));
  for (const char* compression : {"none", "lz4"}) {
    INFO(compression);
    auto storage = open_redis(shared_port(), prefix, std::string(", compression: ") + compression);
    auto wm = storage.working_memory();
    engram::WorkingMemoryBatch batch;
    for (int i = 0; i < kRecords; ++i) {
      const std::string id = "big" + std::to_string(i);
      batch.store_working_memory_pattern(id, ArrayView(values[i]), i, {{"i", i}});
      batch.store_attention_weights(id, ArrayView(values[kRecords - 1 - i]), i);
    }
    wm->store_batch(batch);
    CHECK(cli(shared_port(), {"ZCARD", prefix + "index:wm"}) == std::to_string(kRecords));
    CHECK(cli(shared_port(), {"ZCARD", prefix + "index:attention"}) == std::to_string(kRecords));
    for (int i = 0; i < kRecords; ++i) {
      const std::string id = "big" + std::to_string(i);
      INFO(id);
      const auto pattern = wm->retrieve_working_memory_pattern(id);
      REQUIRE(pattern.has_value());
      CHECK(words_of(pattern->pattern) == values[i]);
      CHECK(pattern->timestamp == i);
      CHECK(pattern->metadata == engram::Json{{"i", i}});
      const auto weights = wm->retrieve_attention_weights(id);
      REQUIRE(weights.has_value());
      CHECK(words_of(weights->weights) == values[kRecords - 1 - i]);
    }
    storage.maintenance("fast")->clear_all();
  }
}
