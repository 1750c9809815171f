// records.h — the records of the four roles as Python objects.
//
// Each record type of the C++ API is bound under its own name (Episode,
// Concept, NetworkSnapshot, ...) with the same fields. In Python a record's
// arrays are numpy arrays (any array-like when built by the caller for a
// batch put), its JSON fields dicts, its TTLs float seconds or None. The
// Python-side types are the C++ record templates instantiated over
// py::object (the arrays); records returned by a role are converted from
// the C++ records once, their arrays handed over without a copy.
//
// Page (items, next_cursor, skipped, last()), SkippedRecord, StrategyScore,
// Relationship, LearningEvent, PerformanceMetrics and BackendInfo are bound
// here too.
//
// Thread safety: call with the GIL held.
#ifndef ENGRAM_PYTHON_RECORDS_H_
#define ENGRAM_PYTHON_RECORDS_H_

#include <pybind11/pybind11.h>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "engram/concept_store.h"
#include "engram/episode_store.h"
#include "engram/page.h"
#include "engram/trace_store.h"
#include "engram/working_memory.h"

namespace engram::python {

namespace py = pybind11;

using PyWorkingMemoryPattern = BasicWorkingMemoryPattern<py::object>;
using PyCachedSpikeTrain = BasicCachedSpikeTrain<py::object>;
using PyAttentionWeights = BasicAttentionWeights<py::object>;
using PyEpisode = BasicEpisode<py::object>;
using PyConcept = BasicConcept<py::object>;
using PyNetworkSnapshot = BasicNetworkSnapshot<py::object>;
using PySpikeTrainData = BasicSpikeTrainData<py::object>;
using PyCompressedSpikeTrain = BasicCompressedSpikeTrain<py::object>;
using PyReservoirStates = BasicReservoirStates<py::object>;
using PyLayerOutputs = BasicLayerOutputs<py::object>;
using PyPlasticityTrace = BasicPlasticityTrace<py::object>;
using PyHomeostaticTrace = BasicHomeostaticTrace<py::object>;

// A page of any listing: its items are the Python records.
struct PyPage {
  py::list items;
  std::string next_cursor;
  std::vector<SkippedRecord> skipped;
};

// The numpy arrays the views of one call point into; kept alive until the
// backend call has returned.
using HeldArrays = std::vector<py::object>;

// C++ records to Python records: the arrays handed over, not copied.
PyWorkingMemoryPattern record_out(WorkingMemoryPattern&& record);
PyCachedSpikeTrain record_out(CachedSpikeTrain&& record);
PyAttentionWeights record_out(AttentionWeights&& record);
PyEpisode record_out(Episode&& record);
PyConcept record_out(Concept&& record);
PyNetworkSnapshot record_out(NetworkSnapshot&& record);
PySpikeTrainData record_out(SpikeTrainData&& record);
PyCompressedSpikeTrain record_out(CompressedSpikeTrain&& record);
PyReservoirStates record_out(ReservoirStates&& record);
PyLayerOutputs record_out(LayerOutputs&& record);
PyPlasticityTrace record_out(PlasticityTrace&& record);
PyHomeostaticTrace record_out(HomeostaticTrace&& record);
// Records without arrays are bound as they are.
inline LearningEvent record_out(LearningEvent&& record) { return std::move(record); }
inline Relationship record_out(Relationship&& record) { return record; }
inline PerformanceMetrics record_out(PerformanceMetrics&& record) { return std::move(record); }

// Python records to views over their arrays (array-likes converted once,
// numpy arrays viewed in place), the arrays kept in `held`. Throws
// InvalidArgument for an array field numpy cannot make an engram array of.
WorkingMemoryPatternView record_view(const PyWorkingMemoryPattern& record, HeldArrays& held);
CachedSpikeTrainView record_view(const PyCachedSpikeTrain& record, HeldArrays& held);
AttentionWeightsView record_view(const PyAttentionWeights& record, HeldArrays& held);
EpisodeView record_view(const PyEpisode& record, HeldArrays& held);
ConceptView record_view(const PyConcept& record, HeldArrays& held);
NetworkSnapshotView record_view(const PyNetworkSnapshot& record, HeldArrays& held);
SpikeTrainDataView record_view(const PySpikeTrainData& record, HeldArrays& held);
CompressedSpikeTrainView record_view(const PyCompressedSpikeTrain& record, HeldArrays& held);
ReservoirStatesView record_view(const PyReservoirStates& record, HeldArrays& held);
LayerOutputsView record_view(const PyLayerOutputs& record, HeldArrays& held);
PlasticityTraceView record_view(const PyPlasticityTrace& record, HeldArrays& held);
HomeostaticTraceView record_view(const PyHomeostaticTrace& record, HeldArrays& held);

// A TTL in float seconds (None: the backend's default) as milliseconds,
// rounded. Throws InvalidArgument for a non-finite count.
std::optional<std::chrono::milliseconds> ttl_in(std::optional<double> seconds);

// `array` viewed, its owner kept in `held`. Throws InvalidArgument for None.
ArrayView held_view(py::handle array, HeldArrays& held);

// Each item of `page` converted by record_out.
template <class Record>
PyPage page_out(Page<Record>&& page) {
  PyPage out;
  for (auto& item : page.items) out.items.append(py::cast(record_out(std::move(item))));
  out.next_cursor = std::move(page.next_cursor);
  out.skipped = std::move(page.skipped);
  return out;
}

// The record converted by record_out, or None.
template <class Record>
py::object optional_out(std::optional<Record>&& found) {
  if (!found) return py::none();
  return py::cast(record_out(std::move(*found)));
}

// Each record of `records` converted by record_out, as a list.
template <class Record>
py::list list_out(std::vector<Record>&& records) {
  py::list out;
  for (auto& record : records) out.append(py::cast(record_out(std::move(record))));
  return out;
}

// Binds every record type, PyPage and SkippedRecord.
void bind_records(py::module_& module);

}  // namespace engram::python

#endif  // ENGRAM_PYTHON_RECORDS_H_
