// engram/owned_records.h — a record that owns its arrays, from the view a
// store borrows.
//
// The role interfaces hand a store its record as a view (arrays borrowed
// until the call returns). A backend that keeps records in process (the
// memory plugin; a cache or write-behind queue) keeps owning records made
// here: each array copied once, everything else copied as is. The arrays
// are marked share_on_copy() (engram/array.h): a copy of the kept record —
// what a lookup returns — shares their bytes until it writes. Records
// without arrays (LearningEvent, Relationship, PerformanceMetrics) are
// their own owned form.
//
// Thread safety: stateless; the view must not change while it is copied.
#ifndef ENGRAM_OWNED_RECORDS_H_
#define ENGRAM_OWNED_RECORDS_H_

#include <utility>
#include <variant>
#include <vector>

#include "engram/array.h"
#include "engram/concept_store.h"
#include "engram/episode_store.h"
#include "engram/export.h"
#include "engram/json.h"
#include "engram/trace_store.h"
#include "engram/working_memory.h"

namespace engram {

ENGRAM_API WorkingMemoryPattern owned(const WorkingMemoryPatternView& record);
ENGRAM_API CachedSpikeTrain owned(const CachedSpikeTrainView& record);
ENGRAM_API AttentionWeights owned(const AttentionWeightsView& record);
ENGRAM_API Episode owned(const EpisodeView& record);
ENGRAM_API Concept owned(const ConceptView& record);
ENGRAM_API NetworkSnapshot owned(const NetworkSnapshotView& record);
ENGRAM_API SpikeTrainData owned(const SpikeTrainDataView& record);
ENGRAM_API CompressedSpikeTrain owned(const CompressedSpikeTrainView& record);
ENGRAM_API ReservoirStates owned(const ReservoirStatesView& record);
ENGRAM_API LayerOutputs owned(const LayerOutputsView& record);
ENGRAM_API PlasticityTrace owned(const PlasticityTraceView& record);
ENGRAM_API HomeostaticTrace owned(const HomeostaticTraceView& record);
inline LearningEvent owned(const LearningEvent& record) { return record; }
inline Relationship owned(const Relationship& record) { return record; }
inline PerformanceMetrics owned(const PerformanceMetrics& record) { return record; }

// Each of `views` owned, in order.
template <class View>
auto owned_all(const std::vector<View>& views) {
  std::vector<decltype(owned(std::declval<const View&>()))> records;
  records.reserve(views.size());
  for (const View& view : views) records.push_back(owned(view));
  return records;
}

}  // namespace engram

#endif  // ENGRAM_OWNED_RECORDS_H_
