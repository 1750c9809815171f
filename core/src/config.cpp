// engram's YAML config: yaml-cpp reads the text, everything after that is
// ours. yaml-cpp 0.7 keeps duplicate keys silently (a lookup returns the
// first), so every mapping is read by iterating it, never by operator[]:
// that is where duplicates, unknown keys and locations are checked.
#include "engram/config.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <system_error>
#include <tuple>
#include <utility>

#include "engram/errors.h"
#include "engram/ids.h"

namespace engram {
namespace {

namespace fs = std::filesystem;

std::optional<std::int64_t> parse_int(std::string_view text);
std::optional<double> parse_float(std::string_view text);

constexpr int kSupportedVersion = 1;

const std::vector<std::string> kTopLevelKeys = {"version", "plugin_path", "log", "backends",
                                                "roles"};
const std::vector<std::string> kLogKeys = {"level"};

[[noreturn]] void fail(const ConfigLocation& where, const std::string& what) {
  throw ConfigError(where.to_string() + ": " + what);
}

std::string ticked(std::string_view text) { return "`" + printable(text) + "`"; }

std::string joined(const std::vector<std::string>& items) {
  std::string text;
  for (const std::string& item : items) {
    if (!text.empty()) text += ", ";
    text += item;
  }
  return text;
}

// "; did you mean `roles`?" or nothing.
std::string suggestion(std::string_view word, const std::vector<std::string>& candidates) {
  const std::optional<std::string> match = closest_match(word, candidates);
  return match ? "; did you mean " + ticked(*match) + "?" : std::string();
}

std::vector<std::string> role_names() {
  std::vector<std::string> names;
  for (Role role : kAllRoles) names.emplace_back(role_name(role));
  return names;
}

std::string lowercase(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower;
}

// Optimal string alignment distance (Levenshtein plus adjacent
// transpositions, so "memroy" is one typo from "memory"), ASCII
// case-insensitive.
std::size_t edit_distance(std::string_view a_text, std::string_view b_text) {
  const std::string a = lowercase(a_text);
  const std::string b = lowercase(b_text);
  // Three rows: the one before last is needed for transpositions.
  std::vector<std::size_t> before(b.size() + 1), last(b.size() + 1), row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) last[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      row[j] = std::min({last[j] + 1, row[j - 1] + 1, last[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        row[j] = std::min(row[j], before[j - 2] + 1);
      }
    }
    std::swap(before, last);
    std::swap(last, row);
  }
  return last[b.size()];
}

// ---- ${VAR} expansion -----------------------------------------------------

bool is_variable_name(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

// Expands every ${VAR} and ${VAR:-default} in a scalar value. The messages
// never quote the value: at parse time nobody knows yet which options are
// secrets.
std::string expand(std::string_view text, const ConfigLocation& where) {
  static const std::string kForm = " (a reference is `${NAME}` or `${NAME:-default}`)";
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t dollar = text.find("${", i);
    if (dollar == std::string_view::npos) {
      out.append(text.substr(i));
      break;
    }
    out.append(text.substr(i, dollar - i));
    const std::size_t close = text.find('}', dollar + 2);
    if (close == std::string_view::npos) {
      fail(where, "malformed variable reference: `${` without a closing `}`" + kForm);
    }
    const std::string_view body = text.substr(dollar + 2, close - dollar - 2);
    const std::size_t separator = body.find(":-");
    const std::string_view name = body.substr(0, separator);
    if (name.empty()) fail(where, "malformed variable reference: `${}` has no name" + kForm);
    if (!is_variable_name(name)) {
      fail(where,
           "malformed variable reference: a name is letters, digits and `_`, not starting "
           "with a digit" +
               kForm);
    }
    const std::string name_text(name);
    const char* value = std::getenv(name_text.c_str());
    if (separator == std::string_view::npos) {
      if (value == nullptr) {
        fail(where, "environment variable `" + name_text + "` is not set (write `${" + name_text +
                        ":-default}` to give a default)");
      }
      out.append(value);
    } else {
      const std::string_view fallback = body.substr(separator + 2);
      if (fallback.find("${") != std::string_view::npos) {
        fail(where, "malformed variable reference: a default of `" + name_text +
                        "` cannot hold another reference");
      }
      // As the shell's `:-`: the default also stands in for an empty value.
      if (value != nullptr && *value != '\0') {
        out.append(value);
      } else {
        out.append(fallback);
      }
    }
    i = close + 1;
  }
  return out;
}

// ---- reading YAML nodes ---------------------------------------------------

std::string kind_of(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null: return "null";
    case YAML::NodeType::Scalar: return "a scalar";
    case YAML::NodeType::Sequence: return "a list";
    case YAML::NodeType::Map: return "a mapping";
    case YAML::NodeType::Undefined: break;
  }
  return "nothing";
}

struct Entry {
  std::string key;
  YAML::Node key_node;
  YAML::Node value;
};

class Reader {
 public:
  Reader(std::string source, fs::path base_dir)
      : source_(std::move(source)), base_dir_(std::move(base_dir)) {}

