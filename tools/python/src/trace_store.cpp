// trace_store.cpp — engram::TraceStore as the Python class TraceStore (see
// roles.h).
#include "engram/trace_store.h"

#include <pybind11/stl.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "arrays.h"
#include "batches.h"
#include "json.h"
#include "records.h"
#include "roles.h"
#include "without_gil.h"

namespace engram::python {

namespace {

using Store = TraceStore;

void bind_stores(py::class_<Store, std::shared_ptr<Store>>& cls) {
  cls.def(
         "store_network_snapshot",
         [](Store& s, double timestamp, py::handle adjacency_matrix, py::handle weight_matrix,
            py::handle neuron_states, py::handle metadata) {
           const Json meta = json_in(metadata);
           const HeldArray adjacency = array_in(adjacency_matrix);
           const HeldArray weights = array_in(weight_matrix);
           const HeldArray states = array_in(neuron_states);
           return without_gil([&] {
             return s.store_network_snapshot(timestamp, adjacency.view, weights.view, states.view,
                                             meta);
           });
         },
         py::arg("timestamp"), py::arg("adjacency_matrix"), py::arg("weight_matrix"),
         py::arg("neuron_states"), py::arg("metadata") = py::dict())
      .def(
          "get_network_snapshots_in_range",
          [](Store& s, double start_time, double end_time) {
            return without_gil(
                [&] { return s.get_network_snapshots_in_range(start_time, end_time); });
          },
          py::arg("start_time"), py::arg("end_time"))
      .def(
          "store_spike_train",
          [](Store& s, double timestamp, py::handle spike_times, py::handle neuron_ids,
             py::handle spike_amplitudes, py::handle metadata) {
            const Json meta = json_in(metadata);
            const HeldArray times = array_in(spike_times);
            const HeldArray ids = array_in(neuron_ids);
            std::optional<HeldArray> amplitudes;
            if (!spike_amplitudes.is_none()) amplitudes = array_in(spike_amplitudes);
            std::optional<ArrayView> amplitudes_view;
            if (amplitudes) amplitudes_view = amplitudes->view;
            return without_gil([&] {
              return s.store_spike_train(timestamp, times.view, ids.view, amplitudes_view, meta);
            });
          },
          py::arg("timestamp"), py::arg("spike_times"), py::arg("neuron_ids"),
          py::arg("spike_amplitudes") = py::none(), py::arg("metadata") = py::dict())
      .def(
          "store_compressed_spike_train",
          [](Store& s, double timestamp, py::handle spike_data, py::handle compression_params) {
            const Json params = json_in(compression_params);
            const HeldArray data = array_in(spike_data);
            return without_gil(
                [&] { return s.store_compressed_spike_train(timestamp, data.view, params); });
          },
          py::arg("timestamp"), py::arg("spike_data"), py::arg("compression_params"))
      .def(
          "store_reservoir_states",
          [](Store& s, double timestamp, py::handle reservoir_states,
             const std::string& reservoir_id) {
            const HeldArray states = array_in(reservoir_states);
            return without_gil(
                [&] { return s.store_reservoir_states(timestamp, states.view, reservoir_id); });
          },
          py::arg("timestamp"), py::arg("reservoir_states"), py::arg("reservoir_id") = "default")
      .def(
          "store_layer_outputs",
          [](Store& s, double timestamp, const py::dict& layer_outputs) {
            HeldArrays held;
            std::map<std::string, ArrayView> views;
            for (const auto& [name, array] : layer_outputs) {
              views[name.cast<std::string>()] = held_view(array, held);
            }
            return without_gil([&] { return s.store_layer_outputs(timestamp, views); });
          },
          py::arg("timestamp"), py::arg("layer_outputs"))
      .def(
          "store_plasticity_trace",
          [](Store& s, double timestamp, py::handle synapse_changes,
             const std::string& plasticity_type) {
            const HeldArray changes = array_in(synapse_changes);
            return without_gil(
                [&] { return s.store_plasticity_trace(timestamp, changes.view, plasticity_type); });
          },
          py::arg("timestamp"), py::arg("synapse_changes"), py::arg("plasticity_type") = "stdp")
      .def(
          "store_homeostatic_trace",
          [](Store& s, double timestamp, py::handle homeostatic_changes,
             const std::string& mechanism) {
            const HeldArray changes = array_in(homeostatic_changes);
            return without_gil(
                [&] { return s.store_homeostatic_trace(timestamp, changes.view, mechanism); });
          },
          py::arg("timestamp"), py::arg("homeostatic_changes"),
          py::arg("mechanism") = "intrinsic_plasticity")
      .def(
          "store_performance_metrics",
          [](Store& s, double timestamp, const std::map<std::string, double>& metrics,
             const std::string& task_type) {
            return without_gil(
                [&] { return s.store_performance_metrics(timestamp, metrics, task_type); });
          },
          py::arg("timestamp"), py::arg("metrics"), py::arg("task_type") = "general")
      .def(
          "store_batch",
          [](Store& s, const PyBatch<TraceBatch>& batch) {
            return without_gil([&] { return s.store_batch(batch.batch); });
          },
          py::arg("batch"));
}

void bind_retrieves(py::class_<Store, std::shared_ptr<Store>>& cls) {
  cls.def(
         "retrieve_network_snapshot",
         [](Store& s, const std::string& snapshot_id) {
           return optional_out(
               without_gil([&] { return s.retrieve_network_snapshot(snapshot_id); }));
         },
         py::arg("snapshot_id"))
      .def(
          "retrieve_spike_train",
          [](Store& s, const std::string& train_id) {
            return optional_out(without_gil([&] { return s.retrieve_spike_train(train_id); }));
          },
          py::arg("train_id"))
      .def(
          "retrieve_compressed_spike_train",
          [](Store& s, const std::string& train_id) {
            return optional_out(
                without_gil([&] { return s.retrieve_compressed_spike_train(train_id); }));
          },
          py::arg("train_id"))
      .def(
          "retrieve_reservoir_states",
          [](Store& s, const std::string& state_id) {
            return optional_out(without_gil([&] { return s.retrieve_reservoir_states(state_id); }));
          },
          py::arg("state_id"))
      .def(
          "retrieve_layer_outputs",
          [](Store& s, const std::string& output_id) {
            return optional_out(without_gil([&] { return s.retrieve_layer_outputs(output_id); }));
          },
          py::arg("output_id"))
      .def(
          "retrieve_plasticity_trace",
          [](Store& s, const std::string& trace_id) {
            return optional_out(without_gil([&] { return s.retrieve_plasticity_trace(trace_id); }));
          },
          py::arg("trace_id"))
      .def(
          "retrieve_homeostatic_trace",
          [](Store& s, const std::string& trace_id) {
            return optional_out(
                without_gil([&] { return s.retrieve_homeostatic_trace(trace_id); }));
          },
          py::arg("trace_id"))
      .def(
          "retrieve_performance_metrics",
          [](Store& s, const std::string& metrics_id) {
            return optional_out(
                without_gil([&] { return s.retrieve_performance_metrics(metrics_id); }));
          },
          py::arg("metrics_id"));
}

void bind_listings(py::class_<Store, std::shared_ptr<Store>>& cls) {
  cls.def(
         "list_network_snapshots",
         [](Store& s, const std::string& cursor, std::size_t limit) {
           return page_out(without_gil([&] { return s.list_network_snapshots(cursor, limit); }));
         },
         py::arg("cursor") = "", py::arg("limit") = 16)
      .def(
          "list_spike_trains",
          [](Store& s, const std::string& cursor, std::size_t limit) {
            return page_out(without_gil([&] { return s.list_spike_trains(cursor, limit); }));
          },
          py::arg("cursor") = "", py::arg("limit") = 16)
      .def(
          "list_compressed_spike_trains",
          [](Store& s, const std::string& cursor, std::size_t limit) {
            return page_out(
                without_gil([&] { return s.list_compressed_spike_trains(cursor, limit); }));
          },
          py::arg("cursor") = "", py::arg("limit") = 16)
      .def(
          "list_reservoir_states",
          [](Store& s, const std::string& cursor, std::size_t limit) {
            return page_out(without_gil([&] { return s.list_reservoir_states(cursor, limit); }));
          },
          py::arg("cursor") = "", py::arg("limit") = 16)
      .def(
          "list_layer_outputs",
          [](Store& s, const std::string& cursor, std::size_t limit) {
            return page_out(without_gil([&] { return s.list_layer_outputs(cursor, limit); }));
          },
          py::arg("cursor") = "", py::arg("limit") = 16)
      .def(
          "list_plasticity_traces",
          [](Store& s, const std::string& cursor, std::size_t limit) {
            return page_out(without_gil([&] { return s.list_plasticity_traces(cursor, limit); }));
          },
          py::arg("cursor") = "", py::arg("limit") = 16)
      .def(
          "list_homeostatic_traces",
          [](Store& s, const std::string& cursor, std::size_t limit) {
            return page_out(without_gil([&] { return s.list_homeostatic_traces(cursor, limit); }));
          },
          py::arg("cursor") = "", py::arg("limit") = 16)
      .def(
          "list_performance_metrics",
          [](Store& s, const std::string& cursor, std::size_t limit) {
            return page_out(without_gil([&] { return s.list_performance_metrics(cursor, limit); }));
          },
          py::arg("cursor") = "", py::arg("limit") = 16);
}

}  // namespace

void bind_trace_store(py::module_& module) {
  py::class_<Store, std::shared_ptr<Store>> cls(
      module, "TraceStore",
      "The traces role (engram/trace_store.h): network snapshots, spike trains, activations and "
      "learning traces, with ids in the seed's form.");
  bind_stores(cls);
  bind_retrieves(cls);
  bind_listings(cls);
  cls.def("maintenance", &Store::maintenance, py::return_value_policy::reference_internal);
}

}  // namespace engram::python
