// The redis plugin's values as other clients meet them: Python decodes
// compressed values by the documented header, small and incompressible
// values stay plain .npy, and bytes another client wrote under engram's
// keys give typed errors, never a crash, and lose nothing else.
#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "engram/errors.h"
#include "engram/json.h"
#include "engram/maintenance.h"
#include "engram/working_memory.h"
#include "redis_test_util.h"
#include "shell.h"

namespace {

using engram::ArrayView;
using engram::Json;
using redis_test::cli;
using redis_test::open_redis;
using redis_test::shared_port;
using redis_test::unique_prefix;

// Python's view of one stored value (redis_values.py read).
Json python_read(const std::string& key, const std::string& field) {
  const std::string command =
      engram_test::shell_quote(ENGRAM_PYTHON) + " " +
      engram_test::shell_quote(std::string(ENGRAM_REDIS_TEST_SOURCE_DIR) + "/redis_values.py") +
      " " + std::to_string(shared_port()) + " read " + engram_test::shell_quote(key) + " " +
      engram_test::shell_quote(field) + " 2>&1";
  int status = 0;
  const std::string output = engram_test::capture(command, &status);
  INFO(output);
  REQUIRE(status == 0);
  return Json::parse(output);
}

void python_damage(const std::string& key, const std::string& field, const std::string& mode) {
  const std::string command =
      engram_test::shell_quote(ENGRAM_PYTHON) + " " +
      engram_test::shell_quote(std::string(ENGRAM_REDIS_TEST_SOURCE_DIR) + "/redis_values.py") +
      " " + std::to_string(shared_port()) + " damage " + engram_test::shell_quote(key) + " " +
      engram_test::shell_quote(field) + " " + mode + " 2>&1";
  int status = 0;
  const std::string output = engram_test::capture(command, &status);
  INFO(output);
  REQUIRE(status == 0);
}

// A (100,50) float32 pattern with the repetition real activations have.
std::vector<float> compressible_pattern() {
  std::vector<float> values(100 * 50);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i % 17) * 0.25f;
  return values;
}

std::vector<float> floats(const engram::Array& array) {
  const auto values = array.values<float>();
  return {values.begin(), values.end()};
}

}  // namespace

TEST_CASE("redis: Python decodes compressed values by the documented header", "[redis][values]") {
  const std::vector<float> pattern = compressible_pattern();
  for (const std::string codec : {"lz4", "zstd", "zlib"}) {
    DYNAMIC_SECTION("codec " << codec) {
      const std::string prefix = unique_prefix("codec");
      auto storage = open_redis(shared_port(), prefix, ", compression: " + codec);
      auto wm = storage.working_memory();
      wm->store_working_memory_pattern("big", ArrayView(pattern, {100, 50}), 1.0);

      const Json seen = python_read(prefix + "wm:big", "pattern");
      CHECK(seen.at("kind") == "compressed");
      CHECK(seen.at("codec") == codec);
      CHECK(seen.at("dtype") == "<f4");
      CHECK(seen.at("shape") == Json::array({100, 50}));
      CHECK(seen.at("values").get<std::vector<float>>() == pattern);
      // Compressed means smaller: the frame is well under the 20,000 data bytes.
      CHECK(seen.at("frame_size").get<std::int64_t>() < 10000);
      CHECK(seen.at("npy_size").get<std::int64_t>() == 128 + 20000);
      // And engram reads it back.
      const auto back = wm->retrieve_working_memory_pattern("big");
      REQUIRE(back.has_value());
      CHECK(floats(back->pattern) == pattern);
      storage.maintenance("fast")->clear_all();
    }
  }
}

