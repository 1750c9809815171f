// Validation of role records, shared by the role interfaces' public calls
// and the batches, so that a store and a batched store check alike. Each
// function throws InvalidArgument naming the offending field.
#ifndef ENGRAM_CORE_SRC_RECORD_CHECKS_H_
#define ENGRAM_CORE_SRC_RECORD_CHECKS_H_

#include <cstddef>
#include <string>
#include <string_view>

#include "engram/concept_store.h"
#include "engram/episode_store.h"
#include "engram/trace_store.h"
#include "engram/working_memory.h"

namespace engram::detail {

void check_record(const WorkingMemoryPatternView& record);
void check_record(const CachedSpikeTrainView& record);
void check_record(const AttentionWeightsView& record);

// Episodes and learning events: a NaN timestamp stands for "now" (only
// allowed where `timestamp_may_be_now`).
void check_record(const EpisodeView& record, bool timestamp_may_be_now);
void check_record(const LearningEvent& record, bool timestamp_may_be_now);

void check_record(const ConceptView& record, bool creation_time_may_be_now);
void check_record(const Relationship& record);

void check_record(const NetworkSnapshotView& record);
void check_record(const SpikeTrainDataView& record);
void check_record(const CompressedSpikeTrainView& record);
void check_record(const ReservoirStatesView& record);
void check_record(const LayerOutputsView& record);
void check_record(const PlasticityTraceView& record);
void check_record(const HomeostaticTraceView& record);
void check_record(const PerformanceMetrics& record);

// A listing's page size.
void check_limit(std::size_t limit);
// A database id passed by the caller.
void check_positive_id(std::int64_t id, std::string_view what);

// Owning records seen as views of their arrays.
WorkingMemoryPatternView as_view(const WorkingMemoryPattern& record);
CachedSpikeTrainView as_view(const CachedSpikeTrain& record);
AttentionWeightsView as_view(const AttentionWeights& record);
EpisodeView as_view(const Episode& record);
ConceptView as_view(const Concept& record);
NetworkSnapshotView as_view(const NetworkSnapshot& record);
SpikeTrainDataView as_view(const SpikeTrainData& record);
CompressedSpikeTrainView as_view(const CompressedSpikeTrain& record);
ReservoirStatesView as_view(const ReservoirStates& record);
LayerOutputsView as_view(const LayerOutputs& record);
PlasticityTraceView as_view(const PlasticityTrace& record);
HomeostaticTraceView as_view(const HomeostaticTrace& record);

}  // namespace engram::detail

#endif  // ENGRAM_CORE_SRC_RECORD_CHECKS_H_
