// How the core anchors what a plugin returns to the plugin's library.
//
// Role objects are parts of a plugin's Backend; the core gives each the
// library's keepalive (RoleAccess::set_library) and ties every Array the
// public calls return to it (tied), so an Array outlives the Storage, the
// role handles and the library's last other user safely.
#ifndef ENGRAM_CORE_SRC_ROLE_ACCESS_H_
#define ENGRAM_CORE_SRC_ROLE_ACCESS_H_

#include <memory>
#include <optional>
#include <utility>
#include <vector>

#include "engram/concept_store.h"
#include "engram/episode_store.h"
#include "engram/page.h"
#include "engram/recall.h"
#include "engram/trace_store.h"
#include "engram/working_memory.h"

namespace engram::detail {

// Each setter takes the role as its interface type, so a plugin's own
// members of the same names cannot hide the interface's.
struct RoleAccess {
  // What keeps the plugin's library loaded, to which every returned Array
  // is tied.
  static void set_library(WorkingMemory& role, std::shared_ptr<const void> library) {
    role.library_ = std::move(library);
  }
  static void set_library(EpisodeStore& role, std::shared_ptr<const void> library) {
    role.library_ = std::move(library);
  }
  static void set_library(ConceptStore& role, std::shared_ptr<const void> library) {
    role.library_ = std::move(library);
  }
  static void set_library(TraceStore& role, std::shared_ptr<const void> library) {
    role.library_ = std::move(library);
  }
  // What the role's maintenance() returns: its backend's.
  static void set_maintenance(WorkingMemory& role, Maintenance& maintenance) {
    role.maintenance_ = &maintenance;
  }
  static void set_maintenance(EpisodeStore& role, Maintenance& maintenance) {
    role.maintenance_ = &maintenance;
  }
  static void set_maintenance(ConceptStore& role, Maintenance& maintenance) {
    role.maintenance_ = &maintenance;
  }
  static void set_maintenance(TraceStore& role, Maintenance& maintenance) {
    role.maintenance_ = &maintenance;
  }
  // The clock the role's now() reads: the one its backend was given.
  static void set_clock(WorkingMemory& role, std::shared_ptr<const Clock> clock) {
    role.clock_ = std::move(clock);
  }
  static void set_clock(EpisodeStore& role, std::shared_ptr<const Clock> clock) {
    role.clock_ = std::move(clock);
  }
  static void set_clock(ConceptStore& role, std::shared_ptr<const Clock> clock) {
    role.clock_ = std::move(clock);
  }
  // A role's private do_* call, for the core's wrappers (write-behind) that
  // forward to a plugin's role: RoleAccess::call_<name>(role, args...).
#define ENGRAM_ROLE_CALL_(name)                                        \
  template <class RoleT, class... Args>                                \
  static decltype(auto) call_##name(RoleT& role, Args&&... args) {     \
    return role.name(std::forward<Args>(args)...);                     \
  }
  ENGRAM_ROLE_CALL_(do_store_batch)
  ENGRAM_ROLE_CALL_(do_retrieve_working_memory_pattern)
  ENGRAM_ROLE_CALL_(do_update_working_memory_access)
  ENGRAM_ROLE_CALL_(do_retrieve_spike_train)
  ENGRAM_ROLE_CALL_(do_get_spike_trains_since)
  ENGRAM_ROLE_CALL_(do_retrieve_attention_weights)
  ENGRAM_ROLE_CALL_(do_list_working_memory_patterns)
  ENGRAM_ROLE_CALL_(do_list_spike_trains)
  ENGRAM_ROLE_CALL_(do_list_attention_weights)
  ENGRAM_ROLE_CALL_(do_retrieve_episode)
  ENGRAM_ROLE_CALL_(do_get_episodes_by_context)
  ENGRAM_ROLE_CALL_(do_get_episodes_since)
  ENGRAM_ROLE_CALL_(do_get_learning_events_by_task)
  ENGRAM_ROLE_CALL_(do_get_best_strategies)
  ENGRAM_ROLE_CALL_(do_list_episodes)
  ENGRAM_ROLE_CALL_(do_list_learning_events)
  ENGRAM_ROLE_CALL_(do_nearest_episodes)
  ENGRAM_ROLE_CALL_(do_reserve_ids)
  ENGRAM_ROLE_CALL_(do_retrieve_concept)
  ENGRAM_ROLE_CALL_(do_retrieve_concept_by_name)
  ENGRAM_ROLE_CALL_(do_search_concepts)
  ENGRAM_ROLE_CALL_(do_get_concept_relationships)
  ENGRAM_ROLE_CALL_(do_list_concepts)
  ENGRAM_ROLE_CALL_(do_list_relationships)
  ENGRAM_ROLE_CALL_(do_nearest_concepts)
  ENGRAM_ROLE_CALL_(do_concept_id)
  ENGRAM_ROLE_CALL_(do_retrieve_network_snapshot)
  ENGRAM_ROLE_CALL_(do_get_network_snapshots_in_range)
  ENGRAM_ROLE_CALL_(do_retrieve_compressed_spike_train)
  ENGRAM_ROLE_CALL_(do_retrieve_reservoir_states)
  ENGRAM_ROLE_CALL_(do_retrieve_layer_outputs)
  ENGRAM_ROLE_CALL_(do_retrieve_plasticity_trace)
  ENGRAM_ROLE_CALL_(do_retrieve_homeostatic_trace)
  ENGRAM_ROLE_CALL_(do_retrieve_performance_metrics)
  ENGRAM_ROLE_CALL_(do_list_network_snapshots)
  ENGRAM_ROLE_CALL_(do_list_compressed_spike_trains)
  ENGRAM_ROLE_CALL_(do_list_reservoir_states)
  ENGRAM_ROLE_CALL_(do_list_layer_outputs)
  ENGRAM_ROLE_CALL_(do_list_plasticity_traces)
  ENGRAM_ROLE_CALL_(do_list_homeostatic_traces)
  ENGRAM_ROLE_CALL_(do_list_performance_metrics)
  ENGRAM_ROLE_CALL_(do_latest_seed_stamp)
#undef ENGRAM_ROLE_CALL_
  // What a role's set_library and set_clock gave it.
  template <class RoleT>
  static const std::shared_ptr<const void>& library(const RoleT& role) {
    return role.library_;
  }
  template <class RoleT>
  static const std::shared_ptr<const Clock>& clock(const RoleT& role) {
    return role.clock_;
  }
};

