// The defaults of the role hooks the core's write-behind calls
// (engram/write_behind.h): a plugin without them cannot reserve ids, and
// finds its latest seed stamp by reading its listings.
#include <algorithm>
#include <optional>
#include <string>
#include <string_view>

#include "engram/concept_store.h"
#include "engram/episode_store.h"
#include "engram/errors.h"
#include "engram/ids.h"
#include "engram/trace_store.h"

namespace engram {

namespace {

[[noreturn]] void cannot_reserve(std::string_view kind) {
  throw NotSupported("reserving " + std::string(kind) +
                     " ids is not supported by this backend (its plugin lacks reserves_ids)");
}

// The greatest stamp among the ids of every page `list(cursor, limit)`
// gives.
template <class List>
std::optional<std::int64_t> latest_in_listing(List list, std::string_view prefix) {
  std::optional<std::int64_t> latest;
  std::string cursor;
  do {
    auto page = list(cursor, 16);
    for (const auto& record : page.items) {
      const std::optional<std::int64_t> stamp = seed_id_stamp(record.id, prefix);
      if (stamp && (!latest || *stamp > *latest)) latest = stamp;
    }
    cursor = std::move(page.next_cursor);
  } while (!cursor.empty());
  return latest;
}

}  // namespace

std::int64_t EpisodeStore::do_reserve_ids(IdKind kind, std::int64_t) {
  cannot_reserve(id_kind_name(kind));
}

std::int64_t ConceptStore::do_reserve_ids(std::int64_t) {
  cannot_reserve(id_kind_name(IdKind::kConcept));
}

std::optional<std::int64_t> ConceptStore::do_concept_id(std::string_view) {
  cannot_reserve(id_kind_name(IdKind::kConcept));
}

std::string_view trace_kind_name(TraceKind kind) noexcept {
  switch (kind) {
    case TraceKind::kNetworkSnapshot:
      return "network snapshot";
    case TraceKind::kSpikeTrain:
      return "spike train";
    case TraceKind::kCompressedSpikeTrain:
      return "compressed spike train";
    case TraceKind::kReservoirStates:
      return "reservoir states";
    case TraceKind::kLayerOutputs:
      return "layer outputs";
    case TraceKind::kPlasticityTrace:
      return "plasticity trace";
    case TraceKind::kHomeostaticTrace:
      return "homeostatic trace";
    case TraceKind::kPerformanceMetrics:
      return "performance metrics";
  }
  return "trace";
}

std::optional<std::int64_t> TraceStore::do_latest_seed_stamp(TraceKind kind,
                                                             std::string_view prefix) {
#define ENGRAM_LISTING_(list) \
  latest_in_listing(          \
      [this](std::string_view cursor, std::size_t limit) { return list(cursor, limit); }, prefix)
  switch (kind) {
    case TraceKind::kNetworkSnapshot:
      return ENGRAM_LISTING_(do_list_network_snapshots);
    case TraceKind::kSpikeTrain:
      return ENGRAM_LISTING_(do_list_spike_trains);
    case TraceKind::kCompressedSpikeTrain:
      return ENGRAM_LISTING_(do_list_compressed_spike_trains);
    case TraceKind::kReservoirStates:
      return ENGRAM_LISTING_(do_list_reservoir_states);
    case TraceKind::kLayerOutputs:
      return ENGRAM_LISTING_(do_list_layer_outputs);
    case TraceKind::kPlasticityTrace:
      return ENGRAM_LISTING_(do_list_plasticity_traces);
    case TraceKind::kHomeostaticTrace:
      return ENGRAM_LISTING_(do_list_homeostatic_traces);
    case TraceKind::kPerformanceMetrics:
      return ENGRAM_LISTING_(do_list_performance_metrics);
  }
#undef ENGRAM_LISTING_
  return std::nullopt;
}

}  // namespace engram
