// `engram migrate --from A.yaml --to B.yaml [--roles ...] [--on-conflict
// fail|skip|replace] [--state FILE]`: engram::migrate between two configs'
// backends, with a progress line per kind of record on stderr and a table
// (or JSON) of what was copied on stdout. Progress is kept in a state file
// (default "<B.yaml>.migrate-state.json"), so a run again after an
// interruption continues where it stopped, and a finished one copies
// nothing. With --skip-undecodable the records the source cannot decode
// are passed over and listed after the table (key, error kind, message; in
// JSON each kind's "undecodable").
#pragma once

#include <cstddef>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "engram/migrate.h"
#include "engram/plugin.h"
#include "engram/storage.h"

namespace engram::tool {

struct MigrateCommandOptions {
  std::vector<Role> roles;  // empty: every role of the source
  std::size_t page_size = 256;
  OnConflict on_conflict = OnConflict::kFail;
  std::filesystem::path state_file;  // empty: default_state_file(target config)
  bool skip_undecodable = false;
  bool json = false;
};

// Where `engram migrate --to target_config` keeps its progress by default:
// "<target_config>.migrate-state.json", beside it.
std::filesystem::path default_state_file(const std::filesystem::path& target_config);

// Returns the exit code (0). Throws what engram::migrate throws.
int run_migrate(const Storage& from, const Storage& to, const MigrateCommandOptions& options,
                std::FILE* out);

}  // namespace engram::tool
