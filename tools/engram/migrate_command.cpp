#include "migrate_command.h"

#include <fmt/format.h>

#include <memory>
#include <string>

#include "engram/ids.h"
#include "engram/json.h"
#include "engram/page.h"
#include "progress.h"

namespace engram::tool {

std::filesystem::path default_state_file(const std::filesystem::path& target_config) {
  return std::filesystem::path(target_config.string() + ".migrate-state.json");
}

int run_migrate(const Storage& from, const Storage& to, const MigrateCommandOptions& options,
                std::FILE* out) {
  MigrationOptions migration;
  migration.roles = options.roles;
  migration.page_size = options.page_size;
  migration.on_conflict = options.on_conflict;
  migration.state_file = options.state_file;
  migration.skip_undecodable = options.skip_undecodable;
  // One progress line per kind, replaced when the next kind starts.
  std::unique_ptr<Progress> progress;
  std::string current;
  migration.on_progress = [&](const MigrationProgress& p) {
    const std::string kind = std::string(role_name(p.role)) + "/" + std::string(p.kind);
    if (kind != current) {
      progress.reset();
      progress = std::make_unique<Progress>(fmt::format("migrating {:<36}", kind), std::nullopt);
      current = kind;
    }
    progress->update(p.records, human_bytes(static_cast<double>(p.bytes)));
  };
  const MigrationReport report = migrate(from, to, migration);
  progress.reset();

  // Every kind this run worked on had its count checked (migrate throws
  // otherwise); kinds an earlier run finished were checked then.
  bool verified = true;
  std::int64_t skipped = 0, replaced = 0, resumed = 0;
  for (const auto& kind : report.kinds) {
    if (!kind.done_before && !kind.verified) verified = false;
    skipped += kind.skipped;
    replaced += kind.replaced;
    if (!kind.done_before) resumed += kind.resumed;
  }
  if (options.json) {
    Json rows = Json::array();
    for (const auto& kind : report.kinds) {
      Json undecodable = Json::array();
      for (const SkippedRecord& passed : kind.undecodable) {
        undecodable.push_back(
            {{"key", passed.key}, {"error", passed.error}, {"reason", passed.reason}});
      }
      rows.push_back({{"role", role_name(kind.role)},
                      {"kind", kind.kind},
                      {"records", kind.records},
                      {"bytes", kind.bytes},
                      {"remapped", kind.remapped},
                      {"skipped", kind.skipped},
                      {"replaced", kind.replaced},
                      {"resumed", kind.resumed},
                      {"done_before", kind.done_before},
                      {"verified", kind.verified},
                      {"undecodable", std::move(undecodable)},
                      {"undecodable_before", kind.undecodable_before}});
    }
    fmt::print(out, "{}\n",
               Json{{"kinds", rows},
                    {"total_records", report.total_records()},
                    {"total_undecodable", report.total_undecodable()},
                    {"done_before", report.done_before()},
                    {"state_file", report.state_file.string()},
                    {"verified", verified}}
                   .dump(2));
    return 0;
  }
  fmt::print(out, "{:<16} {:<24} {:>10} {:>12} {:>9} {:>8} {:>8} {:>8}\n", "role", "kind",
             "records", "bytes", "remapped", "skipped", "replaced", "resumed");
  for (const auto& kind : report.kinds) {
    if (kind.done_before) {
      fmt::print(out, "{:<16} {:<24} {:>10} {:>12}\n", role_name(kind.role), kind.kind,
                 kind.resumed, "(copied by an earlier run)");
      continue;
    }
    fmt::print(out, "{:<16} {:<24} {:>10} {:>12} {:>9} {:>8} {:>8} {:>8}\n", role_name(kind.role),
               kind.kind, kind.records, human_bytes(static_cast<double>(kind.bytes)), kind.remapped,
               kind.skipped, kind.replaced, kind.resumed);
  }
  if (report.done_before()) {
    fmt::print(out,
               "This migration finished before ({}): nothing copied. Delete that file to copy "
               "again.\n",
               report.state_file.string());
    return 0;
  }
  std::string line = fmt::format("{} records copied", report.total_records());
  if (resumed > 0) line += fmt::format(" ({} more by an interrupted run, resumed)", resumed);
  if (skipped > 0) line += fmt::format(", {} skipped (the target's kept)", skipped);
  if (replaced > 0) line += fmt::format(", {} of them replacing the target's", replaced);
  if (verified) line += "; the target's counts check out";
  fmt::print(out, "{}.\n", line);
  if (report.total_undecodable() > 0) {
    const std::int64_t passed_over = report.total_undecodable();
    fmt::print(out, "{} {} not be decoded and {} passed over (not copied):\n", passed_over,
               passed_over == 1 ? "record could" : "records could",
               passed_over == 1 ? "was" : "were");
    for (const auto& kind : report.kinds) {
      for (const SkippedRecord& passed : kind.undecodable) {
        fmt::print(out, "  {} {}: {}: {}\n", kind.kind, printable(passed.key), passed.error,
                   passed.reason);
      }
    }
  }
  return 0;
}

}  // namespace engram::tool
