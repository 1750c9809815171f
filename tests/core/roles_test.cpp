// The role interfaces' public calls validate before any backend code runs,
// and resolve "now" and time windows with the backend's clock. These tests
// use minimal in-test backends that record what reached them; the full
// contract of real backends is the conformance suite's job.
#include <catch2/catch.hpp>
#include <limits>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "engram/concept_store.h"
#include "engram/episode_store.h"
#include "engram/errors.h"
#include "engram/trace_store.h"
#include "engram/working_memory.h"
#include "role_access.h"

using engram::ArrayView;
using engram::InvalidArgument;
using engram::Json;

namespace {

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kFixedNow = 1'000'000.0;

// The probes' clock, as the core would set it from the backend's context.
std::shared_ptr<const engram::Clock> fixed_clock() {
  return std::make_shared<engram::ManualClock>(kFixedNow);
}

class NoMaintenance final : public engram::Maintenance {
 public:
  std::string_view backend_name() const noexcept override { return "probe"; }
  void close() override {}
};

// Each backend counts the calls that reached it and keeps the last argument.
class ProbeWorkingMemory final : public engram::WorkingMemory {
 public:
  ProbeWorkingMemory() {
    engram::detail::RoleAccess::set_clock(*this, fixed_clock());
    engram::detail::RoleAccess::set_maintenance(*this, maintenance_);
  }
  int reached = 0;
  double since = 0;
  double access_time = 0;


 private:
  void do_store_working_memory_pattern(const engram::WorkingMemoryPatternView&) override {
    ++reached;
  }
  std::optional<engram::WorkingMemoryPattern> do_retrieve_working_memory_pattern(
      std::string_view) override {
    ++reached;
    return std::nullopt;
  }
  bool do_update_working_memory_access(std::string_view, double now) override {
    ++reached;
    access_time = now;
    return false;
  }
  void do_cache_spike_train(const engram::CachedSpikeTrainView&) override { ++reached; }
  std::optional<engram::CachedSpikeTrain> do_retrieve_spike_train(double) override {
    ++reached;
    return std::nullopt;
  }
  std::vector<engram::CachedSpikeTrain> do_get_spike_trains_since(double s) override {
    ++reached;
    since = s;
    return {};
  }
  void do_store_attention_weights(const engram::AttentionWeightsView&) override { ++reached; }
  std::optional<engram::AttentionWeights> do_retrieve_attention_weights(
      std::string_view) override {
    ++reached;
    return std::nullopt;
  }
  void do_store_batch(const engram::WorkingMemoryBatch&) override { ++reached; }
  engram::Page<engram::WorkingMemoryPattern> do_list_working_memory_patterns(
      std::string_view, std::size_t) override {
    ++reached;
    return {};
  }
  engram::Page<engram::CachedSpikeTrain> do_list_spike_trains(std::string_view,
                                                              std::size_t) override {
    ++reached;
    return {};
  }
  engram::Page<engram::AttentionWeights> do_list_attention_weights(std::string_view,
                                                                   std::size_t) override {
    ++reached;
    return {};
  }
  NoMaintenance maintenance_;
};

class ProbeEpisodes final : public engram::EpisodeStore {
 public:
  ProbeEpisodes() {
    engram::detail::RoleAccess::set_clock(*this, fixed_clock());
    engram::detail::RoleAccess::set_maintenance(*this, maintenance_);
  }
  int reached = 0;
  double last_timestamp = 0;
  bool last_was_array = false;
  double since = 0;
  std::vector<double> batch_timestamps;
  std::vector<float> last_query;


