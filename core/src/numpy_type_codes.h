// numpy's type strings for engram's dtypes ("<f4", "|b1", ">c16"): the one
// table that the .npy header (npy.cpp) and numpy.dtype in a pickle
// (pickle_numpy.cpp) both read, and .npy writes.
//
// Thread safety: stateless.
#ifndef ENGRAM_SRC_NUMPY_TYPE_CODES_H_
#define ENGRAM_SRC_NUMPY_TYPE_CODES_H_

#include <optional>
#include <string>
#include <string_view>

#include "engram/dtype.h"

namespace engram::detail {

struct NumpyTypeCode {
  DType dtype;
  bool big_endian = false;  // never for a 1-byte type
};

// "<f4", "f4", "=f4", "|f4" (numpy's "not applicable", native on a multi-byte
// type) → float32, little-endian; ">f4" → big-endian. std::nullopt when the
// kind and size are not one of engram's dtypes.
std::optional<NumpyTypeCode> parse_numpy_type_code(std::string_view text);

// The little-endian type string numpy writes: "<f4", or "|b1" for the
// 1-byte types, which have no byte order.
std::string numpy_type_code(DType dtype);

}  // namespace engram::detail

#endif  // ENGRAM_SRC_NUMPY_TYPE_CODES_H_
