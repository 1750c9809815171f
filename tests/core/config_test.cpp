#include "temp_dir.h"
#include "engram/config.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "engram/errors.h"
#include "engram/options.h"

namespace {

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;
using engram::Config;
using engram::ConfigError;
using engram::OptionSpec;
using engram::OptionType;
using engram::Role;

// The message of the ConfigError that parsing `yaml` (as "test.yaml")
// throws. Any other exception escapes and fails the test.
std::string parse_error(const std::string& yaml) {
  try {
    Config::parse(yaml, "/base", "test.yaml");
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no ConfigError)";
}

// The message of the ConfigError that resolve_options throws.
std::string resolve_error(const Config& config, const std::vector<OptionSpec>& schema,
                          const std::string& backend = "b") {
  try {
    engram::resolve_options(config, *config.backend(backend), schema);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "(no ConfigError)";
}

// A variable name no other test (or process) uses.
std::string unique_variable(const std::string& tag) {
  return "ENGRAM_CONFIG_TEST_" + tag + "_" + std::to_string(::getpid());
}

// Sets an environment variable for one scope.
class ScopedVariable {
 public:
  ScopedVariable(std::string name, const std::string& value) : name_(std::move(name)) {
    ::setenv(name_.c_str(), value.c_str(), 1);
  }
  ~ScopedVariable() { ::unsetenv(name_.c_str()); }
  ScopedVariable(const ScopedVariable&) = delete;
  ScopedVariable& operator=(const ScopedVariable&) = delete;

 private:
  std::string name_;
};

// Writes `text` to `relative` under `dir`, making folders; returns the path.
fs::path write_file(const engram_test::TempDir& dir, const fs::path& relative,
                    const std::string& text) {
  const fs::path file = dir.path() / relative;
  fs::create_directories(file.parent_path());
  std::ofstream(file, std::ios::binary) << text;
  return file;
}

// `text` with each `{NAME` replaced by `{` and the unique variable name
// standing for NAME, so YAML in tests reads as written.
std::string replaced(std::string text,
                     const std::vector<std::pair<std::string, std::string>>& names) {
  for (const auto& [placeholder, name] : names) {
    const std::string from = "{" + placeholder;
    for (std::size_t at = text.find(from); at != std::string::npos;
         at = text.find(from, at + 1 + name.size())) {
      text.replace(at + 1, placeholder.size(), name);
    }
  }
  return text;
}

// A one-backend config, backend "b" on plugin "p", with `options` (YAML
// lines indented by four) under it.
Config one_backend(const std::string& options) {
  return Config::parse("backends:\n  b:\n    plugin: p\n" + options, "/base", "test.yaml");
}

OptionSpec spec(std::string key, OptionType type, engram::Json default_value) {
  return {std::move(key), type, std::move(default_value), "what it does"};
}

}  // namespace

TEST_CASE("config: a full config parses with every field and location", "[config]") {
  const std::string password_variable = unique_variable("FULL_PASSWORD");
  ::unsetenv(password_variable.c_str());
  const std::string yaml =
      "version: 1\n"
      "plugin_path: [plugins, /opt/engram/plugins]  # relative to this file\n"
      "log: {level: info}\n"
      "backends:\n"
      "  fast:   {plugin: redis, host: 127.0.0.1, port: 6379, password: \"${" +
      password_variable +
      ":-}\"}\n"
      "  db:     {plugin: sqlite, db_path: data/engram.db}\n"
      "  arrays: {plugin: hdf5, file_path: data/traces.h5, compression: gzip, "
      "compression_opts: 6}\n"
      "roles:\n"
      "  working_memory: fast\n"
      "  episodes: db\n"
      "  concepts: db\n"
      "  traces: arrays\n";
  const Config config = Config::parse(yaml, "/srv/engram", "engram.yaml");

  CHECK(config.source == "engram.yaml");
  CHECK(config.base_dir == fs::path("/srv/engram"));
  CHECK(config.version == 1);
  REQUIRE(config.plugin_path.size() == 2);
  CHECK(config.plugin_path[0] == fs::path("/srv/engram/plugins"));
  CHECK(config.plugin_path[1] == fs::path("/opt/engram/plugins"));
  CHECK(config.log_level == engram::LogLevel::kInfo);

  REQUIRE(config.backends.size() == 3);  // in the order written
  const engram::BackendConfig& fast = config.backends[0];
  CHECK(fast.name == "fast");
  CHECK(fast.plugin == "redis");
  REQUIRE(fast.options.size() == 3);
  CHECK(std::get<std::string>(fast.options.at("host").value) == "127.0.0.1");
  CHECK(std::get<std::string>(fast.options.at("port").value) == "6379");
  CHECK(std::get<std::string>(fast.options.at("password").value).empty());
  CHECK_FALSE(fast.options.at("password").is_null);
  CHECK(fast.options.count("plugin") == 0);

  const engram::BackendConfig& db = config.backends[1];
  CHECK(db.name == "db");
  CHECK(db.plugin == "sqlite");
  CHECK(db.location.to_string() == "engram.yaml:6:3");
  CHECK(db.plugin_location.to_string() == "engram.yaml:6:20");
  CHECK(db.plugin_location.file == "engram.yaml");
  CHECK(db.plugin_location.line == 6);
  CHECK(db.plugin_location.column == 20);
  const engram::RawOption& db_path = db.options.at("db_path");
  CHECK(std::get<std::string>(db_path.value) == "data/engram.db");
  CHECK(db_path.key_location.to_string() == "engram.yaml:6:28");
  CHECK(db_path.value_location.to_string() == "engram.yaml:6:37");

  const engram::BackendConfig& arrays = config.backends[2];
  CHECK(arrays.plugin == "hdf5");
  CHECK(std::get<std::string>(arrays.options.at("compression_opts").value) == "6");
  CHECK(std::get<std::string>(arrays.options.at("compression").value) == "gzip");

  REQUIRE(config.roles.size() == 4);
  CHECK(config.roles.at(Role::kWorkingMemory).backend == "fast");
  CHECK(config.roles.at(Role::kEpisodes).backend == "db");
  CHECK(config.roles.at(Role::kEpisodes).location.to_string() == "engram.yaml:10:13");
  CHECK(config.roles.at(Role::kConcepts).backend == "db");
  CHECK(config.roles.at(Role::kTraces).backend == "arrays");

  CHECK(config.backend("db") == &config.backends[1]);
  CHECK(config.backend("arrays") == &config.backends[2]);
  CHECK(config.backend("nope") == nullptr);
  CHECK(config.backend("") == nullptr);
}

TEST_CASE("config: what may be left out", "[config]") {
  const Config config = Config::parse("backends:\n  m: {plugin: memory}\n");
  CHECK(config.source == "<string>");
  CHECK(config.base_dir == fs::current_path());
  CHECK(config.version == 1);
  CHECK(config.plugin_path.empty());
  CHECK_FALSE(config.log_level.has_value());
  CHECK(config.roles.empty());
  REQUIRE(config.backends.size() == 1);
  CHECK(config.backends[0].options.empty());

  const Config bare = Config::parse("backends:\nroles:\nlog:\nplugin_path:\n");
  CHECK(bare.backends.empty());
  CHECK(bare.roles.empty());
  CHECK(bare.plugin_path.empty());
  CHECK_FALSE(bare.log_level.has_value());

  // Roles may come before the backends they name.
  const Config reordered = Config::parse("roles: {traces: m}\nbackends: {m: {plugin: memory}}\n");
  CHECK(reordered.roles.at(Role::kTraces).backend == "m");
}

TEST_CASE("config: load reads a file and resolves paths against its folder", "[config]") {
  engram_test::TempDir dir("engram-config-test");
  const fs::path file = write_file(dir, "sub/engram.yaml",
                                  "plugin_path: my_plugins\n"
                                  "backends:\n"
                                  "  db: {plugin: ../plugins/libengram-sqlite.so, db_path: "
                                  "data/engram.db, backup_dir: ../shared/backups, "
                                  "abs: /var/lib/x.db, empty: \"\"}\n"
                                  "roles: {episodes: db}\n");
  const Config config = Config::load(file);
  const fs::path folder = dir.path() / "sub";
  CHECK(config.source == file.string());
  CHECK(config.base_dir == folder);
  REQUIRE(config.plugin_path.size() == 1);
  CHECK(config.plugin_path[0] == folder / "my_plugins");
  // A plugin given as a path stays as written; the loader resolves it.
  CHECK(config.backends.at(0).plugin == "../plugins/libengram-sqlite.so");

  const std::vector<OptionSpec> schema = {
      spec("db_path", OptionType::kPath, "godly_ai.db"),
      spec("backup_dir", OptionType::kPath, "backups"),
      spec("abs", OptionType::kPath, ""),
      spec("empty", OptionType::kPath, "x"),
      spec("log_dir", OptionType::kPath, "logs/today"),
  };
  const engram::Json options = engram::resolve_options(config, config.backends.at(0), schema);
  CHECK(options.at("db_path") == (folder / "data/engram.db").string());
  CHECK(fs::path(options.at("db_path").get<std::string>()).is_absolute());
  CHECK(options.at("backup_dir") == (dir.path() / "shared/backups").string());
  CHECK(options.at("abs") == "/var/lib/x.db");
  CHECK(options.at("empty") == "");
  // A path default resolves against the file's folder too.
  CHECK(options.at("log_dir") == (folder / "logs/today").string());
}

TEST_CASE("config: errors from a file name the file", "[config]") {
  engram_test::TempDir dir("engram-config-test");
  const fs::path file = write_file(dir, "bad.yaml", "backends:\n  db: {plugin: sqlite}\nrole: {}\n");
  try {
    Config::load(file);
    FAIL("no ConfigError");
  } catch (const ConfigError& e) {
    CHECK_THAT(e.what(), StartsWith(file.string() + ":3:1: "));
    CHECK_THAT(e.what(), Contains("did you mean `roles`?"));
  }
}

TEST_CASE("config: load of a missing file or a folder names the path", "[config]") {
  engram_test::TempDir dir("engram-config-test");
  const fs::path missing = dir.path() / "nowhere" / "engram.yaml";
  try {
    Config::load(missing);
    FAIL("no ConfigError");
  } catch (const ConfigError& e) {
    CHECK_THAT(e.what(), StartsWith(missing.string() + ": "));
    CHECK_THAT(e.what(), Contains("cannot read"));
  }
  try {
    Config::load(dir.path());
    FAIL("no ConfigError");
  } catch (const ConfigError& e) {
    CHECK_THAT(e.what(), StartsWith(dir.path().string() + ": "));
  }
}

TEST_CASE("config: invalid YAML is a ConfigError at its location", "[config]") {
  const std::string message = parse_error("backends:\n  db: {plugin: sqlite\nroles: {}\n");
  CHECK_THAT(message, StartsWith("test.yaml:"));
  CHECK_THAT(message, Contains("invalid YAML"));
  CHECK_THAT(parse_error("log:\n\tlevel: info\n"), StartsWith("test.yaml:2:"));
}

TEST_CASE("config: the top level is one mapping", "[config]") {
  CHECK_THAT(parse_error(""), StartsWith("test.yaml:1:1: "));
  CHECK_THAT(parse_error("# only a comment\n"), Contains("empty"));
  CHECK_THAT(parse_error("- version\n- roles\n"), StartsWith("test.yaml:1:1: "));
  CHECK_THAT(parse_error("- version\n"), Contains("must be a mapping"));
  CHECK_THAT(parse_error("just text\n"), Contains("must be a mapping"));
  CHECK_THAT(parse_error("version: 1\n---\nversion: 1\n"), Contains("2 YAML documents"));
  CHECK_THAT(parse_error("backends: [a, b]\n"),
             StartsWith("test.yaml:1:11: `backends` must be a mapping"));
  CHECK_THAT(parse_error("roles: episodes\n"),
             StartsWith("test.yaml:1:8: `roles` must be a mapping"));
  CHECK_THAT(parse_error("log: info\n"), StartsWith("test.yaml:1:6: `log` must be a mapping"));
  CHECK_THAT(parse_error("? [a, b]\n: 1\n"), Contains("a key must be a name"));
}

// Found by tests/fuzz (config target): yaml-cpp 0.7's LoadAll turns these
// into an endless run of null documents, so parsing never returned and
// memory grew until the process died.
TEST_CASE("config: text yaml-cpp cannot step past is a ConfigError, not a hang", "[config]") {
  for (const char* yaml : {",\n", ",e?on: + s}\n", "version: 1\n,\n"}) {
    const std::string message = parse_error(yaml);
    CHECK_THAT(message, StartsWith("test.yaml:"));
  }
}

TEST_CASE("config: unknown keys are refused with the closest valid one", "[config]") {
  std::string message = parse_error(
      "version: 1\n"
      "backends: {db: {plugin: sqlite}}\n"
      "role:\n"
      "  episodes: db\n");
  CHECK_THAT(message, StartsWith("test.yaml:3:1: unknown key `role`; did you mean `roles`?"));

  CHECK_THAT(parse_error("backend: {}\n"),
             StartsWith("test.yaml:1:1: unknown key `backend`; did you mean `backends`?"));
  CHECK_THAT(parse_error("version: 1\n  \nPlugin_Path: []\n"),
             StartsWith("test.yaml:3:1: unknown key `Plugin_Path`; did you mean `plugin_path`?"));
  message = parse_error("log: {level: info}\nzzzzzz: 1\n");
  CHECK_THAT(message, StartsWith("test.yaml:2:1: unknown key `zzzzzz`"));
  CHECK_THAT(message, !Contains("did you mean"));
  CHECK_THAT(message, Contains("version, plugin_path, log, backends, roles"));

  CHECK_THAT(parse_error("log:\n  levle: info\n"),
             StartsWith("test.yaml:2:3: unknown key `levle`; did you mean `level`?"));
  CHECK_THAT(parse_error("log: {level: info, file: x.log}\n"),
             StartsWith("test.yaml:1:20: unknown key `file`"));

  message = parse_error(
      "backends: {mem: {plugin: memory}}\n"
      "roles:\n"
      "  episodes: mem\n"
      "  working_memroy: mem\n");
  CHECK_THAT(message, StartsWith("test.yaml:4:3: unknown role `working_memroy`; did you mean "
                                 "`working_memory`?"));
  message = parse_error("backends: {mem: {plugin: memory}}\nroles: {storage: mem}\n");
  CHECK_THAT(message, StartsWith("test.yaml:2:9: unknown role `storage`"));
  CHECK_THAT(message, Contains("working_memory, episodes, concepts, traces"));
}

TEST_CASE("config: duplicate keys are refused at any depth", "[config]") {
  CHECK_THAT(parse_error("version: 1\n"
                         "roles: {}\n"
                         "version: 1\n"),
             StartsWith("test.yaml:3:1: duplicate key `version` (first given at line 1)"));
  CHECK_THAT(parse_error("backends:\n"
                         "  db: {plugin: sqlite}\n"
                         "  fast: {plugin: redis}\n"
                         "  db: {plugin: memory}\n"),
             StartsWith("test.yaml:4:3: duplicate key `db` (first given at line 2)"));
  CHECK_THAT(parse_error("backends:\n"
                         "  db:\n"
                         "    plugin: sqlite\n"
                         "    db_path: a.db\n"
                         "    db_path: b.db\n"),
             StartsWith("test.yaml:5:5: duplicate key `db_path` (first given at line 4)"));
  CHECK_THAT(parse_error("backends:\n"
                         "  db:\n"
                         "    plugin: sqlite\n"
                         "    plugin: memory\n"),
             StartsWith("test.yaml:4:5: duplicate key `plugin` (first given at line 3)"));
  CHECK_THAT(parse_error("backends: {db: {plugin: memory}}\n"
                         "roles:\n"
                         "  episodes: db\n"
                         "  episodes: db\n"),
             StartsWith("test.yaml:4:3: duplicate key `episodes` (first given at line 3)"));
  CHECK_THAT(parse_error("log: {level: info, level: debug}\n"),
             StartsWith("test.yaml:1:20: duplicate key `level` (first given at line 1)"));
}

TEST_CASE("config: every role names a configured backend", "[config]") {
  std::string message = parse_error(
      "backends:\n"
      "  fast: {plugin: redis}\n"
      "  db: {plugin: sqlite}\n"
      "roles:\n"
      "  episodes: dbb\n");
  CHECK_THAT(message, StartsWith("test.yaml:5:13: role `episodes` names backend `dbb`, which is "
                                 "not configured"));
  CHECK_THAT(message, Contains("configured backends: fast, db"));
  CHECK_THAT(message, Contains("did you mean `db`?"));

  message = parse_error("roles: {traces: arrays}\n");
  CHECK_THAT(message, StartsWith("test.yaml:1:17: role `traces` names backend `arrays`"));
  CHECK_THAT(message, Contains("no backends are configured"));

  CHECK_THAT(parse_error("backends: {m: {plugin: memory}}\nroles:\n  traces:\n"),
             StartsWith("test.yaml:3:3: role `traces` names no backend"));
  CHECK_THAT(parse_error("backends: {m: {plugin: memory}}\nroles: {traces: [m]}\n"),
             StartsWith("test.yaml:2:17: "));
}

TEST_CASE("config: a backend needs a plugin and a valid name", "[config]") {
  CHECK_THAT(parse_error("backends:\n"
                         "  fast: {plugin: redis}\n"
                         "  db:\n"
                         "    db_path: x.db\n"),
             StartsWith("test.yaml:3:3: backend `db` has no `plugin`"));
  CHECK_THAT(parse_error("backends:\n  db: {plugin: }\n"), StartsWith("test.yaml:2:"));
  CHECK_THAT(parse_error("backends:\n  db: {plugin: [a, b]}\n"),
             StartsWith("test.yaml:2:16: the plugin of backend `db` must be a scalar"));
  CHECK_THAT(parse_error("backends:\n  db: {plugin: \"\"}\n"), Contains("is empty"));
  CHECK_THAT(parse_error("backends:\n  db: sqlite\n"),
             StartsWith("test.yaml:2:7: backend `db` must be a mapping"));
  CHECK_THAT(parse_error("backends:\n  db:\n"), Contains("backend `db` must be a mapping"));
  CHECK_THAT(parse_error("backends:\n  a/b: {plugin: memory}\n"),
             StartsWith("test.yaml:2:3: backend name `a/b` contains '/'"));
  CHECK_THAT(parse_error("backends:\n  \"..\": {plugin: memory}\n"), StartsWith("test.yaml:2:3: "));
  CHECK_THAT(parse_error("backends:\n  \"\": {plugin: memory}\n"), Contains("is empty"));
  CHECK_THAT(parse_error("backends:\n  \"tab\\there\": {plugin: memory}\n"),
             Contains("control character"));
}

TEST_CASE("config: option values are scalars, lists of scalars or null", "[config]") {
  const Config config = one_backend(
      "    host: 127.0.0.1\n"
      "    hosts: [a, b, 'c d']\n"
      "    none: []\n"
      "    unset:\n"
      "    tilde: ~\n"
      "    quoted_null: \"~\"\n"
      "    number: 6379\n");
  const auto& options = config.backends.at(0).options;
  CHECK(std::get<std::string>(options.at("host").value) == "127.0.0.1");
  CHECK(std::get<std::vector<std::string>>(options.at("hosts").value) ==
        std::vector<std::string>{"a", "b", "c d"});
  CHECK(std::get<std::vector<std::string>>(options.at("none").value).empty());
  CHECK(options.at("unset").is_null);
  CHECK(options.at("unset").value_location.to_string() == "test.yaml:7:5");
  CHECK(options.at("tilde").is_null);
  CHECK_FALSE(options.at("quoted_null").is_null);
  CHECK(std::get<std::string>(options.at("quoted_null").value) == "~");
  CHECK_FALSE(options.at("number").is_null);
  CHECK(std::get<std::string>(options.at("number").value) == "6379");
  CHECK(options.at("number").key_location.to_string() == "test.yaml:10:5");
  CHECK(options.at("number").value_location.to_string() == "test.yaml:10:13");

  CHECK_THAT(parse_error("backends:\n  b:\n    plugin: p\n    nested: {a: 1}\n"),
             StartsWith("test.yaml:4:13: option `nested` of backend `b` must be a scalar or a "
                        "list of scalars, not a mapping"));
  CHECK_THAT(parse_error("backends:\n  b:\n    plugin: p\n    nested: [a, [b, c]]\n"),
             StartsWith("test.yaml:4:17: the items of option `nested` of backend `b` must be "
                        "scalars, not a list"));
  CHECK_THAT(parse_error("backends:\n  b:\n    plugin: p\n    nested: [a, {b: c}]\n"),
             StartsWith("test.yaml:4:17: "));
  // A duplicate inside a nested mapping is an error too (the mapping is).
  CHECK_THAT(parse_error("backends:\n  b:\n    plugin: p\n    nested: {a: 1, a: 2}\n"),
             StartsWith("test.yaml:4:13: "));
}

TEST_CASE("config: only version 1 is accepted", "[config]") {
  CHECK(Config::parse("version: 1\n").version == 1);
  std::string message = parse_error("version: 2\n");
  CHECK_THAT(message, StartsWith("test.yaml:1:10: unsupported config version `2`"));
  CHECK_THAT(message, Contains("supports version 1"));
  CHECK_THAT(parse_error("version: 1.0\n"), Contains("supports version 1"));
  CHECK_THAT(parse_error("version: one\n"), Contains("supports version 1"));
  CHECK_THAT(parse_error("version: \"1\"\n"), StartsWith("test.yaml:1:10: "));
  CHECK_THAT(parse_error("version: [1]\n"), Contains("supports version 1"));
  CHECK_THAT(parse_error("version:\n"), StartsWith("test.yaml:1:1: "));
}

TEST_CASE("config: log levels", "[config]") {
  CHECK(Config::parse("log: {level: trace}\n").log_level == engram::LogLevel::kTrace);
  CHECK(Config::parse("log: {level: debug}\n").log_level == engram::LogLevel::kDebug);
  CHECK(Config::parse("log: {level: warn}\n").log_level == engram::LogLevel::kWarn);
  CHECK(Config::parse("log: {level: error}\n").log_level == engram::LogLevel::kError);
  CHECK(Config::parse("log: {level: off}\n").log_level == engram::LogLevel::kOff);
  CHECK_FALSE(Config::parse("log: {}\n").log_level.has_value());
  const std::string message = parse_error("log:\n  level: inf\n");
  CHECK_THAT(message, StartsWith("test.yaml:2:10: unknown log level `inf`; did you mean `info`?"));
  CHECK_THAT(message, Contains("trace, debug, info, warn, error, off"));
}

TEST_CASE("config: ${VAR} and ${VAR:-default} expand in values", "[config]") {
  const std::string host = unique_variable("HOST");
  const std::string port = unique_variable("PORT");
  const std::string empty = unique_variable("EMPTY");
  const std::string unset = unique_variable("UNSET");
  const std::string plugin = unique_variable("PLUGIN");
  const std::string level = unique_variable("LEVEL");
  const std::string folder = unique_variable("FOLDER");
  const std::string role = unique_variable("ROLE");
  const ScopedVariable host_value(host, "db.example");
  const ScopedVariable port_value(port, "6380");
  const ScopedVariable empty_value(empty, "");
  const ScopedVariable plugin_value(plugin, "redis");
  const ScopedVariable level_value(level, "debug");
  const ScopedVariable folder_value(folder, "/opt/p");
  const ScopedVariable role_value(role, "b");
  ::unsetenv(unset.c_str());

  const std::string yaml = replaced(R"(plugin_path: ["${FOLDER}/lib", "${UNSET:-}"]
log: {level: "${LEVEL}"}
backends:
  b:
    plugin: ${PLUGIN}
    url: "redis://${HOST}:${PORT}/0"
    fallback: ${UNSET:-localhost}
    empty_default: "${UNSET:-}"
    empty_set: "[${EMPTY}]"
    empty_with_default: ${EMPTY:-used}
    literal: a$b $ {x} $$ cost$
    items: ["${HOST}", "x${UNSET:-y}z"]
    "${HOST}": key not expanded
roles: {episodes: "${ROLE}"}
)",
                                    {{"FOLDER", folder},
                                     {"UNSET", unset},
                                     {"LEVEL", level},
                                     {"PLUGIN", plugin},
                                     {"HOST", host},
                                     {"PORT", port},
                                     {"EMPTY", empty},
                                     {"ROLE", role}});
  const Config config = Config::parse(yaml, "/base", "test.yaml");
  REQUIRE(config.plugin_path.size() == 1);  // the empty entry adds nothing
  CHECK(config.plugin_path[0] == fs::path("/opt/p/lib"));
  CHECK(config.log_level == engram::LogLevel::kDebug);
  const engram::BackendConfig& b = config.backends.at(0);
  CHECK(b.plugin == "redis");
  const auto text = [&](const std::string& key) {
    return std::get<std::string>(b.options.at(key).value);
  };
  CHECK(text("url") == "redis://db.example:6380/0");
  CHECK(text("fallback") == "localhost");
  CHECK(text("empty_default").empty());
  CHECK(text("empty_set") == "[]");
  CHECK(text("empty_with_default") == "used");
  CHECK(text("literal") == "a$b $ {x} $$ cost$");
  CHECK(std::get<std::vector<std::string>>(b.options.at("items").value) ==
        std::vector<std::string>{"db.example", "xyz"});
  CHECK(b.options.count("${" + host + "}") == 1);  // the key as written
  CHECK(text("${" + host + "}") == "key not expanded");
  CHECK(config.roles.at(Role::kEpisodes).backend == "b");
}

