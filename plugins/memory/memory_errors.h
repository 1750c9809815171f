// plugins/memory/memory_errors.h — everything the memory plugin throws, in
// one place. It has no native codes.
//
// Thread safety: stateless.
#ifndef ENGRAM_PLUGINS_MEMORY_MEMORY_ERRORS_H_
#define ENGRAM_PLUGINS_MEMORY_MEMORY_ERRORS_H_

#include <cstdint>
#include <string>

#include "engram/concept_store.h"
#include "engram/errors.h"
#include "engram/ids.h"

namespace engram::memory {

// Everything this plugin throws, in one place. It has no native codes.

[[noreturn]] inline void throw_missing_concept(const Relationship& relationship,
                                               std::int64_t missing, const std::string& backend) {
  throw InvalidArgument("cannot relate concept " + std::to_string(relationship.source_id) +
                            " to concept " + std::to_string(relationship.target_id) + " (" +
                            printable(relationship.type) + "): concept " + std::to_string(missing) +
                            " does not exist",
                        backend);
}

}  // namespace engram::memory

#endif  // ENGRAM_PLUGINS_MEMORY_MEMORY_ERRORS_H_
