#include "engram/owned_records.h"

namespace engram {
namespace {

// The one copy of `view`, shared by the record's later copies.
Array kept(const ArrayView& view) {
  Array array(view);
  array.share_on_copy();
  return array;
}

std::variant<Array, Json> owned(const std::variant<ArrayView, Json>& data) {
  if (const auto* array = std::get_if<ArrayView>(&data)) {
    return std::variant<Array, Json>(std::in_place_type<Array>, kept(*array));
  }
  return std::variant<Array, Json>(std::in_place_type<Json>, std::get<Json>(data));
}

}  // namespace

WorkingMemoryPattern owned(const WorkingMemoryPatternView& r) {
  return {r.pattern_hash, kept(r.pattern), r.timestamp, r.metadata.get(), r.last_accessed, r.ttl};
}
CachedSpikeTrain owned(const CachedSpikeTrainView& r) {
  return {r.timestamp, kept(r.spike_data), r.neuron_ids, r.ttl};
}
AttentionWeights owned(const AttentionWeightsView& r) {
  return {r.context, kept(r.weights), r.timestamp, r.ttl};
}
Episode owned(const EpisodeView& r) {
  return {r.id,           r.timestamp, owned(r.experience_data), r.performance_score,
          r.context_hash, r.metadata};
}
Concept owned(const ConceptView& r) {
  return {r.id,           r.name,          kept(r.embedding), r.creation_time,
          r.access_count, r.last_accessed, r.metadata};
}
NetworkSnapshot owned(const NetworkSnapshotView& r) {
  return {r.id,
          r.timestamp,
          kept(r.adjacency_matrix),
          kept(r.weight_matrix),
          kept(r.neuron_states),
          r.metadata};
}
SpikeTrainData owned(const SpikeTrainDataView& r) {
  SpikeTrainData train{r.id,         r.timestamp, kept(r.spike_times), kept(r.neuron_ids),
                       std::nullopt, r.metadata};
  if (r.spike_amplitudes) train.spike_amplitudes = kept(*r.spike_amplitudes);
  return train;
}
CompressedSpikeTrain owned(const CompressedSpikeTrainView& r) {
  return {r.id, r.timestamp, kept(r.spike_data), r.compression_params};
}
ReservoirStates owned(const ReservoirStatesView& r) {
  return {r.id, r.timestamp, kept(r.reservoir_states), r.reservoir_id};
}
LayerOutputs owned(const LayerOutputsView& r) {
  LayerOutputs outputs{r.id, r.timestamp, {}};
  for (const auto& [name, array] : r.layer_outputs) {
    outputs.layer_outputs.emplace(name, kept(array));
  }
  return outputs;
}
PlasticityTrace owned(const PlasticityTraceView& r) {
  return {r.id, r.timestamp, kept(r.synapse_changes), r.plasticity_type};
}
HomeostaticTrace owned(const HomeostaticTraceView& r) {
  return {r.id, r.timestamp, kept(r.homeostatic_changes), r.mechanism};
}

}  // namespace engram
