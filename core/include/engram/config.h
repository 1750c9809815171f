// engram/config.h — engram's YAML config, parsed strictly.
//
//   version: 1
//   plugin_path: [plugins]          # optional, relative to this file
//   log: {level: info}
//   backends:
//     fast:   {plugin: redis, host: 127.0.0.1, password: "${REDIS_PASSWORD:-}"}
//     db:     {plugin: sqlite, db_path: data/engram.db}
//   roles:
//     working_memory: fast
//     episodes: db
//
// Parsing checks everything that does not need the plugins: the YAML
// itself, duplicate keys (at any depth), unknown keys (with the closest
// valid one suggested: "did you mean `roles`?"), types, `${VAR}` and
// `${VAR:-default}` (expanded in scalar values after parsing, never in keys
// or raw text; an unset variable without default is an error), and that
// every role names a configured backend. Options are checked against each
// plugin's schema by resolve_options, when the plugin is known. Every
// error is a ConfigError whose message starts "<file>:<line>:<column>: "
// (1-based; "<string>" for a config given as text). Secret values never
// appear in messages.
//
// Thread safety: a Config is a value; const use from several threads is safe.
#ifndef ENGRAM_CONFIG_H_
#define ENGRAM_CONFIG_H_

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engram/export.h"
#include "engram/json.h"
#include "engram/log.h"
#include "engram/plugin.h"
#include "engram/write_behind.h"

namespace engram {

// Where something was written. line and column are 1-based.
struct ConfigLocation {
  std::string file;
  int line = 0;
  int column = 0;
  // "file:line:column"
  ENGRAM_API std::string to_string() const;
};

// One backend option as written, after ${VAR} expansion.
struct RawOption {
  // A scalar's text, or the items of a sequence of scalars.
  std::variant<std::string, std::vector<std::string>> value;
  // YAML null (`key:` or `key: ~`).
  bool is_null = false;
  ConfigLocation key_location;
  ConfigLocation value_location;
};

struct BackendConfig {
  std::string name;    // the key under `backends`
  std::string plugin;  // a plugin name, or a path to a plugin file (contains '/')
  ConfigLocation location;          // of the name
  ConfigLocation plugin_location;   // of the `plugin` value
  std::map<std::string, RawOption> options;  // every key but `plugin` and `write_behind`
  // The core's `write_behind` key (engram/write_behind.h), when given.
  std::optional<WriteBehindOptions> write_behind;
  ConfigLocation write_behind_location;  // of its key
};

struct RoleAssignment {
  std::string backend;
  ConfigLocation location;  // of the backend name
};

struct Config {
  // The file the config came from, or "<string>".
  std::string source;
  // The folder `path` options and plugin_path resolve against: the file's
  // folder, or the current folder for a string.
  std::filesystem::path base_dir;
  int version = 1;
  // plugin_path entries, resolved against base_dir.
  std::vector<std::filesystem::path> plugin_path;
  std::optional<LogLevel> log_level;
  // In the order written.
  std::vector<BackendConfig> backends;
  std::map<Role, RoleAssignment> roles;

  // Reads and parses a config file. Throws ConfigError (also when the file
  // cannot be read).
  ENGRAM_API static Config load(const std::filesystem::path& file);
  // Parses config text; `source` names it in messages.
  ENGRAM_API static Config parse(std::string_view yaml,
                                 std::filesystem::path base_dir = std::filesystem::current_path(),
                                 std::string source = "<string>");

  // The backend called `name`; nullptr if none.
  ENGRAM_API const BackendConfig* backend(std::string_view name) const noexcept;
};

// Checks `backend`'s options against `schema` and returns them typed, as
// BackendContext::options says: every schema key present (defaults filled),
// path options resolved against config.base_dir. Throws ConfigError, at the
// option's location, for an unknown key (suggesting the closest), a value
// of the wrong type, or a required option (null default) left out.
ENGRAM_API Json resolve_options(const Config& config, const BackendConfig& backend,
                                const std::vector<OptionSpec>& schema);

// The closest of `candidates` to `word` by edit distance, if close enough to
// be a likely misspelling.
ENGRAM_API std::optional<std::string> closest_match(std::string_view word,
                                                    const std::vector<std::string>& candidates);

}  // namespace engram

#endif  // ENGRAM_CONFIG_H_
