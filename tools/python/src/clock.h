// clock.h — engram's clocks for Python: Clock, ManualClock, system_clock(),
// and StorageOptions.clock, through which they reach every backend.
//
//   clock = engram.ManualClock(1000.0)
//   storage = engram.Storage.from_yaml(text, engram.StorageOptions(clock=clock))
//   clock.advance(3600.0)   # the memory plugin's TTLs and windows follow
//
// Backends that keep time in process read it (the memory plugin); servers
// that keep time themselves (Redis expiry) do not (engram/clock.h).
//
// Thread safety: now(), set() and advance() may be called from several
// threads at once.
#ifndef ENGRAM_PYTHON_CLOCK_H_
#define ENGRAM_PYTHON_CLOCK_H_

#include <pybind11/pybind11.h>

namespace engram::python {

namespace py = pybind11;

// Binds Clock, ManualClock and system_clock(). Before bind_storage, whose
// StorageOptions takes a clock.
void bind_clock(py::module_& module);

}  // namespace engram::python

#endif  // ENGRAM_PYTHON_CLOCK_H_
