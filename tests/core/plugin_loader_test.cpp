#include "engram/plugin_loader.h"

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "engram/errors.h"
#include "engram/version.h"

namespace fs = std::filesystem;

namespace {

const fs::path kTestPlugins = ENGRAM_TEST_PLUGIN_DIR;

std::string load_error(const fs::path& file) {
  try {
    engram::Plugin::load(file);
  } catch (const engram::PluginError& e) {
    return e.what();
  }
  FAIL("loading " << file << " did not throw PluginError");
  return {};
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("plugin loader: a missing plugin lists every place searched", "[plugin]") {
  const std::vector<fs::path> path{"/nonexistent/first", "/nonexistent/second"};
  try {
    engram::find_plugin("nosuch", path);
    FAIL("no throw");
  } catch (const engram::PluginError& e) {
    const std::string message = e.what();
    CHECK(contains(message, "no plugin `nosuch` found"));
    CHECK(contains(message, "/nonexistent/first/libengram-nosuch.so"));
    CHECK(contains(message, "/nonexistent/second/libengram-nosuch.so"));
  }
  CHECK(contains(load_error("/nonexistent/libengram-x.so"), "no such file"));
}

TEST_CASE("plugin loader: a library without the entry point is not a plugin", "[plugin]") {
  const fs::path file = kTestPlugins / "libengram-noentry.so";
  const std::string message = load_error(file);
  CHECK(contains(message, file.string()));
  CHECK(contains(message, "not an engram plugin"));
  CHECK(contains(message, "engram_plugin"));
}

TEST_CASE("plugin loader: a file that is not a shared library is refused", "[plugin]") {
  const fs::path file = fs::temp_directory_path() / "libengram-text.so";
  std::ofstream(file) << "not an ELF file\n";
  const std::string message = load_error(file);
  CHECK(contains(message, "not a loadable shared library"));
  fs::remove(file);
}

TEST_CASE("plugin loader: another ABI names both versions and the file", "[plugin]") {
  const fs::path file = kTestPlugins / "libengram-otherabi.so";
  const std::string message = load_error(file);
  CHECK(contains(message, file.string()));
  CHECK(contains(message, "ABI " + std::to_string(engram::kPluginAbiVersion + 1)));
  CHECK(contains(message, "ABI " + std::to_string(engram::kPluginAbiVersion)));
}

TEST_CASE("plugin loader: another build fingerprint names both and the file", "[plugin]") {
  const fs::path file = kTestPlugins / "libengram-otherbuild.so";
  const std::string message = load_error(file);
  CHECK(contains(message, file.string()));
  CHECK(contains(message, "compiler 0.0"));
  CHECK(contains(message, std::string(engram::core_build_fingerprint())));
}

TEST_CASE("plugin loader: a plugin must be called what its file says", "[plugin]") {
  try {
    engram::find_plugin("misnamed", {kTestPlugins});
    FAIL("no throw");
  } catch (const engram::PluginError& e) {
    CHECK(contains(e.what(), "calls itself `somebody-else`"));
  }
}

TEST_CASE("plugin loader: a factory that makes nothing is an error", "[plugin]") {
  const engram::Plugin plugin = engram::find_plugin("empty", {kTestPlugins});
  CHECK(plugin.descriptor().name == "empty");
  CHECK_THROWS_AS(plugin.create(engram::BackendContext{"db", {}, engram::system_clock()}),
                  engram::PluginError);
}

TEST_CASE("plugin loader: the bundled plugins are beside the core library it loaded",
          "[plugin]") {
  // The build tree is laid out as an install: lib/libengram-core.so and
  // lib/engram/libengram-*.so. Nothing else is compiled into the core.
  CHECK(engram::bundled_plugin_dir() == fs::canonical(ENGRAM_PLUGIN_BUILD_DIR));
  CHECK(fs::exists(engram::bundled_plugin_dir().parent_path() /
                   ("libengram-core.so." + std::string(engram::core_version()))));
}

TEST_CASE("plugin loader: the search path and discovery", "[plugin]") {
  ::setenv("ENGRAM_PLUGIN_PATH", ("/from/env:" + kTestPlugins.string()).c_str(), 1);
  const std::vector<fs::path> path = engram::plugin_search_path({"/from/config"});
  ::unsetenv("ENGRAM_PLUGIN_PATH");
  // The config's folders, the environment's, then the core's own: nothing else.
  REQUIRE(path.size() == 4);
  CHECK(path[0] == "/from/config");
  CHECK(path[1] == "/from/env");
  CHECK(path[2] == kTestPlugins);
  CHECK(path[3] == engram::bundled_plugin_dir());

  // The memory plugin is found by name in the build tree.
  const engram::Plugin memory = engram::find_plugin("memory", engram::plugin_search_path());
  CHECK(memory.descriptor().name == "memory");
  CHECK(memory.descriptor().roles.size() == 4);
  CHECK(memory.file().filename() == "libengram-memory.so");

  std::vector<engram::PluginLoadFailure> failures;
  const auto found = engram::discover_plugins({kTestPlugins}, &failures);
  std::vector<std::string> names;
  for (const auto& plugin : found) names.emplace_back(plugin.descriptor().name);
  CHECK(names == std::vector<std::string>{"empty", "somebody-else"});
  CHECK(failures.size() == 3);  // noentry, otherabi, otherbuild
}
