// roles.h — the four role objects as Python classes: WorkingMemory,
// EpisodeStore, ConceptStore, TraceStore.
//
// Every public method of the C++ role has the same name, parameter names
// and defaults; arrays in as numpy array-likes (arrays.h), records out as
// the Python records (records.h), std::optional as None, JSON as dicts.
// Listings take undecodable="fail" | "skip" where C++ takes Undecodable.
// An episode's experience_data is stored as JSON when it is a dict, and as
// an array otherwise (a list is an array-like, as numpy sees it).
// Each backend call runs with the GIL released (without_gil.h). The
// Python objects share ownership of the C++ role objects, so a role object
// outlives its Storage as in C++ (engram/storage.h); maintenance() returns
// the backend's Maintenance, kept alive by the role object.
//
// Thread safety: the role objects may be used from several threads at once.
#ifndef ENGRAM_PYTHON_ROLES_H_
#define ENGRAM_PYTHON_ROLES_H_

#include <pybind11/pybind11.h>

#include <string>

#include "engram/errors.h"
#include "engram/page.h"

namespace engram::python {

namespace py = pybind11;

// "fail" or "skip"; InvalidArgument for anything else.
inline Undecodable undecodable_in(const std::string& name) {
  if (name == "fail") return Undecodable::kFail;
  if (name == "skip") return Undecodable::kSkip;
  throw InvalidArgument("undecodable must be \"fail\" or \"skip\", not \"" + name + "\"");
}

void bind_working_memory(py::module_& module);
void bind_episode_store(py::module_& module);
void bind_concept_store(py::module_& module);
void bind_trace_store(py::module_& module);

}  // namespace engram::python

#endif  // ENGRAM_PYTHON_ROLES_H_
