// plugins/memory/claim_id.h — the id a new record gets in a map of records
// keyed by id, and the blocks of ids write-behind reserves
// (engram/write_behind.h): both move the role's one next-id counter.
//
// Errors: a block that cannot be reserved is InvalidArgument
// (memory_errors.h). Thread safety: stateless; REQUIRES the caller holds
// the lock for writing.
#ifndef ENGRAM_PLUGINS_MEMORY_CLAIM_ID_H_
#define ENGRAM_PLUGINS_MEMORY_CLAIM_ID_H_

#include <algorithm>
#include <cstdint>
#include <limits>
#include <string>

#include "engram/ids.h"
#include "memory_errors.h"

namespace engram::memory {

// ---------------------------------------------------------------- records
//
// Stores keep owning records, made by engram::owned (owned_records.h) from
// what a store borrows: the one copy of each array on the way in.

// The id a new record gets: `wanted` when positive and free, else `next`,
// which stays past every id given. (The largest int64 is never kept, so
// `next` cannot overflow.)
template <class Map>
std::int64_t claim_id(const Map& records, std::int64_t wanted, std::int64_t& next) {
  const bool keep =
      wanted > 0 && wanted < std::numeric_limits<std::int64_t>::max() && !records.contains(wanted);
  const std::int64_t id = keep ? wanted : next;
  next = std::max(next, id + 1);
  return id;
}

// Reserves the block of `count` ids from `next` for `kind` and returns its
// first id; `next` moves past the block, so claim_id gives none of them but
// to a record that asks for it (a put of a record carrying one). Throws
// InvalidArgument when `count` < 1 or the block would reach the largest
// int64 (never kept, so `next` stays below it).
inline std::int64_t reserve_ids(std::int64_t& next, std::int64_t count, IdKind kind,
                                const std::string& backend) {
  if (count < 1 || count >= std::numeric_limits<std::int64_t>::max() - next) {
    throw_bad_id_block(kind, count, next, backend);
  }
  const std::int64_t first = next;
  next += count;
  return first;
}

}  // namespace engram::memory

#endif  // ENGRAM_PLUGINS_MEMORY_CLAIM_ID_H_