TEST_CASE("redis: values at or under the threshold, incompressible ones and codec none stay .npy",
          "[redis][values]") {
  const std::string prefix = unique_prefix("plain");
  auto storage = open_redis(shared_port(), prefix, ", compression_threshold: 1024");
  auto wm = storage.working_memory();
  const std::vector<float> small{1.0f, 2.0f, 3.0f};
  wm->store_attention_weights("small", ArrayView(small), 1.0);
  std::mt19937 random(7);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  std::vector<float> noise(4096);
  for (float& value : noise) value = uniform(random);
  wm->store_attention_weights("noise", ArrayView(noise), 1.0);

  const Json small_seen = python_read(prefix + "attention:small", "weights");
  CHECK(small_seen.at("kind") == "npy");
  CHECK(small_seen.at("values").get<std::vector<float>>() == small);
  const Json noise_seen = python_read(prefix + "attention:noise", "weights");
  CHECK(noise_seen.at("kind") == "npy");  // LZ4 cannot shrink noise: kept plain
  CHECK(noise_seen.at("values").get<std::vector<float>>() == noise);
  CHECK(floats(wm->retrieve_attention_weights("noise")->weights) == noise);

  auto none = open_redis(shared_port(), prefix + "none:", ", compression: none");
  const std::vector<float> pattern = compressible_pattern();
  none.working_memory()->store_working_memory_pattern("big", ArrayView(pattern), 1.0);
  CHECK(python_read(prefix + "none:wm:big", "pattern").at("kind") == "npy");
  none.maintenance("fast")->clear_all();
  storage.maintenance("fast")->clear_all();
}

TEST_CASE("redis: an unknown codec name is a ConfigError at its place in the config",
          "[redis][values]") {
  CHECK_THROWS_AS(open_redis(shared_port(), unique_prefix("badcodec"), ", compression: brotli"),
                  engram::ConfigError);
  CHECK_THROWS_WITH(
      open_redis(shared_port(), unique_prefix("badcodec"), ", compression: brotli"),
      Catch::Contains(":4:") && Catch::Contains("option `compression` of backend `fast` must be "
                                                "one of lz4, zstd, zlib, none, got `brotli`"));
}

TEST_CASE("redis: options out of range are ConfigErrors naming the option and backend",
          "[redis][values]") {
  for (const char* option : {", db: -1", ", max_connections: 0",
                             ", retry_attempts: 101", ", retry_delay: 61",
                             ", compression_level: 23", ", pattern_ttl: 0",
                             ", command_timeout: 0", ", max_reply_bytes: 0",
                             ", max_record_bytes: 0"}) {
    INFO(option);
    CHECK_THROWS_WITH(open_redis(shared_port(), unique_prefix("range"), option),
                      Catch::Contains(":4:") && Catch::Contains("of backend `fast` must"));
  }
}

TEST_CASE("redis: damaged compressed values are CorruptData or NotSupported, others stay",
          "[redis][values]") {
  const std::vector<float> pattern = compressible_pattern();
  struct Damage {
    const char* mode;
    bool not_supported;
  };
  const Damage damages[] = {
      {"truncate", false}, {"flip", false}, {"huge", false}, {"codec9", true}, {"version2", true}};
  for (const std::string codec : {"lz4", "zstd", "zlib"}) {
    for (const Damage& damage : damages) {
      DYNAMIC_SECTION(codec << " " << damage.mode) {
        const std::string prefix = unique_prefix("damage");
        auto storage = open_redis(shared_port(), prefix,
                                  ", compression: " + codec + ", compression_threshold: 0");
        auto wm = storage.working_memory();
        wm->store_working_memory_pattern("victim", ArrayView(pattern), 1.0);
        wm->store_working_memory_pattern("bystander", ArrayView(pattern), 2.0);
        python_damage(prefix + "wm:victim", "pattern", damage.mode);
        try {
          (void)wm->retrieve_working_memory_pattern("victim");
          FAIL("a damaged value was decoded");
        } catch (const engram::NotSupported& e) {
          CHECK(damage.not_supported);
          CHECK_THAT(e.what(), Catch::Contains("wm:victim"));
        } catch (const engram::CorruptData& e) {
          CHECK_FALSE(damage.not_supported);
          CHECK_THAT(e.what(), Catch::Contains("wm:victim"));
        }
        const auto bystander = wm->retrieve_working_memory_pattern("bystander");
        REQUIRE(bystander.has_value());
        CHECK(floats(bystander->pattern) == pattern);
        storage.maintenance("fast")->clear_all();
      }
    }
  }
}

