// storage.h — engram::Storage as the Python class Storage.
//
//   with engram.Storage.from_yaml(text) as storage:
//       episode_id = storage.episodes.store_episode(array, 0.9, "maze")
//
// Storage.open(file, options=None) and Storage.from_yaml(yaml, options=None)
// (StorageOptions: only_backends, clock); the role objects as properties
// (working_memory, episodes, concepts, traces: ConfigError when the config
// assigned no backend to the role); has(role_name); backends (BackendInfo
// list); maintenance(backend_name); backend_owning(path); backup(name,
// to=None, options=None) (BackupOptions: force); close(); a context
// manager that closes on exit. Opening, backup and close run with the GIL
// released.
//
// Thread safety: any method from several threads at once; close() waits for
// a backup in progress (a lock held across them, which the C++ Storage
// leaves to its caller).
#ifndef ENGRAM_PYTHON_STORAGE_H_
#define ENGRAM_PYTHON_STORAGE_H_

#include <pybind11/pybind11.h>

namespace engram::python {

namespace py = pybind11;

void bind_storage(py::module_& module);

}  // namespace engram::python

#endif  // ENGRAM_PYTHON_STORAGE_H_
