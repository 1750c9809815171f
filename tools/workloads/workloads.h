// The benchmark workloads, listed once: each one's name and role, and the
// shapes and counts of what it moves. Two programs run them and take both
// from here, so their numbers compare:
// - engram-bench (tools/bench) runs each as a pair, `<workload>/raw` (the
//   raw library doing the same work) beside `<workload>/engram`; a plugin's
//   file may prefix the name (`redis/`, `hdf5_`) or add a variant suffix
//   (`_16MB`, `_gzip6`, `_lz4`).
// - `engram bench CONFIG` (tools/engram) runs the engram side through the
//   role interfaces against a config's backends.
// Constants only, so the `engram` tool includes this without linking Google
// Benchmark or a raw library. The values stored are each program's own;
// they do not change the work. Thread safety: constants.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

#include "engram/plugin.h"

namespace engram::workloads {

struct Workload {
  std::string_view name;
  Role role;
  // engram-bench runs it as a raw/engram pair.
  bool paired = true;
  // `engram bench` runs it.
  bool in_tool = true;
};

inline constexpr Workload kStoreWorkingMemoryPattern{"store_working_memory_pattern",
                                                     Role::kWorkingMemory};
inline constexpr Workload kRetrieveWorkingMemoryPattern{"retrieve_working_memory_pattern",
                                                        Role::kWorkingMemory};
inline constexpr Workload kCacheSpikeTrain{"cache_spike_train", Role::kWorkingMemory};
inline constexpr Workload kGetRecentSpikeTrains{"get_recent_spike_trains", Role::kWorkingMemory};
inline constexpr Workload kStoreBatch{"store_batch", Role::kWorkingMemory};
inline constexpr Workload kStoreEpisode{"store_episode", Role::kEpisodes};
inline constexpr Workload kRetrieveEpisode{"retrieve_episode", Role::kEpisodes};
inline constexpr Workload kStoreLearningEvent{"store_learning_event", Role::kEpisodes};
inline constexpr Workload kGetBestStrategies{"get_best_strategies", Role::kEpisodes};
// kBulkEvents learning events in one batch: a bulk load, not a call a
// running system repeats, so `engram bench` leaves it out.
inline constexpr Workload kBulkLearningEvents{"bulk_learning_events", Role::kEpisodes,
                                              /*paired=*/true, /*in_tool=*/false};
inline constexpr Workload kStoreConcept{"store_concept", Role::kConcepts};
// No raw pair yet.
inline constexpr Workload kRetrieveConcept{"retrieve_concept", Role::kConcepts,
                                           /*paired=*/false};
inline constexpr Workload kSearchConcepts{"search_concepts", Role::kConcepts};
// nearest_concepts over kRecallRows embeddings: engram-bench names its
// entries nearest_concepts_<backend>[_<variant>]; `engram bench` leaves it
// out (it would store 100,000 concepts in a user's store).
inline constexpr Workload kNearestConcepts{"nearest_concepts", Role::kConcepts,
                                           /*paired=*/true, /*in_tool=*/false};
inline constexpr Workload kStoreNetworkSnapshot{"store_network_snapshot", Role::kTraces};
inline constexpr Workload kRetrieveNetworkSnapshot{"retrieve_network_snapshot", Role::kTraces};
inline constexpr Workload kStoreSpikeTrain{"store_spike_train", Role::kTraces};
inline constexpr Workload kRetrieveSpikeTrain{"retrieve_spike_train", Role::kTraces};

// Every workload, in role order.
inline constexpr std::array kAll = {
    kStoreWorkingMemoryPattern, kRetrieveWorkingMemoryPattern, kCacheSpikeTrain,
    kGetRecentSpikeTrains,      kStoreBatch,                   kStoreEpisode,
    kRetrieveEpisode,           kStoreLearningEvent,           kGetBestStrategies,
    kBulkLearningEvents,        kStoreConcept,                 kRetrieveConcept,
    kSearchConcepts,            kNearestConcepts,              kStoreNetworkSnapshot,
    kRetrieveNetworkSnapshot,   kStoreSpikeTrain,              kRetrieveSpikeTrain};

// --- what the workloads move

// A working-memory pattern: (kPatternRows, kPatternCols) float32. An
// episode's experience has the same shape in float64.
inline constexpr std::size_t kPatternRows = 100;
inline constexpr std::size_t kPatternCols = 50;
// store_batch: this many patterns in one batch.
inline constexpr std::size_t kBatchPatterns = 100;
// cache_spike_train: this many float32 spike values and their int64 neuron
// ids.
inline constexpr std::size_t kCachedSpikes = 1000;
// get_recent_spike_trains: engram-bench caches this many trains first.
inline constexpr std::size_t kRecentTrains = 5000;
// ... and `engram bench` this many: it writes into a user's store and
// cannot delete what it wrote, so it adds little.
inline constexpr std::size_t kToolRecentTrains = 100;
// A concept's embedding: this many float32.
inline constexpr std::size_t kEmbedding = 512;
// store_concept cycles over this many names (a later store replaces);
// engram-bench's search_concepts searches that many concepts.
inline constexpr std::size_t kConceptNames = 1000;
// search_concepts returns at most this many.
inline constexpr std::size_t kSearchLimit = 10;
// nearest_concepts: kRecallRows float32 embeddings of kRecallDims, the k
// nearest of each query, one query at a time from kRecallQueries fixed ones.
inline constexpr std::size_t kRecallRows = 100'000;
inline constexpr std::size_t kRecallDims = 384;
inline constexpr std::size_t kRecallK = 10;
inline constexpr std::size_t kRecallQueries = 64;
// Learning events name strategy_<i % kStrategies>; get_best_strategies
// returns the best kBestStrategies.
inline constexpr int kStrategies = 20;
inline constexpr int kBestStrategies = 5;
// engram-bench's get_best_strategies runs over this many events.
inline constexpr int kStrategyEvents = 10'000;
// bulk_learning_events: this many events per batch.
inline constexpr int kBulkEvents = 100'000;
// A network snapshot: (kNeurons, kNeurons) int64 adjacency and float64
// weights, (kNeurons, kNeuronStateColumns) neuron states (float64 in
// engram-bench's hdf5 pairs, float32 in `engram bench`).
inline constexpr std::size_t kNeurons = 100;
inline constexpr std::size_t kNeuronStateColumns = 5;
// engram-bench's `_16MB` snapshots: (kLargeNeurons, kLargeNeurons) float32
// weights and uint8 adjacency.
inline constexpr std::size_t kLargeNeurons = 2048;
// store_spike_train: this many spike times (float64 in engram-bench's hdf5
// pairs, float32 in `engram bench`) and int64 neuron ids.
inline constexpr std::size_t kTrainSpikes = 10'000;

// --- what the retrieves read

// Retrieves cycle over this many records stored before.
inline constexpr std::size_t kReadSet = 256;
// ... except engram-bench's hdf5 pairs, over this many (a snapshot there
// may be 16 MB).
inline constexpr std::size_t kArrayReadSet = 8;

}  // namespace engram::workloads
