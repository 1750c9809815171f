// plugins/hdf5/datasets.h — arrays as HDF5 datasets in the traces file:
// each written from the caller's memory (chunked and filtered as filters.h
// says, the first dimension unlimited; 0-d and zero-size arrays contiguous
// and unfiltered) and read back with one copy, after checking what the read
// would allocate: no more than max_record_bytes, nor more than the
// dataset's stored bytes can decompress to (engram/record_limits.h).
//
// Errors: the engram error HDF5's stack gives; NotSupported for an element
// type engram has no dtype for; CorruptData for a read past the limits.
// Thread safety: as the File (the backend's mutex).
#ifndef ENGRAM_PLUGINS_HDF5_DATASETS_H_
#define ENGRAM_PLUGINS_HDF5_DATASETS_H_

#include <hdf5.h>

#include <string>

#include "engram/array.h"
#include "traces_file.h"

namespace engram::hdf5 {

// Creates the dataset `name` (a name or a path) in `parent` holding
// `array`, with the file's codec and chunk size; returns it, open (for its
// attributes, without a second lookup and open).
Hid write_array(const File& file, hid_t parent, const std::string& name, const ArrayView& array);

// The dataset `name` in `parent` as an Array (one copy, HDF5's read).
Array read_array(const File& file, hid_t parent, const std::string& name);

}  // namespace engram::hdf5

#endif  // ENGRAM_PLUGINS_HDF5_DATASETS_H_