  Config read(std::string_view yaml) {
    Config config;
    config.source = source_;
    config.base_dir = base_dir_;
    const YAML::Node root = load(yaml);
    std::optional<Entry> version, plugin_path, log, backends, roles;
    for (Entry& entry : entries(root)) {
      std::optional<Entry>* slot = entry.key == "version"       ? &version
                                   : entry.key == "plugin_path" ? &plugin_path
                                   : entry.key == "log"         ? &log
                                   : entry.key == "backends"    ? &backends
                                   : entry.key == "roles"       ? &roles
                                                                : nullptr;
      if (slot == nullptr) unknown_key(entry, kTopLevelKeys);
      *slot = std::move(entry);
    }
    if (version) config.version = read_version(*version);
    if (plugin_path) config.plugin_path = read_plugin_path(*plugin_path);
    if (log) config.log_level = read_log(*log);
    if (backends) config.backends = read_backends(*backends);
    // After the backends, wherever `roles` was written: roles refer to them.
    if (roles) config.roles = read_roles(*roles, config);
    return config;
  }

 private:
  ConfigLocation at(const YAML::Node& node) const { return at(node.Mark()); }
  ConfigLocation at(const YAML::Mark& mark) const {
    // A null mark (-1) has no place in the text: point at its start.
    return {source_, std::max(mark.line, 0) + 1, std::max(mark.column, 0) + 1};
  }
  // Where a value is: an empty value (`key:`) has its mark on the next
  // token, often a line below, so it is shown at its key.
  ConfigLocation value_at(const Entry& entry) const {
    if (entry.value.IsNull() && entry.value.Mark().line != entry.key_node.Mark().line) {
      return at(entry.key_node);
    }
    return at(entry.value);
  }

  // The one document of `yaml`. Not YAML::LoadAll: yaml-cpp 0.7 (before
  // jbeder/yaml-cpp#1319) returns an endless run of null documents for some
  // malformed text (",\n"), growing memory until the process dies; the
  // documents are counted here instead, stopping where the parser stops
  // moving.
  YAML::Node load(std::string_view yaml) const {
    const std::string text(yaml);
    YAML::Node first;
    int count = 0;
    YAML::Mark second;
    try {
      std::istringstream stream(text);
      YAML::Parser parser(stream);
      DocumentCounter counter;
      while (parser.HandleNextDocument(counter)) {
        if (count > 0 && counter.start.pos <= counter.previous_start.pos) {
          fail(at(counter.start), "invalid YAML: the parser stopped moving here");
        }
        if (++count == 2) second = counter.start;
        counter.previous_start = counter.start;
      }
      if (count == 1) first = YAML::Load(text);
    } catch (const YAML::Exception& e) {
      fail(at(e.mark), "invalid YAML: " + e.msg);
    }
    if (count == 0) {
      fail(at(YAML::Mark()),
           "the config is empty: expected a mapping with " + joined(kTopLevelKeys));
    }
    if (count > 1) {
      fail(at(second),
           "the config holds " + std::to_string(count) + " YAML documents; expected one");
    }
    if (!first.IsMap()) {
      fail(at(first), "the config must be a mapping with " + joined(kTopLevelKeys) + ", not " +
                          kind_of(first));
    }
    return first;
  }