TEST_CASE("config: an unset or malformed ${VAR} is an error at its value", "[config]") {
  const std::string unset = unique_variable("MISSING");
  ::unsetenv(unset.c_str());
  std::string message =
      parse_error("backends:\n  b:\n    plugin: p\n    host: \"h-${" + unset + "}\"\n");
  CHECK_THAT(message,
             StartsWith("test.yaml:4:11: environment variable `" + unset + "` is not set"));
  CHECK_THAT(parse_error("backends:\n  b: {plugin: \"${" + unset + "}\"}\n"),
             StartsWith("test.yaml:2:15: environment variable `" + unset + "`"));
  CHECK_THAT(parse_error("log: {level: \"${" + unset + "}\"}\n"), StartsWith("test.yaml:1:14: "));
  CHECK_THAT(parse_error("plugin_path: [\"${" + unset + "}\"]\n"), StartsWith("test.yaml:1:15: "));
  CHECK_THAT(parse_error("backends: {b: {plugin: p}}\nroles: {traces: \"${" + unset + "}\"}\n"),
             StartsWith("test.yaml:2:17: "));
  CHECK_THAT(parse_error("backends: {b: {plugin: p, l: [a, \"${" + unset + "}\"]}}\n"),
             StartsWith("test.yaml:1:34: "));

  for (const std::string bad : {"\"${\"", "\"${NAME\"", "\"x ${}\"", "\"${:-d}\"", "\"${A B}\"",
                                "\"${1A}\"", "\"${A:-${B}}\""}) {
    INFO(bad);
    message = parse_error("backends:\n  b:\n    plugin: p\n    v: " + bad + "\n");
    CHECK_THAT(message, StartsWith("test.yaml:4:8: malformed variable reference"));
  }
}

