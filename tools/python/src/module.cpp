// module.cpp — the extension engram._engram: engram's C++ API for Python.
//
// The package engram (tools/python/engram/__init__.py) re-exports every
// name bound here. The names, parameters and defaults are the C++ API's
// (core/include/engram/*.h); see each unit's header for its part.
#include <pybind11/pybind11.h>
#include <pybind11/stl/filesystem.h>

#include <string>

#include "batches.h"
#include "clock.h"
#include "engram/plugin_loader.h"
#include "engram/version.h"
#include "errors.h"
#include "maintenance.h"
#include "npy.h"
#include "recall.h"
#include "records.h"
#include "roles.h"
#include "storage.h"

namespace py = pybind11;

PYBIND11_MODULE(_engram, module) {
  module.doc() = "engram: plugin-based storage for the memory of a neuromorphic AI system";
  module.attr("__version__") = std::string(engram::core_version());
  // numpy is imported once here, so that a missing numpy fails the import
  // rather than the first call that returns an array.
  py::module_::import("numpy");

  using namespace engram::python;
  bind_errors(module);
  bind_records(module);
  bind_batches(module);
  bind_maintenance(module);
  bind_recall(module);
  bind_working_memory(module);
  bind_episode_store(module);
  bind_concept_store(module);
  bind_trace_store(module);
  bind_clock(module);
  bind_npy(module);
  bind_storage(module);
  module.def("bundled_plugin_dir", &engram::bundled_plugin_dir,
             "The folder the plugins installed with the core live in.");
}
