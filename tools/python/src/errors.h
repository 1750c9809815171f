// errors.h — engram's error kinds as Python exceptions.
//
// engram.StorageError(Exception) and its subclasses ConfigError,
// PluginError, InvalidArgument, NotSupported, ConnectionError,
// AccessDenied, CorruptData and BackendError: the hierarchy of
// engram/errors.h. Each carries `.backend` (the backend's name, "" for the
// core) and `.native_code` (int or None), as a C++ StorageError does; an
// exception raised from Python has "" and None. A C++ engram error leaving
// a bound call becomes the class of its dynamic type, message what().
//
// Thread safety: register once, at import, with the GIL held.
#ifndef ENGRAM_PYTHON_ERRORS_H_
#define ENGRAM_PYTHON_ERRORS_H_

#include <pybind11/pybind11.h>

namespace engram::python {

namespace py = pybind11;

// Adds the classes to `module` and registers the translator.
void bind_errors(py::module_& module);

}  // namespace engram::python

#endif  // ENGRAM_PYTHON_ERRORS_H_