  // Parser events, dropped but for where each document starts.
  struct DocumentCounter final : YAML::EventHandler {
    YAML::Mark start;
    YAML::Mark previous_start;
    void OnDocumentStart(const YAML::Mark& mark) override { start = mark; }
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  const std::string&) override {}
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                         YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                    YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}
  };

  // The entries of a mapping, in the order written. Throws at the second of
  // two equal keys, and at a key that is not a scalar.
  std::vector<Entry> entries(const YAML::Node& map) const {
    std::vector<Entry> result;
    std::map<std::string, int> first_line;
    for (auto it = map.begin(); it != map.end(); ++it) {
      const YAML::Node key = it->first;
      if (!key.IsScalar()) fail(at(key), "a key must be a name, not " + kind_of(key));
      const std::string& text = key.Scalar();
      const ConfigLocation where = at(key);
      const auto [first, inserted] = first_line.emplace(text, where.line);
      if (!inserted) {
        fail(where, "duplicate key " + ticked(text) + " (first given at line " +
                        std::to_string(first->second) + ")");
      }
      result.push_back({text, key, it->second});
    }
    return result;
  }

  // Null stands for an empty mapping (`backends:` with nothing under it).
  std::vector<Entry> mapping_entries(const Entry& entry) const {
    if (entry.value.IsNull()) return {};
    if (!entry.value.IsMap()) {
      fail(value_at(entry), ticked(entry.key) + " must be a mapping, not " + kind_of(entry.value));
    }
    return entries(entry.value);
  }

  [[noreturn]] void unknown_key(const Entry& entry, const std::vector<std::string>& valid) const {
    fail(at(entry.key_node), "unknown key " + ticked(entry.key) + suggestion(entry.key, valid) +
                                 " (valid keys: " + joined(valid) + ")");
  }

  // A scalar value with ${VAR} expanded; `what` names it in messages.
  std::string scalar(const YAML::Node& node, const ConfigLocation& where,
                     const std::string& what) const {
    if (!node.IsScalar()) fail(where, what + " must be a scalar, not " + kind_of(node));
    return expand(node.Scalar(), where);
  }

  int read_version(const Entry& entry) const {
    const std::string supported =
        " (this build of engram supports version " + std::to_string(kSupportedVersion) + ")";
    const ConfigLocation where = value_at(entry);
    // A quoted "1" is a string, not the version number.
    if (!entry.value.IsScalar() || entry.value.Tag() == "!") {
      fail(where, "`version` must be the integer " + std::to_string(kSupportedVersion) + ", not " +
                      (entry.value.IsScalar() ? "a string" : kind_of(entry.value)) + supported);
    }
    const std::string& text = entry.value.Scalar();
    long long version = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), version);
    if (error != std::errc() || end != text.data() + text.size() || version != kSupportedVersion) {
      fail(where, "unsupported config version " + ticked(text) + supported);
    }
    return kSupportedVersion;
  }

  std::vector<fs::path> read_plugin_path(const Entry& entry) const {
    std::vector<std::pair<YAML::Node, ConfigLocation>> items;
    if (entry.value.IsScalar()) {
      items.emplace_back(entry.value, value_at(entry));
    } else if (entry.value.IsSequence()) {
      for (const YAML::Node& item : entry.value) items.emplace_back(item, at(item));
    } else if (!entry.value.IsNull()) {
      fail(value_at(entry),
           "`plugin_path` must be a folder or a list of folders, not " + kind_of(entry.value));
    }
    std::vector<fs::path> folders;
    for (const auto& [node, where] : items) {
      const std::string text = scalar(node, where, "a `plugin_path` entry");
      // An entry that expands to nothing (`${EXTRA_PLUGINS:-}`) adds no
      // folder, so a path can be made optional.
      if (text.empty()) continue;
      const fs::path folder(text);
      folders.push_back((folder.is_absolute() ? folder : base_dir_ / folder).lexically_normal());
    }
    return folders;
  }

  std::optional<LogLevel> read_log(const Entry& log) const {
    std::optional<LogLevel> level;
    for (const Entry& entry : mapping_entries(log)) {
      if (entry.key != "level") unknown_key(entry, kLogKeys);
      const ConfigLocation where = value_at(entry);
      const std::string name = scalar(entry.value, where, "the log level");
      level = log_level_from_name(name);
      if (!level) {
        const std::vector<std::string> levels = {"trace", "debug", "info", "warn", "error", "off"};
        fail(where, "unknown log level " + ticked(name) + suggestion(name, levels) +
                        " (levels: " + joined(levels) + ")");
      }
    }
    return level;
  }

  std::vector<BackendConfig> read_backends(const Entry& backends) const {
    std::vector<BackendConfig> result;
    for (const Entry& entry : mapping_entries(backends)) {
      BackendConfig backend;
      backend.name = entry.key;
      backend.location = at(entry.key_node);
      if (!is_valid_id(backend.name)) {
        fail(backend.location, "backend name " + ticked(backend.name) + " " +
                                   id_problem(backend.name) +
                                   " (a name is 1 to 255 bytes of UTF-8, without `/` or control "
                                   "characters, and not `.` or `..`)");
      }
      const std::string what = "backend " + ticked(backend.name);
      if (!entry.value.IsMap()) {
        fail(value_at(entry),
             what + " must be a mapping with at least `plugin`, not " + kind_of(entry.value));
      }
      bool has_plugin = false;
      for (const Entry& option : entries(entry.value)) {
        if (option.key == "plugin") {
          has_plugin = true;
          backend.plugin_location = value_at(option);
          backend.plugin = scalar(option.value, backend.plugin_location, "the plugin of " + what);
          if (backend.plugin.empty()) {
            fail(backend.plugin_location, "the plugin of " + what + " is empty");
          }
        } else if (option.key == "write_behind") {
          backend.write_behind = read_write_behind(option, what);
          backend.write_behind_location = at(option.key_node);
        } else {
          backend.options.emplace(option.key, read_option(option, what));
        }
      }
      if (!has_plugin) {
        fail(backend.location, what +
                                   " has no `plugin` (a plugin name such as `sqlite`, or "
                                   "the path of a plugin file)");
      }
      result.push_back(std::move(backend));
    }
    return result;
  }

  // The core's `write_behind` mapping (engram/write_behind.h); null takes
  // the defaults.
  WriteBehindOptions read_write_behind(const Entry& entry, const std::string& backend_what) const {
    WriteBehindOptions result;
    const std::string what = "`write_behind` of " + backend_what;
    if (entry.value.IsNull()) return result;
    if (!entry.value.IsMap()) {
      fail(value_at(entry), what + " must be a mapping of max_pending, max_bytes and "
                                   "flush_interval, not " + kind_of(entry.value));
    }
    const std::vector<std::string> valid = {"max_pending", "max_bytes", "flush_interval"};
    for (const Entry& key : entries(entry.value)) {
      const ConfigLocation where = value_at(key);
      const std::string text = scalar(key.value, where, ticked(key.key) + " of " + what);
      if (key.key == "flush_interval") {
        const std::optional<double> seconds = parse_float(text);
        if (!seconds || *seconds < 0 || *seconds > 3600) {
          fail(where, "`flush_interval` of " + what +
                          " must be a number of seconds from 0 to 3600, got " + ticked(text));
        }
        result.flush_interval = *seconds;
      } else if (key.key == "max_pending" || key.key == "max_bytes") {
        const std::optional<std::int64_t> count = parse_int(text);
        if (!count || *count < 1) {
          fail(where, ticked(key.key) + " of " + what + " must be a positive integer, got " +
                          ticked(text));
        }
        (key.key == "max_pending" ? result.max_pending : result.max_bytes) = *count;
      } else {
        unknown_key(key, valid);
      }
    }
    return result;
  }

  RawOption read_option(const Entry& entry, const std::string& backend_what) const {
    RawOption option;
    option.key_location = at(entry.key_node);
    option.value_location = value_at(entry);
    const std::string what = "option " + ticked(entry.key) + " of " + backend_what;
    switch (entry.value.Type()) {
      case YAML::NodeType::Null: option.is_null = true; break;
      case YAML::NodeType::Scalar:
        option.value = expand(entry.value.Scalar(), option.value_location);
        break;
      case YAML::NodeType::Sequence: {
        std::vector<std::string> items;
        for (const YAML::Node& item : entry.value) {
          const ConfigLocation where = at(item);
          if (!item.IsScalar()) {
            fail(where, "the items of " + what + " must be scalars, not " + kind_of(item));
          }
          items.push_back(expand(item.Scalar(), where));
        }
        option.value = std::move(items);
        break;
      }
      case YAML::NodeType::Map:
      case YAML::NodeType::Undefined:
        fail(option.value_location,
             what + " must be a scalar or a list of scalars, not " + kind_of(entry.value));
    }
    return option;
  }

  std::map<Role, RoleAssignment> read_roles(const Entry& roles, const Config& config) const {
    std::map<Role, RoleAssignment> result;
    const std::vector<std::string> valid = role_names();
    std::vector<std::string> configured;
    for (const BackendConfig& backend : config.backends) configured.push_back(backend.name);
    for (const Entry& entry : mapping_entries(roles)) {
      const std::optional<Role> role = role_from_name(entry.key);
      if (!role) {
        fail(at(entry.key_node), "unknown role " + ticked(entry.key) +
                                     suggestion(entry.key, valid) + " (roles: " + joined(valid) +
                                     ")");
      }
      RoleAssignment assignment;
      assignment.location = value_at(entry);
      const std::string what = "role " + ticked(entry.key);
      if (entry.value.IsNull()) fail(assignment.location, what + " names no backend");
      assignment.backend = scalar(entry.value, assignment.location, "the backend of " + what);
      if (config.backend(assignment.backend) == nullptr) {
        fail(assignment.location,
             what + " names backend " + ticked(assignment.backend) + ", which is not configured" +
                 suggestion(assignment.backend, configured) +
                 (configured.empty() ? std::string(" (no backends are configured)")
                                     : " (configured backends: " + joined(configured) + ")"));
      }
      result.emplace(*role, std::move(assignment));
    }
    return result;
  }

  std::string source_;
  fs::path base_dir_;
};