 private:
  std::int64_t do_store_episode(const engram::EpisodeView& e) override {
    ++reached;
    last_timestamp = e.timestamp;
    last_was_array = std::holds_alternative<ArrayView>(e.experience_data);
    return 1;
  }
  std::optional<engram::Episode> do_retrieve_episode(std::int64_t) override {
    ++reached;
    return std::nullopt;
  }
  std::vector<engram::Episode> do_get_episodes_by_context(std::string_view, std::size_t,
                                                          std::optional<double>) override {
    ++reached;
    return {};
  }
  std::vector<engram::Episode> do_get_episodes_since(double s, std::size_t) override {
    ++reached;
    since = s;
    return {};
  }
  std::int64_t do_store_learning_event(const engram::LearningEvent& e) override {
    ++reached;
    last_timestamp = e.timestamp;
    return 1;
  }
  std::vector<engram::LearningEvent> do_get_learning_events_by_task(
      std::string_view, std::size_t, std::optional<double>) override {
    ++reached;
    return {};
  }
  std::vector<engram::StrategyScore> do_get_best_strategies(std::string_view,
                                                            std::size_t) override {
    ++reached;
    return {};
  }
  engram::EpisodeBatchIds do_store_batch(const engram::EpisodeBatch& batch) override {
    ++reached;
    batch_timestamps.clear();
    for (const auto& e : batch.episodes()) batch_timestamps.push_back(e.timestamp);
    for (const auto& e : batch.learning_events()) batch_timestamps.push_back(e.timestamp);
    return {};
  }
  engram::Page<engram::Episode> do_list_episodes(std::string_view, std::size_t,
                                                 engram::Undecodable) override {
    ++reached;
    return {};
  }
  engram::Page<engram::LearningEvent> do_list_learning_events(std::string_view, std::size_t,
                                                              engram::Undecodable) override {
    ++reached;
    return {};
  }
  engram::Recall<engram::Episode> do_nearest_episodes(
      const engram::RecallQuery& query, std::size_t, const engram::EpisodeRecallOptions&) override {
    ++reached;
    last_query = query.values;
    return {};
  }
  NoMaintenance maintenance_;
};

class ProbeConcepts final : public engram::ConceptStore {
 public:
  ProbeConcepts() {
    engram::detail::RoleAccess::set_clock(*this, fixed_clock());
    engram::detail::RoleAccess::set_maintenance(*this, maintenance_);
  }
  int reached = 0;
  double access_time = 0;
  double creation_time = 0;
  std::vector<float> last_query;


 private:
  std::int64_t do_store_concept(const engram::ConceptView& c) override {
    ++reached;
    creation_time = c.creation_time;
    return 1;
  }
  std::optional<engram::Concept> do_retrieve_concept(std::int64_t) override {
    ++reached;
    return std::nullopt;
  }
  std::optional<engram::Concept> do_retrieve_concept_by_name(std::string_view,
                                                             double now) override {
    ++reached;
    access_time = now;
    return std::nullopt;
  }
  std::vector<engram::Concept> do_search_concepts(std::string_view, std::size_t) override {
    ++reached;
    return {};
  }
  void do_add_concept_relationship(const engram::Relationship&) override { ++reached; }
  std::vector<engram::Relationship> do_get_concept_relationships(
      std::int64_t, const std::optional<std::string>&) override {
    ++reached;
    return {};
  }
  std::vector<std::int64_t> do_store_batch(const engram::ConceptBatch& batch) override {
    ++reached;
    for (const auto& c : batch.concepts()) creation_time = c.creation_time;
    return {};
  }
  engram::Page<engram::Concept> do_list_concepts(std::string_view, std::size_t,
                                                 engram::Undecodable) override {
    ++reached;
    return {};
  }
  engram::Page<engram::Relationship> do_list_relationships(std::string_view, std::size_t,
                                                           engram::Undecodable) override {
    ++reached;
    return {};
  }
  engram::Recall<engram::Concept> do_nearest_concepts(const engram::RecallQuery& query, std::size_t,
                                                      const engram::ConceptRecallOptions&,
                                                      double now) override {
    ++reached;
    last_query = query.values;
    access_time = now;
    return {};
  }
  NoMaintenance maintenance_;
};

class ProbeTraces final : public engram::TraceStore {
 public:
  ProbeTraces() { engram::detail::RoleAccess::set_maintenance(*this, maintenance_); }
  int reached = 0;

