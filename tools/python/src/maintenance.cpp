// maintenance.cpp — engram::Maintenance as the Python class Maintenance
// (see maintenance.h).
#include "maintenance.h"

#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "engram/maintenance.h"
#include "json.h"
#include "without_gil.h"

namespace engram::python {

void bind_maintenance(py::module_& module) {
  py::class_<Maintenance, std::shared_ptr<Maintenance>>(
      module, "Maintenance",
      "A backend instance's maintenance interface (engram/maintenance.h). A call the backend lacks "
      "raises NotSupported.")
      .def("backend_name", [](const Maintenance& m) { return std::string(m.backend_name()); })
      .def("stats", [](Maintenance& m) { return json_out(without_gil([&] { return m.stats(); })); })
      .def(
          "backup",
          [](Maintenance& m, std::optional<std::filesystem::path> path) {
            return without_gil([&] { return m.backup(path); });
          },
          py::arg("path") = py::none())
      .def("backup_if_due",
           [](Maintenance& m) { return without_gil([&] { return m.backup_if_due(); }); })
      .def("compact", [](Maintenance& m) { without_gil([&] { m.compact(); }); })
      .def("rotate", [](Maintenance& m) { return without_gil([&] { return m.rotate(); }); })
      .def("rotate_if_needed",
           [](Maintenance& m) { return without_gil([&] { return m.rotate_if_needed(); }); })
      .def(
          "cleanup",
          [](Maintenance& m, int retention_days) {
            return without_gil([&] { return m.cleanup(retention_days); });
          },
          py::arg("retention_days") = 30)
      .def("clear_expired",
           [](Maintenance& m) { return without_gil([&] { return m.clear_expired(); }); })
      .def("clear_all", [](Maintenance& m) { without_gil([&] { m.clear_all(); }); })
      .def("sync", [](Maintenance& m) { without_gil([&] { m.sync(); }); })
      .def(
          "set_option",
          [](Maintenance& m, const std::string& key, py::handle value) {
            const Json json = json_in(value);
            without_gil([&] { m.set_option(key, json); });
          },
          py::arg("key"), py::arg("value"))
      .def("close", [](Maintenance& m) { without_gil([&] { m.close(); }); })
      .def("files", [](const Maintenance& m) { return m.files(); });
}

}  // namespace engram::python
