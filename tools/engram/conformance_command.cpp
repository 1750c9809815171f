#include "conformance_command.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <system_error>

namespace engram::tool {

CLI::App* add_conformance_command(CLI::App& app, ConformanceArgs& args) {
  CLI::App* command = app.add_subcommand(
      "conformance", "run the conformance suite (engram-conformance) against a config's backends");
  command->add_option("CONFIG", args.config, "the config whose backends are tested")->required();
  command->add_option("--roles", args.roles,
                      "comma list of roles to test (default: every role the config assigns)");
  command->allow_extras();
  command->footer(
      "Runs engram-conformance from this program's folder; other arguments pass through\n"
      "to it (Catch2's options and test names). The suite writes, lists and clears the\n"
      "stores it is given and refuses stores that already hold records (exit 2): give\n"
      "each case fresh state with ${ENGRAM_CONFORMANCE_DIR} (a fresh folder) and\n"
      "${ENGRAM_CONFORMANCE_ID} (a fresh run id) in the config. engram-conformance --help\n"
      "lists the placeholders.");
  return command;
}

std::filesystem::path conformance_program() {
  std::error_code error;
  const std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error) return {};
  return self.parent_path() / "engram-conformance";
}

int run_conformance(const ConformanceArgs& args, const std::vector<std::string>& extra) {
  const std::filesystem::path program = conformance_program();
  if (program.empty() || ::access(program.c_str(), X_OK) != 0) {
    fmt::print(stderr,
               "engram: no engram-conformance beside this engram (looked for {}); it is built "
               "and installed with engram, in the same folder\n",
               program.empty() ? "it, but /proc/self/exe is unreadable" : program.string());
    return 1;
  }
  std::vector<std::string> argv_text = {program.string(), "--engram-config", args.config};
  if (!args.roles.empty()) {
    argv_text.push_back("--roles");
    argv_text.push_back(args.roles);
  }
  argv_text.insert(argv_text.end(), extra.begin(), extra.end());
  std::vector<char*> argv;
  for (std::string& text : argv_text) argv.push_back(text.data());
  argv.push_back(nullptr);
  std::fflush(stdout);
  std::fflush(stderr);
  ::execv(program.c_str(), argv.data());
  fmt::print(stderr, "engram: cannot run {}: {}\n", program.string(), std::strerror(errno));
  return 1;
}

}  // namespace engram::tool
