// tests/support/role_hooks.h — the roles' write-behind hooks
// (engram/write_behind.h), which are private do_* calls, called directly
// by a plugin's own tests through the core's RoleAccess
// (core/src/role_access.h), as the core's write-behind calls them: no
// check of the arguments on the way.
//
// Header only: a test program that includes it adds core/src to its include
// path. Thread safety: as the roles'.
#ifndef ENGRAM_TESTS_SUPPORT_ROLE_HOOKS_H_
#define ENGRAM_TESTS_SUPPORT_ROLE_HOOKS_H_

#include <cstdint>
#include <optional>
#include <string_view>

#include "engram/concept_store.h"
#include "engram/episode_store.h"
#include "engram/ids.h"
#include "engram/trace_store.h"
#include "role_access.h"

namespace engram_test {

using Hooks = engram::detail::RoleAccess;

// EpisodeStore::do_reserve_ids: the first of `count` new ids of `kind`.
inline std::int64_t reserve_ids(engram::EpisodeStore& episodes, engram::IdKind kind,
                                std::int64_t count) {
  return Hooks::call_do_reserve_ids(episodes, kind, count);
}

// ConceptStore::do_reserve_ids: the first of `count` new concept ids.
inline std::int64_t reserve_ids(engram::ConceptStore& concepts, std::int64_t count) {
  return Hooks::call_do_reserve_ids(concepts, count);
}

// ConceptStore::do_concept_id: the id of the concept `name`, no access
// counted.
inline std::optional<std::int64_t> concept_id(engram::ConceptStore& concepts,
                                              std::string_view name) {
  return Hooks::call_do_concept_id(concepts, name);
}

// TraceStore::do_latest_seed_stamp.
inline std::optional<std::int64_t> latest_seed_stamp(engram::TraceStore& traces,
                                                     engram::TraceKind kind,
                                                     std::string_view prefix) {
  return Hooks::call_do_latest_seed_stamp(traces, kind, prefix);
}

}  // namespace engram_test

#endif  // ENGRAM_TESTS_SUPPORT_ROLE_HOOKS_H_
