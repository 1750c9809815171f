// recall.h — semantic recall (engram/recall.h) in Python: the enum
// RecallMetric, the results Recall and Hit, and the keyword arguments of
// ConceptStore.nearest_concepts / EpisodeStore.nearest_episodes read into
// the C++ options.
//
// RecallMetric's members are named as recall_metric_name() names them
// (RecallMetric.cosine, .dot, .l2); a `metric` argument is one of them or
// its name as a str. A Recall has .hits (a list of Hit, best first) and
// .skipped (int), and iterates over its hits; a Hit has .record (the
// Concept or Episode) and .score (float), and unpacks as (record, score).
// The filters' keyword arguments: a time range is a (from, to) pair of
// float seconds, metadata_equals a (key, value) pair or a dict of one item.
//
// Errors: InvalidArgument for a metric that is neither, a metadata_equals
// of another form (or a value JSON cannot hold), a time range that is not
// two numbers.
//
// Thread safety: call with the GIL held.
#ifndef ENGRAM_PYTHON_RECALL_H_
#define ENGRAM_PYTHON_RECALL_H_

#include <pybind11/pybind11.h>

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "engram/recall.h"
#include "records.h"

namespace engram::python {

namespace py = pybind11;

struct PyHit {
  py::object record;
  float score = 0.0f;
};

struct PyRecall {
  py::list hits;  // PyHit, best first
  std::int64_t skipped = 0;
};

// A RecallMetric or its name ("cosine", "dot", "l2").
RecallMetric metric_in(py::handle metric);
// None, a (key, value) pair or a dict of one item.
std::optional<std::pair<std::string, Json>> metadata_equals_in(py::handle condition);
// None or a (from, to) pair of numbers.
std::optional<TimeRange> time_range_in(py::handle range, const char* name);

// Each hit's record converted by record_out (its arrays handed over).
template <class Record>
PyRecall recall_out(Recall<Record>&& recall) {
  PyRecall out;
  out.skipped = recall.skipped;
  for (auto& hit : recall.hits) {
    out.hits.append(py::cast(PyHit{py::cast(record_out(std::move(hit.record))), hit.score}));
  }
  return out;
}

// Binds RecallMetric, Hit and Recall.
void bind_recall(py::module_& module);

}  // namespace engram::python

#endif  // ENGRAM_PYTHON_RECALL_H_
