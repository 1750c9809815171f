// storage.cpp — engram::Storage as the Python class Storage (see storage.h).
#include "storage.h"

#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <utility>
#include <vector>

#include "engram/clock.h"
#include "engram/errors.h"
#include "engram/storage.h"
#include "json.h"
#include "without_gil.h"

namespace engram::python {

namespace {

// A Storage and the lock that keeps close() from running under a backup:
// the C++ Storage allows its const calls at once, close() alone.
class PyStorage {
 public:
  explicit PyStorage(Storage storage) : storage_(std::move(storage)) {}

  // For the quick, non-blocking const calls (role objects, backends).
  const Storage& get() const { return storage_; }

  std::filesystem::path backup(const std::string& name, std::optional<std::filesystem::path> to,
                               BackupOptions options) const {
    return without_gil([&] {
      std::shared_lock lock(mutex_);
      return storage_.backup(name, std::move(to), options);
    });
  }

  void close() {
    without_gil([&] {
      std::unique_lock lock(mutex_);
      storage_.close();
    });
  }

 private:
  Storage storage_;
  mutable std::shared_mutex mutex_;
};

Role role_in(const std::string& name) {
  if (const auto role = role_from_name(name)) return *role;
  throw InvalidArgument("no role is called \"" + name +
                        "\" (working_memory, episodes, concepts, traces)");
}

std::vector<std::string> role_names_of(const std::vector<Role>& roles) {
  std::vector<std::string> names;
  for (const Role role : roles) names.emplace_back(role_name(role));
  return names;
}

}  // namespace

void bind_storage(py::module_& module) {
  py::class_<StorageOptions>(
      module, "StorageOptions",
      "Options of Storage.open and Storage.from_yaml: only_backends opens only the named backends.")
      .def(py::init([](std::vector<std::string> only_backends, std::shared_ptr<Clock> clock) {
             StorageOptions options;
             options.only_backends = std::move(only_backends);
             if (clock) options.clock = std::move(clock);
             return options;
           }),
           py::arg("only_backends") = std::vector<std::string>{}, py::arg("clock") = py::none())
      .def_readwrite("only_backends", &StorageOptions::only_backends)
      .def_property(
          "clock",
          [](const StorageOptions& options) {
            return std::const_pointer_cast<Clock>(options.clock);
          },
          [](StorageOptions& options, std::shared_ptr<Clock> clock) {
            if (!clock) throw InvalidArgument("StorageOptions.clock must be a Clock");
            options.clock = std::move(clock);
          });

  py::class_<BackupOptions>(module, "BackupOptions",
                            "Options of Storage.backup: force replaces an existing target file.")
      .def(py::init([](bool force) { return BackupOptions{force}; }), py::arg("force") = false)
      .def_readwrite("force", &BackupOptions::force);

  py::class_<PluginCapabilities>(module, "PluginCapabilities",
                                 "What a plugin promises beyond the role contract (keeps_ids, "
                                 "reserves_ids).")
      .def_readonly("keeps_ids", &PluginCapabilities::keeps_ids)
      .def_readonly("reserves_ids", &PluginCapabilities::reserves_ids);

  py::class_<BackendInfo>(module, "BackendInfo",
                          "One configured backend instance: name, plugin, plugin_version, "
                          "plugin_file, roles, maintenance, capabilities, options (its plugin's "
                          "options as dicts: key, type, default, doc, live).")
      .def_readonly("name", &BackendInfo::name)
      .def_readonly("plugin", &BackendInfo::plugin)
      .def_readonly("plugin_version", &BackendInfo::plugin_version)
      .def_readonly("plugin_file", &BackendInfo::plugin_file)
      .def_property_readonly("roles",
                             [](const BackendInfo& info) { return role_names_of(info.roles); })
      .def_readonly("maintenance", &BackendInfo::maintenance)
      .def_readonly("capabilities", &BackendInfo::capabilities)
      .def_property_readonly("options",
                             [](const BackendInfo& info) {
                               py::list options;
                               for (const OptionSpec& spec : info.options) {
                                 py::dict row;
                                 row["key"] = spec.key;
                                 row["type"] = std::string(option_type_name(spec.type));
                                 row["default"] = json_out(spec.default_value);
                                 row["doc"] = spec.doc;
                                 row["live"] = spec.live;
                                 options.append(std::move(row));
                               }
                               return options;
                             })
      .def("__repr__", [](const BackendInfo& info) {
        return "BackendInfo(name=" + std::string(py::repr(py::str(info.name))) +
               ", plugin=" + std::string(py::repr(py::str(info.plugin))) + ")";
      });

  py::class_<PyStorage>(module, "Storage",
                        "The backends a config names, and the four role objects "
                        "(engram/storage.h). A context manager that closes on exit.")
      .def_static(
          "open",
          [](const std::filesystem::path& file, std::optional<StorageOptions> options) {
            return without_gil([&] {
              return std::make_unique<PyStorage>(
                  Storage::open(file, options.value_or(StorageOptions{})));
            });
          },
          py::arg("file"), py::arg("options") = py::none())
      .def_static(
          "from_yaml",
          [](const std::string& yaml, std::optional<StorageOptions> options) {
            return without_gil([&] {
              return std::make_unique<PyStorage>(
                  Storage::from_yaml(yaml, options.value_or(StorageOptions{})));
            });
          },
          py::arg("yaml"), py::arg("options") = py::none())
      .def_property_readonly("working_memory",
                             [](const PyStorage& s) { return s.get().working_memory(); })
      .def_property_readonly("episodes", [](const PyStorage& s) { return s.get().episodes(); })
      .def_property_readonly("concepts", [](const PyStorage& s) { return s.get().concepts(); })
      .def_property_readonly("traces", [](const PyStorage& s) { return s.get().traces(); })
      .def(
          "has",
          [](const PyStorage& s, const std::string& role) { return s.get().has(role_in(role)); },
          py::arg("role_name"))
      .def_property_readonly("backends", [](const PyStorage& s) { return s.get().backends(); })
      .def(
          "maintenance",
          [](const PyStorage& s, const std::string& backend_name) {
            return s.get().maintenance(backend_name);
          },
          py::arg("backend_name"))
      .def(
          "backend_owning",
          [](const PyStorage& s, const std::filesystem::path& path) {
            return s.get().backend_owning(path);
          },
          py::arg("path"))
      .def(
          "backup",
          [](const PyStorage& s, const std::string& name, std::optional<std::filesystem::path> to,
             std::optional<BackupOptions> options) {
            return s.backup(name, std::move(to), options.value_or(BackupOptions{}));
          },
          py::arg("name"), py::arg("to") = py::none(), py::arg("options") = py::none())
      .def("close", &PyStorage::close)
      .def("__enter__", [](py::object self) { return self; })
      .def("__exit__", [](PyStorage& s, py::args) {
        s.close();
        return false;
      });
}

}  // namespace engram::python
