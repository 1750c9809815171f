// errors.cpp — engram's error kinds as Python exceptions (see errors.h).
#include "errors.h"

#include <exception>
#include <string>

#include "engram/errors.h"

namespace engram::python {

namespace {

// The classes, made once at import and kept for the process's life (a
// module's exception classes are never freed).
struct ErrorClasses {
  PyObject* storage_error = nullptr;
  PyObject* config_error = nullptr;
  PyObject* plugin_error = nullptr;
  PyObject* invalid_argument = nullptr;
  PyObject* not_supported = nullptr;
  PyObject* connection_error = nullptr;
  PyObject* access_denied = nullptr;
  PyObject* corrupt_data = nullptr;
  PyObject* backend_error = nullptr;
};
ErrorClasses classes;

PyObject* make_class(py::module_& module, const char* name, PyObject* base, const char* doc) {
  const std::string qualified = std::string("engram.") + name;
  py::dict defaults;
  defaults["backend"] = py::str("");
  defaults["native_code"] = py::none();
  PyObject* type = PyErr_NewExceptionWithDoc(qualified.c_str(), doc, base, defaults.ptr());
  if (type == nullptr) throw py::error_already_set();
  module.add_object(name, py::handle(type));  // the module keeps a reference
  return type;
}

PyObject* class_of(const StorageError& error) {
  if (dynamic_cast<const ConfigError*>(&error)) return classes.config_error;
  if (dynamic_cast<const PluginError*>(&error)) return classes.plugin_error;
  if (dynamic_cast<const InvalidArgument*>(&error)) return classes.invalid_argument;
  if (dynamic_cast<const NotSupported*>(&error)) return classes.not_supported;
  if (dynamic_cast<const ConnectionError*>(&error)) return classes.connection_error;
  if (dynamic_cast<const AccessDenied*>(&error)) return classes.access_denied;
  if (dynamic_cast<const CorruptData*>(&error)) return classes.corrupt_data;
  if (dynamic_cast<const BackendError*>(&error)) return classes.backend_error;
  return classes.storage_error;
}

void raise(const StorageError& error) {
  py::object instance = py::reinterpret_borrow<py::object>(class_of(error))(error.what());
  instance.attr("backend") = py::str(error.backend());
  instance.attr("native_code") =
      error.native_code() ? py::object(py::int_(*error.native_code())) : py::object(py::none());
  PyErr_SetObject(class_of(error), instance.ptr());
}

}  // namespace

void bind_errors(py::module_& module) {
  classes.storage_error = make_class(
      module, "StorageError", PyExc_Exception,
      "Every engram error. .backend: the backend's name ('' for the core); .native_code: the "
      "backend's own error code, or None.");
  PyObject* base = classes.storage_error;
  classes.config_error = make_class(module, "ConfigError", base,
                                    "A malformed config, an unknown key or backend, an option of "
                                    "the wrong type, a role no backend serves.");
  classes.plugin_error = make_class(module, "PluginError", base,
                                    "A plugin that cannot be found, is not a plugin, or was built "
                                    "for another ABI.");
  classes.invalid_argument = make_class(module, "InvalidArgument", base,
                                        "A bad argument: malformed id or name, wrong dtype, "
                                        "mismatched shapes, non-finite value. Nothing was stored.");
  classes.not_supported = make_class(module, "NotSupported", base,
                                     "An operation the backend lacks, or a format newer than "
                                     "this build knows.");
  classes.connection_error = make_class(module, "ConnectionError", base,
                                        "Server unreachable, timed out or connection lost.");
  classes.access_denied = make_class(module, "AccessDenied", base,
                                     "Wrong password, ACL refusal, a read-only or unwritable "
                                     "file.");
  classes.corrupt_data =
      make_class(module, "CorruptData", base, "Bytes or a file that do not decode.");
  classes.backend_error =
      make_class(module, "BackendError", base, "Any other failure of the backend.");

  py::register_exception_translator([](std::exception_ptr pointer) {
    if (!pointer) return;
    try {
      std::rethrow_exception(pointer);
    } catch (const StorageError& error) {
      raise(error);
    }
  });
}

}  // namespace engram::python
