// recall.cpp — see recall.h.
#include "recall.h"

#include <string>
#include <string_view>

#include "engram/errors.h"
#include "json.h"

namespace engram::python {

RecallMetric metric_in(py::handle metric) {
  if (py::isinstance<RecallMetric>(metric)) return metric.cast<RecallMetric>();
  if (py::isinstance<py::str>(metric)) {
    const std::string name = metric.cast<std::string>();
    if (const auto found = recall_metric_from_name(name)) return *found;
    throw InvalidArgument("metric must be \"cosine\", \"dot\" or \"l2\", not \"" + name + "\"");
  }
  throw InvalidArgument("metric must be a RecallMetric or its name, not a " +
                        std::string(py::str(py::type::of(metric).attr("__name__"))));
}

std::optional<std::pair<std::string, Json>> metadata_equals_in(py::handle condition) {
  if (condition.is_none()) return std::nullopt;
  py::object key;
  py::object value;
  if (py::isinstance<py::dict>(condition) && py::len(condition) == 1) {
    const auto item = *py::reinterpret_borrow<py::dict>(condition).begin();
    key = py::reinterpret_borrow<py::object>(item.first);
    value = py::reinterpret_borrow<py::object>(item.second);
  } else if ((py::isinstance<py::tuple>(condition) || py::isinstance<py::list>(condition)) &&
             py::len(condition) == 2) {
    key = condition[py::int_(0)];
    value = condition[py::int_(1)];
  } else {
    throw InvalidArgument(
        "metadata_equals must be a (key, value) pair or a dict of one item, not " +
        std::string(py::repr(condition)));
  }
  if (!py::isinstance<py::str>(key)) {
    throw InvalidArgument("metadata_equals: the key must be a str, not " +
                          std::string(py::repr(key)));
  }
  return std::pair<std::string, Json>(key.cast<std::string>(), json_in(value));
}

std::optional<TimeRange> time_range_in(py::handle range, const char* name) {
  if (range.is_none()) return std::nullopt;
  try {
    const auto [from, to] = range.cast<std::pair<double, double>>();
    return TimeRange{from, to};
  } catch (const py::cast_error&) {
    throw InvalidArgument(std::string(name) + " must be a (from, to) pair of seconds, not " +
                          std::string(py::repr(range)));
  }
}

void bind_recall(py::module_& module) {
  py::enum_<RecallMetric>(module, "RecallMetric",
                          "How a recall scores (engram/recall.h): cosine and dot, higher is "
                          "nearer; l2, the distance, lower is nearer.")
      .value("cosine", RecallMetric::kCosine)
      .value("dot", RecallMetric::kDot)
      .value("l2", RecallMetric::kL2);

  py::class_<PyHit>(module, "Hit",
                    "One recall result: .record (Concept or Episode) and .score; unpacks as "
                    "(record, score).")
      .def_readonly("record", &PyHit::record)
      .def_readonly("score", &PyHit::score)
      .def("__iter__", [](const PyHit& h) { return py::iter(py::make_tuple(h.record, h.score)); })
      .def("__repr__", [](const PyHit& h) {
        return "Hit(record=" + std::string(py::repr(h.record)) +
               ", score=" + std::string(py::repr(py::float_(h.score))) + ")";
      });

  py::class_<PyRecall>(module, "Recall",
                       "A recall's results: .hits (Hit, best first; ties: lower id first) and "
                       ".skipped (admitted embeddings that could not be scored).")
      .def_readonly("hits", &PyRecall::hits)
      .def_readonly("skipped", &PyRecall::skipped)
      .def("__len__", [](const PyRecall& r) { return r.hits.size(); })
      .def("__iter__", [](const PyRecall& r) { return r.hits.attr("__iter__")(); })
      .def("__repr__", [](const PyRecall& r) {
        return "Recall(" + std::to_string(r.hits.size()) + " hits, " + std::to_string(r.skipped) +
               " skipped)";
      });
}

}  // namespace engram::python
