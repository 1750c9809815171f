// tests/support/hook_checks.h — what the write-behind hooks
// (engram/write_behind.h) promise, checked on a plugin's roles through
// role_hooks.h: reserved blocks of ids no store hands out and a batch put
// keeps, a concept's id by name without an access, a kind's latest seed
// stamp. Each plugin that implements the hooks runs these on fresh roles,
// beside its own cases (several connections, reopening, its layout).
//
// Header only: it uses Catch2's assertions, which the including test
// links, and role_hooks.h (core/src on the include path). Thread safety:
// one thread.
#ifndef ENGRAM_TESTS_SUPPORT_HOOK_CHECKS_H_
#define ENGRAM_TESTS_SUPPORT_HOOK_CHECKS_H_

#include <catch2/catch.hpp>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "engram/array.h"
#include "engram/concept_store.h"
#include "engram/episode_store.h"
#include "engram/errors.h"
#include "engram/ids.h"
#include "engram/json.h"
#include "engram/trace_store.h"
#include "role_hooks.h"

namespace engram_test {

constexpr std::int64_t kMaxId = std::numeric_limits<std::int64_t>::max();

// True iff `id` is not in the block of `count` ids from `first`.
inline bool outside(std::int64_t id, std::int64_t first, std::int64_t count) {
  return id < first || id - first >= count;
}

// Stores between reservations of episode and learning-event ids get ids
// outside every block, and no block holds a stored id. REQUIRES: empty
// roles.
inline void check_reserved_ids_skipped(engram::EpisodeStore& episodes) {
  const engram::Json experience{{"step", 1}};
  const auto store_episode = [&] { return episodes.store_episode(experience, 0.5, "ctx", 1.0); };
  const auto store_event = [&] {
    return episodes.store_learning_event("task", 0.1, "s", engram::Json::object(), 1.0);
  };
  for (const engram::IdKind kind : {engram::IdKind::kEpisode, engram::IdKind::kLearningEvent}) {
    INFO(engram::id_kind_name(kind) << " ids");
    const auto store = kind == engram::IdKind::kEpisode ? std::function(store_episode)
                                                        : std::function(store_event);
    std::vector<std::int64_t> stored{store()};
    std::vector<std::int64_t> blocks;
    for (int round = 0; round < 3; ++round) {
      blocks.push_back(reserve_ids(episodes, kind, 100));
      stored.push_back(store());
      stored.push_back(store());
    }
    for (std::size_t b = 0; b < blocks.size(); ++b) {
      INFO("block " << b << " from " << blocks[b]);
      CHECK(blocks[b] > 0);
      for (const std::int64_t id : stored) {
        INFO("stored id " << id);
        CHECK(outside(id, blocks[b], 100));
      }
      for (std::size_t other = 0; other < b; ++other) {
        CHECK((blocks[b] >= blocks[other] + 100 || blocks[other] >= blocks[b] + 100));
      }
    }
  }
}

// A batch put of records carrying reserved ids (the block's first, one
// inside and its last) keeps them, the records are found by them, and the
// rest of the block stays out of later stores. REQUIRES: empty roles.
inline void check_put_keeps_reserved_ids(engram::EpisodeStore& episodes) {
  const std::int64_t episode_block = reserve_ids(episodes, engram::IdKind::kEpisode, 100);
  const std::int64_t event_block = reserve_ids(episodes, engram::IdKind::kLearningEvent, 100);
  const std::vector<std::int64_t> episode_ids{episode_block + 41, episode_block,
                                              episode_block + 99};
  const std::vector<std::int64_t> event_ids{event_block + 7, event_block + 99};
  const std::vector<double> experience{1.0, 2.0, 3.0};
  engram::EpisodeBatch batch;
  for (const std::int64_t id : episode_ids) {
    engram::EpisodeView episode;
    episode.id = id;
    episode.timestamp = 5.0;
    episode.experience_data = engram::ArrayView(experience);
    episode.performance_score = 0.25;
    episode.context_hash = "kept-" + std::to_string(id);
    batch.put(episode);
  }
  for (const std::int64_t id : event_ids) {
    engram::LearningEvent event;
    event.id = id;
    event.task_type = "kept";
    event.performance_delta = 0.5;
    event.strategy_used = "s-" + std::to_string(id);
    event.timestamp = 5.0;
    batch.put(event);
  }
  const engram::EpisodeBatchIds ids = episodes.store_batch(batch);
  CHECK(ids.episode_ids == episode_ids);
  CHECK(ids.learning_event_ids == event_ids);
  for (const std::int64_t id : episode_ids) {
    const auto found = episodes.retrieve_episode(id);
    REQUIRE(found);
    CHECK(found->id == id);
    CHECK(found->context_hash == "kept-" + std::to_string(id));
  }
  std::map<std::int64_t, std::string> events;
  for (const auto& event : episodes.get_learning_events_by_task("kept", 10)) {
    events[event.id] = event.strategy_used;
  }
  CHECK(events ==
        std::map<std::int64_t, std::string>{{event_ids[0], "s-" + std::to_string(event_ids[0])},
                                            {event_ids[1], "s-" + std::to_string(event_ids[1])}});
  for (int i = 0; i < 3; ++i) {
    CHECK(outside(episodes.store_episode(experience, 0.5, "later"), episode_block, 100));
    CHECK(outside(episodes.store_learning_event("later", 0.1, "s"), event_block, 100));
  }
}

// concept_id names a stored concept's id without counting an access, and
// nothing for another name (no pattern, exact bytes); reserved concept ids
// stay out of stores, and a batch put of a concept carrying one keeps it.
// REQUIRES: empty roles.
inline void check_concept_hooks(engram::ConceptStore& concepts) {
  const std::vector<float> values{0.5f, -1.0f};
  const engram::ArrayView embedding(values);
  CHECK_FALSE(concept_id(concepts, "alpha"));
  const std::int64_t alpha = concepts.store_concept("alpha", embedding);
  CHECK(concept_id(concepts, "alpha") == alpha);
  CHECK(concept_id(concepts, "alpha") == alpha);
  CHECK(concepts.retrieve_concept(alpha)->access_count == 0);
  CHECK_FALSE(concept_id(concepts, "alph"));
  CHECK_FALSE(concept_id(concepts, "alph%"));
  CHECK_FALSE(concept_id(concepts, "ALPHA"));
  const std::int64_t quoted = concepts.store_concept("it's \"quoted\"", embedding);
  CHECK(concept_id(concepts, "it's \"quoted\"") == quoted);

  const std::int64_t block = reserve_ids(concepts, 100);
  CHECK(outside(alpha, block, 100));
  CHECK(outside(quoted, block, 100));
  const std::int64_t beta = concepts.store_concept("beta", embedding);
  CHECK(outside(beta, block, 100));

  engram::ConceptBatch batch;
  engram::ConceptView kept;
  kept.id = block + 10;
  kept.name = "gamma";
  kept.embedding = embedding;
  kept.creation_time = 3.0;
  batch.put(kept);
  CHECK(concepts.store_batch(batch) == std::vector<std::int64_t>{block + 10});
  CHECK(concept_id(concepts, "gamma") == block + 10);
  const auto gamma = concepts.retrieve_concept(block + 10);
  REQUIRE(gamma);
  CHECK(gamma->name == "gamma");
  // A store of a stored name returns its id, as concept_id names it.
  CHECK(concepts.store_concept("gamma", embedding) == block + 10);
  for (const char* name : {"delta", "epsilon", "zeta"}) {
    CHECK(outside(concepts.store_concept(name, embedding), block, 100));
  }
  CHECK(concepts.retrieve_concept(alpha)->access_count == 0);
}

// A count < 1, a block that would reach the largest id, and concept ids
// asked of the episodes role are InvalidArgument and reserve nothing.
// REQUIRES: empty roles.
inline void check_bad_id_blocks(engram::EpisodeStore& episodes, engram::ConceptStore& concepts) {
  using engram::IdKind;
  for (const std::int64_t count :
       {std::int64_t{0}, std::int64_t{-1}, std::numeric_limits<std::int64_t>::min()}) {
    INFO("count " << count);
    CHECK_THROWS_AS(reserve_ids(episodes, IdKind::kEpisode, count), engram::InvalidArgument);
    CHECK_THROWS_AS(reserve_ids(episodes, IdKind::kLearningEvent, count), engram::InvalidArgument);
    CHECK_THROWS_AS(reserve_ids(concepts, count), engram::InvalidArgument);
  }
  CHECK_THROWS_AS(reserve_ids(episodes, IdKind::kConcept, 1), engram::InvalidArgument);

  // A block of more than half the ids: a second one cannot fit.
  const std::int64_t big = kMaxId / 2 + 1;
  for (const IdKind kind : {IdKind::kEpisode, IdKind::kLearningEvent, IdKind::kConcept}) {
    INFO(engram::id_kind_name(kind) << " ids");
    const auto reserve = [&](std::int64_t count) {
      return kind == IdKind::kConcept ? reserve_ids(concepts, count)
                                      : reserve_ids(episodes, kind, count);
    };
    const std::int64_t first = reserve(big);
    CHECK(first > 0);
    CHECK_THROWS_AS(reserve(big), engram::InvalidArgument);
    CHECK_THROWS_AS(reserve(kMaxId), engram::InvalidArgument);
    // The refusals moved nothing: the next block follows the first.
    CHECK(reserve(1) == first + big);
  }
  const std::vector<float> values{1.0f};
  const engram::ArrayView embedding(values);
  CHECK(episodes.store_episode(engram::Json{{"a", 1}}, 0.5, "ctx", 1.0) > big);
  CHECK(episodes.store_learning_event("task", 0.1, "s", engram::Json::object(), 1.0) > big);
  CHECK(concepts.store_concept("late", embedding) > big);
}

// The latest seed stamp of each kind of trace, by its own prefix: nullopt
// for an empty kind, else the greatest millisecond among the ids that read
// as "<prefix>_<ms>" or "<prefix>_<ms>_<n>"; caller ids in other forms,
// other prefixes and other kinds do not count. REQUIRES: an empty role.
inline void check_latest_seed_stamps(engram::TraceStore& traces) {
  using engram::TraceKind;
  struct Expected {
    TraceKind kind;
    const char* prefix;
    double timestamp;  // the latest stored, distinct per kind
  };
  constexpr double t = 1'700'000'000.123;
  const std::vector<Expected> kinds = {
      {TraceKind::kNetworkSnapshot, "snapshot", t + 1},
      {TraceKind::kSpikeTrain, "train", t + 2},
      {TraceKind::kCompressedSpikeTrain, "compressed", t + 3},
      {TraceKind::kReservoirStates, "r1", t + 4},
      {TraceKind::kLayerOutputs, "outputs", t + 5},
      {TraceKind::kPlasticityTrace, "stdp", t + 6},
      {TraceKind::kHomeostaticTrace, "intrinsic_plasticity", t + 7},
      {TraceKind::kPerformanceMetrics, "general", t + 8},
  };
  for (const Expected& e : kinds) {
    INFO(engram::trace_kind_name(e.kind));
    CHECK_FALSE(latest_seed_stamp(traces, e.kind, e.prefix));
  }

  const std::vector<double> square_values{0, 1, 1, 0};
  const engram::ArrayView square(square_values, {2, 2});
  const std::vector<double> values{0.1, 0.2};
  const engram::ArrayView vector(values);
  const std::vector<std::int32_t> neuron_values{4, 7};
  const engram::ArrayView neurons(neuron_values);
  // Each kind: an older record and the latest, twice in its millisecond
  // where the kind allows it (the second "<prefix>_<ms>_1").
  for (const double at : {t - 50, t + 1}) traces.store_network_snapshot(at, square, square, vector);
  for (const double at : {t - 50, t + 2, t + 2}) traces.store_spike_train(at, vector, neurons);
  for (const double at : {t + 3, t - 50}) {
    traces.store_compressed_spike_train(at, vector, engram::Json::object());
  }
  for (const double at : {t - 50, t + 4, t + 4}) traces.store_reservoir_states(at, vector, "r1");
  traces.store_reservoir_states(t + 90, vector, "r2");   // another prefix of the kind
  traces.store_reservoir_states(t + 91, vector, "r1x");  // starts with "r1", not "r1_"
  for (const double at : {t - 50, t + 5}) traces.store_layer_outputs(at, {{"layer", vector}});
  for (const double at : {t - 50, t + 6}) traces.store_plasticity_trace(at, vector);
  for (const double at : {t + 7, t - 50}) traces.store_homeostatic_trace(at, vector);
  for (const double at : {t - 50, t + 8}) traces.store_performance_metrics(at, {{"loss", 0.5}});
  // Caller ids not in the seed's form, stamped later, do not count.
  engram::TraceBatch batch;
  for (const char* id : {"custom", "snapshot_", "snapshot_x", "snapshot_9_0", "snapshot_9_x",
                         "train_99999999999999"}) {
    engram::NetworkSnapshotView snapshot;
    snapshot.id = id;
    snapshot.timestamp = t + 100;
    snapshot.adjacency_matrix = square;
    snapshot.weight_matrix = square;
    snapshot.neuron_states = vector;
    batch.put(snapshot);
  }
  traces.store_batch(batch);

  for (const Expected& e : kinds) {
    INFO(engram::trace_kind_name(e.kind));
    CHECK(latest_seed_stamp(traces, e.kind, e.prefix) == engram::seed_millis(e.timestamp));
  }
  CHECK(latest_seed_stamp(traces, TraceKind::kReservoirStates, "r2") ==
        engram::seed_millis(t + 90));
  CHECK(latest_seed_stamp(traces, TraceKind::kReservoirStates, "r1x") ==
        engram::seed_millis(t + 91));
  CHECK_FALSE(latest_seed_stamp(traces, TraceKind::kReservoirStates, "r"));
  CHECK_FALSE(latest_seed_stamp(traces, TraceKind::kSpikeTrain, "snapshot"));  // kinds apart
  CHECK_FALSE(latest_seed_stamp(traces, TraceKind::kPlasticityTrace, "hebbian"));

  // A caller id in the seed's form counts, suffix and all.
  engram::TraceBatch later;
  engram::SpikeTrainDataView train;
  train.id = "train_1800000000000_3";
  train.timestamp = t;
  train.spike_times = vector;
  train.neuron_ids = neurons;
  later.put(train);
  traces.store_batch(later);
  CHECK(latest_seed_stamp(traces, TraceKind::kSpikeTrain, "train") == 1'800'000'000'000);
}

}  // namespace engram_test

#endif  // ENGRAM_TESTS_SUPPORT_HOOK_CHECKS_H_
