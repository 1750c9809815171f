// records.cpp — the records of the four roles as Python objects (see
// records.h): conversion from the C++ records, views for stores and batch
// puts, and the Python classes.
#include "records.h"

#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "arrays.h"
#include "engram/errors.h"
#include "engram/storage.h"
#include "json.h"

namespace engram::python {

namespace {

using Milliseconds = std::chrono::milliseconds;

std::optional<double> seconds_out(const std::optional<Milliseconds>& ttl) {
  if (!ttl) return std::nullopt;
  return std::chrono::duration<double>(*ttl).count();
}

py::object array_or_none(std::optional<Array>&& array) {
  if (!array) return py::none();
  return array_out(std::move(*array));
}

}  // namespace

std::optional<Milliseconds> ttl_in(std::optional<double> seconds) {
  if (!seconds) return std::nullopt;
  if (!std::isfinite(*seconds)) throw InvalidArgument("a ttl must be a finite number of seconds");
  return Milliseconds(std::llround(*seconds * 1000.0));
}

ArrayView held_view(py::handle array, HeldArrays& held) {
  if (!array || array.is_none()) throw InvalidArgument("an array field is None");
  HeldArray converted = array_in(array);
  held.push_back(std::move(converted.owner));
  return converted.view;
}

// --- C++ records to Python records ---

PyWorkingMemoryPattern record_out(WorkingMemoryPattern&& r) {
  return {std::move(r.pattern_hash),
          array_out(std::move(r.pattern)),
          r.timestamp,
          std::move(r.metadata),
          r.last_accessed,
          r.ttl};
}
PyCachedSpikeTrain record_out(CachedSpikeTrain&& r) {
  return {r.timestamp, array_out(std::move(r.spike_data)), std::move(r.neuron_ids), r.ttl};
}
PyAttentionWeights record_out(AttentionWeights&& r) {
  return {std::move(r.context), array_out(std::move(r.weights)), r.timestamp, r.ttl};
}
PyEpisode record_out(Episode&& r) {
  PyEpisode out{r.id,
                r.timestamp,
                Json(),
                r.performance_score,
                std::move(r.context_hash),
                std::move(r.metadata)};
  if (auto* array = std::get_if<Array>(&r.experience_data)) {
    out.experience_data = py::object(array_out(std::move(*array)));
  } else {
    out.experience_data = std::move(std::get<Json>(r.experience_data));
  }
  return out;
}
PyConcept record_out(Concept&& r) {
  return {r.id,
          std::move(r.name),
          array_out(std::move(r.embedding)),
          r.creation_time,
          r.access_count,
          r.last_accessed,
          std::move(r.metadata)};
}
PyNetworkSnapshot record_out(NetworkSnapshot&& r) {
  return {std::move(r.id),
          r.timestamp,
          array_out(std::move(r.adjacency_matrix)),
          array_out(std::move(r.weight_matrix)),
          array_out(std::move(r.neuron_states)),
          std::move(r.metadata)};
}
PySpikeTrainData record_out(SpikeTrainData&& r) {
  PySpikeTrainData out{std::move(r.id),
                       r.timestamp,
                       array_out(std::move(r.spike_times)),
                       array_out(std::move(r.neuron_ids)),
                       std::nullopt,
                       std::move(r.metadata)};
  if (r.spike_amplitudes) out.spike_amplitudes = array_or_none(std::move(r.spike_amplitudes));
  return out;
}
PyCompressedSpikeTrain record_out(CompressedSpikeTrain&& r) {
  return {std::move(r.id), r.timestamp, array_out(std::move(r.spike_data)),
          std::move(r.compression_params)};
}
PyReservoirStates record_out(ReservoirStates&& r) {
  return {std::move(r.id), r.timestamp, array_out(std::move(r.reservoir_states)),
          std::move(r.reservoir_id)};
}
PyLayerOutputs record_out(LayerOutputs&& r) {
  PyLayerOutputs out{std::move(r.id), r.timestamp, {}};
  for (auto& [name, array] : r.layer_outputs) out.layer_outputs[name] = array_out(std::move(array));
  return out;
}
PyPlasticityTrace record_out(PlasticityTrace&& r) {
  return {std::move(r.id), r.timestamp, array_out(std::move(r.synapse_changes)),
          std::move(r.plasticity_type)};
}
PyHomeostaticTrace record_out(HomeostaticTrace&& r) {
  return {std::move(r.id), r.timestamp, array_out(std::move(r.homeostatic_changes)),
          std::move(r.mechanism)};
}

// --- Python records to views ---

WorkingMemoryPatternView record_view(const PyWorkingMemoryPattern& r, HeldArrays& held) {
  return {r.pattern_hash, held_view(r.pattern, held), r.timestamp, r.metadata, r.last_accessed,
          r.ttl};
}
CachedSpikeTrainView record_view(const PyCachedSpikeTrain& r, HeldArrays& held) {
  return {r.timestamp, held_view(r.spike_data, held), r.neuron_ids, r.ttl};
}
AttentionWeightsView record_view(const PyAttentionWeights& r, HeldArrays& held) {
  return {r.context, held_view(r.weights, held), r.timestamp, r.ttl};
}
EpisodeView record_view(const PyEpisode& r, HeldArrays& held) {
  EpisodeView view{r.id, r.timestamp, Json(), r.performance_score, r.context_hash, r.metadata};
  if (const auto* array = std::get_if<py::object>(&r.experience_data)) {
    view.experience_data = held_view(*array, held);
  } else {
    view.experience_data = std::get<Json>(r.experience_data);
  }
  return view;
}
ConceptView record_view(const PyConcept& r, HeldArrays& held) {
  return {r.id,
          r.name,
          held_view(r.embedding, held),
          r.creation_time,
          r.access_count,
          r.last_accessed,
          r.metadata};
}
NetworkSnapshotView record_view(const PyNetworkSnapshot& r, HeldArrays& held) {
  return {r.id,
          r.timestamp,
          held_view(r.adjacency_matrix, held),
          held_view(r.weight_matrix, held),
          held_view(r.neuron_states, held),
          r.metadata};
}
SpikeTrainDataView record_view(const PySpikeTrainData& r, HeldArrays& held) {
  SpikeTrainDataView view{
      r.id,         r.timestamp, held_view(r.spike_times, held), held_view(r.neuron_ids, held),
      std::nullopt, r.metadata};
  if (r.spike_amplitudes && !r.spike_amplitudes->is_none()) {
    view.spike_amplitudes = held_view(*r.spike_amplitudes, held);
  }
  return view;
}
CompressedSpikeTrainView record_view(const PyCompressedSpikeTrain& r, HeldArrays& held) {
  return {r.id, r.timestamp, held_view(r.spike_data, held), r.compression_params};
}
ReservoirStatesView record_view(const PyReservoirStates& r, HeldArrays& held) {
  return {r.id, r.timestamp, held_view(r.reservoir_states, held), r.reservoir_id};
}
LayerOutputsView record_view(const PyLayerOutputs& r, HeldArrays& held) {
  LayerOutputsView view{r.id, r.timestamp, {}};
  for (const auto& [name, array] : r.layer_outputs)
    view.layer_outputs[name] = held_view(array, held);
  return view;
}
PlasticityTraceView record_view(const PyPlasticityTrace& r, HeldArrays& held) {
  return {r.id, r.timestamp, held_view(r.synapse_changes, held), r.plasticity_type};
}
HomeostaticTraceView record_view(const PyHomeostaticTrace& r, HeldArrays& held) {
  return {r.id, r.timestamp, held_view(r.homeostatic_changes, held), r.mechanism};
}

// --- the Python classes ---

namespace {

// A JSON field as a dict property.
template <class Record>
void json_field(py::class_<Record>& cls, const char* name, Json Record::*field) {
  cls.def_property(
      name, [field](const Record& r) { return json_out(r.*field); },
      [field](Record& r, py::handle value) { r.*field = json_in(value); });
}

// A TTL field as float seconds or None.
template <class Record>
void ttl_field(py::class_<Record>& cls) {
  cls.def_property(
      "ttl", [](const Record& r) { return seconds_out(r.ttl); },
      [](Record& r, std::optional<double> seconds) { r.ttl = ttl_in(seconds); });
}

// An array field: any array-like in, kept as given until stored.
template <class Record>
void array_field(py::class_<Record>& cls, const char* name, py::object Record::*field) {
  cls.def_readwrite(name, field);
}

py::object none() { return py::none(); }

void bind_working_memory_records(py::module_& m) {
  py::class_<PyWorkingMemoryPattern> pattern_class(m, "WorkingMemoryPattern");
  pattern_class
      .def(py::init([](std::string pattern_hash, py::object pattern, double timestamp,
                       py::object metadata, std::optional<double> last_accessed,
                       std::optional<double> ttl) {
             return PyWorkingMemoryPattern{
                 std::move(pattern_hash), std::move(pattern), timestamp,
                 json_in(metadata),       last_accessed,      ttl_in(ttl)};
           }),
           py::arg("pattern_hash") = "", py::arg("pattern") = none(), py::arg("timestamp") = 0.0,
           py::arg("metadata") = py::dict(), py::arg("last_accessed") = py::none(),
           py::arg("ttl") = py::none())
      .def_readwrite("pattern_hash", &PyWorkingMemoryPattern::pattern_hash)
      .def_readwrite("timestamp", &PyWorkingMemoryPattern::timestamp)
      .def_readwrite("last_accessed", &PyWorkingMemoryPattern::last_accessed);
  array_field(pattern_class, "pattern", &PyWorkingMemoryPattern::pattern);
  json_field(pattern_class, "metadata", &PyWorkingMemoryPattern::metadata);
  ttl_field(pattern_class);

  py::class_<PyCachedSpikeTrain> train(m, "CachedSpikeTrain");
  train
      .def(py::init([](double timestamp, py::object spike_data,
                       std::vector<std::int64_t> neuron_ids, std::optional<double> ttl) {
             return PyCachedSpikeTrain{timestamp, std::move(spike_data), std::move(neuron_ids),
                                       ttl_in(ttl)};
           }),
           py::arg("timestamp") = 0.0, py::arg("spike_data") = none(),
           py::arg("neuron_ids") = std::vector<std::int64_t>{}, py::arg("ttl") = py::none())
      .def_readwrite("timestamp", &PyCachedSpikeTrain::timestamp)
      .def_readwrite("neuron_ids", &PyCachedSpikeTrain::neuron_ids);
  array_field(train, "spike_data", &PyCachedSpikeTrain::spike_data);
  ttl_field(train);

  py::class_<PyAttentionWeights> weights_class(m, "AttentionWeights");
  weights_class
      .def(py::init([](std::string context, py::object weights, double timestamp,
                       std::optional<double> ttl) {
             return PyAttentionWeights{std::move(context), std::move(weights), timestamp,
                                       ttl_in(ttl)};
           }),
           py::arg("context") = "", py::arg("weights") = none(), py::arg("timestamp") = 0.0,
           py::arg("ttl") = py::none())
      .def_readwrite("context", &PyAttentionWeights::context)
      .def_readwrite("timestamp", &PyAttentionWeights::timestamp);
  array_field(weights_class, "weights", &PyAttentionWeights::weights);
  ttl_field(weights_class);
}

// experience_data: a dict is a JSON experience, anything else an array.
py::object experience_out(const PyEpisode& r) {
  if (const auto* array = std::get_if<py::object>(&r.experience_data)) return *array;
  return json_out(std::get<Json>(r.experience_data));
}
std::variant<py::object, Json> experience_in(py::object value) {
  if (PyDict_Check(value.ptr())) return json_in(value);
  return value;
}

void bind_episode_records(py::module_& m) {
  py::class_<PyEpisode> episode(m, "Episode");
  episode
      .def(py::init([](std::int64_t id, double timestamp, py::object experience_data,
                       double performance_score, std::string context_hash, py::object metadata) {
             return PyEpisode{id,
                              timestamp,
                              experience_in(std::move(experience_data)),
                              performance_score,
                              std::move(context_hash),
                              json_in(metadata)};
           }),
           py::arg("id") = 0, py::arg("timestamp") = 0.0, py::arg("experience_data") = none(),
           py::arg("performance_score") = 0.0, py::arg("context_hash") = "",
           py::arg("metadata") = py::dict())
      .def_readwrite("id", &PyEpisode::id)
      .def_readwrite("timestamp", &PyEpisode::timestamp)
      .def_property(
          "experience_data", &experience_out,
          [](PyEpisode& r, py::object value) { r.experience_data = experience_in(value); })
      .def_readwrite("performance_score", &PyEpisode::performance_score)
      .def_readwrite("context_hash", &PyEpisode::context_hash);
  json_field(episode, "metadata", &PyEpisode::metadata);

  py::class_<LearningEvent> event(m, "LearningEvent");
  event
      .def(py::init([](std::int64_t id, std::string task_type, double performance_delta,
                       std::string strategy_used, double timestamp, py::object parameters) {
             return LearningEvent{
                 id,        std::move(task_type), performance_delta, std::move(strategy_used),
                 timestamp, json_in(parameters)};
           }),
           py::arg("id") = 0, py::arg("task_type") = "", py::arg("performance_delta") = 0.0,
           py::arg("strategy_used") = "", py::arg("timestamp") = 0.0,
           py::arg("parameters") = py::dict())
      .def_readwrite("id", &LearningEvent::id)
      .def_readwrite("task_type", &LearningEvent::task_type)
      .def_readwrite("performance_delta", &LearningEvent::performance_delta)
      .def_readwrite("strategy_used", &LearningEvent::strategy_used)
      .def_readwrite("timestamp", &LearningEvent::timestamp);
  json_field(event, "parameters", &LearningEvent::parameters);

  py::class_<StrategyScore>(m, "StrategyScore")
      .def(py::init([](std::string strategy, double avg_delta, std::int64_t count) {
             return StrategyScore{std::move(strategy), avg_delta, count};
           }),
           py::arg("strategy") = "", py::arg("avg_delta") = 0.0, py::arg("count") = 0)
      .def_readwrite("strategy", &StrategyScore::strategy)
      .def_readwrite("avg_delta", &StrategyScore::avg_delta)
      .def_readwrite("count", &StrategyScore::count)
      .def("__repr__", [](const StrategyScore& s) {
        return "StrategyScore(strategy=" + std::string(py::repr(py::str(s.strategy))) +
               ", avg_delta=" + std::string(py::repr(py::float_(s.avg_delta))) +
               ", count=" + std::to_string(s.count) + ")";
      });
}

void bind_concept_records(py::module_& m) {
  py::class_<PyConcept> concept_class(m, "Concept");
  concept_class
      .def(
          py::init([](std::int64_t id, std::string name, py::object embedding, double creation_time,
                      std::int64_t access_count, double last_accessed, py::object metadata) {
            return PyConcept{id,           std::move(name), std::move(embedding), creation_time,
                             access_count, last_accessed,   json_in(metadata)};
          }),
          py::arg("id") = 0, py::arg("name") = "", py::arg("embedding") = none(),
          py::arg("creation_time") = 0.0, py::arg("access_count") = 0,
          py::arg("last_accessed") = 0.0, py::arg("metadata") = py::dict())
      .def_readwrite("id", &PyConcept::id)
      .def_readwrite("name", &PyConcept::name)
      .def_readwrite("creation_time", &PyConcept::creation_time)
      .def_readwrite("access_count", &PyConcept::access_count)
      .def_readwrite("last_accessed", &PyConcept::last_accessed);
  array_field(concept_class, "embedding", &PyConcept::embedding);
  json_field(concept_class, "metadata", &PyConcept::metadata);

  py::class_<Relationship>(m, "Relationship")
      .def(py::init([](std::int64_t source_id, std::int64_t target_id, std::string type,
                       double strength) {
             return Relationship{source_id, target_id, std::move(type), strength};
           }),
           py::arg("source_id") = 0, py::arg("target_id") = 0, py::arg("type") = "",
           py::arg("strength") = 1.0)
      .def_readwrite("source_id", &Relationship::source_id)
      .def_readwrite("target_id", &Relationship::target_id)
      .def_readwrite("type", &Relationship::type)
      .def_readwrite("strength", &Relationship::strength)
      .def("__repr__", [](const Relationship& r) {
        return "Relationship(source_id=" + std::to_string(r.source_id) +
               ", target_id=" + std::to_string(r.target_id) +
               ", type=" + std::string(py::repr(py::str(r.type))) +
               ", strength=" + std::string(py::repr(py::float_(r.strength))) + ")";
      });
}

void bind_trace_records(py::module_& m) {
  py::class_<PyNetworkSnapshot> snapshot(m, "NetworkSnapshot");
  snapshot
      .def(py::init([](std::string id, double timestamp, py::object adjacency_matrix,
                       py::object weight_matrix, py::object neuron_states, py::object metadata) {
             return PyNetworkSnapshot{std::move(id),
                                      timestamp,
                                      std::move(adjacency_matrix),
                                      std::move(weight_matrix),
                                      std::move(neuron_states),
                                      json_in(metadata)};
           }),
           py::arg("id") = "", py::arg("timestamp") = 0.0, py::arg("adjacency_matrix") = none(),
           py::arg("weight_matrix") = none(), py::arg("neuron_states") = none(),
           py::arg("metadata") = py::dict())
      .def_readwrite("id", &PyNetworkSnapshot::id)
      .def_readwrite("timestamp", &PyNetworkSnapshot::timestamp);
  array_field(snapshot, "adjacency_matrix", &PyNetworkSnapshot::adjacency_matrix);
  array_field(snapshot, "weight_matrix", &PyNetworkSnapshot::weight_matrix);
  array_field(snapshot, "neuron_states", &PyNetworkSnapshot::neuron_states);
  json_field(snapshot, "metadata", &PyNetworkSnapshot::metadata);

  py::class_<PySpikeTrainData> train(m, "SpikeTrainData");
  train
      .def(py::init([](std::string id, double timestamp, py::object spike_times,
                       py::object neuron_ids, py::object spike_amplitudes, py::object metadata) {
             PySpikeTrainData r{std::move(id),         timestamp,    std::move(spike_times),
                                std::move(neuron_ids), std::nullopt, json_in(metadata)};
             if (!spike_amplitudes.is_none()) r.spike_amplitudes = std::move(spike_amplitudes);
             return r;
           }),
           py::arg("id") = "", py::arg("timestamp") = 0.0, py::arg("spike_times") = none(),
           py::arg("neuron_ids") = none(), py::arg("spike_amplitudes") = py::none(),
           py::arg("metadata") = py::dict())
      .def_readwrite("id", &PySpikeTrainData::id)
      .def_readwrite("timestamp", &PySpikeTrainData::timestamp)
      .def_property(
          "spike_amplitudes",
          [](const PySpikeTrainData& r) {
            return r.spike_amplitudes ? *r.spike_amplitudes : py::object(py::none());
          },
          [](PySpikeTrainData& r, py::object value) {
            if (value.is_none()) {
              r.spike_amplitudes.reset();
            } else {
              r.spike_amplitudes = std::move(value);
            }
          });
  array_field(train, "spike_times", &PySpikeTrainData::spike_times);
  array_field(train, "neuron_ids", &PySpikeTrainData::neuron_ids);
  json_field(train, "metadata", &PySpikeTrainData::metadata);

  py::class_<PyCompressedSpikeTrain> compressed(m, "CompressedSpikeTrain");
  compressed
      .def(py::init([](std::string id, double timestamp, py::object spike_data,
                       py::object compression_params) {
             return PyCompressedSpikeTrain{std::move(id), timestamp, std::move(spike_data),
                                           json_in(compression_params)};
           }),
           py::arg("id") = "", py::arg("timestamp") = 0.0, py::arg("spike_data") = none(),
           py::arg("compression_params") = py::dict())
      .def_readwrite("id", &PyCompressedSpikeTrain::id)
      .def_readwrite("timestamp", &PyCompressedSpikeTrain::timestamp);
  array_field(compressed, "spike_data", &PyCompressedSpikeTrain::spike_data);
  json_field(compressed, "compression_params", &PyCompressedSpikeTrain::compression_params);

  py::class_<PyReservoirStates> reservoir(m, "ReservoirStates");
  reservoir
      .def(py::init([](std::string id, double timestamp, py::object reservoir_states,
                       std::string reservoir_id) {
             return PyReservoirStates{std::move(id), timestamp, std::move(reservoir_states),
                                      std::move(reservoir_id)};
           }),
           py::arg("id") = "", py::arg("timestamp") = 0.0, py::arg("reservoir_states") = none(),
           py::arg("reservoir_id") = "default")
      .def_readwrite("id", &PyReservoirStates::id)
      .def_readwrite("timestamp", &PyReservoirStates::timestamp)
      .def_readwrite("reservoir_id", &PyReservoirStates::reservoir_id);
  array_field(reservoir, "reservoir_states", &PyReservoirStates::reservoir_states);

  py::class_<PyLayerOutputs>(m, "LayerOutputs")
      .def(py::init([](std::string id, double timestamp,
                       std::map<std::string, py::object> layer_outputs) {
             return PyLayerOutputs{std::move(id), timestamp, std::move(layer_outputs)};
           }),
           py::arg("id") = "", py::arg("timestamp") = 0.0,
           py::arg("layer_outputs") = std::map<std::string, py::object>{})
      .def_readwrite("id", &PyLayerOutputs::id)
      .def_readwrite("timestamp", &PyLayerOutputs::timestamp)
      .def_readwrite("layer_outputs", &PyLayerOutputs::layer_outputs);

  py::class_<PyPlasticityTrace> plasticity(m, "PlasticityTrace");
  plasticity
      .def(py::init([](std::string id, double timestamp, py::object synapse_changes,
                       std::string plasticity_type) {
             return PyPlasticityTrace{std::move(id), timestamp, std::move(synapse_changes),
                                      std::move(plasticity_type)};
           }),
           py::arg("id") = "", py::arg("timestamp") = 0.0, py::arg("synapse_changes") = none(),
           py::arg("plasticity_type") = "stdp")
      .def_readwrite("id", &PyPlasticityTrace::id)
      .def_readwrite("timestamp", &PyPlasticityTrace::timestamp)
      .def_readwrite("plasticity_type", &PyPlasticityTrace::plasticity_type);
  array_field(plasticity, "synapse_changes", &PyPlasticityTrace::synapse_changes);

  py::class_<PyHomeostaticTrace> homeostatic(m, "HomeostaticTrace");
  homeostatic
      .def(py::init([](std::string id, double timestamp, py::object homeostatic_changes,
                       std::string mechanism) {
             return PyHomeostaticTrace{std::move(id), timestamp, std::move(homeostatic_changes),
                                       std::move(mechanism)};
           }),
           py::arg("id") = "", py::arg("timestamp") = 0.0, py::arg("homeostatic_changes") = none(),
           py::arg("mechanism") = "intrinsic_plasticity")
      .def_readwrite("id", &PyHomeostaticTrace::id)
      .def_readwrite("timestamp", &PyHomeostaticTrace::timestamp)
      .def_readwrite("mechanism", &PyHomeostaticTrace::mechanism);
  array_field(homeostatic, "homeostatic_changes", &PyHomeostaticTrace::homeostatic_changes);

  py::class_<PerformanceMetrics>(m, "PerformanceMetrics")
      .def(py::init([](std::string id, double timestamp, std::map<std::string, double> metrics,
                       std::string task_type) {
             return PerformanceMetrics{std::move(id), timestamp, std::move(metrics),
                                       std::move(task_type)};
           }),
           py::arg("id") = "", py::arg("timestamp") = 0.0,
           py::arg("metrics") = std::map<std::string, double>{}, py::arg("task_type") = "general")
      .def_readwrite("id", &PerformanceMetrics::id)
      .def_readwrite("timestamp", &PerformanceMetrics::timestamp)
      .def_readwrite("metrics", &PerformanceMetrics::metrics)
      .def_readwrite("task_type", &PerformanceMetrics::task_type);
}

void bind_listing_records(py::module_& m) {
  py::class_<SkippedRecord>(
      m, "SkippedRecord",
      "A record a listing passed over: its key, the error's kind and the reason.")
      .def(py::init([](std::string key, std::string error, std::string reason) {
             return SkippedRecord{std::move(key), std::move(error), std::move(reason)};
           }),
           py::arg("key") = "", py::arg("error") = "", py::arg("reason") = "")
      .def_readwrite("key", &SkippedRecord::key)
      .def_readwrite("error", &SkippedRecord::error)
      .def_readwrite("reason", &SkippedRecord::reason)
      .def("__repr__", [](const SkippedRecord& s) {
        return "SkippedRecord(key=" + std::string(py::repr(py::str(s.key))) +
               ", error=" + std::string(py::repr(py::str(s.error))) + ")";
      });

  py::class_<PyPage>(m, "Page",
                     "One page of a listing: items, next_cursor ('' on the last page), skipped "
                     "(SkippedRecord, with undecodable='skip').")
      .def_readonly("items", &PyPage::items)
      .def_readonly("next_cursor", &PyPage::next_cursor)
      .def_readonly("skipped", &PyPage::skipped)
      .def("last", [](const PyPage& p) { return p.next_cursor.empty(); })
      .def("__len__", [](const PyPage& p) { return p.items.size(); })
      .def("__iter__", [](const PyPage& p) { return p.items.attr("__iter__")(); })
      .def("__repr__", [](const PyPage& p) {
        return "Page(" + std::to_string(p.items.size()) +
               " items, next_cursor=" + std::string(py::repr(py::str(p.next_cursor))) + ", " +
               std::to_string(p.skipped.size()) + " skipped)";
      });
}

}  // namespace

void bind_records(py::module_& module) {
  bind_working_memory_records(module);
  bind_episode_records(module);
  bind_concept_records(module);
  bind_trace_records(module);
  bind_listing_records(module);
}

}  // namespace engram::python