TEST_CASE("config: resolve_options types every option", "[config]") {
  const Config config = one_backend(
      "    port: 6379\n"
      "    negative: \"-7\"\n"
      "    plus: +3\n"
      "    big: 9223372036854775807\n"
      "    ratio: 0.25\n"
      "    whole: 6\n"
      "    tiny: 1e-3\n"
      "    flag_true: True\n"
      "    flag_yes: yes\n"
      "    flag_on: ON\n"
      "    flag_no: No\n"
      "    flag_off: off\n"
      "    flag_false: FALSE\n"
      "    name: hello world\n"
      "    number_text: 6379\n"
      "    password: \"s3cr3t\"\n"
      "    hosts: [a, b]\n"
      "    none: []\n"
      "    db_path: data/x.db\n"
      "    nulled: ~\n");
  const std::vector<OptionSpec> schema = {
      spec("port", OptionType::kInt, 6379),
      spec("negative", OptionType::kInt, 0),
      spec("plus", OptionType::kInt, 0),
      spec("big", OptionType::kInt, 0),
      spec("ratio", OptionType::kFloat, 1.0),
      spec("whole", OptionType::kFloat, 1.0),
      spec("tiny", OptionType::kFloat, 1.0),
      spec("flag_true", OptionType::kBool, false),
      spec("flag_yes", OptionType::kBool, false),
      spec("flag_on", OptionType::kBool, false),
      spec("flag_no", OptionType::kBool, true),
      spec("flag_off", OptionType::kBool, true),
      spec("flag_false", OptionType::kBool, true),
      spec("name", OptionType::kString, ""),
      spec("number_text", OptionType::kString, ""),
      spec("password", OptionType::kSecret, ""),
      spec("hosts", OptionType::kList, engram::Json::array()),
      spec("none", OptionType::kList, engram::Json::array({"x"})),
      spec("db_path", OptionType::kPath, "godly_ai.db"),
      spec("nulled", OptionType::kInt, 42),
      spec("absent_int", OptionType::kInt, 10),
      spec("absent_list", OptionType::kList, engram::Json::array({"p", "q"})),
      spec("absent_secret", OptionType::kSecret, ""),
  };
  const engram::Json options = engram::resolve_options(config, config.backends.at(0), schema);
  CHECK(options.size() == schema.size());
  CHECK(options.at("port").is_number_integer());
  CHECK(options.at("port") == 6379);
  CHECK(options.at("negative") == -7);
  CHECK(options.at("plus") == 3);
  CHECK(options.at("big").get<std::int64_t>() == INT64_MAX);
  CHECK(options.at("ratio").is_number_float());
  CHECK(options.at("ratio") == 0.25);
  CHECK(options.at("whole").is_number_float());
  CHECK(options.at("whole").get<double>() == 6.0);
  CHECK(options.at("tiny").get<double>() == Approx(0.001));
  CHECK(options.at("flag_true") == true);
  CHECK(options.at("flag_yes") == true);
  CHECK(options.at("flag_on") == true);
  CHECK(options.at("flag_no") == false);
  CHECK(options.at("flag_off") == false);
  CHECK(options.at("flag_false") == false);
  CHECK(options.at("name") == "hello world");
  CHECK(options.at("number_text") == "6379");
  CHECK(options.at("password") == "s3cr3t");
  CHECK(options.at("hosts") == engram::Json::array({"a", "b"}));
  CHECK(options.at("none") == engram::Json::array());
  CHECK(options.at("db_path") == "/base/data/x.db");
  CHECK(options.at("nulled") == 42);  // null takes the default
  CHECK(options.at("absent_int") == 10);
  CHECK(options.at("absent_list") == engram::Json::array({"p", "q"}));
  CHECK(options.at("absent_secret") == "");
}

