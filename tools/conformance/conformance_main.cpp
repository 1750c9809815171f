// engram-conformance: the contract every backend plugin must pass, run
// against a config by one command.
//
//   engram-conformance --engram-config FILE [--roles working_memory,episodes,...]
//                      [Catch2 options and test specs]
//
// It opens FILE as a host would, and for each role under test (--roles, by
// default every role the config assigns) runs the suite's cases for that
// role against the backend serving it, printing one PASS or FAIL line per
// case (the "engram" reporter, pass_fail_reporter.cpp) and a summary line;
// exit status 0 when every case passed, else non-zero. What a plugin
// promises beyond the contract (engram::PluginCapabilities: keeps_ids,
// reserves_ids) is read from the descriptor of the plugin serving each
// role, and said first ("role episodes: backend `db` (plugin sqlite
// 1.0.0), keeps_ids promised: checked; reserves_ids promised: checked to
// come with keeps_ids"); the checks of a promise a plugin does not make are
// skipped. (reserves_ids's hooks are private calls of the core's
// write-behind: the suite holds the promise to keeps_ids, the plugin's own
// tests call them.)
//
// The suite writes, lists and clears the stores it is given, so it must be
// given stores of its own. Each case opens the config anew after setting
// these placeholders (the config's ${NAME} and ${NAME:-default}):
//   ${ENGRAM_CONFORMANCE_DIR}  a fresh, empty folder per case: put file paths there
//   ${ENGRAM_CONFORMANCE_ID}   a fresh run id per case: put it in a server's
//                              key prefix
//   ${ENGRAM_CONFORMANCE_PATTERN_TTL}, ${ENGRAM_CONFORMANCE_ATTENTION_TTL},
//   ${ENGRAM_CONFORMANCE_SPIKE_TTL}
//                              the working-memory TTL options (seconds) each
//                              case sets: pattern_ttl, attention_ttl, spike_ttl
// Before any case runs it opens the config once (placeholders set) and asks
// each role under test's listings for one record: a store that already
// holds records is refused — exit 2, a message naming the backend and the
// role, nothing written. After the cases it clears every store it used
// (Maintenance::clear_all) and removes its folders, unless
// ENGRAM_CONFORMANCE_KEEP is set.
//
// Exit status: 0 all passed; 1 a case failed (or no case matched); 2 a
// refused config, a config that does not open, or a bad command line.
// Listing cases (--list-test-names-only, ...) needs no config.
#define CATCH_CONFIG_RUNNER
#include <algorithm>
#include <catch2/catch.hpp>
#include <exception>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "engram/errors.h"
#include "engram/held_records.h"
#include "engram/plugin.h"
#include "engram/storage.h"
#include "fixture.h"

namespace {

constexpr const char* kPlaceholderHelp = R"(
engram-conformance --engram-config FILE [--roles ROLE,...] [Catch2 options] [test specs]

Runs engram's conformance suite, the contract every backend plugin must pass,
against the backends FILE assigns to roles: by default every role the config
assigns, or the roles --roles lists (working_memory, episodes, concepts,
traces). Prints PASS or FAIL per case and a summary; exits 0 when all pass.
What a plugin promises beyond the contract (keeps_ids, reserves_ids) comes
from its descriptor.

The suite writes, lists and clears what it is given. A store that already
holds records is refused (exit 2, nothing written). Give each case fresh
state with these placeholders, which are set before each case opens FILE:
  ${ENGRAM_CONFORMANCE_DIR}            a fresh, empty folder per case (file paths)
  ${ENGRAM_CONFORMANCE_ID}             a fresh run id per case (server key prefixes)
  ${ENGRAM_CONFORMANCE_PATTERN_TTL}    the working-memory TTLs (seconds) each case
  ${ENGRAM_CONFORMANCE_ATTENTION_TTL}  sets; give defaults: ${...:-600}
  ${ENGRAM_CONFORMANCE_SPIKE_TTL}
Set ENGRAM_CONFORMANCE_KEEP=1 to keep the folders and records afterwards.
)";

constexpr int kRefused = 2;

// Splits "a,b , c" into {"a", "b", "c"}.
std::vector<std::string> split_commas(const std::string& text) {
  std::vector<std::string> parts;
  std::string part;
  const auto flush = [&] {
    part.erase(0, part.find_first_not_of(" \t"));
    part.erase(part.find_last_not_of(" \t") + 1);
    if (!part.empty()) parts.push_back(part);
    part.clear();
  };
  for (char c : text) {
    if (c == ',') {
      flush();
    } else {
      part += c;
    }
  }
  flush();
  return parts;
}

