// The core's write-behind (engram/write_behind.h) on the memory plugin:
// stores return once queued, reads see them, a full queue waits, ids are
// what the backend would give without it, the config key is the core's.
// (Per backend: tests/plugins/<plugin>/*_write_behind_test.cpp; the whole
// contract: the conformance suite's *-write-behind registrations.)
#include "engram/write_behind.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include "engram/errors.h"
#include "engram/storage.h"

namespace {

using engram::ArrayView;
using engram::Json;
using engram::Storage;

// One memory backend serving every role, with `write_behind` as given.
Storage memory_storage(const std::string& write_behind) {
  return Storage::from_yaml(
      R"(
version: 1
backends:
  mem:
    plugin: memory
)" + (write_behind.empty() ? std::string() : "    write_behind: " + write_behind + "\n") +
      R"(roles: {working_memory: mem, episodes: mem, concepts: mem, traces: mem}
)");
}

// A flush interval no test waits out: only a read, sync() or a full queue
// makes the writer write.
const std::string kHeld = "{flush_interval: 3600}";

}  // namespace

TEST_CASE("write_behind: the config key is the core's, checked strictly", "[write_behind]") {
  CHECK_NOTHROW(memory_storage("{}"));
  CHECK_NOTHROW(memory_storage("{max_pending: 1, max_bytes: 1, flush_interval: 0}"));
  const auto refused = [](const std::string& write_behind, const std::string& words) {
    INFO(write_behind);
    try {
      memory_storage(write_behind);
      FAIL("accepted");
    } catch (const engram::ConfigError& e) {
      const std::string message = e.what();
      CHECK(message.rfind("<string>:6:", 0) == 0);  // at the value's line
      CHECK(message.find(words) != std::string::npos);
    }
  };
  refused("{max_pendin: 4}", "unknown key `max_pendin`");
  refused("{max_pendin: 4}", "`max_pending`");
  refused("{max_pending: 0}", "must be a positive integer, got `0`");
  refused("{max_bytes: lots}", "must be a positive integer, got `lots`");
  refused("{flush_interval: -1}", "from 0 to 3600, got `-1`");
  refused("true", "must be a mapping of max_pending, max_bytes and flush_interval");
  // Only in a backend: at the top level it is an unknown key.
  CHECK_THROWS_AS(Storage::from_yaml("version: 1\nwrite_behind: {}\n"), engram::ConfigError);
  const engram::Config config = engram::Config::parse(R"(
version: 1
backends:
  mem: {plugin: memory, write_behind: {max_pending: 7, flush_interval: 0.25}}
)");
  REQUIRE(config.backends.front().write_behind);
  CHECK(config.backends.front().write_behind->max_pending == 7);
  CHECK(config.backends.front().write_behind->max_bytes == engram::WriteBehindOptions{}.max_bytes);
  CHECK(config.backends.front().write_behind->flush_interval == 0.25);
  CHECK(config.backends.front().options.count("write_behind") == 0);  // never the plugin's
}

TEST_CASE("write_behind: a read sees every store that returned before it", "[write_behind]") {
  Storage storage = memory_storage(kHeld);
  auto traces = storage.traces();
  auto episodes = storage.episodes();
  auto concepts = storage.concepts();
  auto wm = storage.working_memory();
  const std::vector<float> values{1, 2, 3, 4};
  const std::string id = traces->store_network_snapshot(1.5, values, values, values);
  CHECK(id == "snapshot_1500");
  const auto snapshot = traces->retrieve_network_snapshot(id);
  REQUIRE(snapshot);
  CHECK(snapshot->weight_matrix.view() == ArrayView(values));

  const std::int64_t episode = episodes->store_episode(values, 0.5, "ctx", 10.0);
  const auto stored = episodes->retrieve_episode(episode);
  REQUIRE(stored);
  CHECK(stored->context_hash == "ctx");
  CHECK(episodes->get_episodes_by_context("ctx").size() == 1);

  const std::int64_t concept_id = concepts->store_concept("cat", values);
  CHECK(concepts->store_concept("cat", values, {{"v", 2}}) == concept_id);  // queued name
  REQUIRE(concepts->retrieve_concept(concept_id));
  CHECK(concepts->retrieve_concept(concept_id)->metadata == Json{{"v", 2}});
  CHECK(concepts->store_concept("cat", values, {{"v", 3}}) == concept_id);  // stored name

  wm->store_working_memory_pattern("p", values, 5.0);
  REQUIRE(wm->retrieve_working_memory_pattern("p"));
  // Maintenance drains first: stats count the store queued just now.
  traces->store_network_snapshot(2.5, values, values, values);
  CHECK(storage.maintenance("mem")->stats().dump().find("\"network_snapshots\":2") !=
        std::string::npos);
}

TEST_CASE("write_behind: a relationship to a concept that is nowhere is refused at the call",
          "[write_behind]") {
  Storage storage = memory_storage(kHeld);
  auto concepts = storage.concepts();
  const std::vector<float> values{1, 2};
  const std::int64_t a = concepts->store_concept("a", values);  // queued, not written
  const std::int64_t b = concepts->store_concept("b", values);
  CHECK_NOTHROW(concepts->add_concept_relationship(a, b, "is", 0.5));
  CHECK_THROWS_AS(concepts->add_concept_relationship(a, b + 1000, "is", 0.5),
                  engram::InvalidArgument);
  const auto relationships = concepts->get_concept_relationships(a);
  REQUIRE(relationships.size() == 1);
  CHECK(relationships.front().target_id == b);
}

