// `engram bench CONFIG`: the engram-side workloads of tools/bench, run
// through the role interfaces against whatever backends a config names.
// The raw-library baselines stay in tools/bench; this links the core only.
//
// Bench writes records: under names starting "engram-bench-" where the
// caller picks the name (pattern hashes, context hashes, task types,
// concept names), under backend-assigned ids otherwise (episodes,
// snapshots, spike trains). The role interfaces cannot delete single
// records, so they stay. Callers therefore check roles_holding_records()
// first and bench only stores that were empty, unless the user says
// otherwise.
//
// Thread safety: one call at a time per Storage.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "engram/storage.h"

namespace engram::tool {

struct BenchOptions {
  // Each workload runs this long (seconds, > 0), at least one operation.
  double seconds = 1.0;
  // Each workload also stops after this many operations, and a writing
  // workload after it wrote kBenchMaxWrittenBytes, bounding what it adds.
  std::int64_t max_ops = 100'000;
  // The roles to bench, each assigned by the config; they run in role
  // order. Empty: every role the config assigns.
  std::vector<Role> roles;
};

// A writing workload stops once it has stored this many payload bytes.
inline constexpr std::int64_t kBenchMaxWrittenBytes = 64 << 20;

// One workload's measurement. `bytes` counts array payload bytes moved
// (stored or returned); 0 for workloads without arrays.
struct BenchResult {
  std::string workload;  // "store_episode"
  Role role = Role::kWorkingMemory;
  std::string backend;  // the config's backend key
  std::string plugin;
  std::int64_t ops = 0;
  double seconds = 0.0;
  std::int64_t bytes = 0;

  double ops_per_second() const { return seconds > 0 ? static_cast<double>(ops) / seconds : 0.0; }
  double mb_per_second() const {
    return seconds > 0 ? static_cast<double>(bytes) / seconds / 1e6 : 0.0;
  }
};

// Describes each of `roles` (empty: every configured role) whose store
// already holds a record, e.g. "episodes (backend db): episodes". Empty
// iff bench would write only into empty stores. Throws what the role
// calls throw.
std::vector<std::string> roles_holding_records(Storage& storage, const std::vector<Role>& roles);

// Runs every workload of each selected role, in role order, and returns
// the measurements. Writes one progress line per workload to `progress`
// (redrawn in place when it is a terminal). REQUIRES: every role in
// options.roles is configured. Throws what the role calls throw.
std::vector<BenchResult> run_bench(Storage& storage, const BenchOptions& options,
                                   std::FILE* progress);

// An aligned table: workload, backend, ops, ops/s, MB/s.
void print_bench_table(const std::vector<BenchResult>& results, std::FILE* out);
// A JSON array of {workload, role, backend, plugin, ops, seconds,
// ops_per_s, mb_per_s}.
void print_bench_json(const std::vector<BenchResult>& results, std::FILE* out);

}  // namespace engram::tool