// Opens the config once with fresh placeholders; fills settings() with the
// roles under test and their plugins' capabilities; refuses a store that
// holds records. Returns 0, or the exit status after printing why.
int prepare(const std::filesystem::path& config, const std::vector<std::string>& wanted_roles) {
  conformance::settings().config = config;
  conformance::fresh_placeholders();
  engram::Storage storage = engram::Storage::open(config);

  std::vector<engram::Role> roles;
  if (wanted_roles.empty()) {
    for (engram::Role role : engram::kAllRoles) {
      if (storage.has(role)) roles.push_back(role);
    }
  } else {
    for (const std::string& name : wanted_roles) {
      const std::optional<engram::Role> role = engram::role_from_name(name);
      if (!role) {
        std::cerr << "engram-conformance: unknown role `" << name
                  << "` (roles: working_memory, episodes, concepts, traces)\n";
        return kRefused;
      }
      if (!storage.has(*role)) {
        std::cerr << "engram-conformance: " << config.string() << " assigns no backend to role `"
                  << name << "`\n";
        return kRefused;
      }
      roles.push_back(*role);
    }
  }
  if (roles.empty()) {
    std::cerr << "engram-conformance: " << config.string() << " assigns no roles\n";
    return kRefused;
  }

  const auto under_test = [&](engram::Role role) {
    return std::find(roles.begin(), roles.end(), role) != roles.end();
  };
  for (const engram::BackendInfo& backend : storage.backends()) {
    for (engram::Role role : backend.roles) {
      if (!under_test(role)) continue;
      if (const auto held = engram::held_record_kinds(storage, role); !held.empty()) {
        std::cerr << "engram-conformance: refusing " << config.string() << ": backend `"
                  << backend.name << "` (plugin " << backend.plugin << ") serving role `"
                  << engram::role_name(role) << "` already holds " << held.front()
                  << "; the suite writes, lists and clears its stores, so give it empty ones"
                  << " (e.g. paths under ${ENGRAM_CONFORMANCE_DIR}, key prefixes with"
                  << " ${ENGRAM_CONFORMANCE_ID}: see --help)\n";
        return kRefused;
      }
    }
  }
  for (const engram::BackendInfo& backend : storage.backends()) {
    for (engram::Role role : backend.roles) {
      if (!under_test(role)) continue;
      conformance::settings().capabilities[role] = backend.capabilities;
      std::cout << "role " << engram::role_name(role) << ": backend `" << backend.name
                << "` (plugin " << backend.plugin << " " << backend.plugin_version << "), "
                << (backend.capabilities.keeps_ids ? "keeps_ids promised: checked"
                                                   : "keeps_ids not promised: its checks skipped")
                << (backend.capabilities.reserves_ids
                        ? "; reserves_ids promised: checked to come with keeps_ids"
                        : "")
                << "\n";
    }
  }
  storage.close();
  return 0;
}

}  // namespace

int main(int argc, char* argv[]) {
  Catch::Session session;
  std::string config;
  std::string roles;
  using Catch::clara::Opt;
  auto cli = session.cli() |
             Opt(config, "file")["--engram-config"](
                 "the engram config (YAML) whose backends are tested (required)") |
             Opt(roles, "roles")["--roles"](
                 "comma-separated roles to test (default: every role the config assigns)");
  session.cli(cli);
  if (const int status = session.applyCommandLine(argc, argv); status != 0) return kRefused;

  Catch::ConfigData& data = session.configData();
  if (data.showHelp) {
    std::cout << kPlaceholderHelp;
    return 0;
  }
  const std::vector<std::string> role_names = split_commas(roles);
  const bool only_listing =
      data.listTests || data.listTestNamesOnly || data.listTags || data.listReporters;
  if (only_listing) {
    // Listing needs no config; --roles narrows it as it would a run.
    if (data.testsOrTags.empty() && !role_names.empty()) {
      std::string spec;
      for (const std::string& role : role_names) spec += (spec.empty() ? "[" : ",[") + role + "]";
      data.testsOrTags.push_back(spec);
    }
    return session.run();
  }
  if (config.empty()) {
    std::cerr << "engram-conformance: --engram-config <file> is required (see --help)\n";
    return kRefused;
  }
  std::error_code error;
  const std::filesystem::path path = std::filesystem::absolute(config, error);
  if (error || !std::filesystem::is_regular_file(path)) {
    std::cerr << "engram-conformance: no config file " << config << "\n";
    return kRefused;
  }
  try {
    if (const int status = prepare(path, role_names); status != 0) {
      conformance::clean_up(/*clear_backends=*/false);
      return status;
    }
  } catch (const std::exception& e) {
    std::cerr << "engram-conformance: cannot open " << path.string() << ": " << e.what() << "\n";
    conformance::clean_up(/*clear_backends=*/false);
    return kRefused;
  }

  // By role: case names start with their role ("episodes: ..."), so in
  // name order each role's cases come together (Catch2's default is the
  // order of declaration; --order rand stays available).
  if (data.runOrder == Catch::RunTests::InDeclarationOrder) {
    data.runOrder = Catch::RunTests::InLexicographicalOrder;
  }
  // The cases of the roles under test, unless the command line named cases.
  if (data.testsOrTags.empty()) {
    std::string spec;
    for (const auto& [role, capabilities] : conformance::settings().capabilities) {
      if (!spec.empty()) spec += ",";
      spec += "[" + std::string(engram::role_name(role)) + "]";
    }
    data.testsOrTags.push_back(spec);
  }
  const int failed = session.run();
  conformance::clean_up(/*clear_backends=*/true);
  return failed == 0 ? 0 : 1;
}