 private:
  template <class T>
  std::string stored(const T&) {
    ++reached;
    return "id";
  }
  template <class T>
  std::optional<T> none() {
    ++reached;
    return std::nullopt;
  }
  template <class T>
  engram::Page<T> page() {
    ++reached;
    return {};
  }
  std::string do_store_network_snapshot(const engram::NetworkSnapshotView& r) override {
    return stored(r);
  }
  std::optional<engram::NetworkSnapshot> do_retrieve_network_snapshot(std::string_view) override {
    return none<engram::NetworkSnapshot>();
  }
  std::vector<std::string> do_get_network_snapshots_in_range(double, double) override {
    ++reached;
    return {};
  }
  std::string do_store_spike_train(const engram::SpikeTrainDataView& r) override {
    return stored(r);
  }
  std::optional<engram::SpikeTrainData> do_retrieve_spike_train(std::string_view) override {
    return none<engram::SpikeTrainData>();
  }
  std::string do_store_compressed_spike_train(const engram::CompressedSpikeTrainView& r) override {
    return stored(r);
  }
  std::optional<engram::CompressedSpikeTrain> do_retrieve_compressed_spike_train(
      std::string_view) override {
    return none<engram::CompressedSpikeTrain>();
  }
  std::string do_store_reservoir_states(const engram::ReservoirStatesView& r) override {
    return stored(r);
  }
  std::optional<engram::ReservoirStates> do_retrieve_reservoir_states(std::string_view) override {
    return none<engram::ReservoirStates>();
  }
  std::string do_store_layer_outputs(const engram::LayerOutputsView& r) override {
    return stored(r);
  }
  std::optional<engram::LayerOutputs> do_retrieve_layer_outputs(std::string_view) override {
    return none<engram::LayerOutputs>();
  }
  std::string do_store_plasticity_trace(const engram::PlasticityTraceView& r) override {
    return stored(r);
  }
  std::optional<engram::PlasticityTrace> do_retrieve_plasticity_trace(std::string_view) override {
    return none<engram::PlasticityTrace>();
  }
  std::string do_store_homeostatic_trace(const engram::HomeostaticTraceView& r) override {
    return stored(r);
  }
  std::optional<engram::HomeostaticTrace> do_retrieve_homeostatic_trace(
      std::string_view) override {
    return none<engram::HomeostaticTrace>();
  }
  std::string do_store_performance_metrics(const engram::PerformanceMetrics& r) override {
    return stored(r);
  }
  std::optional<engram::PerformanceMetrics> do_retrieve_performance_metrics(
      std::string_view) override {
    return none<engram::PerformanceMetrics>();
  }
  engram::TraceBatchIds do_store_batch(const engram::TraceBatch&) override {
    ++reached;
    return {};
  }
  engram::Page<engram::NetworkSnapshot> do_list_network_snapshots(std::string_view,
                                                                  std::size_t) override {
    return page<engram::NetworkSnapshot>();
  }
  engram::Page<engram::SpikeTrainData> do_list_spike_trains(std::string_view,
                                                            std::size_t) override {
    return page<engram::SpikeTrainData>();
  }
  engram::Page<engram::CompressedSpikeTrain> do_list_compressed_spike_trains(
      std::string_view, std::size_t) override {
    return page<engram::CompressedSpikeTrain>();
  }
  engram::Page<engram::ReservoirStates> do_list_reservoir_states(std::string_view,
                                                                 std::size_t) override {
    return page<engram::ReservoirStates>();
  }
  engram::Page<engram::LayerOutputs> do_list_layer_outputs(std::string_view,
                                                           std::size_t) override {
    return page<engram::LayerOutputs>();
  }
  engram::Page<engram::PlasticityTrace> do_list_plasticity_traces(std::string_view,
                                                                  std::size_t) override {
    return page<engram::PlasticityTrace>();
  }
  engram::Page<engram::HomeostaticTrace> do_list_homeostatic_traces(std::string_view,
                                                                    std::size_t) override {
    return page<engram::HomeostaticTrace>();
  }
  engram::Page<engram::PerformanceMetrics> do_list_performance_metrics(std::string_view,
                                                                       std::size_t) override {
    return page<engram::PerformanceMetrics>();
  }
  NoMaintenance maintenance_;
};

const std::vector<float> kPattern(12, 0.5f);

}  // namespace

