// arrays.cpp — numpy arrays to and from engram arrays (see arrays.h).
#include "arrays.h"

#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <utility>

#include "engram/errors.h"

namespace engram::python {

namespace {

py::module_ numpy() { return py::module_::import("numpy"); }

// The dtype numpy's `dtype` stands for, by the name numpy gives it (which
// leaves the byte order out: ">f8" is "float64" too), made from its kind and
// size: numpy's own `dtype.name` is Python code, costing a microsecond a
// call.
std::string numpy_name(const py::dtype& dtype) {
  const std::string bits = std::to_string(8 * dtype.itemsize());
  switch (dtype.kind()) {
    case 'b':
      return "bool";
    case 'i':
      return "int" + bits;
    case 'u':
      return "uint" + bits;
    case 'f':
      return "float" + bits;
    case 'c':
      return "complex" + bits;
    default:
      return "";  // object, str, bytes, void, datetime: no engram dtype
  }
}

DType engram_dtype(const py::dtype& dtype) {
  if (const auto found = dtype_from_name(numpy_name(dtype))) return *found;
  throw InvalidArgument("numpy dtype " + dtype.attr("__str__")().cast<std::string>() +
                        " is not an engram dtype (bool, int8..int64, uint8..uint64, float16, "
                        "float32, float64, complex64, complex128)");
}

// What numpy makes of `value`: the array itself, a view through the buffer
// protocol or __array__, DLPack, or a new array from a list or scalar.
py::array as_numpy(py::handle value) {
  if (py::isinstance<py::array>(value)) return py::reinterpret_borrow<py::array>(value);
  if (!py::hasattr(value, "__array__") && !PyObject_CheckBuffer(value.ptr()) &&
      !py::hasattr(value, "__array_interface__") && py::hasattr(value, "__dlpack__")) {
    return numpy().attr("from_dlpack")(value);
  }
  return numpy().attr("asarray")(value);
}

}  // namespace

HeldArray array_in(py::handle value) {
  py::array array = as_numpy(value);
  const DType dtype = engram_dtype(array.dtype());
  const bool native = py::bool_(array.dtype().attr("isnative"));
  if (!native || !(array.flags() & py::array::c_style)) {
    // One copy, into C order and native byte order.
    array = numpy().attr("ascontiguousarray")(array, array.dtype().attr("newbyteorder")("="));
  }
  const Shape shape(array.shape(), array.shape() + array.ndim());
  const auto nbytes = static_cast<std::size_t>(array.nbytes());
  ArrayView view(dtype, shape, nbytes == 0 ? nullptr : array.data(), nbytes);
  return HeldArray{std::move(array), std::move(view)};
}

py::dtype numpy_dtype(DType dtype) {
  return py::dtype::from_args(py::str(std::string(dtype_name(dtype))));
}

py::array array_out(Array array) {
  // numpy allocates its own buffer for a null data pointer: an empty array
  // points at this instead, so every array returned has the capsule as base.
  alignas(16) static std::byte empty[16];
  const DType dtype = array.dtype();
  std::vector<py::ssize_t> shape(array.shape().begin(), array.shape().end());
  auto owned = std::make_unique<Array>(std::move(array));
  void* data = owned->empty() ? static_cast<void*>(empty) : owned->mutable_data();
  py::capsule base(owned.get(), [](void* pointer) { delete static_cast<Array*>(pointer); });
  owned.release();
  return py::array(numpy_dtype(dtype), std::move(shape), {}, data, base);
}

}  // namespace engram::python
