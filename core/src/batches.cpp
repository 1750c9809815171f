// The batches validate each record as it is added, exactly as the matching
// single store would, so a batch that was built is a batch that can be
// applied: all or nothing never fails half-way on validation.
#include <cmath>
#include <limits>

#include "engram/concept_store.h"
#include "engram/episode_store.h"
#include "engram/trace_store.h"
#include "engram/working_memory.h"
#include "record_checks.h"

namespace engram {
namespace {

constexpr double kNow = std::numeric_limits<double>::quiet_NaN();

template <class Record>
void add(std::vector<Record>& records, Record record) {
  detail::check_record(record);
  records.push_back(std::move(record));
}

template <class Record>
void add_may_be_now(std::vector<Record>& records, Record record) {
  detail::check_record(record, true);
  records.push_back(std::move(record));
}

}  // namespace

// ---------------------------------------------------------------- WorkingMemoryBatch

WorkingMemoryBatch::WorkingMemoryBatch(const WorkingMemoryBatch& other)
    : patterns_(other.patterns_),
      spike_trains_(other.spike_trains_),
      attention_weights_(other.attention_weights_),
      metadata_(other.metadata_) {
  for (std::size_t i = 0; i < patterns_.size(); ++i) patterns_[i].metadata = metadata_[i];
}

WorkingMemoryBatch& WorkingMemoryBatch::operator=(const WorkingMemoryBatch& other) {
  if (this != &other) *this = WorkingMemoryBatch(other);
  return *this;
}

void WorkingMemoryBatch::store_working_memory_pattern(std::string_view pattern_hash,
                                                      ArrayView pattern, double timestamp,
                                                      const Json& metadata) {
  put(WorkingMemoryPatternView{std::string(pattern_hash), std::move(pattern), timestamp, metadata,
                               std::nullopt, std::nullopt});
}

void WorkingMemoryBatch::cache_spike_train(double timestamp, ArrayView spike_data,
                                           std::optional<std::vector<std::int64_t>> neuron_ids,
                                           std::optional<std::chrono::milliseconds> ttl) {
  CachedSpikeTrainView record{timestamp, std::move(spike_data), {}, ttl};
  if (neuron_ids) record.neuron_ids = std::move(*neuron_ids);
  add(spike_trains_, std::move(record));
}

void WorkingMemoryBatch::store_attention_weights(std::string_view context, ArrayView weights,
                                                 double timestamp) {
  add(attention_weights_,
      AttentionWeightsView{std::string(context), std::move(weights), timestamp, std::nullopt});
}

// The view's metadata is the caller's until here: the batch keeps a copy.
void WorkingMemoryBatch::put(WorkingMemoryPatternView record) {
  detail::check_record(record);
  metadata_.push_back(record.metadata.get());
  record.metadata = metadata_.back();
  try {
    patterns_.push_back(std::move(record));
  } catch (...) {
    metadata_.pop_back();
    throw;
  }
}
void WorkingMemoryBatch::put(CachedSpikeTrainView record) { add(spike_trains_, std::move(record)); }
void WorkingMemoryBatch::put(AttentionWeightsView record) {
  add(attention_weights_, std::move(record));
}
void WorkingMemoryBatch::put(const WorkingMemoryPattern& record) { put(detail::as_view(record)); }
void WorkingMemoryBatch::put(const CachedSpikeTrain& record) { put(detail::as_view(record)); }
void WorkingMemoryBatch::put(const AttentionWeights& record) { put(detail::as_view(record)); }

void WorkingMemoryBatch::clear() noexcept {
  patterns_.clear();
  metadata_.clear();
  spike_trains_.clear();
  attention_weights_.clear();
}

// ---------------------------------------------------------------- EpisodeBatch

void EpisodeBatch::store_episode(ArrayView experience_data, double performance_score,
                                 std::string_view context_hash, std::optional<double> timestamp,
                                 const Json& metadata) {
  add_may_be_now(episodes_, EpisodeView{0, timestamp.value_or(kNow), std::move(experience_data),
                                        performance_score, std::string(context_hash), metadata});
}

void EpisodeBatch::store_episode(const Json& experience_data, double performance_score,
                                 std::string_view context_hash, std::optional<double> timestamp,
                                 const Json& metadata) {
  add_may_be_now(episodes_, EpisodeView{0, timestamp.value_or(kNow), experience_data,
                                        performance_score, std::string(context_hash), metadata});
}

void EpisodeBatch::store_learning_event(std::string_view task_type, double performance_delta,
                                        std::string_view strategy_used, const Json& parameters,
                                        std::optional<double> timestamp) {
  add_may_be_now(events_, LearningEvent{0, std::string(task_type), performance_delta,
                                        std::string(strategy_used), timestamp.value_or(kNow),
                                        parameters});
}

void EpisodeBatch::put(EpisodeView record) { add_may_be_now(episodes_, std::move(record)); }
void EpisodeBatch::put(const Episode& record) { put(detail::as_view(record)); }
void EpisodeBatch::put(LearningEvent record) { add_may_be_now(events_, std::move(record)); }

void EpisodeBatch::clear() noexcept {
  episodes_.clear();
  events_.clear();
}

// ---------------------------------------------------------------- ConceptBatch

void ConceptBatch::store_concept(std::string_view name, ArrayView embedding, const Json& metadata,
                                 std::optional<double> creation_time) {
  add_may_be_now(concepts_, ConceptView{0, std::string(name), std::move(embedding),
                                        creation_time.value_or(kNow), 0, 0.0, metadata});
  whole_.push_back(false);
}

void ConceptBatch::add_concept_relationship(std::int64_t source_id, std::int64_t target_id,
                                            std::string_view relationship_type,
                                            double strength) {
  add(relationships_, Relationship{source_id, target_id, std::string(relationship_type), strength});
}

void ConceptBatch::put(ConceptView record) {
  add_may_be_now(concepts_, std::move(record));
  whole_.push_back(true);
}
void ConceptBatch::put(const Concept& record) { put(detail::as_view(record)); }
void ConceptBatch::put(Relationship record) { add(relationships_, std::move(record)); }

void ConceptBatch::clear() noexcept {
  concepts_.clear();
  whole_.clear();
  relationships_.clear();
}

// ---------------------------------------------------------------- TraceBatch

void TraceBatch::put(NetworkSnapshotView record) { add(snapshots_, std::move(record)); }
void TraceBatch::put(SpikeTrainDataView record) { add(spike_trains_, std::move(record)); }
void TraceBatch::put(CompressedSpikeTrainView record) { add(compressed_, std::move(record)); }
void TraceBatch::put(ReservoirStatesView record) { add(reservoirs_, std::move(record)); }
void TraceBatch::put(LayerOutputsView record) { add(layer_outputs_, std::move(record)); }
void TraceBatch::put(PlasticityTraceView record) { add(plasticity_, std::move(record)); }
void TraceBatch::put(HomeostaticTraceView record) { add(homeostatic_, std::move(record)); }
void TraceBatch::put(PerformanceMetrics record) { add(metrics_, std::move(record)); }
void TraceBatch::put(const NetworkSnapshot& record) { put(detail::as_view(record)); }
void TraceBatch::put(const SpikeTrainData& record) { put(detail::as_view(record)); }
void TraceBatch::put(const CompressedSpikeTrain& record) { put(detail::as_view(record)); }
void TraceBatch::put(const ReservoirStates& record) { put(detail::as_view(record)); }
void TraceBatch::put(const LayerOutputs& record) { put(detail::as_view(record)); }
void TraceBatch::put(const PlasticityTrace& record) { put(detail::as_view(record)); }
void TraceBatch::put(const HomeostaticTrace& record) { put(detail::as_view(record)); }

std::size_t TraceBatch::size() const noexcept {
  return snapshots_.size() + spike_trains_.size() + compressed_.size() + reservoirs_.size() +
         layer_outputs_.size() + plasticity_.size() + homeostatic_.size() + metrics_.size();
}

void TraceBatch::clear() noexcept {
  snapshots_.clear();
  spike_trains_.clear();
  compressed_.clear();
  reservoirs_.clear();
  layer_outputs_.clear();
  plasticity_.clear();
  homeostatic_.clear();
  metrics_.clear();
}

}  // namespace engram
