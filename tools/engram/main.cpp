// engram — the command-line tool. Links engram::core only; backends are
// plugins found at run time.
//
// Exit codes: 0 ok, 1 failure (the error on stderr), 2 usage.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "config_choice.h"
#include "demo.h"
#include "engram/errors.h"
#include "engram/plugin_loader.h"
#include "engram/storage.h"

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
    fmt::print("{} {} ({})\nroles: {}\noptions:\n", d.name, d.version, plugin.file().string(),
               role_names(d.roles));
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
  fmt::print("{:<12} {:<10} {:<45} {}\n", "plugin", "version", "roles", "file");
  for (const Plugin& plugin : plugins) {
    const PluginDescriptor& d = plugin.descriptor();
    fmt::print("{:<12} {:<10} {:<45} {}\n", d.name, d.version, role_names(d.roles),
               plugin.file().string());
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

}  // namespace
}  // namespace engram::tool

int main(int argc, char** argv) {
  using namespace engram::tool;
  CLI::App app{"engram: storage for a neuromorphic AI system's memory"};
  app.require_subcommand(1);
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

  try {
    app.parse(argc, argv);
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
  } catch (const engram::StorageError& e) {
    fmt::print(stderr, "engram: {}\n", e.what());
    return kFailure;
  } catch (const std::exception& e) {
    fmt::print(stderr, "engram: unexpected error: {}\n", e.what());
    return kFailure;
  }
  return kUsage;
}
