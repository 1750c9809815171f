// plugins/hdf5/dtype_mapping.h — engram's dtypes as HDF5 types and back, as
// h5py writes and reads them: little-endian standard integer and IEEE float
// types of the dtype's size, bool an int8 enum {FALSE 0, TRUE 1}, complex a
// compound {r, i} of two floats, float16 IEEE binary16. The HDF5 type of a
// dtype is also its memory type on little-endian platforms (HDF5 converts
// on others).
//
// Errors: hdf5_type_of never fails for a valid dtype; dtype_of_hdf5_type
// gives nullopt for a type engram has no dtype for, and stored_dtype throws
// NotSupported for it.
//
// Thread safety: free functions over HDF5 ids; HDF5 serialises its calls.
#ifndef ENGRAM_PLUGINS_HDF5_DTYPE_MAPPING_H_
#define ENGRAM_PLUGINS_HDF5_DTYPE_MAPPING_H_

#include <hdf5.h>

#include <optional>
#include <string>

#include "engram/array.h"
#include "handles.h"

namespace engram::hdf5 {

// A new HDF5 type (the caller owns it) for `dtype`, as h5py writes it.
Hid hdf5_type_of(DType dtype);

// The dtype a stored HDF5 type reads as: integers and floats by sign and
// size (1, 2, 4, 8 bytes; floats 2, 4, 8), a 1-byte enum of two members
// as bool, a compound of two float members as complex64 (8 bytes) or
// complex128 (16); nullopt for every other type (strings, references,
// other sizes, other compounds).
std::optional<DType> dtype_of_hdf5_type(hid_t type);

// dtype_of_hdf5_type(type), or NotSupported ("dataset <name> has an element
// type engram has no dtype for") from `backend` when there is none.
DType stored_dtype(hid_t type, const std::string& backend, const std::string& dataset_name);

}  // namespace engram::hdf5

#endif  // ENGRAM_PLUGINS_HDF5_DTYPE_MAPPING_H_
