// The memory plugin's own cases: what only an in-process backend driven by a
// ManualClock can show — expiry to the millisecond, "recent" windows by the
// clock, cleanup by age — and its maintenance, close, and many threads at
// once. What every backend does alike is the conformance suite's.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engram/array.h"
#include "engram/clock.h"
#include "engram/errors.h"
#include "engram/recall.h"
#include "engram/storage.h"
#include "random_vector.h"
#include "same_recall.h"

using engram_test::random_vector;

namespace {

using engram::ArrayView;
using std::chrono::milliseconds;

constexpr double kStart = 1'700'000'000.0;
constexpr double kDay = 86'400.0;

constexpr const char* kConfig =
    "version: 1\n"
    "backends:\n"
    "  mem: {plugin: memory, pattern_ttl: 10}\n"
    "roles: {working_memory: mem, episodes: mem, concepts: mem, traces: mem}\n";

// A memory backend serving every role, on a clock that moves only when told.
struct MemoryFixture {
  std::shared_ptr<engram::ManualClock> clock = std::make_shared<engram::ManualClock>(kStart);
  engram::Storage storage = engram::Storage::from_yaml(kConfig, engram::StorageOptions{.clock = clock, .only_backends = {}});
  std::shared_ptr<engram::WorkingMemory> working_memory = storage.working_memory();
  std::shared_ptr<engram::EpisodeStore> episodes = storage.episodes();
  std::shared_ptr<engram::ConceptStore> concepts = storage.concepts();
  std::shared_ptr<engram::TraceStore> traces = storage.traces();
  std::shared_ptr<engram::Maintenance> maintenance = storage.maintenance("mem");

  std::int64_t count(const char* kind) { return maintenance->stats().at(kind).get<std::int64_t>(); }
};

const std::vector<float> kPattern{1.0f, 2.0f, 3.0f};
const std::vector<double> kTimes{0.1, 0.2};
const std::vector<std::int32_t> kNeurons{4, 7};

engram::Storage open_with(const std::string& backend_options) {
  return engram::Storage::from_yaml("version: 1\nbackends:\n  mem: {plugin: memory" +
                                    backend_options + "}\nroles: {working_memory: mem}\n");
}

}  // namespace

