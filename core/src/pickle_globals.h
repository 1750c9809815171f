// pickle_globals.h — the closed list of globals the pickle reader recognises
// and what REDUCE of each constructs (internal; engram/pickle.h lists them).
// Nothing is imported or called: a recognised name selects a construction
// written here or in pickle_numpy.h.
//
// Errors: find_global() returns nullopt for a name off the list (the machine
// refuses it); reduce() throws NotSupported for a call it does not construct
// and CorruptData for arguments Python itself would refuse.
//
// Thread safety: stateless.
#ifndef ENGRAM_CORE_SRC_PICKLE_GLOBALS_H_
#define ENGRAM_CORE_SRC_PICKLE_GLOBALS_H_

#include <optional>
#include <string>
#include <string_view>

#include "pickle_node.h"

namespace engram::pickle::detail {

// The global `module`.`name`, if it is on the list.
std::optional<Global> find_global(std::string_view module, std::string_view name) noexcept;

// "numpy.dtype", "builtins.set": for messages.
std::string_view global_name(Global global) noexcept;

// REDUCE: `callable(*args)` for a recognised global and an args tuple.
Node* reduce(Arena& arena, const Node& callable, const Node& args, const std::string& where);

}  // namespace engram::pickle::detail

#endif  // ENGRAM_CORE_SRC_PICKLE_GLOBALS_H_
