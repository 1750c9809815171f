// batches.h — the four roles' batches (WorkingMemoryBatch, EpisodeBatch,
// ConceptBatch, TraceBatch) as Python objects.
//
// A Python batch is the C++ batch plus the numpy arrays its views point
// into: an array added stays alive (and is read at store_batch time, as in
// C++, where the batch borrows) until the batch is cleared or dropped. Each
// add validates as in C++ (InvalidArgument, the batch unchanged). The
// *BatchIds results are bound here too.
//
// Thread safety: a batch is used by one thread at a time, and is not
// changed while a store_batch reads it.
#ifndef ENGRAM_PYTHON_BATCHES_H_
#define ENGRAM_PYTHON_BATCHES_H_

#include <pybind11/pybind11.h>

#include "engram/concept_store.h"
#include "engram/episode_store.h"
#include "engram/trace_store.h"
#include "engram/working_memory.h"
#include "records.h"

namespace engram::python {

namespace py = pybind11;

template <class Batch>
struct PyBatch {
  Batch batch;
  HeldArrays held;
};

void bind_batches(py::module_& module);

}  // namespace engram::python

#endif  // ENGRAM_PYTHON_BATCHES_H_
