// plugins/memory/claim_id.h — the id a new record gets in a map of records
// keyed by id.
//
// Thread safety: stateless; REQUIRES the caller holds the lock for writing.
#ifndef ENGRAM_PLUGINS_MEMORY_CLAIM_ID_H_
#define ENGRAM_PLUGINS_MEMORY_CLAIM_ID_H_

#include <algorithm>
#include <cstdint>
#include <limits>

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

}  // namespace engram::memory

#endif  // ENGRAM_PLUGINS_MEMORY_CLAIM_ID_H_
