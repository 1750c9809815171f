#include "maintenance_commands.h"

#include <fmt/format.h>

#include <functional>
#include <vector>

#include "engram/errors.h"
#include "engram/maintenance.h"

namespace engram::tool {
namespace {

// One step's outcome on one backend.
struct Outcome {
  std::string backend;
  std::string plugin;
  std::string step;
  std::string status;  // "ok", "not supported", "failed"
  Json result;         // what the step returned (ok), or the error text
};

// The backends a command runs on.
std::vector<const BackendInfo*> chosen_backends(const Storage& storage,
                                                const MaintenanceOptions& options) {
  std::vector<const BackendInfo*> chosen;
  for (const BackendInfo& backend : storage.backends()) {
    if (options.backend.empty() || backend.name == options.backend) chosen.push_back(&backend);
  }
  if (chosen.empty()) {
    std::string names;
    for (const BackendInfo& backend : storage.backends()) {
      if (!names.empty()) names += ", ";
      names += backend.name;
    }
    throw ConfigError("no backend `" + options.backend + "` in the config (it has: " + names + ")");
  }
  return chosen;
}

Outcome run_step(const BackendInfo& backend, const std::string& step,
                 const std::function<Json(const BackendInfo&)>& call) {
  Outcome outcome{backend.name, backend.plugin, step, "ok", nullptr};
  try {
    outcome.result = call(backend);
  } catch (const NotSupported&) {
    outcome.status = "not supported";
  } catch (const StorageError& e) {
    outcome.status = "failed";
    outcome.result = e.what();
  }
  return outcome;
}

std::string result_text(const Json& result) {
  if (result.is_null()) return "";
  if (result.is_string()) return result.get<std::string>();
  return result.dump();
}

// Prints the outcomes as a table or JSON; returns the exit code.
int report(const std::vector<Outcome>& outcomes, bool json, std::FILE* out) {
  int code = 0;
  for (const Outcome& o : outcomes) {
    if (o.status == "failed") code = 1;
  }
  if (json) {
    Json rows = Json::array();
    for (const Outcome& o : outcomes) {
      rows.push_back({{"backend", o.backend}, {"plugin", o.plugin}, {"step", o.step},
                      {"status", o.status}, {"result", o.result}});
    }
    fmt::print(out, "{}\n", rows.dump(2));
    return code;
  }
  fmt::print(out, "{:<14} {:<9} {:<15} {:<14} {}\n", "backend", "plugin", "step", "status",
             "result");
  for (const Outcome& o : outcomes) {
    fmt::print(out, "{:<14} {:<9} {:<15} {:<14} {}\n", o.backend, o.plugin, o.step, o.status,
               result_text(o.result));
  }
  return code;
}

using Step = std::function<Json(Maintenance&)>;

int run_each(const Storage& storage, const MaintenanceOptions& options, std::FILE* out,
             const std::vector<std::pair<std::string, Step>>& steps) {
  std::vector<Outcome> outcomes;
  for (const BackendInfo* backend : chosen_backends(storage, options)) {
    for (const auto& [step, call] : steps) {
      outcomes.push_back(run_step(*backend, step,
                                  [&call](const BackendInfo& b) { return call(*b.maintenance); }));
    }
  }
  return report(outcomes, options.json, out);
}

}  // namespace

int run_stats(const Storage& storage, const MaintenanceOptions& options, std::FILE* out) {
  std::vector<Outcome> outcomes;
  for (const BackendInfo* backend : chosen_backends(storage, options)) {
    outcomes.push_back(
        run_step(*backend, "stats", [](const BackendInfo& b) { return b.maintenance->stats(); }));
  }
  if (options.json) {
    Json all = Json::object();
    for (const Outcome& o : outcomes) {
      all[o.backend] = {{"plugin", o.plugin}, {"status", o.status}, {"stats", o.result}};
    }
    fmt::print(out, "{}\n", all.dump(2));
  } else {
    for (const Outcome& o : outcomes) {
      fmt::print(out, "{} ({})\n", o.backend, o.plugin);
      if (o.status != "ok") {
        fmt::print(out, "  {} {}\n", o.status, result_text(o.result));
        continue;
      }
      for (const auto& [key, value] : o.result.items()) {
        fmt::print(out, "  {:<28} {}\n", key, result_text(value));
      }
    }
  }
  for (const Outcome& o : outcomes) {
    if (o.status == "failed") return 1;
  }
  return 0;
}

int run_backup(const Storage& storage, const MaintenanceOptions& options, std::FILE* out) {
  // Through Storage::backup: it refuses to write over any backend's files,
  // and over an existing file unless --force, and never leaves half a copy.
  std::optional<std::filesystem::path> path;
  if (!options.backup_path.empty()) path = options.backup_path;
  std::vector<Outcome> outcomes;
  for (const BackendInfo* backend : chosen_backends(storage, options)) {
    outcomes.push_back(run_step(*backend, "backup", [&](const BackendInfo& b) {
      return Json(storage.backup(b.name, path, BackupOptions{options.force}).string());
    }));
  }
  return report(outcomes, options.json, out);
}

int run_compact(const Storage& storage, const MaintenanceOptions& options, std::FILE* out) {
  return run_each(storage, options, out, {{"compact", [](Maintenance& m) {
                                             m.compact();
                                             return Json();
                                           }}});
}

int run_cleanup(const Storage& storage, const MaintenanceOptions& options, std::FILE* out) {
  const int days = options.retention_days;
  return run_each(storage, options, out,
                  {{"cleanup", [days](Maintenance& m) { return Json(m.cleanup(days)); }}});
}

int run_maintain(const Storage& storage, const MaintenanceOptions& options, std::FILE* out) {
  const int days = options.retention_days;
  return run_each(
      storage, options, out,
      {{"clear_expired", [](Maintenance& m) { return Json(m.clear_expired()); }},
       {"backup_if_due",
        [](Maintenance& m) {
          const auto path = m.backup_if_due();
          return path ? Json(path->string()) : Json("not due");
        }},
       {"cleanup", [days](Maintenance& m) { return Json(m.cleanup(days)); }}});
}

}  // namespace engram::tool
