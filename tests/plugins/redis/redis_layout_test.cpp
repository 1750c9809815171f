// The redis plugin as another client sees it: TTLs, key layout under the
// prefix, expiry reaching the indexes, and prefixes that keep applications
// apart — checked with redis-cli, not through engram.
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "engram/errors.h"
#include "engram/maintenance.h"
#include "engram/working_memory.h"
#include "redis_test_util.h"

namespace {

using engram::ArrayView;
using redis_test::cli;
using redis_test::open_redis;
using redis_test::shared_port;
using redis_test::unique_prefix;

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> keys_under(const std::string& prefix) {
  return lines(cli(shared_port(), {"--scan", "--pattern", prefix + "*"}));
}

long ttl_of(const std::string& key) { return std::stol(cli(shared_port(), {"TTL", key})); }

// The record keys of cached spike trains (not the index or the sequence).
std::vector<std::string> spike_keys(const std::string& prefix) {
  std::vector<std::string> out;
  for (const std::string& key : keys_under(prefix + "spikes:")) {
    if (key != prefix + "spikes:index" && key != prefix + "spikes:seq") out.push_back(key);
  }
  return out;
}

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

const std::vector<float> kValues{0.5f, 1.5f, 2.5f, 3.5f};

std::vector<float> floats(const engram::Array& array) {
  const auto values = array.values<float>();
  return {values.begin(), values.end()};
}

}  // namespace

TEST_CASE("redis: redis-cli sees the seed's TTLs: 3600 s patterns, 600 s attention, per-call spikes",
          "[redis][ttl]") {
  const std::string prefix = unique_prefix("ttl");
  auto storage = open_redis(shared_port(), prefix);
  auto wm = storage.working_memory();
  const double now = now_seconds();
  wm->store_working_memory_pattern("p1", ArrayView(kValues), now);
  wm->store_attention_weights("ctx", ArrayView(kValues), now);
  wm->cache_spike_train(now, ArrayView(kValues), std::vector<std::int64_t>{1, 2, 3, 4},
                        std::chrono::seconds(123));
  wm->cache_spike_train(now + 1, ArrayView(kValues));

  const long pattern_ttl = ttl_of(prefix + "wm:p1");
  CHECK(pattern_ttl <= 3600);
  CHECK(pattern_ttl >= 3590);
  const long attention_ttl = ttl_of(prefix + "attention:ctx");
  CHECK(attention_ttl <= 600);
  CHECK(attention_ttl >= 590);

  const auto trains = spike_keys(prefix);
  REQUIRE(trains.size() == 2);
  std::vector<long> spike_ttls{ttl_of(trains[0]), ttl_of(trains[1])};
  std::sort(spike_ttls.begin(), spike_ttls.end());
  CHECK(spike_ttls[0] <= 123);
  CHECK(spike_ttls[0] >= 113);
  CHECK(spike_ttls[1] <= 300);  // spike_ttl's default
  CHECK(spike_ttls[1] >= 290);

  // update_working_memory_access leaves the TTL alone (the seed's rule).
  cli(shared_port(), {"EXPIRE", prefix + "wm:p1", "1000"});
  REQUIRE(wm->update_working_memory_access("p1"));
  const long after_access = ttl_of(prefix + "wm:p1");
  CHECK(after_access <= 1000);
  CHECK(after_access >= 990);
  storage.maintenance("fast")->clear_all();
}

TEST_CASE("redis: the TTL options set what redis-cli sees", "[redis][ttl]") {
  const std::string prefix = unique_prefix("ttlopt");
  auto storage = open_redis(shared_port(), prefix,
                            ", pattern_ttl: 50, attention_ttl: 70, spike_ttl: 90");
  auto wm = storage.working_memory();
  wm->store_working_memory_pattern("p", ArrayView(kValues), 1.0);
  wm->store_attention_weights("c", ArrayView(kValues), 1.0);
  wm->cache_spike_train(1.0, ArrayView(kValues));
  CHECK(ttl_of(prefix + "wm:p") <= 50);
  CHECK(ttl_of(prefix + "wm:p") >= 40);
  CHECK(ttl_of(prefix + "attention:c") <= 70);
  CHECK(ttl_of(prefix + "attention:c") >= 60);
  const auto trains = spike_keys(prefix);
  REQUIRE(trains.size() == 1);
  CHECK(ttl_of(trains[0]) <= 90);
  CHECK(ttl_of(trains[0]) >= 80);
  storage.maintenance("fast")->clear_all();
}

TEST_CASE("redis: expired trains leave get_recent_spike_trains and the time index",
          "[redis][ttl]") {
  const std::string prefix = unique_prefix("expiry");
  auto storage = open_redis(shared_port(), prefix, ", pattern_ttl: 0.3");
  auto wm = storage.working_memory();
  const double now = now_seconds();
  wm->cache_spike_train(now, ArrayView(kValues), std::nullopt, std::chrono::milliseconds(300));
  wm->cache_spike_train(now, ArrayView(kValues), std::nullopt, std::chrono::seconds(600));
  wm->store_working_memory_pattern("short", ArrayView(kValues), now);
  REQUIRE(wm->get_recent_spike_trains(60.0).size() == 2);
  REQUIRE(cli(shared_port(), {"ZCARD", prefix + "spikes:index"}) == "2");
  REQUIRE(cli(shared_port(), {"ZCARD", prefix + "index:wm"}) == "1");

  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  const auto recent = wm->get_recent_spike_trains(60.0);
  REQUIRE(recent.size() == 1);
  CHECK(recent[0].ttl > std::chrono::seconds(500));
  CHECK(cli(shared_port(), {"ZCARD", prefix + "spikes:index"}) == "1");
  CHECK_FALSE(wm->retrieve_working_memory_pattern("short").has_value());
  // The pattern index loses the expired hash when something looks.
  CHECK(storage.maintenance("fast")->clear_expired() == 1);
  CHECK(cli(shared_port(), {"ZCARD", prefix + "index:wm"}) == "0");
  storage.maintenance("fast")->clear_all();
}

