// pickle_numpy.h — numpy's pickled constructions, done without numpy
// (internal to the pickle reader): numpy.dtype(code, align, copy) and its
// __setstate__, _reconstruct(ndarray, shape, typecode) and ndarray's
// __setstate__, scalar(dtype, bytes), _frombuffer(buffer, dtype, shape,
// order). Only the state layouts numpy writes are read.
//
// Errors: dtypes engram lacks (object, strings, records, float128,
// datetimes) and structured or subarray dtypes are NotSupported; data of the
// wrong size, shapes that overflow and malformed states are CorruptData.
//
// Thread safety: stateless.
#ifndef ENGRAM_CORE_SRC_PICKLE_NUMPY_H_
#define ENGRAM_CORE_SRC_PICKLE_NUMPY_H_

#include <string>

#include "pickle_node.h"

namespace engram::pickle::detail {

Node* make_dtype(Arena& arena, const Node& args, const std::string& where);
Node* make_pending_array(Arena& arena, const Node& args, const std::string& where);
Node* make_scalar(Arena& arena, const Node& args, const std::string& where);
Node* make_from_buffer(Arena& arena, const Node& args, const std::string& where);

// BUILD of a kDType (its byte order) or a kPendingArray (which becomes a
// kArray). Any other target is NotSupported.
void build(Node& target, const Node& state, const std::string& where);

}  // namespace engram::pickle::detail

#endif  // ENGRAM_CORE_SRC_PICKLE_NUMPY_H_
