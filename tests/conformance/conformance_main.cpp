// The conformance suite's main: Catch2's session with two more options.
//
//   conformance_tests --engram-config <file> [--engram-flags keeps_ids,...] [catch args]
//
// --engram-config is required to run tests; listing them (what
// catch_discover_tests does at build time) needs no config.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <filesystem>
#include <iostream>
#include <string>

#include "fixture.h"

int main(int argc, char* argv[]) {
  Catch::Session session;
  std::string config;
  std::string flags;
  using Catch::clara::Opt;
  auto cli = session.cli() |
             Opt(config, "file")["--engram-config"](
                 "the engram config (YAML) that opens the plugin under test (required)") |
             Opt(flags, "flags")["--engram-flags"](
                 "comma-separated capability flags of the plugin under test (keeps_ids)");
  session.cli(cli);
  if (const int status = session.applyCommandLine(argc, argv); status != 0) return status;

  const Catch::ConfigData& data = session.configData();
  const bool only_listing = data.listTests || data.listTestNamesOnly || data.listTags ||
                            data.listReporters || data.showHelp;
  if (config.empty() && !only_listing) {
    std::cerr << "conformance_tests: --engram-config <file> is required\n";
    return 2;
  }
  if (!config.empty()) {
    std::error_code error;
    std::filesystem::path path = std::filesystem::absolute(config, error);
    if (error || !std::filesystem::exists(path)) {
      std::cerr << "conformance_tests: no config file " << config << "\n";
      return 2;
    }
    conformance::settings().config = path;
  }
  conformance::set_flags(flags);

  const int failed = session.run();
  conformance::remove_scratch_dirs();
  return failed;
}
