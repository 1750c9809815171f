// episode_store.cpp — engram::EpisodeStore as the Python class EpisodeStore
// (see roles.h).
#include "engram/episode_store.h"

#include <pybind11/stl.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "arrays.h"
#include "batches.h"
#include "json.h"
#include "recall.h"
#include "records.h"
#include "roles.h"
#include "without_gil.h"

namespace engram::python {

void bind_episode_store(py::module_& module) {
  using Store = EpisodeStore;
  py::class_<Store, std::shared_ptr<Store>>(
      module, "EpisodeStore",
      "The episodes role (engram/episode_store.h): episodes and learning events. experience_data: "
      "a dict is stored as JSON, anything else as an array.")
      .def(
          "store_episode",
          [](Store& s, py::handle experience_data, double performance_score,
             const std::string& context_hash, std::optional<double> timestamp,
             py::handle metadata) {
            const Json meta = json_in(metadata);
            if (PyDict_Check(experience_data.ptr())) {
              const Json experience = json_in(experience_data);
              return without_gil([&] {
                return s.store_episode(experience, performance_score, context_hash, timestamp,
                                       meta);
              });
            }
            const HeldArray experience = array_in(experience_data);
            return without_gil([&] {
              return s.store_episode(experience.view, performance_score, context_hash, timestamp,
                                     meta);
            });
          },
          py::arg("experience_data"), py::arg("performance_score"), py::arg("context_hash"),
          py::arg("timestamp") = py::none(), py::arg("metadata") = py::dict())
      .def(
          "retrieve_episode",
          [](Store& s, std::int64_t episode_id) -> std::optional<PyEpisode> {
            auto found = without_gil([&] { return s.retrieve_episode(episode_id); });
            if (!found) return std::nullopt;
            return record_out(std::move(*found));
          },
          py::arg("episode_id"))
      .def(
          "get_episodes_by_context",
          [](Store& s, const std::string& context_hash, std::size_t limit,
             std::optional<double> min_score) {
            return list_out(without_gil(
                [&] { return s.get_episodes_by_context(context_hash, limit, min_score); }));
          },
          py::arg("context_hash"), py::arg("limit") = 100, py::arg("min_score") = py::none())
      .def(
          "get_recent_episodes",
          [](Store& s, double time_window, std::size_t limit) {
            return list_out(without_gil([&] { return s.get_recent_episodes(time_window, limit); }));
          },
          py::arg("time_window") = 3600.0, py::arg("limit") = 100)
      .def(
          "store_learning_event",
          [](Store& s, const std::string& task_type, double performance_delta,
             const std::string& strategy_used, py::handle parameters,
             std::optional<double> timestamp) {
            const Json params = json_in(parameters);
            return without_gil([&] {
              return s.store_learning_event(task_type, performance_delta, strategy_used, params,
                                            timestamp);
            });
          },
          py::arg("task_type"), py::arg("performance_delta"), py::arg("strategy_used"),
          py::arg("parameters") = py::dict(), py::arg("timestamp") = py::none())
      .def(
          "get_learning_events_by_task",
          [](Store& s, const std::string& task_type, std::size_t limit,
             std::optional<double> min_performance_delta) {
            return list_out(without_gil([&] {
              return s.get_learning_events_by_task(task_type, limit, min_performance_delta);
            }));
          },
          py::arg("task_type"), py::arg("limit") = 100,
          py::arg("min_performance_delta") = py::none())
      .def(
          "get_best_strategies",
          [](Store& s, const std::string& task_type, std::size_t limit) {
            return without_gil([&] { return s.get_best_strategies(task_type, limit); });
          },
          py::arg("task_type"), py::arg("limit") = 5)
      .def(
          "store_batch",
          [](Store& s, const PyBatch<EpisodeBatch>& batch) {
            return without_gil([&] { return s.store_batch(batch.batch); });
          },
          py::arg("batch"))
      .def(
          "list_episodes",
          [](Store& s, const std::string& cursor, std::size_t limit,
             const std::string& undecodable) {
            const Undecodable mode = undecodable_in(undecodable);
            return page_out(without_gil([&] { return s.list_episodes(cursor, limit, mode); }));
          },
          py::arg("cursor") = "", py::arg("limit") = 100, py::arg("undecodable") = "fail")
      .def(
          "list_learning_events",
          [](Store& s, const std::string& cursor, std::size_t limit,
             const std::string& undecodable) {
            const Undecodable mode = undecodable_in(undecodable);
            return page_out(
                without_gil([&] { return s.list_learning_events(cursor, limit, mode); }));
          },
          py::arg("cursor") = "", py::arg("limit") = 100, py::arg("undecodable") = "fail")
      .def(
          "nearest_episodes",
          [](Store& s, py::handle query, std::size_t k, py::handle metric,
             std::optional<std::string> context_hash, std::optional<double> min_score,
             py::handle time_between) {
            EpisodeRecallOptions options;
            options.metric = metric_in(metric);
            options.filter.context_hash = std::move(context_hash);
            options.filter.min_score = min_score;
            options.filter.time_between = time_range_in(time_between, "time_between");
            const HeldArray array = array_in(query);
            return recall_out(
                without_gil([&] { return s.nearest_episodes(array.view, k, options); }));
          },
          py::arg("query"), py::arg("k"), py::arg("metric") = "cosine",
          py::arg("context_hash") = py::none(), py::arg("min_score") = py::none(),
          py::arg("time_between") = py::none(),
          "The k episodes whose array experiences are nearest `query` under `metric`, among "
          "those the filters admit, as a Recall (engram/recall.h).")
      .def("maintenance", &Store::maintenance, py::return_value_policy::reference_internal);
}

}  // namespace engram::python