// ---- typing options -------------------------------------------------------

// from_chars takes a leading '-' but not '+'; YAML writers use both. Returns
// false for "+-1".
bool drop_plus(std::string_view& text) {
  if (text.empty() || text[0] != '+') return true;
  text.remove_prefix(1);
  return text.empty() || text[0] != '-';
}

std::optional<std::int64_t> parse_int(std::string_view text) {
  if (!drop_plus(text)) return std::nullopt;
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::optional<double> parse_float(std::string_view text) {
  if (!drop_plus(text)) return std::nullopt;
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

std::optional<bool> parse_bool(std::string_view text) {
  const std::string lower = lowercase(text);
  if (lower == "true" || lower == "yes" || lower == "on") return true;
  if (lower == "false" || lower == "no" || lower == "off") return false;
  return std::nullopt;
}

std::string resolve_path(const fs::path& base_dir, const std::string& text) {
  if (text.empty()) return text;
  const fs::path path(text);
  return (path.is_absolute() ? path : base_dir / path).lexically_normal().string();
}

// What a value of `type` looks like, for messages.
std::string type_description(OptionType type) {
  switch (type) {
    case OptionType::kInt: return "an int";
    case OptionType::kFloat: return "a float";
    case OptionType::kBool: return "a bool (true/false, yes/no, on/off)";
    case OptionType::kString: return "a string";
    case OptionType::kPath: return "a path";
    case OptionType::kSecret: return "a secret (a string)";
    case OptionType::kList: return "a list (a YAML sequence of strings)";
  }
  return "a " + std::string(option_type_name(type));
}

Json typed_value(const Config& config, const BackendConfig& backend, const std::string& key,
                 const OptionSpec& spec, const RawOption& option) {
  const auto wrong_type = [&](const std::string& got) {
    fail(option.value_location, "option " + ticked(key) + " of backend " + ticked(backend.name) +
                                    " must be " + type_description(spec.type) + ", got " + got);
  };
  if (const auto* items = std::get_if<std::vector<std::string>>(&option.value)) {
    if (spec.type != OptionType::kList) wrong_type("a list");
    return Json(*items);
  }
  const std::string& text = std::get<std::string>(option.value);
  // A secret's value is never shown, whatever went wrong.
  const std::string got = spec.type == OptionType::kSecret
                              ? "a value that is not " + type_description(spec.type)
                              : ticked(text);
  switch (spec.type) {
    case OptionType::kInt:
      if (const auto value = parse_int(text)) return Json(*value);
      break;
    case OptionType::kFloat:
      if (const auto value = parse_float(text)) return Json(*value);
      break;
    case OptionType::kBool:
      if (const auto value = parse_bool(text)) return Json(*value);
      break;
    case OptionType::kString:
    case OptionType::kSecret: return Json(text);
    case OptionType::kPath: return Json(resolve_path(config.base_dir, text));
    case OptionType::kList: break;
  }
  wrong_type(got);
  return Json();  // not reached: wrong_type throws
}

}  // namespace

std::string ConfigLocation::to_string() const {
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

Config Config::load(const std::filesystem::path& file) {
  const std::string source = file.string();
  std::error_code error;
  const fs::file_status status = fs::status(file, error);
  if (error || !fs::exists(status)) {
    throw ConfigError(source +
                      ": cannot read config: " + (error ? error.message() : "no such file"));
  }
  if (fs::is_directory(status)) {
    throw ConfigError(source + ": cannot read config: it is a folder, not a file");
  }
  errno = 0;
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    const int open_errno = errno;
    throw ConfigError(source + ": cannot read config: " +
                      (open_errno != 0 ? std::strerror(open_errno) : "cannot open the file"));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw ConfigError(source + ": cannot read config: read error");
  const fs::path absolute = fs::absolute(file, error);
  if (error) throw ConfigError(source + ": cannot read config: " + error.message());
  return parse(text.str(), absolute.parent_path().lexically_normal(), source);
}

Config Config::parse(std::string_view yaml, std::filesystem::path base_dir, std::string source) {
  std::error_code error;
  fs::path absolute = fs::absolute(base_dir, error);
  if (error) absolute = base_dir;
  return Reader(std::move(source), absolute.lexically_normal()).read(yaml);
}

const BackendConfig* Config::backend(std::string_view name) const noexcept {
  for (const BackendConfig& candidate : backends) {
    if (candidate.name == name) return &candidate;
  }
  return nullptr;
}

Json resolve_options(const Config& config, const BackendConfig& backend,
                     const std::vector<OptionSpec>& schema) {
  std::vector<std::string> known;
  for (const OptionSpec& spec : schema) known.push_back(spec.key);
  // Unknown keys first, in the order written, so the first one reported is
  // the first one in the file.
  std::vector<const std::pair<const std::string, RawOption>*> written;
  for (const auto& entry : backend.options) written.push_back(&entry);
  std::sort(written.begin(), written.end(), [](const auto* a, const auto* b) {
    const ConfigLocation& x = a->second.key_location;
    const ConfigLocation& y = b->second.key_location;
    return std::tie(x.line, x.column) < std::tie(y.line, y.column);
  });
  for (const auto* entry : written) {
    if (std::find(known.begin(), known.end(), entry->first) == known.end()) {
      fail(entry->second.key_location,
           "unknown option " + ticked(entry->first) + " for plugin " + ticked(backend.plugin) +
               " (backend " + ticked(backend.name) + ")" + suggestion(entry->first, known) +
               (known.empty() ? std::string(" (the plugin takes no options)")
                              : " (options: " + joined(known) + ")"));
    }
  }

  Json options = Json::object();
  for (const OptionSpec& spec : schema) {
    const auto found = backend.options.find(spec.key);
    if (found != backend.options.end() && !found->second.is_null) {
      Json value = typed_value(config, backend, spec.key, spec, found->second);
      if (const auto problem = option_problem(spec, value)) {
        fail(found->second.value_location, "option " + ticked(spec.key) + " of backend " +
                                               ticked(backend.name) + " " + *problem);
      }
      options[spec.key] = std::move(value);
      continue;
    }
    if (spec.default_value.is_null()) {
      const std::string needed = "backend " + ticked(backend.name) + " needs option " +
                                 ticked(spec.key) + " (" +
                                 std::string(option_type_name(spec.type)) +
                                 (spec.doc.empty() ? "" : ": " + spec.doc) + ")";
      if (found != backend.options.end()) {
        fail(found->second.key_location, needed + ", which is given no value");
      }
      fail(backend.location, needed);
    }
    Json value = spec.default_value;
    if (spec.type == OptionType::kPath && value.is_string()) {
      value = resolve_path(config.base_dir, value.get<std::string>());
    }
    // A default outside its own constraint is the plugin's mistake, but the
    // backend must not open with it either.
    if (const auto problem = option_problem(spec, value)) {
      fail(backend.location, "backend " + ticked(backend.name) + " leaves out option " +
                                 ticked(spec.key) + ", whose default in plugin " +
                                 ticked(backend.plugin) + " " + *problem +
                                 "; give the option a value");
    }
    options[spec.key] = std::move(value);
  }
  return options;
}

std::optional<std::string> closest_match(std::string_view word,
                                         const std::vector<std::string>& candidates) {
  // About one typo per three letters: "role" → "roles", "plugn" → "plugin",
  // "working_memroy" → "working_memory"; a short word gets one, so "log"
  // suggests nothing for "foo".
  if (word.empty()) return std::nullopt;
  const std::size_t threshold = std::max<std::size_t>(1, word.size() / 3);
  std::optional<std::string> best;
  std::size_t best_distance = threshold + 1;
  for (const std::string& candidate : candidates) {
    const std::size_t length_gap = candidate.size() > word.size() ? candidate.size() - word.size()
                                                                  : word.size() - candidate.size();
    if (length_gap > threshold) continue;
    const std::size_t distance = edit_distance(word, candidate);
    if (distance < best_distance) {
      best_distance = distance;
      best = candidate;
    }
  }
  return best;
}

}  // namespace engram
