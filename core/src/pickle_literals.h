// pickle_literals.h — the values opcodes carry in their own bytes (internal
// to the pickle reader): a str's UTF-8, checked as Python's unpickler checks
// it, and LONG1/LONG4's little-endian two's-complement ints of any length.
//
// Thread safety: stateless.
#ifndef ENGRAM_CORE_SRC_PICKLE_LITERALS_H_
#define ENGRAM_CORE_SRC_PICKLE_LITERALS_H_

#include <cstddef>
#include <span>
#include <string_view>

#include "pickle_node.h"

namespace engram::pickle::detail {

enum class Utf8 { kValid, kInvalid, kSurrogate };

// Whether `text` is UTF-8; kSurrogate when it is but for an encoded
// surrogate (which Python's 'surrogatepass' writes for a lone surrogate).
Utf8 check_utf8(std::string_view text);

// Makes `node` Python's int from `bytes`: kInt, kUInt or kBigInt (decimal;
// quadratic in the length, which the caller bounds).
void set_long(Node& node, std::span<const std::byte> bytes);

}  // namespace engram::pickle::detail

#endif  // ENGRAM_CORE_SRC_PICKLE_LITERALS_H_