TEST_CASE("config: resolve_options refuses values of the wrong type", "[config]") {
  const auto error_for = [](OptionType type, const std::string& value) {
    return resolve_error(one_backend("    port: " + value + "\n"),
                         {spec("port", type, engram::Json())});
  };
  CHECK_THAT(error_for(OptionType::kInt, "abc"),
             StartsWith("test.yaml:4:11: option `port` of backend `b` must be an int, got `abc`"));
  for (const std::string bad :
       {"1e3", "3.5", "9223372036854775808", "\"\"", "0x10", "+-1", "\"12 \"", "true", "[1]"}) {
    INFO(bad);
    CHECK_THAT(error_for(OptionType::kInt, bad), Contains("must be an int"));
  }
  CHECK_THAT(error_for(OptionType::kInt, "[1, 2]"), Contains("must be an int, got a list"));
  for (const std::string bad :
       {"abc", "nan", "inf", "-infinity", "1e999", ".inf", "\"\"", "1.5x", "[1.5]"}) {
    INFO(bad);
    CHECK_THAT(error_for(OptionType::kFloat, bad),
               StartsWith("test.yaml:4:11: option `port` of backend `b` must be a float"));
  }
  for (const std::string bad : {"maybe", "1", "0", "y", "\"\"", "[true]"}) {
    INFO(bad);
    CHECK_THAT(error_for(OptionType::kBool, bad), Contains("must be a bool"));
  }
  CHECK_THAT(error_for(OptionType::kString, "[a]"), Contains("must be a string, got a list"));
  CHECK_THAT(error_for(OptionType::kPath, "[a]"), Contains("must be a path, got a list"));
  CHECK_THAT(error_for(OptionType::kList, "a"),
             StartsWith("test.yaml:4:11: option `port` of backend `b` must be a list"));
  CHECK_THAT(error_for(OptionType::kList, "a"), Contains("got `a`"));
}

