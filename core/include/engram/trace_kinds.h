// engram/trace_kinds.h — the traces role over one table per kind of trace.
//
// TraceStore has a store, a retrieve and a listing call for each of its
// eight kinds of record. A backend that keeps every kind alike (one table,
// group or map per kind: the memory plugin, the hdf5 plugin) derives from
// TraceStoreByKind<Derived> and writes each of the three once, as templates
// over the record type; the adapter turns the 24 calls into them:
//
//   class MyTraces final : public engram::TraceStoreByKind<MyTraces> {
//     friend engram::TraceStoreByKind<MyTraces>;
//     template <class View> std::string store(const View& record);
//     template <class Record> std::optional<Record> find(std::string_view id);
//     template <class Record> Page<Record> list(std::string_view cursor, std::size_t limit);
//     // and TraceStore's do_get_network_snapshots_in_range and do_store_batch
//   };
//
// `store` gets each kind's view (NetworkSnapshotView, ..., and
// PerformanceMetrics, which has no view); `find` and `list` are called
// with each kind's record type (NetworkSnapshot, ..., PerformanceMetrics).
// They see what TraceStore's do_* calls see: validated arguments.
//
// Thread safety: as the Derived's templates.
#ifndef ENGRAM_TRACE_KINDS_H_
#define ENGRAM_TRACE_KINDS_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "engram/page.h"
#include "engram/trace_store.h"

namespace engram {

template <class Derived>
class TraceStoreByKind : public TraceStore {
 private:
  Derived& self() { return static_cast<Derived&>(*this); }

#define ENGRAM_TRACE_KIND_(Kind, Record, View)                                           \
  std::string do_store_##Kind(const View& record) final { return self().store(record); } \
  std::optional<Record> do_retrieve_##Kind(std::string_view id) final {                  \
    return self().template find<Record>(id);                                             \
  }
  ENGRAM_TRACE_KIND_(network_snapshot, NetworkSnapshot, NetworkSnapshotView)
  ENGRAM_TRACE_KIND_(spike_train, SpikeTrainData, SpikeTrainDataView)
  ENGRAM_TRACE_KIND_(compressed_spike_train, CompressedSpikeTrain, CompressedSpikeTrainView)
  ENGRAM_TRACE_KIND_(reservoir_states, ReservoirStates, ReservoirStatesView)
  ENGRAM_TRACE_KIND_(layer_outputs, LayerOutputs, LayerOutputsView)
  ENGRAM_TRACE_KIND_(plasticity_trace, PlasticityTrace, PlasticityTraceView)
  ENGRAM_TRACE_KIND_(homeostatic_trace, HomeostaticTrace, HomeostaticTraceView)
  ENGRAM_TRACE_KIND_(performance_metrics, PerformanceMetrics, PerformanceMetrics)
#undef ENGRAM_TRACE_KIND_

#define ENGRAM_TRACE_LIST_(Kinds, Record)                                          \
  Page<Record> do_list_##Kinds(std::string_view cursor, std::size_t limit) final { \
    return self().template list<Record>(cursor, limit);                            \
  }
  ENGRAM_TRACE_LIST_(network_snapshots, NetworkSnapshot)
  ENGRAM_TRACE_LIST_(spike_trains, SpikeTrainData)
  ENGRAM_TRACE_LIST_(compressed_spike_trains, CompressedSpikeTrain)
  ENGRAM_TRACE_LIST_(reservoir_states, ReservoirStates)
  ENGRAM_TRACE_LIST_(layer_outputs, LayerOutputs)
  ENGRAM_TRACE_LIST_(plasticity_traces, PlasticityTrace)
  ENGRAM_TRACE_LIST_(homeostatic_traces, HomeostaticTrace)
  ENGRAM_TRACE_LIST_(performance_metrics, PerformanceMetrics)
#undef ENGRAM_TRACE_LIST_
};

}  // namespace engram

#endif  // ENGRAM_TRACE_KINDS_H_
