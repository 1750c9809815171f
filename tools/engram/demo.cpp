#include "demo.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

namespace engram::tool {
namespace {

using Clock = std::chrono::steady_clock;

// Per operation: how many calls, and how long they took.
class Tally {
 public:
  template <class F>
  auto time(const std::string& operation, F&& call) {
    const auto start = Clock::now();
    auto result = call();
    auto& entry = entries_[operation];
    entry.count += 1;
    entry.seconds += std::chrono::duration<double>(Clock::now() - start).count();
    return result;
  }

  void print(std::FILE* out) const {
    fmt::print(out, "\n{:<34} {:>7} {:>12}\n", "operation", "calls", "ops/s");
    for (const auto& [operation, entry] : entries_) {
      const double rate = entry.seconds > 0 ? entry.count / entry.seconds : 0.0;
      fmt::print(out, "{:<34} {:>7} {:>12.0f}\n", operation, entry.count, rate);
    }
  }

 private:
  struct Entry {
    int count = 0;
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

Step simulate(int step, std::mt19937& random) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  Step s;
  s.timestamp = 1'764'000'000.0 + step * 0.05;
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

  auto wm = storage.has(Role::kWorkingMemory) ? storage.working_memory() : nullptr;
  auto episodes = storage.has(Role::kEpisodes) ? storage.episodes() : nullptr;
  auto concepts = storage.has(Role::kConcepts) ? storage.concepts() : nullptr;
  auto traces = storage.has(Role::kTraces) ? storage.traces() : nullptr;
  for (Role role : kAllRoles) {
    if (!storage.has(role)) fmt::print(out, "role {} is not configured: skipped\n", role_name(role));
  }

  std::int64_t previous_concept = 0;
  for (int step = 0; step < options.steps; ++step) {
    const Step s = simulate(step, random);
    const std::string tag = fmt::format("step_{}", step);
    const ArrayView pattern(s.pattern, Shape{100, 50});

    if (wm) {
      tally.time("store_working_memory_pattern", [&] {
        wm->store_working_memory_pattern(tag, pattern, s.timestamp, Json{{"step", step}});
        return 0;
      });
      auto back = tally.time("retrieve_working_memory_pattern",
                             [&] { return wm->retrieve_working_memory_pattern(tag); });
      expect(back && back->pattern == Array(pattern), "working-memory pattern " + tag);
      tally.time("cache_spike_train", [&] {
        wm->cache_spike_train(s.timestamp, ArrayView(s.spikes), s.neurons);
        return 0;
      });
      auto train = tally.time("retrieve_spike_train (cache)",
                              [&] { return wm->retrieve_spike_train(s.timestamp); });
      expect(train && train->neuron_ids == s.neurons, "cached spike train " + tag);
      tally.time("store_attention_weights", [&] {
        wm->store_attention_weights("context_" + std::to_string(step % 4), s.attention,
                                    s.timestamp);
        return 0;
      });
    }
    if (episodes) {
      const double score = 0.5 + 0.4 * std::sin(step);
      const std::int64_t id = tally.time("store_episode", [&] {
        return episodes->store_episode(pattern, score, "maze_" + std::to_string(step % 3),
                                       s.timestamp, Json{{"step", step}});
      });
      auto back = tally.time("retrieve_episode", [&] { return episodes->retrieve_episode(id); });
      expect(back && std::get<Array>(back->experience_data) == Array(pattern), "episode " + tag);
      tally.time("store_learning_event", [&] {
        return episodes->store_learning_event("navigation", score - 0.5,
                                              step % 2 ? "explore" : "exploit",
                                              Json{{"lr", 0.01 * (step + 1)}}, s.timestamp);
      });
    }
    if (concepts) {
      const std::int64_t id = tally.time("store_concept", [&] {
        return concepts->store_concept("concept_" + std::to_string(step), ArrayView(s.reservoir),
                                       Json{{"step", step}}, s.timestamp);
      });
      if (previous_concept) {
        tally.time("add_concept_relationship", [&] {
          concepts->add_concept_relationship(previous_concept, id, "follows", 0.5 + step * 0.01);
          return 0;
        });
      }
      previous_concept = id;
      auto back = tally.time("retrieve_concept_by_name", [&] {
        return concepts->retrieve_concept_by_name("concept_" + std::to_string(step));
      });
      expect(back && back->id == id && back->access_count == 1, "concept " + tag);
    }
    if (traces) {
      const std::string snapshot = tally.time("store_network_snapshot", [&] {
        return traces->store_network_snapshot(s.timestamp, ArrayView(s.adjacency, Shape{32, 32}),
                                              ArrayView(s.weights, Shape{32, 32}),
                                              ArrayView(s.states, Shape{32, 5}),
                                              Json{{"step", step}, {"phase", "train"}});
      });
      auto back = tally.time("retrieve_network_snapshot",
                             [&] { return traces->retrieve_network_snapshot(snapshot); });
      expect(back && back->weight_matrix == Array(ArrayView(s.weights, Shape{32, 32})),
             "network snapshot " + snapshot);
      tally.time("store_spike_train", [&] {
        return traces->store_spike_train(s.timestamp, ArrayView(s.spikes), ArrayView(s.neurons));
      });
      tally.time("store_reservoir_states", [&] {
        return traces->store_reservoir_states(s.timestamp, ArrayView(s.reservoir), "liquid");
      });
      tally.time("store_layer_outputs", [&] {
        return traces->store_layer_outputs(
            s.timestamp, {{"hidden", ArrayView(s.reservoir)}, {"output", ArrayView(s.attention)}});
      });
      tally.time("store_plasticity_trace", [&] {
        return traces->store_plasticity_trace(s.timestamp, ArrayView(s.plasticity), "stdp");
      });
      tally.time("store_homeostatic_trace", [&] {
        return traces->store_homeostatic_trace(s.timestamp, ArrayView(s.states));
      });
      tally.time("store_performance_metrics", [&] {
        return traces->store_performance_metrics(
            s.timestamp, {{"accuracy", 0.5 + step * 0.01}, {"loss", 1.0 / (step + 1)}},
            "navigation");
      });
    }
  }

  // Read a sample back through the queries.
  if (wm) {
    const auto recent = wm->get_recent_spike_trains(1e9);
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
    const auto found = concepts->search_concepts("concept_", 1000);
    expect(static_cast<int>(found.size()) == options.steps, "search_concepts");
  }
  if (traces) {
    const auto snapshots = traces->get_network_snapshots_in_range(0, 1e12);
    expect(static_cast<int>(snapshots.size()) == options.steps, "snapshots in range");
  }

  fmt::print(out, "{} steps through {} backend(s):", options.steps, storage.backends().size());
  for (const auto& backend : storage.backends()) {
    fmt::print(out, " {} ({})", backend.name, backend.plugin);
  }
  fmt::print(out, "\n");
  tally.print(out);
  fmt::print(out, "\n{}\n", mismatches == 0 ? "every record read back as stored"
                                             : fmt::format("{} record(s) differed", mismatches));
  return mismatches;
}

}  // namespace engram::tool
