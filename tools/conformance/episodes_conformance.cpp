// Conformance: the episodes role (engram/episode_store.h): episodes and
// learning events.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "engram/episode_store.h"
#include "fixture.h"

namespace {

using conformance::open;
using engram::Array;
using engram::Episode;
using engram::EpisodeBatch;
using engram::EpisodeStore;
using engram::InvalidArgument;
using engram::Json;
using engram::LearningEvent;
using engram::StrategyScore;

std::vector<Episode> all_episodes(EpisodeStore& store, std::size_t limit = 100,
                                  engram::Undecodable mode = engram::Undecodable::kFail) {
  return conformance::list_all<Episode>(
      [&](std::string_view c, std::size_t l) { return store.list_episodes(c, l, mode); }, limit);
}
std::vector<LearningEvent> all_events(EpisodeStore& store, std::size_t limit = 100,
                                      engram::Undecodable mode = engram::Undecodable::kFail) {
  return conformance::list_all<LearningEvent>(
      [&](std::string_view c, std::size_t l) { return store.list_learning_events(c, l, mode); },
      limit);
}

std::vector<double> timestamps(const std::vector<Episode>& episodes) {
  std::vector<double> out;
  for (const auto& e : episodes) out.push_back(e.timestamp);
  return out;
}
std::vector<double> timestamps(const std::vector<LearningEvent>& events) {
  std::vector<double> out;
  for (const auto& e : events) out.push_back(e.timestamp);
  return out;
}

// Checks `got` is the array experience `want`.
void check_array_experience(const Episode& got, const Array& want) {
  const Array* array = std::get_if<Array>(&got.experience_data);
  REQUIRE(array != nullptr);
  ENGRAM_CHECK_ARRAY(*array, want);
}
void check_json_experience(const Episode& got, const Json& want) {
  const Json* json = std::get_if<Json>(&got.experience_data);
  REQUIRE(json != nullptr);
  ENGRAM_CHECK_JSON(*json, want);
}

// Every field but the id.
void check_same_episode(const Episode& got, const Episode& want) {
  CHECK(got.timestamp == want.timestamp);
  CHECK(got.performance_score == want.performance_score);
  CHECK(got.context_hash == want.context_hash);
  ENGRAM_CHECK_JSON(got.metadata, want.metadata);
  REQUIRE(got.experience_data.index() == want.experience_data.index());
  if (const Array* array = std::get_if<Array>(&want.experience_data)) {
    check_array_experience(got, *array);
  } else {
    check_json_experience(got, std::get<Json>(want.experience_data));
  }
}

void check_same_event(const LearningEvent& got, const LearningEvent& want) {
  CHECK(got.task_type == want.task_type);
  CHECK(got.performance_delta == want.performance_delta);
  CHECK(got.strategy_used == want.strategy_used);
  CHECK(got.timestamp == want.timestamp);
  ENGRAM_CHECK_JSON(got.parameters, want.parameters);
}

}  // namespace

TEST_CASE("episodes: an episode round-trips with array or JSON experience", "[episodes]") {
  engram::Storage storage = open();
  auto store = storage.episodes();
  const Array experience = conformance::make_array(engram::DType::kFloat32, {3, 4}, 1);
  const Json metadata = conformance::small_metadata(1);
  const std::int64_t array_id =
      store->store_episode(experience, 0.75, "maze", 1700000000.5, metadata);
  const Json json_experience{{"reward", 1}, {"ratio", 1.0}, {"path", {"n", "e", "s"}},
                             {"nested", {{"k", -2}}}};
  const std::int64_t json_id = store->store_episode(json_experience, -0.25, "maze", 1700000001.5);
  CHECK(array_id > 0);
  CHECK(json_id > 0);
  CHECK(array_id != json_id);

  auto got = store->retrieve_episode(array_id);
  REQUIRE(got);
  CHECK(got->id == array_id);
  CHECK(got->timestamp == 1700000000.5);
  CHECK(got->performance_score == 0.75);
  CHECK(got->context_hash == "maze");
  ENGRAM_CHECK_JSON(got->metadata, metadata);
  check_array_experience(*got, experience);

  auto got_json = store->retrieve_episode(json_id);
  REQUIRE(got_json);
  CHECK(got_json->id == json_id);
  CHECK(got_json->performance_score == -0.25);
  check_json_experience(*got_json, json_experience);
  ENGRAM_CHECK_JSON(got_json->metadata, Json::object());

  // A store without a timestamp is stamped now.
  const double before = conformance::wall_now();
  const std::int64_t now_id = store->store_episode(experience, 0.5, "maze");
  const double after = conformance::wall_now();
  auto stamped = store->retrieve_episode(now_id);
  REQUIRE(stamped);
  CHECK(stamped->timestamp >= before - 1.0);
  CHECK(stamped->timestamp <= after + 1.0);

  CHECK_FALSE(store->retrieve_episode(0));
  CHECK_FALSE(store->retrieve_episode(-1));
  CHECK_FALSE(store->retrieve_episode(std::max({array_id, json_id, now_id}) + 1000));
  CHECK_FALSE(store->retrieve_episode(std::numeric_limits<std::int64_t>::max()));
}