TEST_CASE("memory: a pattern expires exactly when the clock passes its TTL", "[memory]") {
  MemoryFixture f;
  f.working_memory->store_working_memory_pattern("p", kPattern, kStart);

  auto pattern = f.working_memory->retrieve_working_memory_pattern("p");
  REQUIRE(pattern);
  CHECK(pattern->ttl == milliseconds(10'000));  // pattern_ttl from the config
  CHECK(pattern->pattern == engram::Array(ArrayView(kPattern)));

  f.clock->advance(4);
  pattern = f.working_memory->retrieve_working_memory_pattern("p");
  REQUIRE(pattern);
  CHECK(pattern->ttl == milliseconds(6'000));

  f.clock->set(kStart + 10);  // the last instant it lives
  CHECK(f.working_memory->retrieve_working_memory_pattern("p"));
  CHECK(f.count("working_memory") == 1);

  f.clock->set(std::nextafter(kStart + 10, kStart + 11));
  // Invisible at once, to every read, before any clear_expired.
  CHECK_FALSE(f.working_memory->retrieve_working_memory_pattern("p"));
  CHECK(f.working_memory->list_working_memory_patterns().items.empty());
  CHECK(f.count("working_memory") == 0);
  CHECK(f.maintenance->clear_expired() == 1);
}

TEST_CASE("memory: a store replaces a pattern with a fresh TTL", "[memory]") {
  MemoryFixture f;
  f.working_memory->store_working_memory_pattern("p", kPattern, kStart);
  f.clock->advance(8);
  f.working_memory->store_working_memory_pattern("p", kPattern, kStart + 8, {{"v", 2}});
  f.clock->advance(8);
  const auto pattern = f.working_memory->retrieve_working_memory_pattern("p");
  REQUIRE(pattern);
  CHECK(pattern->metadata == engram::Json{{"v", 2}});
  CHECK(pattern->ttl == milliseconds(2'000));
}

TEST_CASE("memory: lookups share the kept bytes; a write to one changes nothing kept",
          "[memory]") {
  MemoryFixture f;
  f.working_memory->store_working_memory_pattern("p", kPattern, kStart);
  const std::int64_t id = f.episodes->store_episode(kPattern, 0.5, "ctx", kStart);
  auto first = f.working_memory->retrieve_working_memory_pattern("p");
  auto second = f.working_memory->retrieve_working_memory_pattern("p");
  REQUIRE(first);
  REQUIRE(second);
  CHECK(first->pattern.data() == second->pattern.data());  // no copy per lookup
  first->pattern.mutable_values<float>()[0] = -1.0f;
  CHECK(first->pattern.values<float>()[0] == -1.0f);
  CHECK(second->pattern.view() == ArrayView(kPattern));
  CHECK(f.working_memory->retrieve_working_memory_pattern("p")->pattern.view() ==
        ArrayView(kPattern));

  auto episode = f.episodes->retrieve_episode(id);
  REQUIRE(episode);
  auto& experience = std::get<engram::Array>(episode->experience_data);
  experience.mutable_values<float>()[2] = 9.0f;
  CHECK(std::get<engram::Array>(f.episodes->retrieve_episode(id)->experience_data).view() ==
        ArrayView(kPattern));
  // A lookup outlives the store that replaced its record.
  f.working_memory->store_working_memory_pattern("p", std::vector<float>{7, 8}, kStart);
  CHECK(second->pattern.view() == ArrayView(kPattern));
}

TEST_CASE("memory: threads writing their lookups and a store replacing the record race on nothing",
          "[memory]") {
  // Run under ThreadSanitizer too: the lookups share the kept bytes.
  MemoryFixture f;
  std::vector<float> values(4096);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i);
  const std::vector<float> other(4096, -5.0f);
  f.working_memory->store_working_memory_pattern("shared", values, kStart);
  std::vector<int> wrong(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 300; ++round) {
        if (t == 0 && round % 10 == 0) {  // replaces the record under the others' feet
          f.working_memory->store_working_memory_pattern(
              "shared", round % 20 == 0 ? other : values, kStart);
          continue;
        }
        auto mine = f.working_memory->retrieve_working_memory_pattern("shared");
        if (!mine) {
          ++wrong[t];
          continue;
        }
        const float seen = mine->pattern.values<float>()[100];
        if (seen != 100.0f && seen != -5.0f) ++wrong[t];
        mine->pattern.mutable_values<float>()[100] = static_cast<float>(-t - 10);
        if (mine->pattern.values<float>()[100] != static_cast<float>(-t - 10)) ++wrong[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(wrong == std::vector<int>(4, 0));
  f.working_memory->store_working_memory_pattern("shared", values, kStart);
  CHECK(f.working_memory->retrieve_working_memory_pattern("shared")->pattern.view() ==
        ArrayView(values));
}

TEST_CASE("memory: update_working_memory_access does not extend a pattern's life", "[memory]") {
  MemoryFixture f;
  f.working_memory->store_working_memory_pattern("p", kPattern, kStart);
  CHECK_FALSE(f.working_memory->retrieve_working_memory_pattern("p")->last_accessed);

  f.clock->advance(6);
  CHECK(f.working_memory->update_working_memory_access("p"));
  const auto pattern = f.working_memory->retrieve_working_memory_pattern("p");
  REQUIRE(pattern);
  CHECK(pattern->last_accessed == kStart + 6);
  CHECK(pattern->ttl == milliseconds(4'000));

  f.clock->advance(4.5);
  CHECK_FALSE(f.working_memory->retrieve_working_memory_pattern("p"));
  // An expired or missing pattern is not touched, nor created.
  CHECK_FALSE(f.working_memory->update_working_memory_access("p"));
  CHECK_FALSE(f.working_memory->update_working_memory_access("never-stored"));
  CHECK_FALSE(f.working_memory->retrieve_working_memory_pattern("never-stored"));
  CHECK(f.count("working_memory") == 0);
}

TEST_CASE("memory: clear_expired removes and counts the expired records", "[memory]") {
  MemoryFixture f;
  for (const char* hash : {"a", "b", "c"}) {
    f.working_memory->store_working_memory_pattern(hash, kPattern, kStart);  // 10 s
  }
  f.working_memory->cache_spike_train(kStart, kTimes, std::nullopt, milliseconds(5'000));
  f.working_memory->cache_spike_train(kStart, kTimes, std::nullopt, milliseconds(5'000));
  f.working_memory->store_attention_weights("ctx", kPattern, kStart);  // 600 s

  CHECK(f.maintenance->clear_expired() == 0);
  f.clock->advance(7);
  CHECK(f.maintenance->clear_expired() == 2);  // the trains
  f.clock->advance(4);
  CHECK(f.maintenance->clear_expired() == 3);  // the patterns
  CHECK(f.maintenance->clear_expired() == 0);
  CHECK(f.count("attention_weights") == 1);
  f.clock->advance(600);
  CHECK_FALSE(f.working_memory->retrieve_attention_weights("ctx"));
  CHECK(f.maintenance->clear_expired() == 1);
}

// Patterns and attention weights are found by id through a hash index kept
// beside the ordered map the listings read: stores, replacements, sweeps
// and clear_all must keep the two alike.
TEST_CASE("memory: records are found, replaced, listed and swept by id alike", "[memory]") {
  MemoryFixture f;
  auto& wm = *f.working_memory;
  const auto id = [](int i) { return "p" + std::to_string(i); };
  // 5000 ids stored in a scattered order; every third one again, later.
  constexpr int kIds = 5000;
  for (int k = 0; k < kIds; ++k) {
    const int i = (k * 7919) % kIds;
    wm.store_working_memory_pattern(id(i), kPattern, kStart, {{"i", i}});
    if (i % 500 == 0) wm.store_attention_weights("ctx" + std::to_string(i), kPattern, kStart);
  }
  f.clock->advance(6);
  for (int i = 0; i < kIds; i += 3) {
    wm.store_working_memory_pattern(id(i), kPattern, kStart + 6, {{"i", -i}});
  }
  // Past the first TTL, before the second: only the replaced ones live.
  f.clock->advance(5);
  CHECK(f.maintenance->clear_expired() == kIds - (kIds + 2) / 3);
  for (int i = 0; i < kIds; ++i) {
    const auto pattern = wm.retrieve_working_memory_pattern(id(i));
    REQUIRE(pattern.has_value() == (i % 3 == 0));
    if (pattern) CHECK(pattern->metadata == engram::Json{{"i", -i}});
    CHECK(wm.update_working_memory_access(id(i)) == (i % 3 == 0));
  }
  CHECK(wm.retrieve_attention_weights("ctx500"));

  // Listed in id order, each once, across pages.
  std::vector<std::string> listed;
  std::string cursor;
  do {
    auto page = wm.list_working_memory_patterns(cursor, 333);
    for (const auto& pattern : page.items) listed.push_back(pattern.pattern_hash);
    cursor = page.next_cursor;
  } while (!cursor.empty());
  CHECK(listed.size() == static_cast<std::size_t>((kIds + 2) / 3));
  CHECK(std::is_sorted(listed.begin(), listed.end()));
  CHECK(std::adjacent_find(listed.begin(), listed.end()) == listed.end());

  // Swept ids are stored anew, and found; the others have expired since.
  f.clock->advance(10);
  for (int i = 1; i < kIds; i += 3) wm.store_working_memory_pattern(id(i), kPattern, kStart + 21);
  for (int i = 0; i < kIds; ++i) {
    CHECK(wm.retrieve_working_memory_pattern(id(i)).has_value() == (i % 3 == 1));
  }
  CHECK(f.maintenance->clear_expired() == (kIds + 2) / 3);
  CHECK(wm.retrieve_working_memory_pattern(id(4)));

  f.maintenance->clear_all();
  CHECK_FALSE(wm.retrieve_working_memory_pattern(id(1)));
  CHECK_FALSE(wm.retrieve_attention_weights("ctx500"));
  wm.store_working_memory_pattern(id(1), kPattern, kStart + 21, {{"again", true}});
  CHECK(wm.retrieve_working_memory_pattern(id(1))->metadata == engram::Json{{"again", true}});
  CHECK(f.count("working_memory") == 1);
}

TEST_CASE("memory: get_recent_spike_trains windows by the manual clock", "[memory]") {
  MemoryFixture f;
  f.working_memory->cache_spike_train(kStart - 5, kTimes, std::vector<std::int64_t>{1});
  f.working_memory->cache_spike_train(kStart, kTimes, std::vector<std::int64_t>{2});
  f.working_memory->cache_spike_train(kStart - 1, kTimes, std::vector<std::int64_t>{3});
  f.working_memory->cache_spike_train(kStart, kTimes, std::vector<std::int64_t>{4});

  auto recent = f.working_memory->get_recent_spike_trains(2.0);
  REQUIRE(recent.size() == 3);  // by timestamp; equal ones in the order cached
  CHECK(recent[0].neuron_ids == std::vector<std::int64_t>{3});
  CHECK(recent[1].neuron_ids == std::vector<std::int64_t>{2});
  CHECK(recent[2].neuron_ids == std::vector<std::int64_t>{4});
  CHECK(f.working_memory->retrieve_spike_train(kStart)->neuron_ids == std::vector<std::int64_t>{4});

  f.clock->advance(1.5);  // the window now starts at kStart - 0.5
  recent = f.working_memory->get_recent_spike_trains(2.0);
  REQUIRE(recent.size() == 2);
  CHECK(recent[0].timestamp == kStart);
  CHECK(recent[1].timestamp == kStart);
  CHECK(f.working_memory->get_recent_spike_trains(10.0).size() == 4);

  f.clock->set(kStart + 300.5);  // past spike_ttl's default, 300 s
  CHECK(f.working_memory->get_recent_spike_trains(1e6).empty());
  CHECK_FALSE(f.working_memory->retrieve_spike_train(kStart));
}

TEST_CASE("memory: get_recent_episodes windows by the manual clock", "[memory]") {
  MemoryFixture f;
  const engram::Json experience{{"reward", 1}};
  const auto old_id = f.episodes->store_episode(experience, 0.5, "maze", kStart - 100);
  const auto recent_id = f.episodes->store_episode(experience, 0.5, "maze", kStart - 10);
  const auto now_id = f.episodes->store_episode(experience, 0.5, "maze");  // stamped by the clock
  CHECK(f.episodes->retrieve_episode(now_id)->timestamp == kStart);

  auto recent = f.episodes->get_recent_episodes(50.0);
  REQUIRE(recent.size() == 2);  // newest first
  CHECK(recent[0].id == now_id);
  CHECK(recent[1].id == recent_id);
  CHECK(f.episodes->get_recent_episodes(100.0).back().id == old_id);

  f.clock->advance(45);  // the window now starts at kStart - 5
  recent = f.episodes->get_recent_episodes(50.0);
  REQUIRE(recent.size() == 1);
  CHECK(recent[0].id == now_id);
}

TEST_CASE("memory: cleanup removes old snapshots and raw spike trains by the clock", "[memory]") {
  MemoryFixture f;
  const std::vector<double> matrix{0, 1, 1, 0};
  const ArrayView square(matrix, {2, 2});
  const auto old_snapshot =
      f.traces->store_network_snapshot(kStart - 40 * kDay, square, square, kTimes);
  const auto new_snapshot =
      f.traces->store_network_snapshot(kStart - 10 * kDay, square, square, kTimes);
  const auto old_train = f.traces->store_spike_train(kStart - 40 * kDay, kTimes, kNeurons);
  const auto old_compressed =
      f.traces->store_compressed_spike_train(kStart - 40 * kDay, kTimes, {{"codec", "x"}});

  CHECK_THROWS_AS(f.maintenance->cleanup(-1), engram::InvalidArgument);
  CHECK(f.maintenance->cleanup(30) == 2);
  CHECK_FALSE(f.traces->retrieve_network_snapshot(old_snapshot));
  CHECK_FALSE(f.traces->retrieve_spike_train(old_train));
  CHECK(f.traces->retrieve_network_snapshot(new_snapshot));
  CHECK(f.traces->retrieve_compressed_spike_train(old_compressed));  // not the seed's to clean
  CHECK(f.maintenance->cleanup(30) == 0);
}

TEST_CASE("memory: stats counts every kind, clear_all empties them", "[memory]") {
  MemoryFixture f;
  f.working_memory->store_working_memory_pattern("p", kPattern, kStart);
  f.working_memory->cache_spike_train(kStart, kTimes);
  f.working_memory->store_attention_weights("ctx", kPattern, kStart);
  f.episodes->store_episode(ArrayView(kPattern), 0.5, "maze");
  f.episodes->store_learning_event("nav", 0.1, "greedy");
  const auto a = f.concepts->store_concept("a", kPattern);
  const auto b = f.concepts->store_concept("b", kPattern);
  f.concepts->add_concept_relationship(a, b, "is_a");
  f.traces->store_spike_train(kStart, kTimes, kNeurons);
  f.traces->store_performance_metrics(kStart, {{"accuracy", 0.9}});

  engram::Json stats = f.maintenance->stats();
  CHECK(stats.at("working_memory") == 1);
  CHECK(stats.at("spike_trains") == 1);
  CHECK(stats.at("attention_weights") == 1);
  CHECK(stats.at("episodes") == 1);
  CHECK(stats.at("learning_events") == 1);
  CHECK(stats.at("concepts") == 2);
  CHECK(stats.at("concept_relationships") == 1);
  CHECK(stats.at("raw_spike_trains") == 1);
  CHECK(stats.at("performance_metrics") == 1);
  CHECK(stats.at("network_snapshots") == 0);
  CHECK(stats.at("total") == 10);

  f.maintenance->clear_all();
  stats = f.maintenance->stats();
  CHECK(stats.at("total") == 0);
  // Ids are not reused after clear_all.
  CHECK(f.episodes->store_episode(ArrayView(kPattern), 0.5, "maze") == 2);
}

TEST_CASE("memory: TTL options must be positive seconds", "[memory]") {
  CHECK_NOTHROW(open_with(", pattern_ttl: 0.5, attention_ttl: 1, spike_ttl: 2"));
  CHECK_THROWS_AS(open_with(", pattern_ttl: 0"), engram::ConfigError);
  CHECK_THROWS_AS(open_with(", spike_ttl: -1"), engram::ConfigError);
  CHECK_THROWS_AS(open_with(", attention_ttl: 1e300"), engram::ConfigError);
}

TEST_CASE("memory: backup, compact and rotate are not supported", "[memory]") {
  MemoryFixture f;
  CHECK(f.maintenance->backend_name() == "mem");
  CHECK_THROWS_AS(f.maintenance->backup(), engram::NotSupported);
  CHECK_THROWS_AS(f.maintenance->backup_if_due(), engram::NotSupported);
  CHECK_THROWS_AS(f.maintenance->compact(), engram::NotSupported);
  CHECK_THROWS_AS(f.maintenance->rotate(), engram::NotSupported);
  CHECK_THROWS_AS(f.maintenance->rotate_if_needed(), engram::NotSupported);
  CHECK_NOTHROW(f.maintenance->sync());  // nothing to flush
}

TEST_CASE("memory: after close every call throws StorageError (closed)", "[memory]") {
  MemoryFixture f;
  const auto id = f.episodes->store_episode(ArrayView(kPattern), 0.5, "maze");
  f.working_memory->store_working_memory_pattern("p", kPattern, kStart);
  engram::TraceBatch batch;
  batch.put(engram::PerformanceMetrics{{}, kStart, {{"accuracy", 1.0}}, "nav"});
  f.storage.close();
  CHECK_NOTHROW(f.maintenance->close());  // idempotent

  const auto closed = Catch::Contains("closed");
  CHECK_THROWS_WITH(f.working_memory->retrieve_working_memory_pattern("p"), closed);
  CHECK_THROWS_WITH(f.working_memory->store_working_memory_pattern("p", kPattern, kStart), closed);
  CHECK_THROWS_WITH(f.working_memory->update_working_memory_access("p"), closed);
  CHECK_THROWS_WITH(f.working_memory->get_recent_spike_trains(), closed);
  CHECK_THROWS_WITH(f.working_memory->list_attention_weights(), closed);
  CHECK_THROWS_WITH(f.episodes->retrieve_episode(id), closed);
  CHECK_THROWS_WITH(f.episodes->store_learning_event("nav", 0.1, "greedy"), closed);
  CHECK_THROWS_WITH(f.episodes->get_best_strategies("nav"), closed);
  CHECK_THROWS_WITH(f.concepts->store_concept("a", kPattern), closed);
  CHECK_THROWS_WITH(f.concepts->search_concepts("a"), closed);
  CHECK_THROWS_WITH(f.concepts->list_relationships(), closed);
  CHECK_THROWS_WITH(f.traces->store_spike_train(kStart, kTimes, kNeurons), closed);
  CHECK_THROWS_WITH(f.traces->get_network_snapshots_in_range(0, kStart), closed);
  CHECK_THROWS_WITH(f.traces->store_batch(batch), closed);
  CHECK_THROWS_WITH(f.maintenance->stats(), closed);
  CHECK_THROWS_WITH(f.maintenance->clear_expired(), closed);
  CHECK_THROWS_WITH(f.maintenance->clear_all(), closed);
  CHECK_THROWS_WITH(f.maintenance->cleanup(30), closed);
  CHECK_THROWS_WITH(f.maintenance->sync(), closed);
  CHECK_THROWS_AS(f.episodes->list_episodes(), engram::StorageError);
}

TEST_CASE("memory: concurrent stores from 8 threads lose nothing", "[memory]") {
  MemoryFixture f;
  constexpr int kThreads = 8;
  constexpr int kEach = 150;
  std::atomic<int> misses{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&f, &misses, t] {
      for (int i = 0; i < kEach; ++i) {
        const std::string key = std::to_string(t) + "-" + std::to_string(i);
        f.working_memory->store_working_memory_pattern(key, kPattern, kStart);
        f.working_memory->cache_spike_train(kStart, kTimes);
        f.episodes->store_episode(ArrayView(kPattern), 0.5, "maze");
        f.episodes->store_learning_event("nav", 0.1, std::to_string(t));
        f.concepts->store_concept(key, kPattern);
        // Every thread in one millisecond: the ids must still not collide.
        f.traces->store_plasticity_trace(kStart, kTimes);
        // Readers beside the writers. (Catch2's assertions are not thread-safe.)
        if (!f.working_memory->retrieve_working_memory_pattern(key)) ++misses;
        static_cast<void>(f.concepts->search_concepts(std::to_string(t) + "-"));
        static_cast<void>(f.episodes->list_episodes({}, 10));
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(misses == 0);

  constexpr std::int64_t kAll = kThreads * kEach;
  CHECK(f.count("working_memory") == kAll);
  CHECK(f.count("spike_trains") == kAll);
  CHECK(f.count("episodes") == kAll);
  CHECK(f.count("learning_events") == kAll);
  CHECK(f.count("concepts") == kAll);
  CHECK(f.count("plasticity_traces") == kAll);

  // Listings in small pages see every record once.
  std::set<std::int64_t> episode_ids;
  std::string cursor;
  do {
    auto page = f.episodes->list_episodes(cursor, 37);
    for (const auto& episode : page.items) episode_ids.insert(episode.id);
    cursor = page.next_cursor;
  } while (!cursor.empty());
  CHECK(episode_ids.size() == kAll);
  CHECK(*episode_ids.begin() == 1);
  CHECK(*episode_ids.rbegin() == kAll);

  std::set<std::string> trace_ids;
  cursor.clear();
  do {
    auto page = f.traces->list_plasticity_traces(cursor, 64);
    for (const auto& trace : page.items) trace_ids.insert(trace.id);
    cursor = page.next_cursor;
  } while (!cursor.empty());
  CHECK(trace_ids.size() == kAll);
  CHECK(trace_ids.count("stdp_1700000000000") == 1);
  CHECK(trace_ids.count("stdp_1700000000000_" + std::to_string(kAll - 1)) == 1);

  std::size_t patterns = 0;
  cursor.clear();
  do {
    auto page = f.working_memory->list_working_memory_patterns(cursor, 50);
    patterns += page.items.size();
    cursor = page.next_cursor;
  } while (!cursor.empty());
  CHECK(patterns == kAll);
}

namespace {

// A memory backend for episodes and concepts with `options` (", key: value").
engram::Storage open_recall(const std::shared_ptr<engram::ManualClock>& clock,
                            const std::string& options) {
  const std::string config = "version: 1\nbackends:\n  mem: {plugin: memory" + options +
                             "}\nroles: {episodes: mem, concepts: mem}\n";
  return engram::Storage::from_yaml(config,
                                    engram::StorageOptions{.clock = clock, .only_backends = {}});
}

// The same records, in the same order, into `storage`: every kind of
// embedding a recall meets (float32, float64, another shape, int32, zero).
void fill_recall(const engram::Storage& storage) {
  std::mt19937 rng(23);
  auto concepts = storage.concepts();
  auto episodes = storage.episodes();
  for (int i = 0; i < 200; ++i) {
    const std::string name = "c" + std::to_string(i);
    const engram::Json metadata = {{"group", i % 3}};
    const double created = kStart + i;
    const std::vector<float> v = random_vector(rng, i % 40 == 7 ? 4 : 8);
    if (i % 40 == 8) {
      concepts->store_concept(name, ArrayView(std::vector<std::int32_t>(8, 1)), metadata, created);
    } else if (i == 9) {
      concepts->store_concept(name, ArrayView(std::vector<float>(8, 0.0f)), metadata, created);
    } else if (i % 5 == 0) {
      concepts->store_concept(name, ArrayView(std::vector<double>(v.begin(), v.end())), metadata,
                              created);
    } else {
      concepts->store_concept(name, ArrayView(v), metadata, created);
    }
    const std::string context = "ctx" + std::to_string(i % 4);
    if (i % 10 == 3) {
      episodes->store_episode(engram::Json{{"i", i}}, 0.01 * i, context, created);
    } else {
      episodes->store_episode(ArrayView(v), 0.01 * (i % 100), context, created);
    }
  }
}

void require_same_answers(const engram::Storage& a, const engram::Storage& b,
                          const std::vector<float>& query,
                          std::optional<engram::TimeRange> accessed = std::nullopt) {
  using engram::RecallMetric;
  for (const RecallMetric metric : {RecallMetric::kCosine, RecallMetric::kDot, RecallMetric::kL2}) {
    for (const std::size_t k : {std::size_t{1}, std::size_t{10}, std::size_t{500}}) {
      INFO("metric " << engram::recall_metric_name(metric) << ", k " << k);
      std::vector<engram::ConceptRecallOptions> concept_options(4);
      concept_options[1].filter.name_prefix = "c1";
      concept_options[2].filter.metadata_equals = {"group", engram::Json(2)};
      concept_options[3].filter.accessed_between = accessed;
      for (auto& o : concept_options) {
        o.metric = metric;
        engram_test::require_same_recall(a.concepts()->nearest_concepts(ArrayView(query), k, o),
                                         b.concepts()->nearest_concepts(ArrayView(query), k, o));
      }
      std::vector<engram::EpisodeRecallOptions> episode_options(3);
      episode_options[1].filter.context_hash = "ctx1";
      episode_options[2].filter.min_score = 0.5;
      for (auto& o : episode_options) {
        o.metric = metric;
        engram_test::require_same_recall(a.episodes()->nearest_episodes(ArrayView(query), k, o),
                                         b.episodes()->nearest_episodes(ArrayView(query), k, o));
      }
    }
  }
}

}  // namespace

TEST_CASE("memory: recall answers alike with its matrix, without one and past the bound",
          "[memory][recall]") {
  auto clock = std::make_shared<engram::ManualClock>(kStart);
  engram::Storage kept = open_recall(clock, "");
  engram::Storage scanned = open_recall(clock, ", recall_cache_bytes: 0");
  engram::Storage tiny = open_recall(clock, ", recall_cache_bytes: 600");
  for (const engram::Storage* storage : {&kept, &scanned, &tiny}) fill_recall(*storage);
  std::mt19937 rng(29);
  const std::vector<float> query = random_vector(rng, 8);
  require_same_answers(kept, scanned, query);
  require_same_answers(tiny, scanned, query);
  // 4 + 5 rows of other shapes and dtypes, one zero under cosine.
  CHECK(kept.concepts()->nearest_concepts(ArrayView(query), 3).skipped == 5 + 5 + 1);

  // An access, and an update of an embedding, seen by the filters and scores.
  clock->advance(5.0);
  for (const engram::Storage* storage : {&kept, &scanned, &tiny}) {
    REQUIRE(storage->concepts()->retrieve_concept_by_name("c42"));
    storage->concepts()->store_concept("c43", ArrayView(query));
  }
  const engram::TimeRange now{clock->now(), clock->now()};
  require_same_answers(kept, scanned, query, now);
  require_same_answers(tiny, scanned, query, now);
  engram::ConceptRecallOptions accessed;
  accessed.filter.accessed_between = now;
  const auto only = kept.concepts()->nearest_concepts(ArrayView(query), 10, accessed);
  REQUIRE(only.hits.size() == 1);
  CHECK(only.hits.front().record.name == "c42");
  CHECK(kept.concepts()->nearest_concepts(ArrayView(query), 1).hits.front().record.name == "c43");

  // clear_all empties them alike; the matrix comes back with new stores.
  for (const engram::Storage* storage : {&kept, &scanned, &tiny}) {
    storage->maintenance("mem")->clear_all();
    CHECK(storage->concepts()->nearest_concepts(ArrayView(query), 3).hits.empty());
    storage->concepts()->store_concept("again", ArrayView(query));
  }
  require_same_answers(kept, scanned, query);
  require_same_answers(tiny, scanned, query);
}

TEST_CASE("memory: recall_cache_bytes is live", "[memory][recall]") {
  auto clock = std::make_shared<engram::ManualClock>(kStart);
  engram::Storage kept = open_recall(clock, "");
  engram::Storage scanned = open_recall(clock, ", recall_cache_bytes: 0");
  for (const engram::Storage* storage : {&kept, &scanned}) fill_recall(*storage);
  std::mt19937 rng(31);
  const std::vector<float> query = random_vector(rng, 8);
  auto maintenance = kept.maintenance("mem");
  for (const std::int64_t bytes : {0, 600, 1 << 20, 0, 1 << 30}) {
    INFO("recall_cache_bytes " << bytes);
    maintenance->set_option("recall_cache_bytes", bytes);
    require_same_answers(kept, scanned, query);
    for (const engram::Storage* storage : {&kept, &scanned}) {
      storage->concepts()->store_concept("live" + std::to_string(bytes), ArrayView(query));
    }
    require_same_answers(kept, scanned, query);
  }
  CHECK_THROWS_AS(maintenance->set_option("recall_cache_bytes", -1), engram::InvalidArgument);
  CHECK_THROWS_AS(maintenance->set_option("pattern_ttl", 5), engram::NotSupported);
  require_same_answers(kept, scanned, query);
}

TEST_CASE("memory: recall_cache_bytes is a byte count, 0 allowed", "[memory][recall]") {
  auto clock = std::make_shared<engram::ManualClock>(kStart);
  CHECK_THROWS_AS(open_recall(clock, ", recall_cache_bytes: -1"), engram::ConfigError);
  CHECK_THROWS_AS(open_recall(clock, ", recall_cache_bytes: 1.5"), engram::ConfigError);
  CHECK_NOTHROW(open_recall(clock, ", recall_cache_bytes: 0"));
}
