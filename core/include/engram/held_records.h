// engram/held_records.h — whether a role's store already holds records.
//
// For programs that write into the stores a config names and must not mix
// their records with a user's data: `engram bench` and engram-conformance
// refuse stores that hold any. Each of the role's listings is asked for one
// record (limit 1; one that does not decode counts); nothing is written.
//
// Errors: what the listings throw (engram::StorageError).
// Thread safety: as the role objects (thread-safe).
#ifndef ENGRAM_HELD_RECORDS_H_
#define ENGRAM_HELD_RECORDS_H_

#include <string>
#include <vector>

#include "engram/export.h"
#include "engram/plugin.h"
#include "engram/storage.h"

namespace engram {

// The kinds of records `role` of `storage` holds ("episodes", "learning
// events", "network snapshots", ...), in the role's listing order; empty
// when it holds none. Throws ConfigError when `storage` has no `role`.
ENGRAM_API std::vector<std::string> held_record_kinds(const Storage& storage, Role role);

}  // namespace engram

#endif  // ENGRAM_HELD_RECORDS_H_
