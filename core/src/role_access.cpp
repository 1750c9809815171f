#include "role_access.h"

namespace engram::detail {
namespace {

void tie_array(Array& array, const std::shared_ptr<const void>& library) {
  if (library) array.keep_alive_with(library);
}

}  // namespace

void tie(WorkingMemoryPattern& r, const std::shared_ptr<const void>& library) {
  tie_array(r.pattern, library);
}
void tie(CachedSpikeTrain& r, const std::shared_ptr<const void>& library) {
  tie_array(r.spike_data, library);
}
void tie(AttentionWeights& r, const std::shared_ptr<const void>& library) {
  tie_array(r.weights, library);
}
void tie(Episode& r, const std::shared_ptr<const void>& library) {
  if (auto* array = std::get_if<Array>(&r.experience_data)) tie_array(*array, library);
}
void tie(Concept& r, const std::shared_ptr<const void>& library) {
  tie_array(r.embedding, library);
}
void tie(NetworkSnapshot& r, const std::shared_ptr<const void>& library) {
  tie_array(r.adjacency_matrix, library);
  tie_array(r.weight_matrix, library);
  tie_array(r.neuron_states, library);
}
void tie(SpikeTrainData& r, const std::shared_ptr<const void>& library) {
  tie_array(r.spike_times, library);
  tie_array(r.neuron_ids, library);
  if (r.spike_amplitudes) tie_array(*r.spike_amplitudes, library);
}
void tie(CompressedSpikeTrain& r, const std::shared_ptr<const void>& library) {
  tie_array(r.spike_data, library);
}
void tie(ReservoirStates& r, const std::shared_ptr<const void>& library) {
  tie_array(r.reservoir_states, library);
}
void tie(LayerOutputs& r, const std::shared_ptr<const void>& library) {
  for (auto& [name, array] : r.layer_outputs) tie_array(array, library);
}
void tie(PlasticityTrace& r, const std::shared_ptr<const void>& library) {
  tie_array(r.synapse_changes, library);
}
void tie(HomeostaticTrace& r, const std::shared_ptr<const void>& library) {
  tie_array(r.homeostatic_changes, library);
}

}  // namespace engram::detail