TEST_CASE("episodes: every dtype and shape round-trips as experience data", "[episodes]") {
  engram::Storage storage = open();
  auto store = storage.episodes();
  const auto samples = conformance::sample_arrays();
  std::vector<std::int64_t> ids;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    ids.push_back(store->store_episode(samples[i].array, 0.5, "dtypes", static_cast<double>(i)));
  }
  CHECK(std::set<std::int64_t>(ids.begin(), ids.end()).size() == ids.size());
  for (std::size_t i = 0; i < samples.size(); ++i) {
    INFO("sample " << samples[i].label);
    auto got = store->retrieve_episode(ids[i]);
    REQUIRE(got);
    check_array_experience(*got, samples[i].array);
  }
}

TEST_CASE("episodes: metadata, JSON experience and parameters round-trip exactly",
          "[episodes]") {
  engram::Storage storage = open();
  auto store = storage.episodes();
  const Json rich = conformance::rich_metadata();
  const std::int64_t id = store->store_episode(rich, 1.0, "rich", 5.0, rich);
  auto got = store->retrieve_episode(id);
  REQUIRE(got);
  check_json_experience(*got, rich);
  ENGRAM_CHECK_JSON(got->metadata, rich);
  const auto listed = all_episodes(*store);
  REQUIRE(listed.size() == 1);
  ENGRAM_CHECK_JSON(listed[0].metadata, rich);

  store->store_learning_event("rich_task", 0.5, "s", rich, 6.0);
  const auto events = store->get_learning_events_by_task("rich_task");
  REQUIRE(events.size() == 1);
  ENGRAM_CHECK_JSON(events[0].parameters, rich);
}

TEST_CASE("episodes: get_episodes_by_context is newest first with inclusive min_score and limit",
          "[episodes]") {
  engram::Storage storage = open();
  auto store = storage.episodes();
  const Array a = conformance::make_array(engram::DType::kInt8, {2}, 1);
  const std::string context = "maze/level-1";  // '/' is fine in a value
  store->store_episode(a, 0.5, context, 100.0);
  store->store_episode(a, 0.9, context, 300.0);
  store->store_episode(a, 0.7, context, 200.0);
  store->store_episode(a, 0.7, context, 400.0);
  store->store_episode(a, 0.99, "maze", 500.0);
  store->store_episode(a, 0.99, "MAZE/LEVEL-1", 600.0);

  CHECK(timestamps(store->get_episodes_by_context(context)) ==
        std::vector<double>{400.0, 300.0, 200.0, 100.0});
  CHECK(timestamps(store->get_episodes_by_context(context, 2)) ==
        std::vector<double>{400.0, 300.0});
  CHECK(timestamps(store->get_episodes_by_context(context, 100, 0.7)) ==
        std::vector<double>{400.0, 300.0, 200.0});
  CHECK(timestamps(store->get_episodes_by_context(context, 1, 0.7)) ==
        std::vector<double>{400.0});
  CHECK(timestamps(store->get_episodes_by_context(context, 100, 0.9)) ==
        std::vector<double>{300.0});
  CHECK(store->get_episodes_by_context(context, 100, 0.95).empty());
  CHECK(store->get_episodes_by_context(context, 0).empty());
  CHECK(timestamps(store->get_episodes_by_context(context, 100, -1e300)).size() == 4);
  CHECK(store->get_episodes_by_context("maze/level").empty());
  CHECK(store->get_episodes_by_context("%").empty());
  for (const auto& e : store->get_episodes_by_context(context)) {
    CHECK(e.context_hash == context);
    check_array_experience(e, a);
  }
}

