// without_gil.h — runs a backend call with the GIL released.
//
// Every call into a backend goes through without_gil, so other Python
// threads run while it waits on a disk or a server. REQUIRES: `call` touches
// no Python object; the arguments it reads (views into numpy buffers,
// strings) were converted before and stay alive until it returns. Its
// result is converted to Python after, with the GIL held again. An
// exception leaves with the GIL held again too.
//
// Thread safety: call with the GIL held.
#ifndef ENGRAM_PYTHON_WITHOUT_GIL_H_
#define ENGRAM_PYTHON_WITHOUT_GIL_H_

#include <pybind11/pybind11.h>

#include <utility>

namespace engram::python {

template <class Call>
decltype(auto) without_gil(Call&& call) {
  pybind11::gil_scoped_release release;
  return std::forward<Call>(call)();
}

}  // namespace engram::python

#endif  // ENGRAM_PYTHON_WITHOUT_GIL_H_
