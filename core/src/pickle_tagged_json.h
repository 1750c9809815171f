// pickle_tagged_json.h — a decoded pickle's value in engram/pickle.h's tagged
// JSON form (internal to the pickle reader).
//
// Errors: nesting deeper than Limits::max_depth or a value larger than
// Limits::max_output_bytes is CorruptData; a value that contains itself, a
// bare dtype or global is NotSupported; an ndarray never given its state is
// CorruptData.
//
// Thread safety: stateless (marks Nodes while it walks them).
#ifndef ENGRAM_CORE_SRC_PICKLE_TAGGED_JSON_H_
#define ENGRAM_CORE_SRC_PICKLE_TAGGED_JSON_H_

#include <cstddef>
#include <span>
#include <string>

#include "engram/json.h"
#include "engram/pickle.h"
#include "pickle_node.h"

namespace engram::pickle::detail {

Json to_tagged_json(Node& root, const Limits& limits);

// RFC 4648 base64, with padding.
std::string base64(std::span<const std::byte> bytes);

}  // namespace engram::pickle::detail

#endif  // ENGRAM_CORE_SRC_PICKLE_TAGGED_JSON_H_