// Each record's arrays tied to `library` (nothing happens when it is null).
void tie(WorkingMemoryPattern& record, const std::shared_ptr<const void>& library);
void tie(CachedSpikeTrain& record, const std::shared_ptr<const void>& library);
void tie(AttentionWeights& record, const std::shared_ptr<const void>& library);
void tie(Episode& record, const std::shared_ptr<const void>& library);
void tie(Concept& record, const std::shared_ptr<const void>& library);
void tie(NetworkSnapshot& record, const std::shared_ptr<const void>& library);
void tie(SpikeTrainData& record, const std::shared_ptr<const void>& library);
void tie(CompressedSpikeTrain& record, const std::shared_ptr<const void>& library);
void tie(ReservoirStates& record, const std::shared_ptr<const void>& library);
void tie(LayerOutputs& record, const std::shared_ptr<const void>& library);
void tie(PlasticityTrace& record, const std::shared_ptr<const void>& library);
void tie(HomeostaticTrace& record, const std::shared_ptr<const void>& library);
// Records without arrays.
inline void tie(LearningEvent&, const std::shared_ptr<const void>&) {}
inline void tie(Relationship&, const std::shared_ptr<const void>&) {}
inline void tie(PerformanceMetrics&, const std::shared_ptr<const void>&) {}

// The record, if there is one, tied in place: a caller that then returns it
// by name moves nothing (a moved Array allocates the {0} shape its source
// is left with, and this is every single-record lookup's path).
template <class Record>
void tie(std::optional<Record>& record, const std::shared_ptr<const void>& library) {
  if (record && library) tie(*record, library);
}

template <class Record>
std::vector<Record> tied(std::vector<Record> records, const std::shared_ptr<const void>& library) {
  if (library) {
    for (Record& record : records) tie(record, library);
  }
  return records;
}

template <class Record>
Recall<Record> tied(Recall<Record> recall, const std::shared_ptr<const void>& library) {
  if (library) {
    for (Hit<Record>& hit : recall.hits) tie(hit.record, library);
  }
  return recall;
}

template <class Record>
Page<Record> tied(Page<Record> page, const std::shared_ptr<const void>& library) {
  if (library) {
    for (Record& record : page.items) tie(record, library);
  }
  return page;
}

}  // namespace engram::detail

#endif  // ENGRAM_CORE_SRC_ROLE_ACCESS_H_