TEST_CASE("episodes: get_recent_episodes lists the window newest first", "[episodes]") {
  engram::Storage storage = open();
  auto store = storage.episodes();
  const Array a = conformance::make_array(engram::DType::kFloat64, {1}, 1);
  const double now = conformance::wall_now();
  store->store_episode(a, 0.1, "a", now - 100.0);
  store->store_episode(a, 0.2, "b", now - 7200.0);
  store->store_episode(Json{{"x", 1}}, 0.3, "c", now - 10.0);
  const std::int64_t newest = store->store_episode(a, 0.4, "a");  // now

  const auto recent = store->get_recent_episodes();  // 3600 s, 100
  REQUIRE(recent.size() == 3);
  CHECK(recent[0].id == newest);
  CHECK(recent[1].timestamp == now - 10.0);
  CHECK(recent[2].timestamp == now - 100.0);
  CHECK(timestamps(store->get_recent_episodes(50.0)).size() == 2);
  const auto limited = store->get_recent_episodes(3600.0, 2);
  REQUIRE(limited.size() == 2);
  CHECK(limited[0].id == newest);
  CHECK(limited[1].timestamp == now - 10.0);
  CHECK(store->get_recent_episodes(1e6).size() == 4);
  CHECK(store->get_recent_episodes(3600.0, 0).empty());

  CHECK_THROWS_AS(store->get_recent_episodes(-1.0), InvalidArgument);
  CHECK_THROWS_AS(store->get_recent_episodes(std::numeric_limits<double>::quiet_NaN()),
                  InvalidArgument);
}

TEST_CASE("episodes: context hashes are values and only empty or invalid UTF-8 is refused",
          "[episodes]") {
  engram::Storage storage = open();
  auto store = storage.episodes();
  const Array a = conformance::make_array(engram::DType::kUInt8, {3}, 1);
  for (const std::string& context : conformance::value_only_strings()) {
    INFO("context '" << conformance::printable(context) << "'");
    const std::int64_t id = store->store_episode(a, 0.5, context, 1.0);
    auto got = store->retrieve_episode(id);
    REQUIRE(got);
    CHECK(got->context_hash == context);
    const auto by_context = store->get_episodes_by_context(context);
    REQUIRE(by_context.size() == 1);
    CHECK(by_context[0].id == id);
  }
  const std::size_t stored = all_episodes(*store).size();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  for (const std::string& bad : conformance::bad_values()) {
    INFO("context '" << conformance::printable(bad) << "'");
    CHECK_THROWS_AS(store->store_episode(a, 0.5, bad, 1.0), InvalidArgument);
    CHECK_THROWS_AS(store->store_episode(Json::object(), 0.5, bad, 1.0), InvalidArgument);
    CHECK_THROWS_AS(store->get_episodes_by_context(bad), InvalidArgument);
  }
  CHECK_THROWS_AS(store->store_episode(a, nan, "c", 1.0), InvalidArgument);
  CHECK_THROWS_AS(store->store_episode(a, 0.5, "c", nan), InvalidArgument);
  CHECK_THROWS_AS(store->store_episode(a, 0.5, "c", 1.0, Json{{"x", nan}}), InvalidArgument);
  CHECK_THROWS_AS(store->store_episode(Json::array({1, 2}), 0.5, "c", 1.0), InvalidArgument);
  CHECK_THROWS_AS(store->store_episode(Json{{"x", {1.0, nan}}}, 0.5, "c", 1.0),
                  InvalidArgument);
  CHECK_THROWS_AS(store->get_episodes_by_context("c", 10, nan), InvalidArgument);
  CHECK(all_episodes(*store).size() == stored);
}