TEST_CASE("write_behind: a full queue makes stores wait, and drops none", "[write_behind]") {
  Storage storage = memory_storage("{max_pending: 2, flush_interval: 3600}");
  auto traces = storage.traces();
  const std::vector<double> values(64, 1.0);
  std::vector<std::string> ids;
  for (int i = 0; i < 200; ++i) {
    ids.push_back(traces->store_reservoir_states(1.0 + i * 0.001, values, "r"));
  }
  storage.maintenance("mem")->sync();
  std::size_t listed = 0;
  std::string cursor;
  do {
    auto page = traces->list_reservoir_states(cursor, 64);
    listed += page.items.size();
    cursor = page.next_cursor;
  } while (!cursor.empty());
  CHECK(listed == 200);
  for (const std::string& id : ids) CHECK(traces->retrieve_reservoir_states(id));
}

TEST_CASE("write_behind: a queue larger than one write is written in order, all of it",
          "[write_behind]") {
  // The writer takes at most 1,024 records or 4 MiB per store_batch: 3,000
  // learning events and 10 episodes of 1 MiB each take several writes.
  Storage storage = memory_storage(kHeld);
  auto episodes = storage.episodes();
  std::vector<std::int64_t> events;
  for (int i = 0; i < 3000; ++i) {
    events.push_back(episodes->store_learning_event("task", 0.5, "s" + std::to_string(i % 7),
                                                    {{"i", i}}, 100.0 + i));
  }
  const std::vector<double> big(std::size_t{1} << 17, 0.25);  // 1 MiB
  std::vector<std::int64_t> stored;
  for (int i = 0; i < 10; ++i) stored.push_back(episodes->store_episode(big, 0.1 * i, "big"));
  storage.maintenance("mem")->sync();

  std::vector<std::int64_t> listed;
  std::string cursor;
  do {
    auto page = episodes->list_learning_events(cursor, 500);
    for (const auto& event : page.items) {
      CHECK(event.parameters == Json{{"i", static_cast<int>(event.timestamp - 100.0)}});
      listed.push_back(event.id);
    }
    cursor = page.next_cursor;
  } while (!cursor.empty());
  CHECK(listed == events);
  REQUIRE(episodes->get_episodes_by_context("big", 100).size() == 10);
  for (std::int64_t id : stored) {
    const auto episode = episodes->retrieve_episode(id);
    REQUIRE(episode);
    CHECK(std::get<engram::Array>(episode->experience_data).nbytes() == big.size() * 8);
  }
}

TEST_CASE("write_behind: trace ids are the ones the backend gives without it", "[write_behind]") {
  Storage queued = memory_storage(kHeld);
  Storage direct = memory_storage("");
  const std::vector<float> values{1, 2};
  // Rising, repeated, then earlier timestamps: each store's id on both.
  for (double t : {1.0, 1.0, 1.0, 2.0, 2.0, 0.5, 1.0, 2.0, 3.0}) {
    INFO(t);
    CHECK(queued.traces()->store_plasticity_trace(t, values, "stdp") ==
          direct.traces()->store_plasticity_trace(t, values, "stdp"));
  }
  // Ids written by a batch (which drains the queue first) are taken too.
  engram::TraceBatch batch;
  batch.put(engram::PlasticityTraceView{"stdp_5000", 5.0, ArrayView(values), "stdp"});
  CHECK(queued.traces()->store_batch(batch).plasticity_traces.front() == "stdp_5000");
  CHECK(queued.traces()->store_plasticity_trace(5.0, values, "stdp") == "stdp_5000_1");
}

TEST_CASE("write_behind: stores from many threads all land, with distinct ids", "[write_behind]") {
  Storage storage = memory_storage("{max_pending: 8, flush_interval: 0.001}");
  auto episodes = storage.episodes();
  auto traces = storage.traces();
  std::vector<std::vector<std::int64_t>> ids(4);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      const std::vector<float> values{static_cast<float>(t), 1};
      for (int i = 0; i < 100; ++i) {
        ids[t].push_back(episodes->store_episode(values, 0.1 * i, "t" + std::to_string(t)));
        traces->store_homeostatic_trace(1.0, values, "m");
        if (i % 25 == 0) episodes->get_recent_episodes(1e9, 1);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  std::vector<std::int64_t> all;
  for (int t = 0; t < 4; ++t) {
    CHECK(episodes->get_episodes_by_context("t" + std::to_string(t), 1000).size() == 100);
    all.insert(all.end(), ids[t].begin(), ids[t].end());
  }
  std::sort(all.begin(), all.end());
  CHECK(std::adjacent_find(all.begin(), all.end()) == all.end());
  for (std::int64_t id : all) CHECK(episodes->retrieve_episode(id));
  // 400 homeostatic traces in one millisecond: "m_1000" and 399 suffixes.
  CHECK(traces->retrieve_homeostatic_trace("m_1000_399"));
  CHECK_FALSE(traces->retrieve_homeostatic_trace("m_1000_400"));
}

TEST_CASE("write_behind: an invalid store is refused at the call and queues nothing",
          "[write_behind]") {
  Storage storage = memory_storage(kHeld);
  auto episodes = storage.episodes();
  const std::vector<float> values{1, 2};
  CHECK_THROWS_AS(episodes->store_episode(values, std::nan(""), "ctx"), engram::InvalidArgument);
  CHECK(episodes->get_recent_episodes(1e12).empty());
}

TEST_CASE("write_behind: after close every call throws closed", "[write_behind]") {
  Storage storage = memory_storage(kHeld);
  auto episodes = storage.episodes();
  const std::vector<float> values{1, 2};
  episodes->store_episode(values, 0.5, "ctx");
  storage.close();
  CHECK_THROWS_AS(episodes->store_episode(values, 0.5, "ctx"), engram::StorageError);
  CHECK_THROWS_AS(episodes->retrieve_episode(1), engram::StorageError);
}
