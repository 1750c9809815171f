// `engram migrate --from A.yaml --to B.yaml [--roles ...]`: engram::migrate
// between two configs' backends, with a progress line per kind of record on
// stderr and a table (or JSON) of what was copied on stdout.
#pragma once

#include <cstddef>
#include <cstdio>
#include <vector>

#include "engram/plugin.h"
#include "engram/storage.h"

namespace engram::tool {

struct MigrateCommandOptions {
  std::vector<Role> roles;  // empty: every role of the source
  std::size_t page_size = 256;
  bool json = false;
};

// Returns the exit code (0). Throws what engram::migrate throws.
int run_migrate(const Storage& from, const Storage& to, const MigrateCommandOptions& options,
                std::FILE* out);

}  // namespace engram::tool