TEST_CASE("episodes: learning events by task are newest first with inclusive min delta",
          "[episodes]") {
  engram::Storage storage = open();
  auto store = storage.episodes();
  const Json parameters{{"lr", 0.01}, {"steps", 100}};
  const std::int64_t first = store->store_learning_event("nav", 0.1, "greedy", parameters, 10.0);
  store->store_learning_event("nav", -0.2, "random", Json::object(), 30.0);
  store->store_learning_event("nav", 0.3, "greedy", Json::object(), 20.0);
  store->store_learning_event("nav", 0.3, "planner", Json::object(), 40.0);
  store->store_learning_event("other", 5.0, "greedy", Json::object(), 50.0);
  CHECK(first > 0);

  const auto events = store->get_learning_events_by_task("nav");
  CHECK(timestamps(events) == std::vector<double>{40.0, 30.0, 20.0, 10.0});
  REQUIRE(events.size() == 4);
  CHECK(events[3].id == first);
  CHECK(events[3].task_type == "nav");
  CHECK(events[3].strategy_used == "greedy");
  CHECK(events[3].performance_delta == 0.1);
  ENGRAM_CHECK_JSON(events[3].parameters, parameters);
  std::set<std::int64_t> ids;
  for (const auto& e : events) ids.insert(e.id);
  CHECK(ids.size() == 4);

  CHECK(timestamps(store->get_learning_events_by_task("nav", 100, 0.3)) ==
        std::vector<double>{40.0, 20.0});
  CHECK(timestamps(store->get_learning_events_by_task("nav", 100, -0.2)).size() == 4);
  CHECK(timestamps(store->get_learning_events_by_task("nav", 100, 0.30000000000000004))
            .empty());
  CHECK(timestamps(store->get_learning_events_by_task("nav", 1)) == std::vector<double>{40.0});
  CHECK(timestamps(store->get_learning_events_by_task("nav", 2, 0.0)) ==
        std::vector<double>{40.0, 20.0});
  CHECK(store->get_learning_events_by_task("absent").empty());
  CHECK(store->get_learning_events_by_task("nav", 0).empty());

  // A store without a timestamp is stamped now.
  const double before = conformance::wall_now();
  store->store_learning_event("later", 1.0, "s");
  const double after = conformance::wall_now();
  const auto later = store->get_learning_events_by_task("later");
  REQUIRE(later.size() == 1);
  CHECK(later[0].timestamp >= before - 1.0);
  CHECK(later[0].timestamp <= after + 1.0);
  ENGRAM_CHECK_JSON(later[0].parameters, Json::object());
}

TEST_CASE("episodes: get_best_strategies counts positive deltas, by average then count",
          "[episodes]") {
  engram::Storage storage = open();
  auto store = storage.episodes();
  double t = 1.0;
  const auto event = [&](const char* strategy, double delta) {
    store->store_learning_event("task", delta, strategy, Json::object(), t += 1.0);
  };
  event("A", 0.75);
  event("A", 0.25);
  event("B", 0.5);
  event("C", 1.0);
  event("C", -5.0);
  event("D", -0.1);
  event("D", 0.0);
  event("E", 0.25);
  event("E", 0.25);
  event("E", 0.25);
  store->store_learning_event("elsewhere", 10.0, "F", Json::object(), 100.0);

  const auto best = store->get_best_strategies("task");
  REQUIRE(best.size() == 4);
  CHECK(best[0].strategy == "C");
  CHECK(best[0].avg_delta == Approx(1.0));
  CHECK(best[0].count == 1);
  CHECK(best[1].strategy == "A");
  CHECK(best[1].avg_delta == Approx(0.5));
  CHECK(best[1].count == 2);
  CHECK(best[2].strategy == "B");
  CHECK(best[2].avg_delta == Approx(0.5));
  CHECK(best[2].count == 1);
  CHECK(best[3].strategy == "E");
  CHECK(best[3].avg_delta == Approx(0.25));
  CHECK(best[3].count == 3);

  const auto two = store->get_best_strategies("task", 2);
  REQUIRE(two.size() == 2);
  CHECK(two[0].strategy == "C");
  CHECK(two[1].strategy == "A");
  CHECK(store->get_best_strategies("task", 0).empty());
  CHECK(store->get_best_strategies("absent").empty());
  const auto elsewhere = store->get_best_strategies("elsewhere");
  REQUIRE(elsewhere.size() == 1);
  CHECK(elsewhere[0].strategy == "F");
}