TEST_CASE("roles: working memory refuses bad ids and values before the backend",
          "[roles]") {
  ProbeWorkingMemory wm;
  const ArrayView pattern(kPattern);
  CHECK_THROWS_AS(wm.store_working_memory_pattern("a/b", pattern, 1.0), InvalidArgument);
  CHECK_THROWS_AS(wm.store_working_memory_pattern("..", pattern, 1.0), InvalidArgument);
  CHECK_THROWS_AS(wm.store_working_memory_pattern("", pattern, 1.0), InvalidArgument);
  CHECK_THROWS_AS(wm.store_working_memory_pattern("p", pattern, kNan), InvalidArgument);
  CHECK_THROWS_AS(wm.store_working_memory_pattern("p", pattern, 1.0, Json{{"x", kNan}}),
                  InvalidArgument);
  CHECK_THROWS_AS(wm.store_working_memory_pattern("p", pattern, 1.0, Json::array()),
                  InvalidArgument);
  CHECK_THROWS_AS(wm.retrieve_working_memory_pattern("x\ny"), InvalidArgument);
  CHECK_THROWS_AS(wm.update_working_memory_access("/"), InvalidArgument);
  CHECK_THROWS_AS(wm.cache_spike_train(kNan, pattern), InvalidArgument);
  CHECK_THROWS_AS(wm.cache_spike_train(1.0, pattern, std::nullopt, std::chrono::seconds(0)),
                  InvalidArgument);
  CHECK_THROWS_AS(wm.get_recent_spike_trains(-1.0), InvalidArgument);
  CHECK_THROWS_AS(wm.store_attention_weights("ctx/1", pattern, 1.0), InvalidArgument);
  CHECK_THROWS_AS(wm.retrieve_attention_weights(""), InvalidArgument);
  CHECK_THROWS_AS(wm.list_working_memory_patterns("", 0), InvalidArgument);
  CHECK(wm.reached == 0);

  wm.store_working_memory_pattern("p", pattern, 1.0, Json{{"k", {1, 2}}});
  CHECK(wm.retrieve_working_memory_pattern("p") == std::nullopt);
  CHECK_FALSE(wm.update_working_memory_access("p"));
  CHECK(wm.access_time == kFixedNow);
  wm.cache_spike_train(1.0, pattern, std::vector<std::int64_t>{1, 2});
  wm.get_recent_spike_trains(2.5);
  CHECK(wm.since == kFixedNow - 2.5);
  wm.store_attention_weights("ctx", pattern, 1.0);
  wm.list_spike_trains();
  CHECK(wm.reached == 7);

  engram::WorkingMemoryBatch batch;
  wm.store_batch(batch);  // an empty batch never reaches the backend
  CHECK(wm.reached == 7);
  batch.store_working_memory_pattern("p", pattern, 1.0);
  CHECK_THROWS_AS(batch.store_attention_weights("a/b", pattern, 1.0), InvalidArgument);
  CHECK(batch.size() == 1);
  wm.store_batch(batch);
  CHECK(wm.reached == 8);
}

