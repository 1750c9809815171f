// `engram conformance CONFIG [--roles ROLE,...] [Catch2 options]`: runs
// engram-conformance, the conformance suite (tools/conformance), against
// CONFIG's backends — the program found in the folder of the running
// `engram` executable (/proc/self/exe's), where the two are built and
// installed side by side. The arguments pass through
// (`--engram-config CONFIG [--roles ...] [the rest]`); the exit status is
// the suite's: 0 all passed, 1 a case failed, 2 a refused config (see
// engram-conformance --help).
//
// Errors: a missing or unrunnable engram-conformance is reported on stderr
// and gives exit status 1.
//
// Thread safety: run_conformance replaces the process; call it from main.
#pragma once

#include <CLI/CLI.hpp>
#include <filesystem>
#include <string>
#include <vector>

namespace engram::tool {

struct ConformanceArgs {
  std::string config;
  std::string roles;  // as given; engram-conformance checks them
};

// Adds the `conformance` subcommand to `app`, filling `args`; arguments it
// does not know are kept for the suite (CLI::App::remaining()).
CLI::App* add_conformance_command(CLI::App& app, ConformanceArgs& args);

// Where engram-conformance should be: beside the running executable.
std::filesystem::path conformance_program();

// Runs engram-conformance with `args` and the `extra` arguments, in place of
// this process: returns only on failure, with the exit status (1).
int run_conformance(const ConformanceArgs& args, const std::vector<std::string>& extra);

}  // namespace engram::tool