TEST_CASE("episodes: task types are validated ids and strategy names are values", "[episodes]") {
  engram::Storage storage = open();
  auto store = storage.episodes();
  for (const std::string& bad : conformance::bad_ids()) {
    INFO("task type '" << conformance::printable(bad) << "'");
    CHECK_THROWS_AS(store->store_learning_event(bad, 0.5, "s", Json::object(), 1.0),
                    InvalidArgument);
    CHECK_THROWS_AS(store->get_learning_events_by_task(bad), InvalidArgument);
    CHECK_THROWS_AS(store->get_best_strategies(bad), InvalidArgument);
    EpisodeBatch batch;
    CHECK_THROWS_AS(batch.store_learning_event(bad, 0.5, "s"), InvalidArgument);
    CHECK(batch.empty());
  }
  for (const std::string& bad : conformance::bad_values()) {
    INFO("strategy '" << conformance::printable(bad) << "'");
    CHECK_THROWS_AS(store->store_learning_event("t", 0.5, bad, Json::object(), 1.0),
                    InvalidArgument);
  }
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_AS(store->store_learning_event("t", nan, "s"), InvalidArgument);
  CHECK_THROWS_AS(store->store_learning_event("t", 0.5, "s", Json{{"p", nan}}), InvalidArgument);
  CHECK_THROWS_AS(store->store_learning_event("t", 0.5, "s", Json::object(), nan),
                  InvalidArgument);
  CHECK_THROWS_AS(store->get_learning_events_by_task("t", 10, nan), InvalidArgument);
  CHECK(all_events(*store).empty());

  const auto good = conformance::good_ids();
  for (std::size_t i = 0; i < good.size(); ++i) {
    store->store_learning_event(good[i], static_cast<double>(i) + 1.0, "s", Json::object(),
                                static_cast<double>(i));
  }
  for (std::size_t i = 0; i < good.size(); ++i) {
    INFO("task type '" << conformance::printable(good[i]) << "'");
    const auto events = store->get_learning_events_by_task(good[i]);
    REQUIRE(events.size() == 1);
    CHECK(events[0].task_type == good[i]);
    CHECK(events[0].performance_delta == static_cast<double>(i) + 1.0);
    const auto best = store->get_best_strategies(good[i]);
    REQUIRE(best.size() == 1);
    CHECK(best[0].count == 1);
  }
  for (const std::string& strategy : conformance::value_only_strings()) {
    INFO("strategy '" << conformance::printable(strategy) << "'");
    store->store_learning_event("values", 1.0, strategy, Json::object(), 1.0);
  }
  CHECK(store->get_best_strategies("values", 100).size() ==
        conformance::value_only_strings().size());
}