TEST_CASE("config: a secret's value never appears in a message", "[config]") {
  const std::string secret = "hunter2-Qz9-never-print-me";
  const std::string variable = unique_variable("SECRET");
  const ScopedVariable secret_value(variable, secret);
  const std::vector<OptionSpec> schema = {spec("password", OptionType::kSecret, "")};

  std::string message = resolve_error(one_backend("    password: [\"" + secret + "\"]\n"), schema);
  CHECK_THAT(message, StartsWith("test.yaml:4:15: option `password` of backend `b` must be a "
                                 "secret"));
  CHECK_THAT(message, !Contains(secret));
  CHECK_THAT(message, !Contains("hunter2"));

  message = resolve_error(one_backend("    password: [\"${" + variable + "}\"]\n"), schema);
  CHECK_THAT(message, Contains("must be a secret"));
  CHECK_THAT(message, !Contains(secret));

  // Misspelled, the key is named and the value still is not.
  message = resolve_error(one_backend("    pasword: \"" + secret + "\"\n"), schema);
  CHECK_THAT(message, Contains("did you mean `password`?"));
  CHECK_THAT(message, !Contains(secret));

  // A secret that looks like a broken reference is not quoted either.
  message = parse_error("backends:\n  b:\n    plugin: p\n    password: \"" + secret + "${\"\n");
  CHECK_THAT(message, Contains("malformed variable reference"));
  CHECK_THAT(message, !Contains(secret));

  const Config fine = one_backend("    password: \"${" + variable + "}\"\n");
  CHECK(engram::resolve_options(fine, fine.backends.at(0), schema).at("password") == secret);
}