TEST_CASE("redis: a compressed value declaring more than max_record_bytes is CorruptData",
          "[redis][values]") {
  const std::vector<float> big(512 * 1024, 0.25f);  // 2 MiB of .npy, compressing to little
  for (const std::string codec : {"lz4", "zstd", "zlib"}) {
    DYNAMIC_SECTION(codec) {
      const std::string prefix = unique_prefix("recordlimit");
      const std::string options = ", compression: " + codec;
      auto storage = open_redis(shared_port(), prefix, options + ", max_record_bytes: 1048576");
      auto wm = storage.working_memory();
      wm->store_working_memory_pattern("big", ArrayView(big), 1.0);
      CHECK(python_read(prefix + "wm:big", "pattern").at("kind") == "compressed");
      CHECK_THROWS_AS(wm->retrieve_working_memory_pattern("big"), engram::CorruptData);
      CHECK_THROWS_WITH(wm->retrieve_working_memory_pattern("big"),
                        Catch::Contains("wm:big") && Catch::Contains("declares 2097280 bytes") &&
                            Catch::Contains("more than max_record_bytes (1048576)"));
      // The same value under the default limit reads back.
      auto roomy = open_redis(shared_port(), prefix, options);
      const auto read = roomy.working_memory()->retrieve_working_memory_pattern("big");
      REQUIRE(read.has_value());
      CHECK(floats(read->pattern) == big);
      storage.maintenance("fast")->clear_all();
    }
  }
}

TEST_CASE("redis: an LZ4 value declaring more than its frame can hold is refused unallocated",
          "[redis][values]") {
  const std::string prefix = unique_prefix("ratio");
  auto storage = open_redis(shared_port(), prefix, ", compression: lz4, compression_threshold: 0");
  auto wm = storage.working_memory();
  wm->store_working_memory_pattern("victim", ArrayView(compressible_pattern()), 1.0);
  python_damage(prefix + "wm:victim", "pattern", "ratio");
  CHECK_THROWS_AS(wm->retrieve_working_memory_pattern("victim"), engram::CorruptData);
  CHECK_THROWS_WITH(wm->retrieve_working_memory_pattern("victim"),
                    Catch::Contains("declares 67108864 bytes but holds only 4096 stored bytes"));
  storage.maintenance("fast")->clear_all();
}

TEST_CASE("redis: bytes another client wrote under engram's keys are typed errors",
          "[redis][values]") {
  const std::string prefix = unique_prefix("foreign");
  auto storage = open_redis(shared_port(), prefix);
  auto wm = storage.working_memory();
  const std::vector<float> values{1.0f, 2.0f};
  wm->store_working_memory_pattern("good", ArrayView(values), 1.0);
  const int port = shared_port();

  cli(port, {"HSET", prefix + "wm:garbage", "pattern", "not an array", "timestamp", "1",
             "metadata", "{}"});
  CHECK_THROWS_AS(wm->retrieve_working_memory_pattern("garbage"), engram::CorruptData);
  cli(port, {"HSET", prefix + "wm:no_pattern", "timestamp", "1", "metadata", "{}"});
  CHECK_THROWS_WITH(wm->retrieve_working_memory_pattern("no_pattern"),
                    Catch::Contains("no field pattern"));
  cli(port, {"SET", prefix + "wm:a_string", "x"});
  CHECK_THROWS_AS(wm->retrieve_working_memory_pattern("a_string"), engram::CorruptData);
  cli(port, {"HSET", prefix + "attention:bad_time", "weights", "x", "timestamp", "soon"});
  CHECK_THROWS_AS(wm->retrieve_attention_weights("bad_time"), engram::CorruptData);

  // A valid array but a bad timestamp, metadata or neuron id list.
  wm->store_working_memory_pattern("meta", ArrayView(values), 1.0);
  cli(port, {"HSET", prefix + "wm:meta", "metadata", "{not json"});
  CHECK_THROWS_AS(wm->retrieve_working_memory_pattern("meta"), engram::CorruptData);
  wm->cache_spike_train(5.0, ArrayView(values), std::vector<std::int64_t>{1, 2});
  const std::string train_key = cli(port, {"ZRANGE", prefix + "spikes:index", "0", "0"});
  cli(port, {"HSET", prefix + train_key, "neuron_ids", R"([1, "two"])"});
  CHECK_THROWS_AS(wm->retrieve_spike_train(5.0), engram::CorruptData);

  // Nothing else was lost.
  const auto good = wm->retrieve_working_memory_pattern("good");
  REQUIRE(good.has_value());
  CHECK(floats(good->pattern) == values);
  storage.maintenance("fast")->clear_all();
}
