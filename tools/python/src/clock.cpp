// clock.cpp — engram's clocks for Python (see clock.h).
#include "clock.h"

#include <memory>

#include "engram/clock.h"

namespace engram::python {

void bind_clock(py::module_& module) {
  // engram hands clocks around as shared_ptr<const Clock>; pybind11 holds
  // them as shared_ptr<Clock>, and every Clock method is const.
  py::class_<Clock, std::shared_ptr<Clock>>(
      module, "Clock", "Where backends that keep time themselves read now (engram/clock.h).")
      .def("now", &Clock::now, "Seconds since the Unix epoch.");
  py::class_<ManualClock, Clock, std::shared_ptr<ManualClock>>(
      module, "ManualClock", "A clock that moves only when told to.")
      .def(py::init<double>(), py::arg("start"))
      .def("set", &ManualClock::set, py::arg("seconds"))
      .def("advance", &ManualClock::advance, py::arg("seconds"));
  module.def(
      "system_clock", [] { return std::const_pointer_cast<Clock>(system_clock()); },
      "The wall clock, shared.");
}

}  // namespace engram::python
