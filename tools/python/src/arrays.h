// arrays.h — numpy arrays to and from engram arrays, without copying.
//
// In: any object numpy can view — an ndarray, anything with the buffer
// protocol or __array__ (a JAX array), a DLPack object (__dlpack__), a
// nested list or a scalar — becomes an ArrayView over numpy's buffer. A
// C-contiguous array of native byte order is viewed in place; any other
// (Fortran order, strided, big-endian) is copied once into a C-contiguous
// native one. The ArrayView is valid while the returned HeldArray's `owner`
// lives: keep it across the backend call (the GIL may be released then).
// A dtype engram lacks (object, str, datetime, float128) is
// InvalidArgument.
//
// Out: an engram::Array becomes a numpy array over the Array's own bytes,
// whose base is a capsule owning the Array (no copy); it is writable, since
// every Array engram returns is the caller's own.
//
// Thread safety: call with the GIL held.
#ifndef ENGRAM_PYTHON_ARRAYS_H_
#define ENGRAM_PYTHON_ARRAYS_H_

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include "engram/array.h"

namespace engram::python {

namespace py = pybind11;

struct HeldArray {
  py::array owner;  // the numpy array `view` points into
  ArrayView view;
};

// `value` as an engram array view. Throws InvalidArgument as above.
HeldArray array_in(py::handle value);

// `array` as a numpy array owning it (see above).
py::array array_out(Array array);

// The numpy dtype of `dtype`.
py::dtype numpy_dtype(DType dtype);

}  // namespace engram::python

#endif  // ENGRAM_PYTHON_ARRAYS_H_
