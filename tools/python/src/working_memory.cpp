// working_memory.cpp — engram::WorkingMemory as the Python class
// WorkingMemory (see roles.h).
#include "engram/working_memory.h"

#include <pybind11/stl.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "arrays.h"
#include "batches.h"
#include "json.h"
#include "records.h"
#include "roles.h"
#include "without_gil.h"

namespace engram::python {

void bind_working_memory(py::module_& module) {
  using Store = WorkingMemory;
  py::class_<Store, std::shared_ptr<Store>>(
      module, "WorkingMemory",
      "The working-memory role (engram/working_memory.h): patterns, a spike-train cache and "
      "attention weights, each with a time to live.")
      .def(
          "store_working_memory_pattern",
          [](Store& s, const std::string& pattern_hash, py::handle pattern, double timestamp,
             py::handle metadata) {
            const Json meta = json_in(metadata);
            const HeldArray array = array_in(pattern);
            without_gil(
                [&] { s.store_working_memory_pattern(pattern_hash, array.view, timestamp, meta); });
          },
          py::arg("pattern_hash"), py::arg("pattern"), py::arg("timestamp"),
          py::arg("metadata") = py::dict())
      .def(
          "retrieve_working_memory_pattern",
          [](Store& s, const std::string& pattern_hash) -> std::optional<PyWorkingMemoryPattern> {
            auto found =
                without_gil([&] { return s.retrieve_working_memory_pattern(pattern_hash); });
            if (!found) return std::nullopt;
            return record_out(std::move(*found));
          },
          py::arg("pattern_hash"))
      .def(
          "update_working_memory_access",
          [](Store& s, const std::string& pattern_hash) {
            return without_gil([&] { return s.update_working_memory_access(pattern_hash); });
          },
          py::arg("pattern_hash"))
      .def(
          "cache_spike_train",
          [](Store& s, double timestamp, py::handle spike_data,
             std::optional<std::vector<std::int64_t>> neuron_ids, std::optional<double> ttl) {
            const auto ttl_ms = ttl_in(ttl);
            const HeldArray array = array_in(spike_data);
            without_gil(
                [&] { s.cache_spike_train(timestamp, array.view, std::move(neuron_ids), ttl_ms); });
          },
          py::arg("timestamp"), py::arg("spike_data"), py::arg("neuron_ids") = py::none(),
          py::arg("ttl") = py::none())
      .def(
          "retrieve_spike_train",
          [](Store& s, double timestamp) -> std::optional<PyCachedSpikeTrain> {
            auto found = without_gil([&] { return s.retrieve_spike_train(timestamp); });
            if (!found) return std::nullopt;
            return record_out(std::move(*found));
          },
          py::arg("timestamp"))
      .def(
          "get_recent_spike_trains",
          [](Store& s, double time_window) {
            return list_out(without_gil([&] { return s.get_recent_spike_trains(time_window); }));
          },
          py::arg("time_window") = 1.0)
      .def(
          "store_attention_weights",
          [](Store& s, const std::string& context, py::handle weights, double timestamp) {
            const HeldArray array = array_in(weights);
            without_gil([&] { s.store_attention_weights(context, array.view, timestamp); });
          },
          py::arg("context"), py::arg("weights"), py::arg("timestamp"))
      .def(
          "retrieve_attention_weights",
          [](Store& s, const std::string& context) -> std::optional<PyAttentionWeights> {
            auto found = without_gil([&] { return s.retrieve_attention_weights(context); });
            if (!found) return std::nullopt;
            return record_out(std::move(*found));
          },
          py::arg("context"))
      .def(
          "store_batch",
          [](Store& s, const PyBatch<WorkingMemoryBatch>& batch) {
            without_gil([&] { s.store_batch(batch.batch); });
          },
          py::arg("batch"))
      .def(
          "list_working_memory_patterns",
          [](Store& s, const std::string& cursor, std::size_t limit) {
            return page_out(
                without_gil([&] { return s.list_working_memory_patterns(cursor, limit); }));
          },
          py::arg("cursor") = "", py::arg("limit") = 100)
      .def(
          "list_spike_trains",
          [](Store& s, const std::string& cursor, std::size_t limit) {
            return page_out(without_gil([&] { return s.list_spike_trains(cursor, limit); }));
          },
          py::arg("cursor") = "", py::arg("limit") = 100)
      .def(
          "list_attention_weights",
          [](Store& s, const std::string& cursor, std::size_t limit) {
            return page_out(without_gil([&] { return s.list_attention_weights(cursor, limit); }));
          },
          py::arg("cursor") = "", py::arg("limit") = 100)
      .def("maintenance", &Store::maintenance, py::return_value_policy::reference_internal);
}

}  // namespace engram::python
