// json.cpp — engram::Json to and from Python objects (see json.h).
#include "json.h"

#include <cstdint>
#include <string>

#include "engram/errors.h"

namespace engram::python {

namespace {

std::string type_name(py::handle value) {
  return py::str(py::type::handle_of(value).attr("__qualname__"));
}

Json integer_in(py::handle value) {
  int overflow = 0;
  const long long signed_value = PyLong_AsLongLongAndOverflow(value.ptr(), &overflow);
  if (overflow == 0) {
    if (signed_value == -1 && PyErr_Occurred()) throw py::error_already_set();
    return Json(static_cast<std::int64_t>(signed_value));
  }
  if (overflow > 0) {
    const unsigned long long unsigned_value = PyLong_AsUnsignedLongLong(value.ptr());
    if (!PyErr_Occurred()) return Json(static_cast<std::uint64_t>(unsigned_value));
    PyErr_Clear();
  }
  throw InvalidArgument("the integer " + std::string(py::str(value)) +
                        " does not fit JSON's 64 bits");
}

}  // namespace

Json json_in(py::handle value) {
  if (value.is_none()) return nullptr;
  if (PyBool_Check(value.ptr())) return value.cast<bool>();
  if (PyLong_Check(value.ptr())) return integer_in(value);
  if (PyFloat_Check(value.ptr())) return PyFloat_AsDouble(value.ptr());
  if (PyUnicode_Check(value.ptr())) return value.cast<std::string>();
  if (PyDict_Check(value.ptr())) {
    Json object = Json::object();
    for (const auto& [key, item] : py::reinterpret_borrow<py::dict>(value)) {
      if (!PyUnicode_Check(key.ptr())) {
        throw InvalidArgument("a JSON object's keys are str, not " + type_name(key) + " (" +
                              std::string(py::repr(key)) + ")");
      }
      object[key.cast<std::string>()] = json_in(item);
    }
    return object;
  }
  if (PyList_Check(value.ptr()) || PyTuple_Check(value.ptr())) {
    Json array = Json::array();
    for (const auto& item : py::reinterpret_borrow<py::sequence>(value)) {
      array.push_back(json_in(item));
    }
    return array;
  }
  // numpy scalars (np.int64, np.bool_, np.float32, ...): their Python value.
  const py::module_ numpy = py::module_::import("numpy");
  if (py::isinstance(value, numpy.attr("generic"))) return json_in(value.attr("item")());
  throw InvalidArgument("a " + type_name(value) +
                        " is not JSON (dict, list, tuple, str, int, float, bool, None)");
}

py::object json_out(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
    case Json::value_t::discarded:
      return py::none();
    case Json::value_t::object: {
      py::dict object;
      for (const auto& [key, item] : value.items()) object[py::str(key)] = json_out(item);
      return object;
    }
    case Json::value_t::array: {
      py::list array;
      for (const auto& item : value) array.append(json_out(item));
      return array;
    }
    case Json::value_t::string:
      return py::str(value.get_ref<const std::string&>());
    case Json::value_t::boolean:
      return py::bool_(value.get<bool>());
    case Json::value_t::number_integer:
      return py::int_(value.get<std::int64_t>());
    case Json::value_t::number_unsigned:
      return py::int_(value.get<std::uint64_t>());
    case Json::value_t::number_float:
      return py::float_(value.get<double>());
    case Json::value_t::binary: {
      const auto& bytes = value.get_binary();
      return py::bytes(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    }
  }
  return py::none();
}

}  // namespace engram::python
