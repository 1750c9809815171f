// engram — the command-line tool. Links engram::core only; backends are
// plugins found at run time.
//
// Exit codes: 0 ok, 1 failure (the error on stderr), 2 usage.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "bench_command.h"
#include "config_choice.h"
#include "conformance_command.h"
#include "demo.h"
#include "maintenance_commands.h"
#include "migrate_command.h"
#include "recall_command.h"
#include "engram/config.h"
#include "engram/errors.h"
#include "engram/plugin_loader.h"
#include "engram/storage.h"
#include "engram/version.h"

namespace engram::tool {
namespace {

constexpr int kFailure = 1;
constexpr int kUsage = 2;

std::vector<std::filesystem::path> search_path_for(const std::string& config_flag) {
  // The config's plugin_path counts when a config is there to read; a bad
  // config must not stop `engram plugins` from listing what it can find.
  try {
    return plugin_search_path(choose_config(config_flag).config.plugin_path);
  } catch (const StorageError&) {
    return plugin_search_path();
  }
}

int run_plugins(const std::string& config_flag, const std::string& describe) {
  const auto search_path = search_path_for(config_flag);
  if (!describe.empty()) {
    const Plugin plugin = find_plugin(describe, search_path);
    const PluginDescriptor& d = plugin.descriptor();
    fmt::print("{} {} ({})\nplugin ABI {}\nroles: {}\noptions:\n", d.name, d.version,
               plugin.file().string(), d.abi_version, role_names(d.roles));
    for (const OptionSpec& option : d.options) {
      const std::string shown = option.type == OptionType::kSecret ? "(secret)"
                                : option.default_value.is_null() ? "(required)"
                                                                  : option.default_value.dump();
      fmt::print("  {:<24} {:<7} default {:<16} {}\n", option.key,
                 option_type_name(option.type), shown, option.doc);
    }
    return 0;
  }
  std::vector<PluginLoadFailure> failures;
  const auto plugins = discover_plugins(search_path, &failures);
  fmt::print("{:<12} {:<10} {:<4} {:<45} {}\n", "plugin", "version", "abi", "roles", "file");
  for (const Plugin& plugin : plugins) {
    const PluginDescriptor& d = plugin.descriptor();
    fmt::print("{:<12} {:<10} {:<4} {:<45} {}\n", d.name, d.version, d.abi_version,
               role_names(d.roles), plugin.file().string());
  }
  for (const auto& failure : failures) {
    fmt::print(stderr, "not loadable: {}: {}\n", failure.file.string(), failure.reason);
  }
  if (plugins.empty()) {
    fmt::print(stderr, "no plugins found; searched:\n");
    for (const auto& folder : search_path) fmt::print(stderr, "  {}\n", folder.string());
    return kFailure;
  }
  return 0;
}

int run_check(const std::string& config_flag) {
  const ChosenConfig chosen = choose_config(config_flag);
  Storage storage = Storage::from_config(chosen.config);
  for (const BackendInfo& backend : storage.backends()) {
    fmt::print("OK  backend {:<12} plugin {} {} ({}), roles: {}\n", backend.name, backend.plugin,
               backend.plugin_version, backend.plugin_file.string(), role_names(backend.roles));
  }
  fmt::print("OK  {}\n", chosen.described);
  return 0;
}

int run_demo_command(const std::string& config_flag, int steps) {
  const ChosenConfig chosen = choose_config(config_flag);
  fmt::print("engram demo on {}\n", chosen.described);
  Storage storage = Storage::from_config(chosen.config);
  const int mismatches = run_demo(storage, DemoOptions{steps}, stdout);
  return mismatches == 0 ? 0 : kFailure;
}

// A `--roles` option: a comma list of role names, checked by CLI11 (an
// unknown name is a usage error).
void add_roles_option(CLI::App* command, std::vector<std::string>& names,
                      const std::string& help) {
  command->add_option("--roles", names, help)
      ->delimiter(',')
      ->check(CLI::IsMember({"working_memory", "episodes", "concepts", "traces"}));
}

// The roles `names` (checked by add_roles_option) name, each once, in order.
std::vector<Role> roles_of(const std::vector<std::string>& names) {
  std::vector<Role> roles;
  for (const std::string& name : names) {
    const Role role = *role_from_name(name);
    if (std::find(roles.begin(), roles.end(), role) == roles.end()) roles.push_back(role);
  }
  return roles;
}

int run_maintenance_command(const std::string& command, const std::string& config_flag,
                            const MaintenanceOptions& options) {
  const ChosenConfig chosen = choose_config(config_flag);
  // --backend opens that backend alone: the others' files may be busy or
  // broken, and a command on one backend must not depend on them.
  StorageOptions storage_options;
  if (!options.backend.empty()) storage_options.only_backends = {options.backend};
  Storage storage = Storage::from_config(chosen.config, storage_options);
  if (command == "stats") return run_stats(storage, options, stdout);
  if (command == "backup") return run_backup(storage, options, stdout);
  if (command == "compact") return run_compact(storage, options, stdout);
  if (command == "cleanup") return run_cleanup(storage, options, stdout);
  return run_maintain(storage, options, stdout);
}

int run_migrate_command(const std::string& from_file, const std::string& to_file,
                        const MigrateCommandOptions& options) {
  if (std::filesystem::weakly_canonical(from_file) == std::filesystem::weakly_canonical(to_file)) {
    throw ConfigError("--from and --to name the same config: nothing to migrate");
  }
  Storage from = Storage::open(from_file);
  Storage to = Storage::open(to_file);
  MigrateCommandOptions with_state = options;
  if (with_state.state_file.empty()) with_state.state_file = default_state_file(to_file);
  return run_migrate(from, to, with_state, stdout);
}

int run_recall_command(const std::string& config_flag, const RecallArgs& args) {
  const ChosenConfig chosen = choose_config(config_flag);
  Storage storage = Storage::from_config(chosen.config);
  return run_recall(storage, chosen.described, args, stdout);
}

struct BenchArgs {
  std::string config;
  std::vector<std::string> roles;
  bool json = false;
  bool allow_existing = false;
  BenchOptions options;
};

int run_bench_command(BenchArgs& args) {
  // CONFIG is explicit (no default config): bench writes into what it names.
  const Config config = Config::load(args.config);
  Storage storage = Storage::from_config(config);
  args.options.roles = roles_of(args.roles);
  for (const Role role : args.options.roles) {
    if (!storage.has(role)) {
      fmt::print(stderr, "engram bench: {} assigns no backend to role {}\n", args.config,
                 role_name(role));
      return kFailure;
    }
  }
  const auto holding = roles_holding_records(storage, args.options.roles);
  if (!holding.empty() && !args.allow_existing) {
    fmt::print(stderr, "engram bench: refusing to add records to stores that hold data:\n");
    for (const auto& line : holding) fmt::print(stderr, "  {}\n", line);
    fmt::print(stderr,
               "bench's records would stay there; use a scratch config, or pass "
               "--allow-existing\n");
    return kFailure;
  }
  fmt::print(stderr,
             "engram bench: adds records (names starting engram-bench-, or new ids) to {}; "
             "they are not removed\n",
             args.config);
  const auto results = run_bench(storage, args.options, stderr);
  if (args.json) {
    print_bench_json(results, stdout);
  } else {
    print_bench_table(results, stdout);
  }
  return 0;
}

}  // namespace
}  // namespace engram::tool

