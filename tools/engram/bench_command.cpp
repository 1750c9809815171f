#include "bench_command.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "engram/held_records.h"
#include "progress.h"
#include "workloads.h"
#include "engram/errors.h"
#include "engram/json.h"

namespace engram::tool {
namespace {

using Clock = std::chrono::steady_clock;

// The names and sizes of tools/bench (tools/workloads/workloads.h), so the
// numbers compare.
using workloads::kBatchPatterns;
using workloads::kBestStrategies;
using workloads::kCacheSpikeTrain;
using workloads::kCachedSpikes;
using workloads::kConceptNames;
using workloads::kEmbedding;
using workloads::kGetBestStrategies;
using workloads::kGetRecentSpikeTrains;
using workloads::kNeuronStateColumns;
using workloads::kNeurons;
using workloads::kPatternCols;
using workloads::kPatternRows;
using workloads::kReadSet;
using workloads::kRetrieveConcept;
using workloads::kRetrieveEpisode;
using workloads::kRetrieveNetworkSnapshot;
using workloads::kRetrieveSpikeTrain;
using workloads::kRetrieveWorkingMemoryPattern;
using workloads::kSearchConcepts;
using workloads::kSearchLimit;
using workloads::kStoreBatch;
using workloads::kStoreConcept;
using workloads::kStoreEpisode;
using workloads::kStoreLearningEvent;
using workloads::kStoreNetworkSnapshot;
using workloads::kStoreSpikeTrain;
using workloads::kStoreWorkingMemoryPattern;
using workloads::kStrategies;
using workloads::kToolRecentTrains;
using workloads::kTrainSpikes;
// Cached trains of cache_spike_train carry old timestamps so that they stay
// out of get_recent_spike_trains' window.
constexpr double kOldTime = 1'000'000'000.0;
constexpr double kRecentWindow = 60.0;

const char* const kPrefix = "engram-bench-";

double wall_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

template <class T>
std::vector<T> filled(std::size_t n, double scale) {
  std::vector<T> values(n);
  for (std::size_t i = 0; i < n; ++i)
    values[i] = static_cast<T>(static_cast<double>(i % 97) * scale);
  return values;
}

std::string named(const char* kind, std::int64_t i) {
  return std::string(kPrefix) + kind + "-" + std::to_string(i);
}

std::int64_t bytes_of(const Array& array) { return static_cast<std::int64_t>(array.nbytes()); }

// The payloads, built once: what each store sends.
struct Payloads {
  std::vector<float> pattern = filled<float>(kPatternRows * kPatternCols, 0.5);
  std::vector<float> spikes = filled<float>(kCachedSpikes, 0.001);
  std::vector<std::int64_t> spike_neurons = filled<std::int64_t>(kCachedSpikes, 1.0);
  std::vector<double> experience = filled<double>(kPatternRows * kPatternCols, 0.25);
  std::vector<float> embedding = filled<float>(kEmbedding, 0.125);
  std::vector<std::int64_t> adjacency = filled<std::int64_t>(kNeurons * kNeurons, 1.0);
  std::vector<double> weights = filled<double>(kNeurons * kNeurons, 0.01);
  std::vector<float> states = filled<float>(kNeurons * kNeuronStateColumns, 0.1);
  std::vector<float> train_times = filled<float>(kTrainSpikes, 0.0001);
  std::vector<std::int64_t> train_neurons = filled<std::int64_t>(kTrainSpikes, 1.0);

  ArrayView pattern_view() const { return ArrayView(pattern, Shape{kPatternRows, kPatternCols}); }
  std::int64_t cached_train_bytes() const {
    return static_cast<std::int64_t>(spikes.size() * sizeof(float) +
                                     spike_neurons.size() * sizeof(std::int64_t));
  }
};

// One workload on one store. `op(i)` performs operation i (0, 1, ...) and
// returns the payload bytes it moved. `grows` marks workloads whose records
// accumulate (new ids each call); kBenchMaxWrittenBytes bounds them.
struct Run {
  workloads::Workload workload;
  bool grows = false;
  std::function<void()> setup;  // untimed, before the first op
  std::function<std::int64_t(std::int64_t)> op;
};

// Remembers up to kReadSet ids that a store returned, for the retrieves.
template <class Id>
class ReadSet {
 public:
  void add(Id id) {
    if (ids_.size() < kReadSet) ids_.push_back(std::move(id));
  }
  // REQUIRES: add() was called (every store workload runs at least once).
  const Id& at(std::int64_t i) const {
    if (ids_.empty()) throw StorageError("bench: no stored record to retrieve");
    return ids_[static_cast<std::size_t>(i) % ids_.size()];
  }

