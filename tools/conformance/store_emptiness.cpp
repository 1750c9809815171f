#include "store_emptiness.h"

namespace conformance {
namespace {

// The first listing of `listings` ({kind, call}) that gives a record.
template <class Store, class... Listings>
std::optional<std::string> first_held(Store& store, const Listings&... listings) {
  std::optional<std::string> held;
  const auto ask = [&](const auto& listing) {
    if (!held && !(store.*(listing.second))({}, 1).items.empty()) held = listing.first;
  };
  (ask(listings), ...);
  return held;
}

template <class Method>
std::pair<const char*, Method> kind(const char* name, Method method) {
  return {name, method};
}

}  // namespace

std::optional<std::string> held_records(const engram::Storage& storage, engram::Role role) {
  switch (role) {
    case engram::Role::kWorkingMemory: {
      auto store = storage.working_memory();
      using S = engram::WorkingMemory;
      return first_held(*store, kind("working-memory patterns", &S::list_working_memory_patterns),
                        kind("spike trains", &S::list_spike_trains),
                        kind("attention weights", &S::list_attention_weights));
    }
    case engram::Role::kEpisodes: {
      auto store = storage.episodes();
      using S = engram::EpisodeStore;
      return first_held(*store, kind("episodes", &S::list_episodes),
                        kind("learning events", &S::list_learning_events));
    }
    case engram::Role::kConcepts: {
      auto store = storage.concepts();
      using S = engram::ConceptStore;
      return first_held(*store, kind("concepts", &S::list_concepts),
                        kind("relationships", &S::list_relationships));
    }
    case engram::Role::kTraces: {
      auto store = storage.traces();
      using S = engram::TraceStore;
      return first_held(*store, kind("network snapshots", &S::list_network_snapshots),
                        kind("spike trains", &S::list_spike_trains),
                        kind("compressed spike trains", &S::list_compressed_spike_trains),
                        kind("reservoir states", &S::list_reservoir_states),
                        kind("layer outputs", &S::list_layer_outputs),
                        kind("plasticity traces", &S::list_plasticity_traces),
                        kind("homeostatic traces", &S::list_homeostatic_traces),
                        kind("performance metrics", &S::list_performance_metrics));
    }
  }
  return std::nullopt;
}

}  // namespace conformance
