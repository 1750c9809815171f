// json.h — engram::Json (metadata, parameters) to and from Python objects.
//
// In: dict (str keys), list, tuple, str, bool, int (int64 or uint64 range),
// float, None, and numpy scalars (by .item()). Non-finite floats pass
// through: the core refuses them where JSON cannot hold them
// (InvalidArgument), as from C++. Anything else — a key that is not a str,
// an int out of range, an ndarray, an arbitrary object — is
// InvalidArgument naming its type.
// Out: object -> dict, array -> list, string -> str, integers -> int,
// floats -> float, booleans -> bool, null -> None, binary -> bytes.
//
// Thread safety: call with the GIL held.
#ifndef ENGRAM_PYTHON_JSON_H_
#define ENGRAM_PYTHON_JSON_H_

#include <pybind11/pybind11.h>

#include "engram/json.h"

namespace engram::python {

namespace py = pybind11;

Json json_in(py::handle value);
py::object json_out(const Json& value);

}  // namespace engram::python

#endif  // ENGRAM_PYTHON_JSON_H_
