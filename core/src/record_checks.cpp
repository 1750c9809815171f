#include "record_checks.h"

#include <cmath>

#include "engram/errors.h"
#include "engram/ids.h"
#include "engram/json.h"

namespace engram::detail {
namespace {

void check_time(double value, bool may_be_now, std::string_view what) {
  if (may_be_now && std::isnan(value)) return;
  check_finite(value, what);
}

void check_ttl(const std::optional<std::chrono::milliseconds>& ttl) {
  if (ttl && ttl->count() <= 0) {
    throw InvalidArgument("ttl must be positive, got " + std::to_string(ttl->count()) + " ms");
  }
}

// An id given with a trace record (a batch put) is kept if free; empty asks
// for the seed's id.
void check_trace_id(const std::string& id) {
  if (!id.empty()) check_id(id, "trace id");
}

// A trace's timestamp must give the seed's millisecond id.
void check_trace_time(double timestamp) { static_cast<void>(seed_millis(timestamp)); }

void check_one_dimensional(const ArrayView& array, std::string_view what) {
  if (array.ndim() != 1) {
    throw InvalidArgument(std::string(what) + " must be 1-d, got shape " +
                          shape_string(array.shape()));
  }
}

}  // namespace

void check_record(const WorkingMemoryPatternView& record) {
  check_id(record.pattern_hash, "pattern_hash");
  check_finite(record.timestamp, "timestamp");
  check_json_object(record.metadata.get(), "metadata");
  if (record.last_accessed) check_finite(*record.last_accessed, "last_accessed");
  check_ttl(record.ttl);
}

void check_record(const CachedSpikeTrainView& record) {
  check_finite(record.timestamp, "timestamp");
  check_ttl(record.ttl);
}

void check_record(const AttentionWeightsView& record) {
  check_id(record.context, "context");
  check_finite(record.timestamp, "timestamp");
  check_ttl(record.ttl);
}

void check_record(const EpisodeView& record, bool timestamp_may_be_now) {
  if (record.id < 0) throw InvalidArgument("episode id must not be negative");
  check_time(record.timestamp, timestamp_may_be_now, "timestamp");
  if (const auto* json = std::get_if<Json>(&record.experience_data)) {
    check_json_object(*json, "experience_data");
  }
  check_finite(record.performance_score, "performance_score");
  check_text(record.context_hash, "context_hash");
  check_json_object(record.metadata, "metadata");
}

void check_record(const LearningEvent& record, bool timestamp_may_be_now) {
  if (record.id < 0) throw InvalidArgument("learning event id must not be negative");
  check_id(record.task_type, "task_type");
  check_finite(record.performance_delta, "performance_delta");
  check_text(record.strategy_used, "strategy_used");
  check_time(record.timestamp, timestamp_may_be_now, "timestamp");
  check_json_object(record.parameters, "parameters");
}

void check_record(const ConceptView& record, bool creation_time_may_be_now) {
  if (record.id < 0) throw InvalidArgument("concept id must not be negative");
  check_text(record.name, "concept name");
  check_time(record.creation_time, creation_time_may_be_now, "creation_time");
  if (record.access_count < 0) throw InvalidArgument("access_count must not be negative");
  check_finite(record.last_accessed, "last_accessed");
  check_json_object(record.metadata, "metadata");
}

void check_record(const Relationship& record) {
  check_positive_id(record.source_id, "source concept id");
  check_positive_id(record.target_id, "target concept id");
  check_text(record.type, "relationship_type");
  check_finite(record.strength, "strength");
}

void check_record(const NetworkSnapshotView& record) {
  check_trace_id(record.id);
  check_trace_time(record.timestamp);
  if (record.adjacency_matrix.shape() != record.weight_matrix.shape()) {
    throw InvalidArgument("adjacency_matrix " + shape_string(record.adjacency_matrix.shape()) +
                          " and weight_matrix " + shape_string(record.weight_matrix.shape()) +
                          " differ in shape");
  }
  check_json_object(record.metadata, "metadata");
}

void check_record(const SpikeTrainDataView& record) {
  check_trace_id(record.id);
  check_trace_time(record.timestamp);
  check_one_dimensional(record.spike_times, "spike_times");
  check_one_dimensional(record.neuron_ids, "neuron_ids");
  const auto length_error = [&](std::string_view what, const ArrayView& other) {
    return InvalidArgument(std::string(what) + " has " + std::to_string(other.size()) +
                           " elements but spike_times has " +
                           std::to_string(record.spike_times.size()));
  };
  if (record.neuron_ids.size() != record.spike_times.size()) {
    throw length_error("neuron_ids", record.neuron_ids);
  }
  if (record.spike_amplitudes) {
    check_one_dimensional(*record.spike_amplitudes, "spike_amplitudes");
    if (record.spike_amplitudes->size() != record.spike_times.size()) {
      throw length_error("spike_amplitudes", *record.spike_amplitudes);
    }
  }
  check_json_object(record.metadata, "metadata");
}

void check_record(const CompressedSpikeTrainView& record) {
  check_trace_id(record.id);
  check_trace_time(record.timestamp);
  check_json_object(record.compression_params, "compression_params");
}

void check_record(const ReservoirStatesView& record) {
  check_trace_id(record.id);
  check_trace_time(record.timestamp);
  check_id_prefix(record.reservoir_id, "reservoir_id");
}

void check_record(const LayerOutputsView& record) {
  check_trace_id(record.id);
  check_trace_time(record.timestamp);
  for (const auto& [name, array] : record.layer_outputs) check_id(name, "layer name");
}

void check_record(const PlasticityTraceView& record) {
  check_trace_id(record.id);
  check_trace_time(record.timestamp);
  check_id_prefix(record.plasticity_type, "plasticity_type");
}

void check_record(const HomeostaticTraceView& record) {
  check_trace_id(record.id);
  check_trace_time(record.timestamp);
  check_id_prefix(record.mechanism, "mechanism");
}

void check_record(const PerformanceMetrics& record) {
  check_trace_id(record.id);
  check_trace_time(record.timestamp);
  check_id_prefix(record.task_type, "task_type");
  for (const auto& [name, value] : record.metrics) check_id(name, "metric name");
}

void check_limit(std::size_t limit) {
  if (limit == 0) throw InvalidArgument("page limit must be at least 1");
}

void check_positive_id(std::int64_t id, std::string_view what) {
  if (id <= 0) {
    throw InvalidArgument(std::string(what) + " must be positive, got " + std::to_string(id));
  }
}

WorkingMemoryPatternView as_view(const WorkingMemoryPattern& r) {
  return {r.pattern_hash, r.pattern.view(), r.timestamp, r.metadata, r.last_accessed, r.ttl};
}
CachedSpikeTrainView as_view(const CachedSpikeTrain& r) {
  return {r.timestamp, r.spike_data.view(), r.neuron_ids, r.ttl};
}
AttentionWeightsView as_view(const AttentionWeights& r) {
  return {r.context, r.weights.view(), r.timestamp, r.ttl};
}
EpisodeView as_view(const Episode& r) {
  EpisodeView view{r.id, r.timestamp, Json(), r.performance_score, r.context_hash, r.metadata};
  if (const auto* array = std::get_if<Array>(&r.experience_data)) {
    view.experience_data = array->view();
  } else {
    view.experience_data = std::get<Json>(r.experience_data);
  }
  return view;
}
ConceptView as_view(const Concept& r) {
  return {r.id, r.name, r.embedding.view(), r.creation_time, r.access_count, r.last_accessed,
          r.metadata};
}
NetworkSnapshotView as_view(const NetworkSnapshot& r) {
  return {r.id, r.timestamp, r.adjacency_matrix.view(), r.weight_matrix.view(),
          r.neuron_states.view(), r.metadata};
}
SpikeTrainDataView as_view(const SpikeTrainData& r) {
  SpikeTrainDataView view{r.id, r.timestamp, r.spike_times.view(), r.neuron_ids.view(),
                          std::nullopt, r.metadata};
  if (r.spike_amplitudes) view.spike_amplitudes = r.spike_amplitudes->view();
  return view;
}
CompressedSpikeTrainView as_view(const CompressedSpikeTrain& r) {
  return {r.id, r.timestamp, r.spike_data.view(), r.compression_params};
}
ReservoirStatesView as_view(const ReservoirStates& r) {
  return {r.id, r.timestamp, r.reservoir_states.view(), r.reservoir_id};
}
LayerOutputsView as_view(const LayerOutputs& r) {
  LayerOutputsView view{r.id, r.timestamp, {}};
  for (const auto& [name, array] : r.layer_outputs) view.layer_outputs.emplace(name, array.view());
  return view;
}
PlasticityTraceView as_view(const PlasticityTrace& r) {
  return {r.id, r.timestamp, r.synapse_changes.view(), r.plasticity_type};
}
HomeostaticTraceView as_view(const HomeostaticTrace& r) {
  return {r.id, r.timestamp, r.homeostatic_changes.view(), r.mechanism};
}

}  // namespace engram::detail