int main(int argc, char** argv) {
  using namespace engram::tool;
  CLI::App app{"engram: storage for a neuromorphic AI system's memory"};
  app.require_subcommand(1);
  // The core's version (the library loaded, not the headers), its plugin
  // ABI and build fingerprint: what a plugin must match to be loaded.
  app.set_version_flag("--version", fmt::format("engram {}\nplugin ABI {}\nbuild fingerprint: {}",
                                                engram::core_version(),
                                                engram::kPluginAbiVersion,
                                                engram::core_build_fingerprint()));
  std::string config_flag;
  const auto add_config = [&](CLI::App* command) {
    command->add_option("--config", config_flag,
                        "config file (default: $ENGRAM_CONFIG, then config/engram.yaml, then "
                        "the embedded default)");
  };

  int steps = 10;
  CLI::App* demo = app.add_subcommand("demo", "run a simulated agent through every configured role");
  add_config(demo);
  demo->add_option("--steps", steps, "simulation steps")->check(CLI::Range(1, 10000000));

  std::string describe;
  CLI::App* plugins = app.add_subcommand("plugins", "list the plugins found, or describe one");
  add_config(plugins);
  plugins->add_option("--describe", describe, "show one plugin's options");

  CLI::App* check = app.add_subcommand("check", "validate a config and open every backend");
  add_config(check);

  MaintenanceOptions maintenance;
  const auto add_maintenance = [&](const std::string& name, const std::string& help) {
    CLI::App* command = app.add_subcommand(name, help);
    add_config(command);
    command->add_option("--backend", maintenance.backend, "only this backend (the config's name)");
    return command;
  };
  CLI::App* stats = add_maintenance("stats", "every backend's statistics");
  stats->add_flag("--json", maintenance.json, "JSON on stdout");
  CLI::App* backup = add_maintenance("backup", "a consistent copy of each backend's data");
  backup->add_option("--to", maintenance.backup_path,
                     "where to write it (needs --backend); default: beside the data, timestamped");
  backup->add_flag("--force", maintenance.force,
                   "replace an existing file at --to (never a file a configured backend uses)");
  backup->add_flag("--json", maintenance.json, "JSON on stdout");
  CLI::App* compact = add_maintenance("compact", "reclaim unused space (VACUUM, a fresh HDF5 copy)");
  compact->add_flag("--json", maintenance.json, "JSON on stdout");
  CLI::App* cleanup = add_maintenance("cleanup", "remove records older than the retention period");
  cleanup->add_option("--retention-days", maintenance.retention_days, "days to keep (default 30)")
      ->check(CLI::Range(0, 1000000));
  cleanup->add_flag("--json", maintenance.json, "JSON on stdout");
  CLI::App* maintain = add_maintenance(
      "maintain", "the daily routine: clear_expired, backup_if_due, cleanup (unsupported steps "
                  "are reported and skipped)");
  maintain->add_option("--retention-days", maintenance.retention_days, "days to keep (default 30)")
      ->check(CLI::Range(0, 1000000));
  maintain->add_flag("--json", maintenance.json, "JSON on stdout");

  std::string from_file;
  std::string to_file;
  std::vector<std::string> migrate_roles;
  MigrateCommandOptions migrate_options;
  CLI::App* migrate = app.add_subcommand(
      "migrate", "copy every record of the chosen roles from one config's backends to another's");
  migrate->add_option("--from", from_file, "the source config")->required()->check(CLI::ExistingFile);
  migrate->add_option("--to", to_file, "the target config")->required()->check(CLI::ExistingFile);
  add_roles_option(migrate, migrate_roles,
                   "comma list of roles to copy (working_memory,episodes,concepts,traces); "
                   "default: every role of the source");
  migrate->add_option("--page-size", migrate_options.page_size, "records per batch (default 256)")
      ->check(CLI::Range(1, 1000000));
  std::string on_conflict = "fail";
  migrate
      ->add_option("--on-conflict", on_conflict,
                   "a record the target already holds under the same key: fail (before "
                   "writing anything; the default), skip (keep the target's) or replace")
      ->check(CLI::IsMember({"fail", "skip", "replace"}));
  migrate->add_option("--state", migrate_options.state_file,
                      "where to keep the progress, so an interrupted run continues "
                      "(default: <--to>.migrate-state.json)");
  migrate->add_flag("--skip-undecodable", migrate_options.skip_undecodable,
                    "pass over the episodes and concepts the source cannot decode (listed, "
                    "with why) and copy the rest, instead of stopping at the first");
  migrate->add_flag("--json", migrate_options.json, "JSON on stdout");
  migrate->footer(
      "A conflict is a record the target already holds under the same key: a pattern hash,\n"
      "an attention context, a concept name, a relationship, a trace of equal content.\n"
      "With --on-conflict fail (the default) they are looked for before anything is written.\n"
      "Progress is kept in the state file; killed or failed, the same command run again\n"
      "continues where it stopped and copies nothing twice. A finished migration run again\n"
      "copies nothing; delete the state file to copy again. A Python-written database's\n"
      "pickles are read without running them; one holding anything but plain values and\n"
      "numpy arrays stops the copy, or with --skip-undecodable is passed over and listed.");

  BenchArgs bench_args;
  CLI::App* bench = app.add_subcommand(
      "bench", "time the engram workloads of tools/bench against a config's backends");
  bench->add_option("CONFIG", bench_args.config, "config file naming the backends to bench")
      ->required();
  bench->add_option("--seconds", bench_args.options.seconds, "time per workload, in seconds")
      ->check(CLI::Range(0.001, 3600.0));
  bench->add_option("--max-ops", bench_args.options.max_ops, "operations per workload at most")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1'000'000'000}));
  add_roles_option(bench, bench_args.roles,
                   "comma list of roles to bench (default: every role the config assigns)");
  bench->add_flag("--json", bench_args.json, "print a JSON array instead of a table");
  bench->add_flag("--allow-existing", bench_args.allow_existing,
                  "bench stores that already hold records (bench's records stay among them)");
  bench->footer(
      "bench writes records into the stores it benches: names starting engram-bench- where\n"
      "the caller picks the name, new ids otherwise. The role interfaces cannot delete\n"
      "single records, so they stay (working memory's expire by TTL). bench therefore\n"
      "refuses stores that already hold records unless --allow-existing is given; point\n"
      "it at a scratch config. A store that grows per call stops at 64 MiB per workload.\n"
      "Progress goes to stderr; the table (or JSON) to stdout.");

  RecallArgs recall_args;
  CLI::App* recall = add_recall_command(app, recall_args);
  add_config(recall);

  ConformanceArgs conformance_args;
  CLI::App* conformance = add_conformance_command(app, conformance_args);

  try {
    app.parse(argc, argv);
    if (*backup && !maintenance.backup_path.empty() && maintenance.backend.empty()) {
      throw CLI::ValidationError("--to", "needs --backend: one path cannot take every backend");
    }
    migrate_options.roles = roles_of(migrate_roles);
    migrate_options.on_conflict = on_conflict == "skip"      ? engram::OnConflict::kSkip
                                  : on_conflict == "replace" ? engram::OnConflict::kReplace
                                                             : engram::OnConflict::kFail;
  } catch (const CLI::Success& e) {  // --help
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kUsage;
  }

  try {
    if (*demo) return run_demo_command(config_flag, steps);
    if (*plugins) return run_plugins(config_flag, describe);
    if (*check) return run_check(config_flag);
    for (CLI::App* command : {stats, backup, compact, cleanup, maintain}) {
      if (*command) return run_maintenance_command(command->get_name(), config_flag, maintenance);
    }
    if (*migrate) return run_migrate_command(from_file, to_file, migrate_options);
    if (*bench) return run_bench_command(bench_args);
    if (*recall) return run_recall_command(config_flag, recall_args);
    if (*conformance) return run_conformance(conformance_args, conformance->remaining());
  } catch (const engram::StorageError& e) {
    fmt::print(stderr, "engram: {}\n", e.what());
    return kFailure;
  } catch (const std::exception& e) {
    fmt::print(stderr, "engram: unexpected error: {}\n", e.what());
    return kFailure;
  }
  return kUsage;
}
