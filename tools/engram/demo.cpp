#include "demo.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "engram/errors.h"
#include "engram/maintenance.h"
#include "engram/recall.h"
#include "progress.h"

namespace engram::tool {
namespace {

using Clock = std::chrono::steady_clock;

// Per operation: how many calls, and how long they took.
class Tally {
 public:
  // Times `call`; `bytes` is the array payload it moves.
  template <class F>
  auto time(const std::string& operation, F&& call, std::size_t bytes = 0) {
    const auto start = Clock::now();
    auto result = call();
    auto& entry = entries_[operation];
    entry.count += 1;
    entry.bytes += static_cast<double>(bytes);
    entry.seconds += std::chrono::duration<double>(Clock::now() - start).count();
    return result;
  }

  void print(std::FILE* out) const {
    fmt::print(out, "\n{:<34} {:>7} {:>12} {:>10}\n", "operation", "calls", "ops/s", "MB/s");
    for (const auto& [operation, entry] : entries_) {
      const double rate = entry.seconds > 0 ? entry.count / entry.seconds : 0.0;
      const double mb = entry.seconds > 0 ? entry.bytes / entry.seconds / 1e6 : 0.0;
      fmt::print(out, "{:<34} {:>7} {:>12.0f} {:>10}\n", operation, entry.count, rate,
                 entry.bytes > 0 ? fmt::format("{:.1f}", mb) : "-");
    }
  }

 private:
  struct Entry {
    int count = 0;
    double bytes = 0;
    double seconds = 0;
  };
  std::map<std::string, Entry> entries_;
};

// The agent's state at one step: a small spiking network.
struct Step {
  double timestamp;
  std::vector<float> pattern;         // (100, 50) working-memory pattern
  std::vector<float> spikes;          // spike times of one train
  std::vector<std::int64_t> neurons;  // which neuron fired each spike
  std::vector<float> attention;       // (16,) attention weights
  std::vector<std::int64_t> adjacency;
  std::vector<double> weights;        // (32, 32)
  std::vector<float> states;          // (32, 5)
  std::vector<float> reservoir;       // (64,)
  std::vector<double> plasticity;     // (128,)
};

Step simulate(int step, double start_time, std::mt19937& random) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  Step s;
  s.timestamp = start_time + step * 0.05;
  s.pattern.resize(100 * 50);
  for (auto& v : s.pattern) v = normal(random);
  for (int i = 0; i < 200; ++i) {
    s.spikes.push_back(static_cast<float>(i) * 0.005f + unit(random) * 0.004f);
    s.neurons.push_back(static_cast<std::int64_t>(random() % 32));
  }
  s.attention.resize(16);
  float total = 0;
  for (auto& v : s.attention) total += (v = unit(random));
  for (auto& v : s.attention) v /= total;
  s.adjacency.resize(32 * 32);
  s.weights.resize(32 * 32);
  for (std::size_t i = 0; i < s.adjacency.size(); ++i) {
    s.adjacency[i] = unit(random) < 0.1f ? 1 : 0;
    s.weights[i] = s.adjacency[i] ? normal(random) : 0.0;
  }
  s.states.resize(32 * 5);
  for (auto& v : s.states) v = normal(random);
  s.reservoir.resize(64);
  for (auto& v : s.reservoir) v = std::tanh(normal(random));
  s.plasticity.resize(128);
  for (auto& v : s.plasticity) v = 0.01 * normal(random);
  return s;
}

// Where a backend keeps its data, from its stats ("path", "file_path"), for
// the report; empty when it says nothing (in-process, a server).
std::string location_of(const BackendInfo& backend) {
  try {
    const Json stats = backend.maintenance->stats();
    for (const char* key : {"path", "file_path"}) {
      if (stats.contains(key) && stats[key].is_string()) return stats[key].get<std::string>();
    }
  } catch (const StorageError&) {
  }
  return {};
}

}  // namespace