TEST_CASE("roles: a pattern store hands the backend the caller's metadata, not a copy",
          "[roles]") {
  class SeesMetadata final : public engram::WorkingMemory {
   public:
    const Json* seen = nullptr;  // where the metadata the backend was given is
    Json seen_value;             // and what it held

   private:
    void do_store_working_memory_pattern(const engram::WorkingMemoryPatternView& r) override {
      seen = &r.metadata.get();
      seen_value = r.metadata.get();
    }
    std::optional<engram::WorkingMemoryPattern> do_retrieve_working_memory_pattern(
        std::string_view) override {
      return std::nullopt;
    }
    bool do_update_working_memory_access(std::string_view, double) override { return false; }
    void do_cache_spike_train(const engram::CachedSpikeTrainView&) override {}
    std::optional<engram::CachedSpikeTrain> do_retrieve_spike_train(double) override {
      return std::nullopt;
    }
    std::vector<engram::CachedSpikeTrain> do_get_spike_trains_since(double) override { return {}; }
    void do_store_attention_weights(const engram::AttentionWeightsView&) override {}
    std::optional<engram::AttentionWeights> do_retrieve_attention_weights(
        std::string_view) override {
      return std::nullopt;
    }
    void do_store_batch(const engram::WorkingMemoryBatch&) override {}
    engram::Page<engram::WorkingMemoryPattern> do_list_working_memory_patterns(
        std::string_view, std::size_t) override {
      return {};
    }
    engram::Page<engram::CachedSpikeTrain> do_list_spike_trains(std::string_view,
                                                                std::size_t) override {
      return {};
    }
    engram::Page<engram::AttentionWeights> do_list_attention_weights(std::string_view,
                                                                     std::size_t) override {
      return {};
    }
  } wm;
  const std::vector<float> values{1, 2};
  const Json metadata{{"source", "test"}};
  wm.store_working_memory_pattern("p", values, 1.0, metadata);
  CHECK(wm.seen == &metadata);
  CHECK(wm.seen_value == metadata);
  wm.store_working_memory_pattern("p", values, 1.0);  // the default: an empty object
  CHECK(wm.seen_value == Json::object());
}

TEST_CASE("roles: a working-memory batch keeps its own copy of each pattern's metadata",
          "[roles]") {
  const std::vector<float> values{1, 2};
  auto batch = std::make_unique<engram::WorkingMemoryBatch>();
  {
    Json first{{"n", 1}};
    Json second{{"n", 2}};
    batch->store_working_memory_pattern("a", values, 1.0, first);
    batch->put(
        engram::WorkingMemoryPatternView{"b", values, 2.0, second, std::nullopt, std::nullopt});
    first["n"] = 10;  // changed and gone before the batch is read
    second["n"] = 20;
  }
  // Enough pushes to move a vector's elements: the views still find theirs.
  for (int i = 0; i < 100; ++i) {
    batch->store_working_memory_pattern("c" + std::to_string(i), values, 3.0, Json{{"n", i}});
  }
  CHECK_THROWS_AS(batch->store_working_memory_pattern("bad/id", values, 1.0, Json{{"n", -1}}),
                  InvalidArgument);
  REQUIRE(batch->patterns().size() == 102);
  const auto check = [](const engram::WorkingMemoryBatch& b) {
    REQUIRE(b.patterns().size() == 102);
    CHECK(b.patterns()[0].metadata.get() == Json{{"n", 1}});
    CHECK(b.patterns()[1].metadata.get() == Json{{"n", 2}});
    for (int i = 0; i < 100; ++i) {
      CHECK(b.patterns()[static_cast<std::size_t>(i) + 2].metadata.get() == Json{{"n", i}});
    }
  };
  check(*batch);

  // A copy refers to its own metadata: it outlives the original.
  engram::WorkingMemoryBatch copy = *batch;
  engram::WorkingMemoryBatch assigned;
  assigned.store_working_memory_pattern("x", values, 1.0, Json{{"n", 99}});
  assigned = *batch;
  batch.reset();
  check(copy);
  check(assigned);
  CHECK(&copy.patterns()[0].metadata.get() != &assigned.patterns()[0].metadata.get());

  // A move keeps the metadata where it is.
  const Json* before = &copy.patterns()[5].metadata.get();
  engram::WorkingMemoryBatch moved = std::move(copy);
  CHECK(&moved.patterns()[5].metadata.get() == before);
  check(moved);

  moved.clear();
  CHECK(moved.empty());
  moved.store_working_memory_pattern("again", values, 1.0, Json{{"n", 7}});
  CHECK(moved.patterns()[0].metadata.get() == Json{{"n", 7}});
}

