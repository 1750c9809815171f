// plugins/memory/memory_errors.h — everything the memory plugin throws, in
// one place. It has no native codes.
//
// Thread safety: stateless.
#ifndef ENGRAM_PLUGINS_MEMORY_MEMORY_ERRORS_H_
#define ENGRAM_PLUGINS_MEMORY_MEMORY_ERRORS_H_

#include <cstdint>
#include <string>
#include <string_view>

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

// InvalidArgument: a block of `count` ids of `kind` that cannot be reserved
// with `next` the next id: count < 1, or the block would reach the largest
// int64.
[[noreturn]] inline void throw_bad_id_block(IdKind kind, std::int64_t count, std::int64_t next,
                                            const std::string& backend) {
  throw InvalidArgument(
      "cannot reserve " + std::to_string(count) + " " + std::string(id_kind_name(kind)) + " ids: " +
          (count < 1 ? std::string("the count must be at least 1")
                     : "the block from " + std::to_string(next) + " would pass the largest id"),
      backend);
}

// InvalidArgument: the episodes role asked to reserve ids of `kind`, which
// it does not make.
[[noreturn]] inline void throw_foreign_id_kind(IdKind kind, const std::string& backend) {
  throw InvalidArgument("the episodes role reserves episode and learning event ids, not " +
                            std::string(id_kind_name(kind)) + " ids",
                        backend);
}

}  // namespace engram::memory

#endif  // ENGRAM_PLUGINS_MEMORY_MEMORY_ERRORS_H_