 private:
  std::vector<Id> ids_;
};

void add_working_memory(std::vector<Run>& out, std::shared_ptr<WorkingMemory> wm,
                        const Payloads& p) {
  const auto pattern_hash = [](std::int64_t i) {
    return named("pattern", i % static_cast<std::int64_t>(kReadSet));
  };
  out.push_back({kStoreWorkingMemoryPattern, false, {}, [=, &p](std::int64_t i) {
                   wm->store_working_memory_pattern(pattern_hash(i), p.pattern_view(), wall_now());
                   return static_cast<std::int64_t>(p.pattern.size() * sizeof(float));
                 }});
  out.push_back({kRetrieveWorkingMemoryPattern, false,
                 [=, &p] {
                   for (std::size_t k = 0; k < kReadSet; ++k) {
                     wm->store_working_memory_pattern(pattern_hash(k), p.pattern_view(),
                                                      wall_now());
                   }
                 },
                 [=](std::int64_t i) -> std::int64_t {
                   const auto record = wm->retrieve_working_memory_pattern(pattern_hash(i));
                   return record ? bytes_of(record->pattern) : 0;
                 }});
  out.push_back({kCacheSpikeTrain, true, {}, [=, &p](std::int64_t i) {
                   wm->cache_spike_train(kOldTime + static_cast<double>(i) * 1e-3,
                                         ArrayView(p.spikes), p.spike_neurons);
                   return p.cached_train_bytes();
                 }});
  out.push_back({kGetRecentSpikeTrains, false,
                 [=, &p] {
                   WorkingMemoryBatch batch;
                   const double now = wall_now();
                   for (std::size_t k = 0; k < kToolRecentTrains; ++k) {
                     batch.cache_spike_train(now - static_cast<double>(k) * 1e-3,
                                             ArrayView(p.spikes), p.spike_neurons);
                   }
                   wm->store_batch(batch);
                 },
                 [=](std::int64_t) {
                   std::int64_t bytes = 0;
                   for (const auto& train : wm->get_recent_spike_trains(kRecentWindow)) {
                     bytes +=
                         bytes_of(train.spike_data) +
                         static_cast<std::int64_t>(train.neuron_ids.size() * sizeof(std::int64_t));
                   }
                   return bytes;
                 }});
  out.push_back({kStoreBatch, false, {}, [=, &p](std::int64_t) {
                   WorkingMemoryBatch batch;
                   const double now = wall_now();
                   for (std::size_t k = 0; k < kBatchPatterns; ++k) {
                     batch.store_working_memory_pattern(
                         named("batch", static_cast<std::int64_t>(k)), p.pattern_view(), now);
                   }
                   wm->store_batch(batch);
                   return static_cast<std::int64_t>(kBatchPatterns * p.pattern.size() *
                                                    sizeof(float));
                 }});
}

void add_episodes(std::vector<Run>& out, std::shared_ptr<EpisodeStore> episodes,
                  const Payloads& p) {
  auto stored = std::make_shared<ReadSet<std::int64_t>>();
  const std::string context = std::string(kPrefix) + "context";
  const std::string task = std::string(kPrefix) + "task";
  out.push_back({kStoreEpisode, true, {}, [=, &p](std::int64_t i) {
                   stored->add(episodes->store_episode(
                       ArrayView(p.experience, Shape{kPatternRows, kPatternCols}),
                       static_cast<double>(i % 100) * 0.01, context, wall_now()));
                   return static_cast<std::int64_t>(p.experience.size() * sizeof(double));
                 }});
  out.push_back({kRetrieveEpisode, false, {}, [=](std::int64_t i) -> std::int64_t {
                   const auto episode = episodes->retrieve_episode(stored->at(i));
                   if (!episode) return 0;
                   const auto* array = std::get_if<Array>(&episode->experience_data);
                   return array ? bytes_of(*array) : 0;
                 }});
  out.push_back({kStoreLearningEvent, true, {}, [=](std::int64_t i) {
                   // Deltas of both signs, as get_best_strategies counts the
                   // positive.
                   episodes->store_learning_event(
                       task, static_cast<double>(i % 17) * 0.05 - 0.3,
                       std::string("strategy_") + std::to_string(i % kStrategies),
                       Json{{"lr", 0.01}}, wall_now());
                   return std::int64_t{0};
                 }});
  out.push_back({kGetBestStrategies, false, {}, [=](std::int64_t) {
                   episodes->get_best_strategies(task, kBestStrategies);
                   return std::int64_t{0};
                 }});
}

void add_concepts(std::vector<Run>& out, std::shared_ptr<ConceptStore> concepts,
                  const Payloads& p) {
  auto stored = std::make_shared<ReadSet<std::int64_t>>();
  const auto concept_name = [](std::int64_t i) {
    return named("concept", i % static_cast<std::int64_t>(kConceptNames));
  };
  out.push_back({kStoreConcept, false, {}, [=, &p](std::int64_t i) {
                   stored->add(concepts->store_concept(concept_name(i), ArrayView(p.embedding),
                                                       Json::object(), wall_now()));
                   return static_cast<std::int64_t>(p.embedding.size() * sizeof(float));
                 }});
  out.push_back({kRetrieveConcept, false, {}, [=](std::int64_t i) -> std::int64_t {
                   const auto found = concepts->retrieve_concept(stored->at(i));
                   return found ? bytes_of(found->embedding) : 0;
                 }});
  const std::vector<std::string> queries = {named("concept", 1), named("concept", 42),
                                            std::string(kPrefix) + "concept-9%", "nosuch"};
  out.push_back({kSearchConcepts, false, {}, [=](std::int64_t i) {
                   std::int64_t bytes = 0;
                   for (const auto& found :
                        concepts->search_concepts(queries[i % 4], kSearchLimit)) {
                     bytes += bytes_of(found.embedding);
                   }
                   return bytes;
                 }});
}

void add_traces(std::vector<Run>& out, std::shared_ptr<TraceStore> traces, const Payloads& p) {
  auto snapshots = std::make_shared<ReadSet<std::string>>();
  auto trains = std::make_shared<ReadSet<std::string>>();
  out.push_back({kStoreNetworkSnapshot, true, {}, [=, &p](std::int64_t) {
                   snapshots->add(traces->store_network_snapshot(
                       wall_now(), ArrayView(p.adjacency, Shape{kNeurons, kNeurons}),
                       ArrayView(p.weights, Shape{kNeurons, kNeurons}),
                       ArrayView(p.states, Shape{kNeurons, 5})));
                   return static_cast<std::int64_t>(p.adjacency.size() * sizeof(std::int64_t) +
                                                    p.weights.size() * sizeof(double) +
                                                    p.states.size() * sizeof(float));
                 }});
  out.push_back({kRetrieveNetworkSnapshot, false, {}, [=](std::int64_t i) -> std::int64_t {
                   const auto found = traces->retrieve_network_snapshot(snapshots->at(i));
                   if (!found) return 0;
                   return bytes_of(found->adjacency_matrix) + bytes_of(found->weight_matrix) +
                          bytes_of(found->neuron_states);
                 }});
  out.push_back({kStoreSpikeTrain, true, {}, [=, &p](std::int64_t) {
                   trains->add(traces->store_spike_train(wall_now(), ArrayView(p.train_times),
                                                         ArrayView(p.train_neurons)));
                   return static_cast<std::int64_t>(p.train_times.size() * sizeof(float) +
                                                    p.train_neurons.size() * sizeof(std::int64_t));
                 }});
  out.push_back({kRetrieveSpikeTrain, false, {}, [=](std::int64_t i) -> std::int64_t {
                   const auto found = traces->retrieve_spike_train(trains->at(i));
                   return found ? bytes_of(found->spike_times) + bytes_of(found->neuron_ids) : 0;
                 }});
}

std::vector<Role> selected_roles(const Storage& storage, const std::vector<Role>& roles) {
  // In role order whatever the caller's order, each once.
  std::vector<Role> selected;
  for (Role role : kAllRoles) {
    const bool wanted = roles.empty() ? storage.has(role)
                                      : std::find(roles.begin(), roles.end(), role) != roles.end();
    if (wanted) selected.push_back(role);
  }
  return selected;
}

const BackendInfo& backend_of(const Storage& storage, Role role) {
  for (const BackendInfo& backend : storage.backends()) {
    if (std::find(backend.roles.begin(), backend.roles.end(), role) != backend.roles.end()) {
      return backend;
    }
  }
  throw ConfigError(std::string("bench: no backend holds role ") + std::string(role_name(role)));
}

std::string join(const std::vector<std::string>& parts) {
  std::string joined;
  for (const auto& part : parts) {
    if (!joined.empty()) joined += ", ";
    joined += part;
  }
  return joined;
}

}  // namespace

std::vector<std::string> roles_holding_records(Storage& storage, const std::vector<Role>& roles) {
  std::vector<std::string> holding;
  for (Role role : selected_roles(storage, roles)) {
    const auto kinds = held_record_kinds(storage, role);
    if (kinds.empty()) continue;
    holding.push_back(fmt::format("{} (backend {}): {}", role_name(role),
                                  backend_of(storage, role).name, join(kinds)));
  }
  return holding;
}

std::vector<BenchResult> run_bench(Storage& storage, const BenchOptions& options,
                                   std::FILE* progress) {
  static const Payloads payloads;
  std::vector<Run> runs;
  for (Role role : selected_roles(storage, options.roles)) {
    switch (role) {
      case Role::kWorkingMemory:
        add_working_memory(runs, storage.working_memory(), payloads);
        break;
      case Role::kEpisodes:
        add_episodes(runs, storage.episodes(), payloads);
        break;
      case Role::kConcepts:
        add_concepts(runs, storage.concepts(), payloads);
        break;
      case Role::kTraces:
        add_traces(runs, storage.traces(), payloads);
        break;
    }
  }

  // One progress line per workload (progress.h: redrawn on a terminal, one
  // finished line in logs).
  std::vector<BenchResult> results;
  const auto seconds = std::chrono::duration<double>(options.seconds);
  for (std::size_t w = 0; w < runs.size(); ++w) {
    const Run& run = runs[w];
    const workloads::Workload& workload = run.workload;
    const BackendInfo& backend = backend_of(storage, workload.role);
    const std::string label = fmt::format("[{}/{}] {}/{} on {}", w + 1, runs.size(),
                                          role_name(workload.role), workload.name, backend.name);
    Progress line(label, std::nullopt, progress);
    if (run.setup) run.setup();

    BenchResult result;
    result.workload = workload.name;
    result.role = workload.role;
    result.backend = backend.name;
    result.plugin = backend.plugin;
    const auto start = Clock::now();
    auto elapsed = Clock::duration::zero();
    do {
      result.bytes += run.op(result.ops);
      ++result.ops;
      if ((result.ops & 63) == 0) line.update(result.ops, "ops");
      elapsed = Clock::now() - start;
    } while (elapsed < seconds && result.ops < options.max_ops &&
             !(run.grows && result.bytes >= kBenchMaxWrittenBytes));
    result.seconds = std::chrono::duration<double>(elapsed).count();

    line.update(result.ops, "ops");
    line.finish();
    results.push_back(std::move(result));
  }
  return results;
}

void print_bench_table(const std::vector<BenchResult>& results, std::FILE* out) {
  std::size_t width = 8;
  for (const auto& r : results) {
    width = std::max(width, role_name(r.role).size() + 1 + r.workload.size());
  }
  fmt::print(out, "{:<{}}  {:<12} {:>9} {:>12} {:>10}\n", "workload", width, "backend", "ops",
             "ops/s", "MB/s");
  for (const auto& r : results) {
    const std::string mb = r.bytes > 0 ? fmt::format("{:.1f}", r.mb_per_second()) : "-";
    fmt::print(out, "{:<{}}  {:<12} {:>9} {:>12.0f} {:>10}\n",
               std::string(role_name(r.role)) + "/" + r.workload, width, r.backend, r.ops,
               r.ops_per_second(), mb);
  }
}

void print_bench_json(const std::vector<BenchResult>& results, std::FILE* out) {
  Json array = Json::array();
  for (const auto& r : results) {
    array.push_back({{"workload", r.workload},
                     {"role", std::string(role_name(r.role))},
                     {"backend", r.backend},
                     {"plugin", r.plugin},
                     {"ops", r.ops},
                     {"seconds", r.seconds},
                     {"ops_per_s", r.ops_per_second()},
                     {"mb_per_s", r.mb_per_second()}});
  }
  fmt::print(out, "{}\n", array.dump(2));
}

}  // namespace engram::tool