TEST_CASE("roles: episodes stamp 'now' with the backend clock and check values",
          "[roles]") {
  ProbeEpisodes episodes;
  const ArrayView experience(kPattern);
  CHECK_THROWS_AS(episodes.store_episode(experience, kNan, "ctx"), InvalidArgument);
  CHECK_THROWS_AS(episodes.store_episode(experience, 0.5, ""), InvalidArgument);
  CHECK_THROWS_AS(episodes.store_episode(Json::array({1}), 0.5, "ctx"), InvalidArgument);
  CHECK_THROWS_AS(episodes.store_learning_event("task/x", 0.1, "s"), InvalidArgument);
  CHECK_THROWS_AS(episodes.store_learning_event("task", 0.1, ""), InvalidArgument);
  CHECK_THROWS_AS(episodes.get_recent_episodes(kNan), InvalidArgument);
  CHECK_THROWS_AS(episodes.get_best_strategies(".."), InvalidArgument);
  CHECK(episodes.reached == 0);

  episodes.store_episode(experience, 0.5, "ctx");
  CHECK(episodes.last_timestamp == kFixedNow);
  episodes.store_episode(Json{{"obs", {1, 2}}}, 0.5, "ctx", 42.0);
  CHECK(episodes.last_timestamp == 42.0);
  // A vector is an array experience, not a JSON list (no ambiguity).
  episodes.store_episode(std::vector<double>{1.0, 2.0}, 0.5, "ctx", 43.0);
  CHECK(episodes.last_timestamp == 43.0);
  CHECK(episodes.last_was_array);
  episodes.store_episode(Json{{"list", {1.0, 2.0}}}, 0.5, "ctx", 44.0);
  CHECK_FALSE(episodes.last_was_array);
  episodes.store_learning_event("task", -0.1, "greedy");
  CHECK(episodes.last_timestamp == kFixedNow);
  episodes.get_recent_episodes(60.0);
  CHECK(episodes.since == kFixedNow - 60.0);
  // Ids that no record can have, and limits of 0, are answered without the backend.
  const int before = episodes.reached;
  CHECK(episodes.retrieve_episode(0) == std::nullopt);
  CHECK(episodes.retrieve_episode(-5) == std::nullopt);
  CHECK(episodes.get_episodes_by_context("ctx", 0).empty());
  CHECK(episodes.reached == before);

  engram::EpisodeBatch batch;
  batch.store_episode(experience, 0.1, "ctx");
  batch.store_learning_event("task", 0.2, "s", Json::object(), 7.0);
  CHECK_THROWS_AS(batch.store_episode(experience, kNan, "ctx"), InvalidArgument);
  CHECK(batch.size() == 2);
  episodes.store_batch(batch);
  REQUIRE(episodes.batch_timestamps.size() == 2);
  CHECK(episodes.batch_timestamps[0] == kFixedNow);
  CHECK(episodes.batch_timestamps[1] == 7.0);
}

TEST_CASE("roles: concepts validate names, ids and strengths", "[roles]") {
  ProbeConcepts concepts;
  const ArrayView embedding(kPattern);
  CHECK_THROWS_AS(concepts.store_concept("", embedding), InvalidArgument);
  CHECK_THROWS_AS(concepts.store_concept("\xff", embedding), InvalidArgument);
  CHECK_THROWS_AS(concepts.add_concept_relationship(0, 1, "is_a"), InvalidArgument);
  CHECK_THROWS_AS(concepts.add_concept_relationship(1, 2, ""), InvalidArgument);
  CHECK_THROWS_AS(concepts.add_concept_relationship(1, 2, "is_a", kNan), InvalidArgument);
  CHECK_THROWS_AS(concepts.retrieve_concept_by_name(""), InvalidArgument);
  CHECK(concepts.reached == 0);

  // Concept names are values: slashes are fine.
  concepts.store_concept("cats/dogs", embedding);
  CHECK(concepts.creation_time == kFixedNow);
  concepts.retrieve_concept_by_name("cats/dogs");
  CHECK(concepts.access_time == kFixedNow);
  concepts.search_concepts("%a_");
  concepts.add_concept_relationship(1, 2, "is_a", 0.5);
  CHECK(concepts.reached == 4);

  engram::ConceptBatch batch;
  batch.store_concept("x", embedding);
  concepts.store_batch(batch);
  CHECK(concepts.creation_time == kFixedNow);
}

