// maintenance.h — engram::Maintenance as the Python class Maintenance.
//
// Every call of engram/maintenance.h, with the GIL released: stats() as a
// dict, paths as pathlib.Path (str or any os.PathLike in), backend_name(),
// files(). A call the backend lacks raises NotSupported, as in C++.
//
// Thread safety: as the C++ Maintenance: any call from several threads.
#ifndef ENGRAM_PYTHON_MAINTENANCE_H_
#define ENGRAM_PYTHON_MAINTENANCE_H_

#include <pybind11/pybind11.h>

namespace engram::python {

namespace py = pybind11;

void bind_maintenance(py::module_& module);

}  // namespace engram::python

#endif  // ENGRAM_PYTHON_MAINTENANCE_H_