TEST_CASE("config: resolve_options requires options without a default", "[config]") {
  const std::vector<OptionSpec> schema = {spec("db_path", OptionType::kPath, engram::Json()),
                                          spec("timeout", OptionType::kFloat, 5.0)};
  const Config config = Config::parse(
      "backends:\n"
      "  fast: {plugin: memory}\n"
      "  db:\n"
      "    plugin: sqlite\n"
      "    timeout: 2\n",
      "/base", "test.yaml");
  std::string message = resolve_error(config, schema, "db");
  CHECK_THAT(message, StartsWith("test.yaml:3:3: backend `db` needs option `db_path`"));

  // Written but null: shown where it is written.
  const Config nulled = one_backend("    db_path:\n");
  message = resolve_error(nulled, schema);
  CHECK_THAT(message, StartsWith("test.yaml:4:5: backend `b` needs option `db_path`"));

  const Config given = one_backend("    db_path: /data/x.db\n");
  const engram::Json options = engram::resolve_options(given, given.backends.at(0), schema);
  CHECK(options.at("db_path") == "/data/x.db");
  CHECK(options.at("timeout") == 5.0);
}

TEST_CASE("config: resolve_options refuses unknown options with a suggestion", "[config]") {
  const std::vector<OptionSpec> schema = {spec("host", OptionType::kString, "localhost"),
                                          spec("password", OptionType::kSecret, "")};
  std::string message = resolve_error(one_backend("    host: h\n    pasword: x\n"), schema);
  CHECK_THAT(message, StartsWith("test.yaml:5:5: unknown option `pasword` for plugin `p`"));
  CHECK_THAT(message, Contains("did you mean `password`?"));

  message = resolve_error(one_backend("    colour: blue\n"), schema);
  CHECK_THAT(message, StartsWith("test.yaml:4:5: unknown option `colour` for plugin `p`"));
  CHECK_THAT(message, !Contains("did you mean"));
  CHECK_THAT(message, Contains("host, password"));

  // The first unknown key in the file is the one reported.
  message = resolve_error(one_backend("    zeta: 1\n    alpha: 2\n"), schema);
  CHECK_THAT(message, StartsWith("test.yaml:4:5: unknown option `zeta`"));

  CHECK_THAT(resolve_error(one_backend("    x: 1\n"), {}), Contains("takes no options"));
  const Config none = one_backend("");
  CHECK(engram::resolve_options(none, none.backends.at(0), {}) == engram::Json::object());
}