TEST_CASE("roles: traces validate ids, names and array lengths", "[roles]") {
  ProbeTraces traces;
  const std::vector<double> times{0.1, 0.2, 0.3};
  const std::vector<std::int64_t> ids{1, 2, 3};
  const std::vector<std::int64_t> short_ids{1, 2};
  const std::vector<float> square(4, 1.0f);
  const ArrayView m22(square, engram::Shape{2, 2});
  const ArrayView m14(square, engram::Shape{1, 4});

  CHECK_THROWS_AS(traces.store_spike_train(1.0, times, short_ids), InvalidArgument);
  CHECK_THROWS_AS(traces.store_spike_train(1.0, times, ids, ArrayView(short_ids)),
                  InvalidArgument);
  CHECK_THROWS_AS(traces.store_spike_train(1.0, m22, m22), InvalidArgument);  // not 1-d
  CHECK_THROWS_AS(traces.store_network_snapshot(1.0, m22, m14, m22), InvalidArgument);
  CHECK_THROWS_AS(traces.store_reservoir_states(1.0, m22, "../evil"), InvalidArgument);
  CHECK_THROWS_AS(traces.store_plasticity_trace(1.0, m22, "a/b"), InvalidArgument);
  CHECK_THROWS_AS(traces.store_homeostatic_trace(1.0, m22, ""), InvalidArgument);
  CHECK_THROWS_AS(traces.store_performance_metrics(1.0, {{"ok", 1.0}}, "."), InvalidArgument);
  CHECK_THROWS_AS(traces.store_performance_metrics(1.0, {{"bad/name", 1.0}}), InvalidArgument);
  CHECK_THROWS_AS(traces.store_layer_outputs(1.0, {{"layer/1", m22}}), InvalidArgument);
  CHECK_THROWS_AS(traces.store_network_snapshot(kNan, m22, m22, m22), InvalidArgument);
  CHECK_THROWS_AS(traces.store_compressed_spike_train(1.0, m22, Json{{"r", kNan}}),
                  InvalidArgument);
  CHECK_THROWS_AS(traces.retrieve_network_snapshot("../snapshot_1"), InvalidArgument);
  CHECK_THROWS_AS(traces.retrieve_layer_outputs(""), InvalidArgument);
  CHECK_THROWS_AS(traces.get_network_snapshots_in_range(kNan, 1.0), InvalidArgument);
  CHECK(traces.reached == 0);

  traces.store_spike_train(1.0, times, ids, ArrayView(times));
  traces.store_network_snapshot(1.0, m22, m22, m14);
  // 0-d and empty arrays are values.
  traces.store_reservoir_states(1.0, ArrayView::scalar(1.0f));
  traces.store_plasticity_trace(1.0, ArrayView(std::vector<double>{}));
  traces.store_performance_metrics(1.0, {{"loss", kNan}});  // metric values may be NaN
  CHECK(traces.reached == 5);
  CHECK(traces.get_network_snapshots_in_range(2.0, 1.0).empty());
  CHECK(traces.reached == 5);

  engram::TraceBatch batch;
  engram::SpikeTrainDataView bad{"train_1", 1.0, ArrayView(times), ArrayView(short_ids),
                                 std::nullopt, Json::object()};
  CHECK_THROWS_AS(batch.put(bad), InvalidArgument);
  engram::PlasticityTraceView with_bad_id{"a/b", 1.0, m22, "stdp"};
  CHECK_THROWS_AS(batch.put(with_bad_id), InvalidArgument);
  CHECK(batch.empty());
  batch.put(engram::PlasticityTraceView{"", 1.0, m22, "stdp"});
  traces.store_batch(batch);
  CHECK(traces.reached == 6);
}

