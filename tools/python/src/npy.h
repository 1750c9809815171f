// npy.h — engram.npy: the core's .npy codec (engram/npy.h) for Python.
//
//   blob = engram.npy.encode(array)   # the bytes numpy.save writes
//   array = engram.npy.decode(blob)   # bytes, bytearray, memoryview, ...
//
// encode(array) -> bytes: any array-like arrays.h accepts (a dtype engram
// lacks is InvalidArgument), written as format 1.0 (2.0 for a huge header),
// little-endian, C order: for a C-order native array exactly the bytes
// numpy.save writes; a Fortran-order or big-endian one is written in C order
// and little-endian (same values). The data is copied once, straight into
// the bytes object.
//
// decode(data) -> numpy.ndarray: `data` is any C-contiguous buffer (bytes,
// bytearray, memoryview, numpy array of bytes); it is read in place, not
// copied first. The result is a fresh, writable, C-order native array that
// owns engram's buffer (arrays.h). Errors as engram/npy.h: missing magic,
// malformed header, truncated data or bytes past the data are
// engram.CorruptData; a later format version or a dtype engram lacks is
// engram.NotSupported; a non-buffer is TypeError, a non-contiguous buffer
// BufferError.
//
// The GIL is released while a large input is encoded or decoded.
//
// Thread safety: stateless; call with the GIL held.
#ifndef ENGRAM_PYTHON_NPY_H_
#define ENGRAM_PYTHON_NPY_H_

#include <pybind11/pybind11.h>

namespace engram::python {

namespace py = pybind11;

// Adds the submodule `npy` to `module`. After bind_errors.
void bind_npy(py::module_& module);

}  // namespace engram::python

#endif  // ENGRAM_PYTHON_NPY_H_