TEST_CASE("episodes: store_batch stores everything and returns ids in order", "[episodes]") {
  engram::Storage storage = open();
  auto store = storage.episodes();
  const Array a = conformance::make_array(engram::DType::kInt64, {2, 2}, 1);
  const Array b = conformance::make_array(engram::DType::kComplex128, {}, 2);
  const Json json_experience{{"k", 1.5}};
  EpisodeBatch batch;
  batch.store_episode(a, 0.1, "ctx", 10.0, Json{{"n", 1}});
  batch.store_episode(json_experience, 0.2, "ctx");  // stamped when applied
  batch.store_episode(b, 0.3, "other/ctx", 30.0);
  batch.store_learning_event("task", 0.5, "s1", Json{{"p", 1}}, 40.0);
  batch.store_learning_event("task", -0.5, "s2");
  REQUIRE(batch.size() == 5);

  const double before = conformance::wall_now();
  const engram::EpisodeBatchIds ids = store->store_batch(batch);
  const double after = conformance::wall_now();
  REQUIRE(ids.episode_ids.size() == 3);
  REQUIRE(ids.learning_event_ids.size() == 2);
  std::set<std::int64_t> distinct(ids.episode_ids.begin(), ids.episode_ids.end());
  CHECK(distinct.size() == 3);

  auto first = store->retrieve_episode(ids.episode_ids[0]);
  REQUIRE(first);
  check_array_experience(*first, a);
  CHECK(first->timestamp == 10.0);
  ENGRAM_CHECK_JSON(first->metadata, (Json{{"n", 1}}));
  auto second = store->retrieve_episode(ids.episode_ids[1]);
  REQUIRE(second);
  check_json_experience(*second, json_experience);
  CHECK(second->timestamp >= before - 1.0);
  CHECK(second->timestamp <= after + 1.0);
  auto third = store->retrieve_episode(ids.episode_ids[2]);
  REQUIRE(third);
  check_array_experience(*third, b);
  CHECK(third->context_hash == "other/ctx");

  const auto events = store->get_learning_events_by_task("task");
  REQUIRE(events.size() == 2);
  std::map<std::int64_t, LearningEvent> by_id;
  for (const auto& e : events) by_id[e.id] = e;
  REQUIRE(by_id.count(ids.learning_event_ids[0]) == 1);
  REQUIRE(by_id.count(ids.learning_event_ids[1]) == 1);
  CHECK(by_id[ids.learning_event_ids[0]].strategy_used == "s1");
  CHECK(by_id[ids.learning_event_ids[0]].timestamp == 40.0);
  CHECK(by_id[ids.learning_event_ids[1]].strategy_used == "s2");
  CHECK(by_id[ids.learning_event_ids[1]].timestamp >= before - 1.0);
  CHECK(by_id[ids.learning_event_ids[1]].timestamp <= after + 1.0);

  // An empty batch stores nothing and returns no ids.
  const engram::EpisodeBatchIds none = store->store_batch(EpisodeBatch{});
  CHECK(none.episode_ids.empty());
  CHECK(none.learning_event_ids.empty());
  CHECK(all_episodes(*store).size() == 3);
}

TEST_CASE("episodes: a batch add that fails validation leaves the batch unchanged",
          "[episodes]") {
  engram::Storage storage = open();
  auto store = storage.episodes();
  const Array a = conformance::make_array(engram::DType::kUInt32, {3}, 1);
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EpisodeBatch batch;
  batch.store_episode(a, 0.5, "ctx", 1.0);
  batch.store_learning_event("task", 0.5, "s", Json::object(), 2.0);
  CHECK_THROWS_AS(batch.store_episode(a, 0.5, "", 1.0), InvalidArgument);
  CHECK_THROWS_AS(batch.store_episode(a, nan, "ctx", 1.0), InvalidArgument);
  CHECK_THROWS_AS(batch.store_episode(Json{{"x", nan}}, 0.5, "ctx", 1.0), InvalidArgument);
  CHECK_THROWS_AS(batch.store_episode(a, 0.5, "ctx", std::numeric_limits<double>::infinity()),
                  InvalidArgument);
  CHECK_THROWS_AS(batch.store_learning_event("a/b", 0.5, "s"), InvalidArgument);
  CHECK_THROWS_AS(batch.store_learning_event("task", 0.5, ""), InvalidArgument);
  CHECK_THROWS_AS(batch.put(LearningEvent{-1, "task", 0.5, "s", 1.0, Json::object()}),
                  InvalidArgument);
  CHECK(batch.size() == 2);
  CHECK(batch.episodes().size() == 1);
  CHECK(batch.learning_events().size() == 1);
  CHECK(all_episodes(*store).empty());
  CHECK(all_events(*store).empty());

  const auto ids = store->store_batch(batch);
  CHECK(ids.episode_ids.size() == 1);
  CHECK(ids.learning_event_ids.size() == 1);
  CHECK(all_episodes(*store).size() == 1);
  CHECK(all_events(*store).size() == 1);
}

