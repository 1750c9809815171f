// npy.cpp — engram.npy: the core's .npy codec for Python (see npy.h).
#include "npy.h"

#include <cstddef>
#include <cstring>
#include <span>
#include <string>
#include <utility>

#include "arrays.h"
#include "engram/npy.h"
#include "without_gil.h"

namespace engram::python {

namespace {

// Below this many bytes a copy costs less than giving up and retaking the
// GIL.
constexpr std::size_t kReleaseGilFrom = 64 * 1024;

template <class Call>
decltype(auto) maybe_without_gil(std::size_t nbytes, Call&& call) {
  if (nbytes >= kReleaseGilFrom) return without_gil(std::forward<Call>(call));
  return std::forward<Call>(call)();
}

// A contiguous read-only view of a Python buffer, released on scope exit.
class BufferView {
 public:
  explicit BufferView(py::handle object) {
    if (PyObject_GetBuffer(object.ptr(), &buffer_, PyBUF_SIMPLE) != 0) {
      throw py::error_already_set();
    }
  }
  ~BufferView() { PyBuffer_Release(&buffer_); }
  BufferView(const BufferView&) = delete;
  BufferView& operator=(const BufferView&) = delete;

  std::span<const std::byte> bytes() const {
    return {static_cast<const std::byte*>(buffer_.buf), static_cast<std::size_t>(buffer_.len)};
  }

 private:
  Py_buffer buffer_{};
};

py::bytes encode(py::handle value) {
  const HeldArray held = array_in(value);
  // The core writes the preamble; the data goes straight into the bytes
  // object (npy::encode would build a vector that then had to be copied).
  const std::string header = npy::encode_header(held.view);
  const std::size_t nbytes = held.view.nbytes();
  PyObject* out =
      PyBytes_FromStringAndSize(nullptr, static_cast<py::ssize_t>(header.size() + nbytes));
  if (out == nullptr) throw py::error_already_set();
  auto result = py::reinterpret_steal<py::bytes>(out);
  char* into = PyBytes_AS_STRING(out);
  std::memcpy(into, header.data(), header.size());
  if (nbytes != 0) {
    maybe_without_gil(nbytes, [&] { std::memcpy(into + header.size(), held.view.data(), nbytes); });
  }
  return result;
}

py::array decode(py::handle data) {
  const BufferView buffer(data);
  const std::span<const std::byte> bytes = buffer.bytes();
  return array_out(maybe_without_gil(bytes.size(), [&] { return npy::decode(bytes); }));
}

}  // namespace

void bind_npy(py::module_& module) {
  py::module_ npy =
      module.def_submodule("npy", "numpy's .npy format by engram's core codec (engram/npy.h).");
  npy.def("encode", &encode, py::arg("array"),
          "The .npy bytes of `array` (what numpy.save writes for a C-order native array).");
  npy.def("decode", &decode, py::arg("data"),
          "The array in the .npy bytes `data` (any contiguous buffer, not copied first); "
          "raises CorruptData or NotSupported.");
}

}  // namespace engram::python
