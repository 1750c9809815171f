// pickle_opcodes.h — the pickle opcodes by byte, for the reader's messages
// (internal to the pickle reader).
//
// Thread safety: stateless.
#ifndef ENGRAM_CORE_SRC_PICKLE_OPCODES_H_
#define ENGRAM_CORE_SRC_PICKLE_OPCODES_H_

#include <cstdint>
#include <string_view>

namespace engram::pickle::detail {

// The opcode's name as pickletools spells it; empty for a byte that is no
// opcode of protocols 0-5.
std::string_view opcode_name(std::uint8_t op) noexcept;

}  // namespace engram::pickle::detail

#endif  // ENGRAM_CORE_SRC_PICKLE_OPCODES_H_