TEST_CASE("episodes: listings return every record exactly once, in id order", "[episodes]") {
  engram::Storage storage = open();
  auto store = storage.episodes();
  std::set<std::int64_t> episode_ids;
  std::set<std::int64_t> event_ids;
  for (int i = 0; i < 7; ++i) {
    const Array a = conformance::make_array(engram::DType::kFloat16, {3},
                                            static_cast<std::uint64_t>(i));
    episode_ids.insert(store->store_episode(a, 0.1 * i, "ctx" + std::to_string(i % 2),
                                            static_cast<double>(100 - i)));
    event_ids.insert(store->store_learning_event("task", 0.1 * i, "s" + std::to_string(i),
                                                 Json{{"i", i}}, static_cast<double>(i)));
  }
  // Asked to pass over what does not decode, a listing of sound records is
  // the same (list_all checks that nothing is skipped).
  for (const auto mode : {engram::Undecodable::kFail, engram::Undecodable::kSkip})
  for (const std::size_t limit :
       {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{100}}) {
    INFO("limit " << limit << (mode == engram::Undecodable::kSkip ? ", kSkip" : ""));
    const auto episodes = all_episodes(*store, limit, mode);
    std::vector<std::int64_t> got;
    for (const auto& e : episodes) got.push_back(e.id);
    CHECK(got == std::vector<std::int64_t>(episode_ids.begin(), episode_ids.end()));
    for (const auto& e : episodes) {
      auto direct = store->retrieve_episode(e.id);
      REQUIRE(direct);
      check_same_episode(e, *direct);
    }
    const auto events = all_events(*store, limit, mode);
    std::vector<std::int64_t> got_events;
    for (const auto& e : events) got_events.push_back(e.id);
    CHECK(got_events == std::vector<std::int64_t>(event_ids.begin(), event_ids.end()));
  }
  const std::string bogus = "this is not a cursor \x01\xff";
  CHECK_THROWS_AS(store->list_episodes(bogus, 2), InvalidArgument);
  CHECK_THROWS_AS(store->list_learning_events(bogus, 2), InvalidArgument);
  CHECK_THROWS_AS(store->list_episodes({}, 0), InvalidArgument);
  CHECK_THROWS_AS(store->list_learning_events({}, 0), InvalidArgument);
}

TEST_CASE("episodes: records put from a listing into a fresh backend are reproduced",
          "[episodes]") {
  engram::Storage source_storage = open();
  auto source = source_storage.episodes();
  source->store_episode(conformance::make_array(engram::DType::kFloat32, {2, 2}, 1), 0.5, "a",
                        10.0, conformance::small_metadata(1));
  source->store_episode(conformance::rich_metadata(), -1.5, "b/c", 20.0,
                        conformance::rich_metadata());
  source->store_episode(conformance::make_array(engram::DType::kBool, {0}, 2), 0.0, "a", 30.0);
  source->store_learning_event("t1", 0.5, "s", Json{{"x", 1}}, 40.0);
  source->store_learning_event("t2", -0.5, "u", Json::object(), 50.0);
  const auto episodes = all_episodes(*source, 2);
  const auto events = all_events(*source, 2);
  REQUIRE(episodes.size() == 3);
  REQUIRE(events.size() == 2);

  engram::Storage target_storage = open();
  auto target = target_storage.episodes();
  EpisodeBatch batch;
  for (const auto& e : episodes) batch.put(e);
  for (const auto& e : events) batch.put(e);
  const auto ids = target->store_batch(batch);
  REQUIRE(ids.episode_ids.size() == 3);
  REQUIRE(ids.learning_event_ids.size() == 2);

  const bool keeps_ids = conformance::capabilities(engram::Role::kEpisodes).keeps_ids;
  for (std::size_t i = 0; i < episodes.size(); ++i) {
    INFO("episode " << episodes[i].id);
    if (keeps_ids) CHECK(ids.episode_ids[i] == episodes[i].id);
    auto got = target->retrieve_episode(ids.episode_ids[i]);
    REQUIRE(got);
    check_same_episode(*got, episodes[i]);
  }
  const auto copied_events = all_events(*target);
  REQUIRE(copied_events.size() == 2);
  for (std::size_t i = 0; i < events.size(); ++i) {
    INFO("event " << events[i].id);
    if (keeps_ids) CHECK(ids.learning_event_ids[i] == events[i].id);
    const auto found =
        std::find_if(copied_events.begin(), copied_events.end(),
                     [&](const LearningEvent& e) { return e.id == ids.learning_event_ids[i]; });
    REQUIRE(found != copied_events.end());
    check_same_event(*found, events[i]);
  }
  const auto copied = all_episodes(*target);
  REQUIRE(copied.size() == 3);

  // New stores after the puts never reuse an id.
  const std::int64_t fresh = target->store_episode(Json::object(), 1.0, "new", 60.0);
  for (std::int64_t id : ids.episode_ids) CHECK(fresh != id);
  const std::int64_t fresh_event = target->store_learning_event("t1", 1.0, "s", Json::object(), 70.0);
  for (std::int64_t id : ids.learning_event_ids) CHECK(fresh_event != id);
  CHECK(all_episodes(*target).size() == 4);
  CHECK(all_events(*target).size() == 3);
}

