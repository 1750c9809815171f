#include "engram/held_records.h"

#include "engram/errors.h"

namespace engram {

std::vector<std::string> held_record_kinds(const Storage& storage, Role role) {
  if (!storage.has(role)) {
    throw ConfigError("no backend serves role " + std::string(role_name(role)));
  }
  std::vector<std::string> kinds;
  // A record that does not decode is held all the same.
  const auto note = [&](const char* kind, const auto& page) {
    if (!page.items.empty() || !page.skipped.empty()) kinds.emplace_back(kind);
  };
  constexpr Undecodable kSkip = Undecodable::kSkip;
  switch (role) {
    case Role::kWorkingMemory: {
      auto wm = storage.working_memory();
      note("working-memory patterns", wm->list_working_memory_patterns({}, 1));
      note("cached spike trains", wm->list_spike_trains({}, 1));
      note("attention weights", wm->list_attention_weights({}, 1));
      break;
    }
    case Role::kEpisodes: {
      auto episodes = storage.episodes();
      note("episodes", episodes->list_episodes({}, 1, kSkip));
      note("learning events", episodes->list_learning_events({}, 1, kSkip));
      break;
    }
    case Role::kConcepts: {
      auto concepts = storage.concepts();
      note("concepts", concepts->list_concepts({}, 1, kSkip));
      note("relationships", concepts->list_relationships({}, 1, kSkip));
      break;
    }
    case Role::kTraces: {
      auto traces = storage.traces();
      note("network snapshots", traces->list_network_snapshots({}, 1));
      note("spike trains", traces->list_spike_trains({}, 1));
      note("compressed spike trains", traces->list_compressed_spike_trains({}, 1));
      note("reservoir states", traces->list_reservoir_states({}, 1));
      note("layer outputs", traces->list_layer_outputs({}, 1));
      note("plasticity traces", traces->list_plasticity_traces({}, 1));
      note("homeostatic traces", traces->list_homeostatic_traces({}, 1));
      note("performance metrics", traces->list_performance_metrics({}, 1));
      break;
    }
  }
  return kinds;
}

}  // namespace engram