int run_demo(Storage& storage, const DemoOptions& options, std::FILE* out) {
  std::mt19937 random(42);
  Tally tally;
  int mismatches = 0;
  const auto expect = [&](bool ok, const std::string& what) {
    if (!ok) {
      ++mismatches;
      fmt::print(out, "MISMATCH: {}\n", what);
    }
  };
  // This run's names and times: a store that already holds earlier runs'
  // records (the default config's files) checks only its own.
  const double start_time =
      std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
  const std::string run = fmt::format("demo{}_", static_cast<std::int64_t>(start_time * 1000));
  const double end_time = start_time + options.steps * 0.05;
  std::map<Role, std::int64_t> records;
  std::map<Role, double> bytes;

  auto wm = storage.has(Role::kWorkingMemory) ? storage.working_memory() : nullptr;
  auto episodes = storage.has(Role::kEpisodes) ? storage.episodes() : nullptr;
  auto concepts = storage.has(Role::kConcepts) ? storage.concepts() : nullptr;
  auto traces = storage.has(Role::kTraces) ? storage.traces() : nullptr;
  for (Role role : kAllRoles) {
    if (!storage.has(role)) fmt::print(out, "role {} is not configured: skipped\n", role_name(role));
  }

  std::vector<std::string> snapshot_ids;
  Progress progress("simulating", options.steps);
  std::int64_t previous_concept = 0;
  std::int64_t first_concept = 0;
  std::vector<float> first_embedding;  // the query of the demo's recall
  for (int step = 0; step < options.steps; ++step) {
    const Step s = simulate(step, start_time, random);
    const std::string tag = run + std::to_string(step);
    const ArrayView pattern(s.pattern, Shape{100, 50});
    const auto nbytes = [](const auto& v) { return v.size() * sizeof(v[0]); };

    if (wm) {
      tally.time("store_working_memory_pattern", [&] {
        wm->store_working_memory_pattern(tag, pattern, s.timestamp, Json{{"step", step}});
        return 0;
      }, pattern.nbytes());
      auto back = tally.time("retrieve_working_memory_pattern",
                             [&] { return wm->retrieve_working_memory_pattern(tag); },
                             pattern.nbytes());
      expect(back && back->pattern == Array(pattern), "working-memory pattern " + tag);
      tally.time("cache_spike_train", [&] {
        wm->cache_spike_train(s.timestamp, ArrayView(s.spikes), s.neurons);
        return 0;
      }, nbytes(s.spikes));
      auto train = tally.time("retrieve_spike_train (cache)",
                              [&] { return wm->retrieve_spike_train(s.timestamp); });
      expect(train && train->neuron_ids == s.neurons, "cached spike train " + tag);
      tally.time("store_attention_weights", [&] {
        wm->store_attention_weights(run + "context_" + std::to_string(step % 4), s.attention,
                                    s.timestamp);
        return 0;
      }, nbytes(s.attention));
      records[Role::kWorkingMemory] += 3;
      bytes[Role::kWorkingMemory] +=
          static_cast<double>(pattern.nbytes() + nbytes(s.spikes) + nbytes(s.attention));
    }
    if (episodes) {
      const double score = 0.5 + 0.4 * std::sin(step);
      const std::int64_t id = tally.time("store_episode", [&] {
        return episodes->store_episode(pattern, score, "maze_" + std::to_string(step % 3),
                                       s.timestamp, Json{{"step", step}, {"run", run}});
      }, pattern.nbytes());
      auto back = tally.time("retrieve_episode", [&] { return episodes->retrieve_episode(id); },
                             pattern.nbytes());
      expect(back && std::get<Array>(back->experience_data) == Array(pattern), "episode " + tag);
      tally.time("store_learning_event", [&] {
        return episodes->store_learning_event("navigation", score - 0.5,
                                              step % 2 ? "explore" : "exploit",
                                              Json{{"lr", 0.01 * (step + 1)}}, s.timestamp);
      });
      records[Role::kEpisodes] += 2;
      bytes[Role::kEpisodes] += static_cast<double>(pattern.nbytes());
    }
    if (concepts) {
      const std::string name = run + "concept_" + std::to_string(step);
      const std::int64_t id = tally.time("store_concept", [&] {
        return concepts->store_concept(name, ArrayView(s.reservoir), Json{{"step", step}},
                                       s.timestamp);
      }, nbytes(s.reservoir));
      if (previous_concept) {
        tally.time("add_concept_relationship", [&] {
          concepts->add_concept_relationship(previous_concept, id, "follows", 0.5 + step * 0.01);
          return 0;
        });
        records[Role::kConcepts] += 1;
      }
      previous_concept = id;
      if (step == 0) {
        first_concept = id;
        first_embedding = s.reservoir;
      }
      auto back = tally.time("retrieve_concept_by_name",
                             [&] { return concepts->retrieve_concept_by_name(name); },
                             nbytes(s.reservoir));
      expect(back && back->id == id && back->access_count == 1, "concept " + name);
      records[Role::kConcepts] += 1;
      bytes[Role::kConcepts] += static_cast<double>(nbytes(s.reservoir));
    }
    if (traces) {
      const std::size_t snapshot_bytes =
          nbytes(s.adjacency) + nbytes(s.weights) + nbytes(s.states);
      const std::string snapshot = tally.time("store_network_snapshot", [&] {
        return traces->store_network_snapshot(s.timestamp, ArrayView(s.adjacency, Shape{32, 32}),
                                              ArrayView(s.weights, Shape{32, 32}),
                                              ArrayView(s.states, Shape{32, 5}),
                                              Json{{"step", step}, {"phase", "train"}});
      }, snapshot_bytes);
      snapshot_ids.push_back(snapshot);
      auto back = tally.time("retrieve_network_snapshot",
                             [&] { return traces->retrieve_network_snapshot(snapshot); },
                             snapshot_bytes);
      expect(back && back->weight_matrix == Array(ArrayView(s.weights, Shape{32, 32})),
             "network snapshot " + snapshot);
      tally.time("store_spike_train", [&] {
        return traces->store_spike_train(s.timestamp, ArrayView(s.spikes), ArrayView(s.neurons));
      }, nbytes(s.spikes) + nbytes(s.neurons));
      tally.time("store_reservoir_states", [&] {
        return traces->store_reservoir_states(s.timestamp, ArrayView(s.reservoir), "liquid");
      }, nbytes(s.reservoir));
      tally.time("store_layer_outputs", [&] {
        return traces->store_layer_outputs(
            s.timestamp, {{"hidden", ArrayView(s.reservoir)}, {"output", ArrayView(s.attention)}});
      }, nbytes(s.reservoir) + nbytes(s.attention));
      tally.time("store_plasticity_trace", [&] {
        return traces->store_plasticity_trace(s.timestamp, ArrayView(s.plasticity), "stdp");
      }, nbytes(s.plasticity));
      tally.time("store_homeostatic_trace", [&] {
        return traces->store_homeostatic_trace(s.timestamp, ArrayView(s.states));
      }, nbytes(s.states));
      tally.time("store_performance_metrics", [&] {
        return traces->store_performance_metrics(
            s.timestamp, {{"accuracy", 0.5 + step * 0.01}, {"loss", 1.0 / (step + 1)}},
            "navigation");
      });
      records[Role::kTraces] += 7;
      bytes[Role::kTraces] += static_cast<double>(
          snapshot_bytes + nbytes(s.spikes) + nbytes(s.neurons) + 2 * nbytes(s.reservoir) +
          nbytes(s.attention) + nbytes(s.plasticity) + nbytes(s.states));
    }
    progress.update(step + 1);
  }
  progress.finish();

  // Read a sample back through the queries.
  if (wm) {
    const auto recent = wm->get_recent_spike_trains(end_time - start_time + 60.0);
    expect(static_cast<int>(recent.size()) >= options.steps, "recent spike trains");
  }
  if (episodes) {
    const auto best = episodes->get_best_strategies("navigation");
    fmt::print(out, "best strategies for navigation:");
    for (const auto& score : best) {
      fmt::print(out, " {} (avg {:.3f}, n={})", score.strategy, score.avg_delta, score.count);
    }
    fmt::print(out, "\n");
  }
  if (concepts) {
    const auto found = concepts->search_concepts(run + "concept_", 1000000);
    expect(static_cast<int>(found.size()) == options.steps, "search_concepts");
    // One recall among this run's concepts: the first one's embedding finds
    // itself first (cosine 1), then the others nearest it.
    ConceptRecallOptions recall_options;
    recall_options.filter.name_prefix = run + "concept_";
    const std::size_t k = 4;
    const auto recall = tally.time("nearest_concepts", [&] {
      return concepts->nearest_concepts(ArrayView(first_embedding), k, recall_options);
    });
    expect(recall.hits.size() == std::min<std::size_t>(k, options.steps) && recall.skipped == 0 &&
               recall.hits[0].record.id == first_concept &&
               std::abs(recall.hits[0].score - 1.0f) < 1e-5f,
           "nearest_concepts to " + run + "concept_0");
    fmt::print(out, "concepts nearest {}concept_0 (cosine):", run);
    for (const auto& hit : recall.hits) {
      fmt::print(out, " {} ({:.3f})", hit.record.name.substr(run.size()), hit.score);
    }
    fmt::print(out, "\n");
  }
  if (traces) {
    // Other runs' snapshots may fall in this run's simulated time span too.
    const auto in_range = traces->get_network_snapshots_in_range(start_time, end_time);
    for (const std::string& id : snapshot_ids) {
      expect(std::find(in_range.begin(), in_range.end(), id) != in_range.end(),
             "snapshot " + id + " in range");
    }
  }

  fmt::print(out, "\n{} steps through {} backend(s)\n", options.steps, storage.backends().size());
  fmt::print(out, "\n{:<16} {:>9} {:>12}\n", "role", "records", "bytes");
  for (const auto& [role, count] : records) {
    fmt::print(out, "{:<16} {:>9} {:>12}\n", role_name(role), count, human_bytes(bytes[role]));
  }
  fmt::print(out, "\n");
  for (const auto& backend : storage.backends()) {
    const std::string where = location_of(backend);
    fmt::print(out, "backend {:<10} {:<8} {}\n", backend.name, backend.plugin,
               where.empty() ? "(no file)" : where);
  }
  tally.print(out);
  fmt::print(out, "\n{}\n", mismatches == 0 ? "every record read back as stored"
                                             : fmt::format("{} record(s) differed", mismatches));
  return mismatches;
}

}  // namespace engram::tool
