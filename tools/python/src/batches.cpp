// batches.cpp — the four roles' batches as Python objects (see batches.h).
#include "batches.h"

#include <pybind11/stl.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "arrays.h"
#include "json.h"

namespace engram::python {

namespace {

// size(), empty(), clear() and len() of every batch.
template <class Batch>
void bind_common(py::class_<PyBatch<Batch>>& cls) {
  cls.def(py::init<>())
      .def("size", [](const PyBatch<Batch>& b) { return b.batch.size(); })
      .def("__len__", [](const PyBatch<Batch>& b) { return b.batch.size(); })
      .def("empty", [](const PyBatch<Batch>& b) { return b.batch.empty(); })
      .def("clear", [](PyBatch<Batch>& b) {
        b.batch.clear();
        b.held.clear();
      });
}

// put(record) for one Python record type.
template <class Batch, class Record>
void bind_put(py::class_<PyBatch<Batch>>& cls) {
  cls.def(
      "put",
      [](PyBatch<Batch>& b, const Record& record) { b.batch.put(record_view(record, b.held)); },
      py::arg("record"));
}

// put(record) for a record type without arrays.
template <class Batch, class Record>
void bind_plain_put(py::class_<PyBatch<Batch>>& cls) {
  cls.def(
      "put", [](PyBatch<Batch>& b, const Record& record) { b.batch.put(record); },
      py::arg("record"));
}

void bind_working_memory_batch(py::module_& m) {
  using B = PyBatch<WorkingMemoryBatch>;
  py::class_<B> cls(m, "WorkingMemoryBatch",
                    "Working-memory stores applied at once by WorkingMemory.store_batch, all or "
                    "nothing. Arrays added are read when store_batch runs.");
  bind_common(cls);
  cls.def(
         "store_working_memory_pattern",
         [](B& b, const std::string& pattern_hash, py::handle pattern, double timestamp,
            py::handle metadata) {
           const ArrayView view = held_view(pattern, b.held);
           b.batch.store_working_memory_pattern(pattern_hash, view, timestamp, json_in(metadata));
         },
         py::arg("pattern_hash"), py::arg("pattern"), py::arg("timestamp"),
         py::arg("metadata") = py::dict())
      .def(
          "cache_spike_train",
          [](B& b, double timestamp, py::handle spike_data,
             std::optional<std::vector<std::int64_t>> neuron_ids, std::optional<double> ttl) {
            const ArrayView view = held_view(spike_data, b.held);
            b.batch.cache_spike_train(timestamp, view, std::move(neuron_ids), ttl_in(ttl));
          },
          py::arg("timestamp"), py::arg("spike_data"), py::arg("neuron_ids") = py::none(),
          py::arg("ttl") = py::none())
      .def(
          "store_attention_weights",
          [](B& b, const std::string& context, py::handle weights, double timestamp) {
            const ArrayView view = held_view(weights, b.held);
            b.batch.store_attention_weights(context, view, timestamp);
          },
          py::arg("context"), py::arg("weights"), py::arg("timestamp"));
  bind_put<WorkingMemoryBatch, PyWorkingMemoryPattern>(cls);
  bind_put<WorkingMemoryBatch, PyCachedSpikeTrain>(cls);
  bind_put<WorkingMemoryBatch, PyAttentionWeights>(cls);
}

void bind_episode_batch(py::module_& m) {
  using B = PyBatch<EpisodeBatch>;
  py::class_<B> cls(
      m, "EpisodeBatch",
      "Episode and learning-event stores applied at once by EpisodeStore.store_batch, all or "
      "nothing. Arrays added are read when store_batch runs.");
  bind_common(cls);
  cls.def(
         "store_episode",
         [](B& b, py::handle experience_data, double performance_score,
            const std::string& context_hash, std::optional<double> timestamp, py::handle metadata) {
           const Json meta = json_in(metadata);
           if (PyDict_Check(experience_data.ptr())) {
             b.batch.store_episode(json_in(experience_data), performance_score, context_hash,
                                   timestamp, meta);
           } else {
             const ArrayView view = held_view(experience_data, b.held);
             b.batch.store_episode(view, performance_score, context_hash, timestamp, meta);
           }
         },
         py::arg("experience_data"), py::arg("performance_score"), py::arg("context_hash"),
         py::arg("timestamp") = py::none(), py::arg("metadata") = py::dict())
      .def(
          "store_learning_event",
          [](B& b, const std::string& task_type, double performance_delta,
             const std::string& strategy_used, py::handle parameters,
             std::optional<double> timestamp) {
            b.batch.store_learning_event(task_type, performance_delta, strategy_used,
                                         json_in(parameters), timestamp);
          },
          py::arg("task_type"), py::arg("performance_delta"), py::arg("strategy_used"),
          py::arg("parameters") = py::dict(), py::arg("timestamp") = py::none());
  bind_put<EpisodeBatch, PyEpisode>(cls);
  bind_plain_put<EpisodeBatch, LearningEvent>(cls);

  py::class_<EpisodeBatchIds>(
      m, "EpisodeBatchIds",
      "The ids EpisodeStore.store_batch assigned, in the order the records were added.")
      .def(py::init<>())
      .def_readwrite("episode_ids", &EpisodeBatchIds::episode_ids)
      .def_readwrite("learning_event_ids", &EpisodeBatchIds::learning_event_ids);
}

void bind_concept_batch(py::module_& m) {
  using B = PyBatch<ConceptBatch>;
  py::class_<B> cls(m, "ConceptBatch",
                    "Concept and relationship stores applied at once by ConceptStore.store_batch, "
                    "all or nothing. Arrays added are read when store_batch runs.");
  bind_common(cls);
  cls.def(
         "store_concept",
         [](B& b, const std::string& name, py::handle embedding, py::handle metadata,
            std::optional<double> creation_time) {
           const Json meta = json_in(metadata);
           const ArrayView view = held_view(embedding, b.held);
           b.batch.store_concept(name, view, meta, creation_time);
         },
         py::arg("name"), py::arg("embedding"), py::arg("metadata") = py::dict(),
         py::arg("creation_time") = py::none())
      .def(
          "add_concept_relationship",
          [](B& b, std::int64_t source_id, std::int64_t target_id,
             const std::string& relationship_type, double strength) {
            b.batch.add_concept_relationship(source_id, target_id, relationship_type, strength);
          },
          py::arg("source_id"), py::arg("target_id"), py::arg("relationship_type"),
          py::arg("strength") = 1.0)
      .def(
          "is_whole_record",
          [](const B& b, std::size_t index) {
            if (index >= b.batch.concepts().size()) throw py::index_error("no such concept");
            return b.batch.is_whole_record(index);
          },
          py::arg("index"));
  bind_put<ConceptBatch, PyConcept>(cls);
  bind_plain_put<ConceptBatch, Relationship>(cls);
}

void bind_trace_batch(py::module_& m) {
  using B = PyBatch<TraceBatch>;
  py::class_<B> cls(m, "TraceBatch",
                    "Trace records applied at once by TraceStore.store_batch, all or nothing. "
                    "Arrays added are read when store_batch runs.");
  bind_common(cls);
  bind_put<TraceBatch, PyNetworkSnapshot>(cls);
  bind_put<TraceBatch, PySpikeTrainData>(cls);
  bind_put<TraceBatch, PyCompressedSpikeTrain>(cls);
  bind_put<TraceBatch, PyReservoirStates>(cls);
  bind_put<TraceBatch, PyLayerOutputs>(cls);
  bind_put<TraceBatch, PyPlasticityTrace>(cls);
  bind_put<TraceBatch, PyHomeostaticTrace>(cls);
  bind_plain_put<TraceBatch, PerformanceMetrics>(cls);

  py::class_<TraceBatchIds>(
      m, "TraceBatchIds",
      "The ids TraceStore.store_batch gave, per kind, in the order the records were added.")
      .def(py::init<>())
      .def_readwrite("network_snapshots", &TraceBatchIds::network_snapshots)
      .def_readwrite("spike_trains", &TraceBatchIds::spike_trains)
      .def_readwrite("compressed_spike_trains", &TraceBatchIds::compressed_spike_trains)
      .def_readwrite("reservoir_states", &TraceBatchIds::reservoir_states)
      .def_readwrite("layer_outputs", &TraceBatchIds::layer_outputs)
      .def_readwrite("plasticity_traces", &TraceBatchIds::plasticity_traces)
      .def_readwrite("homeostatic_traces", &TraceBatchIds::homeostatic_traces)
      .def_readwrite("performance_metrics", &TraceBatchIds::performance_metrics);
}

}  // namespace

void bind_batches(py::module_& module) {
  bind_working_memory_batch(module);
  bind_episode_batch(module);
  bind_concept_batch(module);
  bind_trace_batch(module);
}

}  // namespace engram::python