TEST_CASE("config: path options of a config given as text resolve against the current folder",
          "[config]") {
  const Config config =
      Config::parse("backends:\n  b: {plugin: p, db_path: data/x.db, up: ../y}\n");
  const engram::Json options = engram::resolve_options(
      config, config.backends.at(0),
      {spec("db_path", OptionType::kPath, ""), spec("up", OptionType::kPath, "")});
  CHECK(options.at("db_path") == (fs::current_path() / "data/x.db").lexically_normal().string());
  CHECK(options.at("up") == (fs::current_path() / "../y").lexically_normal().string());

  // A relative base folder is made absolute.
  const Config relative = Config::parse("backends: {b: {plugin: p, f: x}}\n", "conf");
  CHECK(relative.base_dir == (fs::current_path() / "conf").lexically_normal());
  CHECK(
      engram::resolve_options(relative, relative.backends.at(0), {spec("f", OptionType::kPath, "")})
          .at("f") == (fs::current_path() / "conf/x").lexically_normal().string());
}

TEST_CASE("config: closest_match finds likely misspellings only", "[config]") {
  using engram::closest_match;
  const std::vector<std::string> top = {"version", "plugin_path", "log", "backends", "roles"};
  CHECK(closest_match("role", top) == "roles");
  CHECK(closest_match("backend", top) == "backends");
  CHECK(closest_match("Backends", top) == "backends");
  CHECK(closest_match("versoin", top) == "version");
  CHECK(closest_match("plugin-path", top) == "plugin_path");
  CHECK(closest_match("plugn", {"plugin", "port"}) == "plugin");
  CHECK(closest_match("pasword", {"host", "port", "password"}) == "password");
  CHECK(closest_match("working_memroy", {"working_memory", "episodes", "concepts", "traces"}) ==
        "working_memory");
  CHECK(closest_match("episode", {"working_memory", "episodes", "concepts", "traces"}) ==
        "episodes");

  CHECK_FALSE(closest_match("zzzzzz", top).has_value());
  CHECK_FALSE(closest_match("storage", {"working_memory", "episodes", "concepts", "traces"}));
  CHECK_FALSE(closest_match("foo", top).has_value());
  CHECK_FALSE(closest_match("database", top).has_value());
  CHECK_FALSE(closest_match("anything", {}).has_value());
  // The nearer of two wins.
  CHECK(closest_match("hots", {"port", "host"}) == "host");
}

