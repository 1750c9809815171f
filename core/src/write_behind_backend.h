// A backend behind write-behind queues (engram/write_behind.h), as Storage
// makes it for a backend whose config has `write_behind`.
//
// Thread safety: as every Backend.
#ifndef ENGRAM_CORE_SRC_WRITE_BEHIND_BACKEND_H_
#define ENGRAM_CORE_SRC_WRITE_BEHIND_BACKEND_H_

#include <memory>
#include <string>
#include <vector>

#include "engram/config.h"
#include "engram/plugin.h"
#include "engram/write_behind.h"

namespace engram::detail {

// Throws ConfigError at `config.write_behind`'s place when it asks for
// write-behind on a role that makes integer ids (episodes, concepts) and
// the plugin (whose capabilities are `capabilities`) lacks reserves_ids.
// Nothing to check without `write_behind`.
void check_write_behind(const BackendConfig& config, const std::vector<Role>& roles,
                        const PluginCapabilities& capabilities);

// `backend` (made by its plugin, checked by check_write_behind) with a
// queued role object in front of each of `roles` and a maintenance that
// drains the queues before each call. REQUIRES: config.write_behind.
std::shared_ptr<Backend> with_write_behind(std::shared_ptr<Backend> backend,
                                           const BackendConfig& config,
                                           const std::vector<Role>& roles);

}  // namespace engram::detail

#endif  // ENGRAM_CORE_SRC_WRITE_BEHIND_BACKEND_H_