TEST_CASE("roles: maintenance calls a backend lacks throw NotSupported", "[roles]") {
  NoMaintenance maintenance;
  CHECK_THROWS_AS(maintenance.stats(), engram::NotSupported);
  CHECK_THROWS_AS(maintenance.backup(), engram::NotSupported);
  CHECK_THROWS_AS(maintenance.backup_if_due(), engram::NotSupported);
  CHECK_THROWS_AS(maintenance.compact(), engram::NotSupported);
  CHECK_THROWS_AS(maintenance.rotate(), engram::NotSupported);
  CHECK_THROWS_AS(maintenance.rotate_if_needed(), engram::NotSupported);
  CHECK_THROWS_AS(maintenance.cleanup(30), engram::NotSupported);
  CHECK_THROWS_AS(maintenance.clear_expired(), engram::NotSupported);
  CHECK_THROWS_AS(maintenance.clear_all(), engram::NotSupported);
  CHECK_THROWS_AS(maintenance.sync(), engram::NotSupported);
  try {
    maintenance.compact();
  } catch (const engram::NotSupported& e) {
    CHECK(e.backend() == "probe");
    CHECK(std::string(e.what()).find("compact") != std::string::npos);
  }
}

TEST_CASE("roles: recall queries are checked and reach the backend as float32", "[roles]") {
  ProbeConcepts concepts;
  ProbeEpisodes episodes;
  const std::vector<double> query{1.0, -2.0, 0.5};
  const std::vector<double> zeros{0.0, 0.0, 0.0};
  const std::vector<double> not_finite{1.0, kNan, 0.5};
  const std::vector<double> too_big{1.0, 1e300, 0.5};  // inf in float32
  const std::vector<std::int32_t> integers{1, 2, 3};
  const std::vector<double> none;
  for (const ArrayView& bad : {ArrayView(zeros), ArrayView(not_finite), ArrayView(too_big),
                              ArrayView(integers), ArrayView(none)}) {
    CHECK_THROWS_AS(concepts.nearest_concepts(bad, 3), InvalidArgument);
    CHECK_THROWS_AS(episodes.nearest_episodes(bad, 3), InvalidArgument);
  }
  CHECK_THROWS_AS(concepts.nearest_concepts(query, 0), InvalidArgument);
  CHECK_THROWS_AS(episodes.nearest_episodes(query, 0), InvalidArgument);
  engram::ConceptRecallOptions concept_options;
  concept_options.filter.created_between = engram::TimeRange{kNan, 1.0};
  CHECK_THROWS_AS(concepts.nearest_concepts(query, 3, concept_options), InvalidArgument);
  concept_options.filter = {};
  concept_options.filter.metadata_equals = std::pair{std::string("\xff"), Json(1)};
  CHECK_THROWS_AS(concepts.nearest_concepts(query, 3, concept_options), InvalidArgument);
  engram::EpisodeRecallOptions episode_options;
  episode_options.count_access = true;  // episodes keep no access count
  CHECK_THROWS_AS(episodes.nearest_episodes(query, 3, episode_options), InvalidArgument);
  episode_options = {};
  episode_options.filter.min_score = kNan;
  CHECK_THROWS_AS(episodes.nearest_episodes(query, 3, episode_options), InvalidArgument);
  CHECK(concepts.reached == 0);
  CHECK(episodes.reached == 0);

  // A zero query is fine where no norm divides.
  engram::ConceptRecallOptions dot;
  dot.metric = engram::RecallMetric::kDot;
  concepts.nearest_concepts(zeros, 3, dot);
  CHECK(concepts.last_query == std::vector<float>{0.0f, 0.0f, 0.0f});
  concepts.nearest_concepts(query, 3);
  CHECK(concepts.last_query == std::vector<float>{1.0f, -2.0f, 0.5f});
  CHECK(concepts.access_time == kFixedNow);
  const std::vector<engram::Float16> half{engram::to_float16(0.25f), engram::to_float16(-4.0f)};
  episodes.nearest_episodes(half, 1);
  CHECK(episodes.last_query == std::vector<float>{0.25f, -4.0f});
  CHECK(concepts.reached == 2);
  CHECK(episodes.reached == 1);
}
