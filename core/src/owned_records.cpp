#include "engram/owned_records.h"

namespace engram {
namespace {

std::variant<Array, Json> owned(const std::variant<ArrayView, Json>& data) {
  if (const auto* array = std::get_if<ArrayView>(&data)) {
    return std::variant<Array, Json>(std::in_place_type<Array>, *array);
  }
  return std::variant<Array, Json>(std::in_place_type<Json>, std::get<Json>(data));
}

}  // namespace

WorkingMemoryPattern owned(const WorkingMemoryPatternView& r) {
  return {r.pattern_hash, Array(r.pattern), r.timestamp, r.metadata.get(), r.last_accessed, r.ttl};
}
CachedSpikeTrain owned(const CachedSpikeTrainView& r) {
  return {r.timestamp, Array(r.spike_data), r.neuron_ids, r.ttl};
}
AttentionWeights owned(const AttentionWeightsView& r) {
  return {r.context, Array(r.weights), r.timestamp, r.ttl};
}
Episode owned(const EpisodeView& r) {
  return {r.id,           r.timestamp, owned(r.experience_data), r.performance_score,
          r.context_hash, r.metadata};
}
Concept owned(const ConceptView& r) {
  return {r.id,           r.name,          Array(r.embedding), r.creation_time,
          r.access_count, r.last_accessed, r.metadata};
}
NetworkSnapshot owned(const NetworkSnapshotView& r) {
  return {r.id,
          r.timestamp,
          Array(r.adjacency_matrix),
          Array(r.weight_matrix),
          Array(r.neuron_states),
          r.metadata};
}
SpikeTrainData owned(const SpikeTrainDataView& r) {
  SpikeTrainData train{r.id,         r.timestamp, Array(r.spike_times), Array(r.neuron_ids),
                       std::nullopt, r.metadata};
  if (r.spike_amplitudes) train.spike_amplitudes = Array(*r.spike_amplitudes);
  return train;
}
CompressedSpikeTrain owned(const CompressedSpikeTrainView& r) {
  return {r.id, r.timestamp, Array(r.spike_data), r.compression_params};
}
ReservoirStates owned(const ReservoirStatesView& r) {
  return {r.id, r.timestamp, Array(r.reservoir_states), r.reservoir_id};
}
LayerOutputs owned(const LayerOutputsView& r) {
  LayerOutputs outputs{r.id, r.timestamp, {}};
  for (const auto& [name, array] : r.layer_outputs) outputs.layer_outputs.emplace(name, array);
  return outputs;
}
PlasticityTrace owned(const PlasticityTraceView& r) {
  return {r.id, r.timestamp, Array(r.synapse_changes), r.plasticity_type};
}
HomeostaticTrace owned(const HomeostaticTraceView& r) {
  return {r.id, r.timestamp, Array(r.homeostatic_changes), r.mechanism};
}

}  // namespace engram
