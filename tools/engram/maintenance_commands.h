// The maintenance commands of the `engram` tool: stats, backup, compact,
// cleanup and maintain, each over every backend of a config (or the one
// --backend names) through engram::Maintenance.
//
// A backend that lacks an operation reports "not supported" and the command
// goes on with the others; any other failure is reported on its line and
// makes the command exit 1 after the rest have run.
#pragma once

#include <cstdio>
#include <string>

#include "engram/storage.h"

namespace engram::tool {

struct MaintenanceOptions {
  std::string backend;         // only this backend; empty for all
  bool json = false;           // JSON on stdout instead of a table
  int retention_days = 30;     // cleanup, maintain
  std::string backup_path;     // backup: where (needs one backend); empty: beside the data
  bool force = false;          // backup: replace an existing file (never a backend's own)
};

// Each returns the exit code: 0 when nothing failed (unsupported is not a
// failure), 1 otherwise. Throws ConfigError for an unknown --backend.
int run_stats(const Storage& storage, const MaintenanceOptions& options, std::FILE* out);
int run_backup(const Storage& storage, const MaintenanceOptions& options, std::FILE* out);
int run_compact(const Storage& storage, const MaintenanceOptions& options, std::FILE* out);
int run_cleanup(const Storage& storage, const MaintenanceOptions& options, std::FILE* out);
// The seed's daily routine per backend: clear_expired, backup_if_due,
// cleanup(retention_days).
int run_maintain(const Storage& storage, const MaintenanceOptions& options, std::FILE* out);

}  // namespace engram::tool
