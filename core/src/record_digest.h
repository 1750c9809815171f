// What a record holds, as a short string, so that migrate can tell whether
// the target already holds a record equal to one of the source's.
//
// A digest is 16 hex digits of a 64-bit FNV-1a hash over every field of the
// record's content: values, arrays (dtype, shape, bytes), timestamps (their
// bits), metadata (its JSON text), access counts and times. It leaves out
// what a copy may change: engram-assigned ids and trace ids (a target may
// give another), and the TTL a working-memory record has left. Two records
// of equal content have equal digests; unequal ones almost surely differ.
//
// Thread safety: stateless.
#ifndef ENGRAM_CORE_SRC_RECORD_DIGEST_H_
#define ENGRAM_CORE_SRC_RECORD_DIGEST_H_

#include <string>

#include "engram/concept_store.h"
#include "engram/episode_store.h"
#include "engram/trace_store.h"
#include "engram/working_memory.h"

namespace engram::detail {

std::string content_digest(const WorkingMemoryPattern& record);
std::string content_digest(const CachedSpikeTrain& record);
std::string content_digest(const AttentionWeights& record);
std::string content_digest(const Episode& record);
std::string content_digest(const LearningEvent& record);
std::string content_digest(const Concept& record);
std::string content_digest(const Relationship& record);
std::string content_digest(const NetworkSnapshot& record);
std::string content_digest(const SpikeTrainData& record);
std::string content_digest(const CompressedSpikeTrain& record);
std::string content_digest(const ReservoirStates& record);
std::string content_digest(const LayerOutputs& record);
std::string content_digest(const PlasticityTrace& record);
std::string content_digest(const HomeostaticTrace& record);
std::string content_digest(const PerformanceMetrics& record);

}  // namespace engram::detail

#endif  // ENGRAM_CORE_SRC_RECORD_DIGEST_H_