TEST_CASE("redis: every key lives under the prefix in the documented layout, records expire",
          "[redis][layout]") {
  const std::string prefix = unique_prefix("layout");
  auto storage = open_redis(shared_port(), prefix);
  auto wm = storage.working_memory();
  wm->store_working_memory_pattern("hash1", ArrayView(kValues), 12.5, {{"source", "test"}});
  wm->store_attention_weights("context1", ArrayView(kValues), 12.5);
  wm->cache_spike_train(12.5, ArrayView(kValues), std::vector<std::int64_t>{7, 8, 9, 10});

  const auto keys = keys_under(prefix);
  REQUIRE(keys.size() == 7);
  CHECK(keys[0] == prefix + "attention:context1");
  CHECK(keys[1] == prefix + "index:attention");
  CHECK(keys[2] == prefix + "index:wm");
  CHECK(std::regex_match(keys[3], std::regex(prefix + "spikes:12\\.5:[0-9]{20}")));
  CHECK(keys[4] == prefix + "spikes:index");
  CHECK(keys[5] == prefix + "spikes:seq");
  CHECK(keys[6] == prefix + "wm:hash1");

  CHECK(cli(shared_port(), {"TYPE", prefix + "wm:hash1"}) == "hash");
  CHECK(lines(cli(shared_port(), {"HKEYS", prefix + "wm:hash1"})) ==
        std::vector<std::string>{"metadata", "pattern", "timestamp"});
  CHECK(cli(shared_port(), {"HGET", prefix + "wm:hash1", "timestamp"}) == "12.5");
  CHECK(cli(shared_port(), {"HGET", prefix + "wm:hash1", "metadata"}) == R"({"source":"test"})");
  CHECK(lines(cli(shared_port(), {"HKEYS", prefix + "attention:context1"})) ==
        std::vector<std::string>{"timestamp", "weights"});
  CHECK(lines(cli(shared_port(), {"HKEYS", keys[3]})) ==
        std::vector<std::string>{"cached_at", "neuron_ids", "spikes", "timestamp"});
  CHECK(cli(shared_port(), {"HGET", keys[3], "neuron_ids"}) == "[7,8,9,10]");
  CHECK(cli(shared_port(), {"ZSCORE", prefix + "spikes:index", keys[3].substr(prefix.size())}) ==
        "12.5");
  // Every record key expires: no store leaves a key that lives forever.
  for (const std::string& key : {keys[0], keys[3], keys[6]}) {
    INFO(key);
    CHECK(ttl_of(key) > 0);
  }
  storage.maintenance("fast")->clear_all();
  CHECK(keys_under(prefix).empty());
}

TEST_CASE("redis: two prefixes on one server neither see nor flush each other",
          "[redis][layout]") {
  const std::string base = unique_prefix("apps");
  const std::string prefix_a = base + "a:";
  const std::string prefix_b = base + "b:";
  auto storage_a = open_redis(shared_port(), prefix_a);
  auto storage_b = open_redis(shared_port(), prefix_b);
  auto a = storage_a.working_memory();
  auto b = storage_b.working_memory();
  const std::vector<float> values_b{9.0f, 8.0f};
  a->store_working_memory_pattern("same", ArrayView(kValues), 1.0);
  b->store_working_memory_pattern("same", ArrayView(values_b), 2.0);
  a->store_attention_weights("ctx", ArrayView(kValues), 1.0);
  a->cache_spike_train(now_seconds(), ArrayView(kValues));
  b->cache_spike_train(now_seconds(), ArrayView(values_b));
  // Another application's key under a's prefix, not in engram's layout.
  cli(shared_port(), {"SET", prefix_a + "app_settings", "keep me"});

  CHECK(a->retrieve_working_memory_pattern("same")->timestamp == 1.0);
  CHECK(b->retrieve_working_memory_pattern("same")->timestamp == 2.0);
  CHECK(a->list_working_memory_patterns().items.size() == 1);
  CHECK(b->list_attention_weights().items.empty());
  CHECK(a->get_recent_spike_trains(60.0).size() == 1);
  CHECK(b->get_recent_spike_trains(60.0).size() == 1);
  CHECK(storage_a.maintenance("fast")->stats().at("total") == 3);
  CHECK(storage_b.maintenance("fast")->stats().at("total") == 2);

  storage_a.maintenance("fast")->clear_all();
  CHECK(keys_under(prefix_a) == std::vector<std::string>{prefix_a + "app_settings"});
  CHECK(cli(shared_port(), {"GET", prefix_a + "app_settings"}) == "keep me");
  CHECK_FALSE(a->retrieve_working_memory_pattern("same").has_value());
  const auto kept = b->retrieve_working_memory_pattern("same");
  REQUIRE(kept.has_value());
  CHECK(floats(kept->pattern) == values_b);
  CHECK(b->get_recent_spike_trains(60.0).size() == 1);
  storage_b.maintenance("fast")->clear_all();
  cli(shared_port(), {"DEL", prefix_a + "app_settings"});
  CHECK(keys_under(base).empty());
}
