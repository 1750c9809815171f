// Whether the stores a config opens already hold records: what
// engram-conformance checks before any case runs, since the suite writes,
// lists and clears the stores it is given and must never do that to data.
//
// Each role's every listing is asked for one record (limit 1); nothing is
// written. Errors: what the listings throw (engram::StorageError).
//
// Thread safety: as the role objects (thread-safe).
#ifndef ENGRAM_TOOLS_CONFORMANCE_STORE_EMPTINESS_H_
#define ENGRAM_TOOLS_CONFORMANCE_STORE_EMPTINESS_H_

#include <optional>
#include <string>

#include "engram/plugin.h"
#include "engram/storage.h"

namespace conformance {

// The first kind of record `role` of `storage` holds ("episodes",
// "learning events", "network snapshots", ...), or nullopt when it holds
// none. `storage` must have `role`.
std::optional<std::string> held_records(const engram::Storage& storage, engram::Role role);

}  // namespace conformance

#endif  // ENGRAM_TOOLS_CONFORMANCE_STORE_EMPTINESS_H_