// Write-behind (engram/write_behind.h) hands out ids from blocks a plugin
// promising reserves_ids reserves, and writes the records by a batch put
// carrying them: the plugin must keep put ids, so that promise comes with
// keeps_ids, which the put case above holds it to. (The reserving hooks are
// private calls of the core; each plugin's own tests call them.)
TEST_CASE("episodes: a plugin that promises reserves_ids promises keeps_ids", "[episodes]") {
  const engram::PluginCapabilities promised = conformance::capabilities(engram::Role::kEpisodes);
  if (!promised.reserves_ids) return;  // no promise to hold
  INFO("reserves_ids without keeps_ids: a put of a record carrying a reserved id may renumber it");
  CHECK(promised.keeps_ids);
}

TEST_CASE("episodes: 8 threads storing and reading lose nothing", "[episodes]") {
  engram::Storage storage = open();
  auto store = storage.episodes();
  constexpr int kThreads = 8;
  constexpr int kEach = 50;
  std::mutex mutex;
  std::vector<std::int64_t> episode_ids;
  std::vector<std::int64_t> event_ids;

  const std::vector<std::string> errors = conformance::run_threads(
      kThreads, [&](int t, const conformance::Fail& fail) {
        std::vector<std::int64_t> mine;
        std::vector<std::int64_t> my_events;
        for (int i = 0; i < kEach; ++i) {
          const Array value = conformance::make_array(
              engram::DType::kInt32, {3}, static_cast<std::uint64_t>(t * 1000 + i));
          const std::int64_t id = store->store_episode(value, static_cast<double>(i),
                                                       "ctx-" + std::to_string(t),
                                                       static_cast<double>(i));
          mine.push_back(id);
          auto got = store->retrieve_episode(id);
          const Array* array = got ? std::get_if<Array>(&got->experience_data) : nullptr;
          if (!array || !(*array == value)) fail("episode " + std::to_string(id) + " not read back");
          my_events.push_back(store->store_learning_event(
              "task_" + std::to_string(t), 1.0, "s" + std::to_string(i % 3), Json{{"i", i}},
              static_cast<double>(i)));
          store->get_recent_episodes(10.0, 5);
          store->get_best_strategies("task_" + std::to_string(t));
        }
        std::lock_guard<std::mutex> lock(mutex);
        episode_ids.insert(episode_ids.end(), mine.begin(), mine.end());
        event_ids.insert(event_ids.end(), my_events.begin(), my_events.end());
      });
  INFO("first error: " << (errors.empty() ? std::string() : errors.front()));
  CHECK(errors.empty());

  const std::size_t total = static_cast<std::size_t>(kThreads * kEach);
  CHECK(std::set<std::int64_t>(episode_ids.begin(), episode_ids.end()).size() == total);
  CHECK(std::set<std::int64_t>(event_ids.begin(), event_ids.end()).size() == total);
  CHECK(all_episodes(*store, 64).size() == total);
  CHECK(all_events(*store, 64).size() == total);
  for (int t = 0; t < kThreads; ++t) {
    INFO("thread " << t);
    CHECK(store->get_episodes_by_context("ctx-" + std::to_string(t), 1000).size() ==
          static_cast<std::size_t>(kEach));
    CHECK(store->get_learning_events_by_task("task_" + std::to_string(t), 1000).size() ==
          static_cast<std::size_t>(kEach));
    std::int64_t counted = 0;
    for (const StrategyScore& s : store->get_best_strategies("task_" + std::to_string(t), 10)) {
      counted += s.count;
    }
    CHECK(counted == kEach);
  }
}