TEST_CASE("config: an option outside its constraint is refused at its place", "[config][options]") {
  OptionSpec port = spec("port", OptionType::kInt, 6379);
  port.constraint = engram::in_range(1, 65535);
  OptionSpec size = spec("max_file_size", OptionType::kInt, 0);
  size.constraint = engram::at_least(0);
  OptionSpec ratio = spec("ratio", OptionType::kFloat, 0.5);
  ratio.constraint = engram::in_range(0.0, 1.0);
  OptionSpec codec = spec("compression", OptionType::kString, "gzip");
  codec.constraint = engram::one_of({"gzip", "lzf", "none"});
  OptionSpec path = spec("db_path", OptionType::kPath, "x.db");
  path.constraint = engram::non_empty();
  OptionSpec secret = spec("password", OptionType::kSecret, "only");
  secret.constraint.choices = {"only"};
  OptionSpec hosts = spec("hosts", OptionType::kList, engram::Json::array({"a"}));
  hosts.constraint = engram::non_empty();
  const std::vector<OptionSpec> schema = {port, size, ratio, codec, path, secret, hosts};

  CHECK_THAT(resolve_error(one_backend("    port: 0\n"), schema),
             StartsWith("test.yaml:4:11: option `port` of backend `b` must be from 1 to 65535, "
                        "got 0"));
  CHECK_THAT(resolve_error(one_backend("    port: 70000\n"), schema),
             StartsWith("test.yaml:4:11: option `port` of backend `b` must be from 1 to 65535"));
  CHECK_THAT(resolve_error(one_backend("    max_file_size: -1\n"), schema),
             StartsWith("test.yaml:4:20: option `max_file_size` of backend `b` must be at least "
                        "0, got -1"));
  CHECK_THAT(resolve_error(one_backend("    ratio: 1.5\n"), schema),
             StartsWith("test.yaml:4:12: option `ratio` of backend `b` must be from 0 to 1, got "
                        "1.5"));
  CHECK_THAT(resolve_error(one_backend("    compression: zip\n"), schema),
             StartsWith("test.yaml:4:18: option `compression` of backend `b` must be one of "
                        "gzip, lzf, none, got `zip`"));
  CHECK_THAT(resolve_error(one_backend("    db_path: \"\"\n"), schema),
             StartsWith("test.yaml:4:14: option `db_path` of backend `b` must not be empty"));
  CHECK_THAT(resolve_error(one_backend("    hosts: []\n"), schema),
             StartsWith("test.yaml:4:12: option `hosts` of backend `b` must not be empty"));
  // A secret's value is never shown, not even when it breaks a constraint.
  const std::string secret_error = resolve_error(one_backend("    password: hunter2\n"), schema);
  CHECK_THAT(secret_error, StartsWith("test.yaml:4:15: option `password` of backend `b` must be "
                                      "one of only"));
  CHECK_THAT(secret_error, !Contains("hunter2"));

  // Values inside, and the bounds themselves, are taken.
  const Config good = one_backend(
      "    port: 65535\n    max_file_size: 0\n    ratio: 1\n    compression: lzf\n"
      "    password: only\n");
  const engram::Json options = engram::resolve_options(good, good.backends.at(0), schema);
  CHECK(options.at("port") == 65535);
  CHECK(options.at("compression") == "lzf");
}

TEST_CASE("config: a default outside its own constraint is refused naming the plugin",
          "[config][options]") {
  OptionSpec port = spec("port", OptionType::kInt, 0);
  port.constraint = engram::at_least(1);
  const std::string message = resolve_error(one_backend(""), {port});
  CHECK_THAT(message, StartsWith("test.yaml:2:3: backend `b` leaves out option `port`, whose "
                                 "default in plugin `p` must be at least 1, got 0"));
}

namespace {
struct TableOptions {
  std::int64_t port = 6379;
  std::string codec = "gzip";
  std::string path = "x.db";
};
}  // namespace

TEST_CASE("config: an OptionTable declares constraints and bind checks them again",
          "[config][options]") {
  const auto table = engram::OptionTable<TableOptions>()
                         .add("port", &TableOptions::port, "port", engram::in_range(1, 65535))
                         .add("codec", &TableOptions::codec, "codec", engram::one_of({"gzip"}))
                         .add("path", &TableOptions::path, "file", OptionType::kPath,
                              engram::non_empty());
  const auto schema = table.schema();
  REQUIRE(schema.size() == 3);
  CHECK(schema[0].constraint.min == 1.0);
  CHECK(schema[0].constraint.max == 65535.0);
  CHECK(schema[1].constraint.choices == std::vector<std::string>{"gzip"});
  CHECK(schema[2].type == OptionType::kPath);
  CHECK(schema[2].constraint.non_empty);
  CHECK(table.bind({{"port", 80}}).port == 80);
  CHECK_THROWS_WITH(table.bind({{"port", 0}}),
                    StartsWith("option 'port' must be from 1 to 65535, got 0"));
  CHECK_THROWS_AS(table.bind({{"path", ""}}), ConfigError);
}

TEST_CASE("config: a live option is marked in the schema and update() checks and sets it",
          "[config][options]") {
  const auto table = engram::OptionTable<TableOptions>()
                         .add("port", &TableOptions::port, "port", engram::in_range(1, 65535))
                         .live()
                         .add("codec", &TableOptions::codec, "codec", engram::one_of({"gzip"}))
                         .add("path", &TableOptions::path, "file", OptionType::kPath);
  const auto schema = table.schema();
  CHECK(schema[0].live);
  CHECK_FALSE(schema[1].live);
  CHECK_FALSE(schema[2].live);

  TableOptions before;
  before.port = 80;
  const TableOptions after = table.update(before, "port", 8080, "db");
  CHECK(after.port == 8080);
  CHECK(before.port == 80);  // a copy comes back; nothing else changes
  CHECK(after.codec == before.codec);

  // Outside its range, of the wrong type (a float for an int, a string), not
  // an option, not live: each says which backend and option, nothing set.
  CHECK_THROWS_MATCHES(table.update(before, "port", 0, "db"), engram::InvalidArgument,
                       Catch::Matchers::Message(
                           "db: backend 'db', option 'port' must be from 1 to 65535, got 0"));
  CHECK_THROWS_AS(table.update(before, "port", 80.5, "db"), engram::InvalidArgument);
  CHECK_THROWS_WITH(table.update(before, "port", "80", "db"),
                    Contains("option 'port': must be int, got \"80\""));
  CHECK_THROWS_WITH(table.update(before, "prot", 80, "db"),
                    Contains("backend 'db', option 'prot': no such option"));
  try {
    (void)table.update(before, "codec", "gzip", "db");
    FAIL("a non-live option was changed");
  } catch (const engram::NotSupported& e) {
    CHECK(e.backend() == "db");
    CHECK_THAT(e.what(), Contains("option 'codec': read when the backend opens"));
  }
}
