// engram/plugin.h — the contract between engram's core and a backend plugin.
//
// A plugin is a shared library `libengram-<name>.so` (a CMake MODULE) that
// exports one entry point, `engram_plugin`, a Boost.DLL alias of a function
// returning the plugin's PluginDescriptor:
//
//   #include <boost/dll/alias.hpp>
//   const engram::PluginDescriptor& descriptor() { static const ... d{...}; return d; }
//   BOOST_DLL_ALIAS(descriptor, engram_plugin)
//
// The core refuses a plugin whose ABI version or build fingerprint differs
// from its own (the C++ types that cross the boundary must be laid out
// alike). Everything a plugin makes — its Backend, the role objects, every
// Array it returns — keeps its library loaded while it lives.
//
// Thread safety: a descriptor is immutable; `create` may be called from
// several threads at once; a Backend and its role objects are thread-safe.
#ifndef ENGRAM_PLUGIN_H_
#define ENGRAM_PLUGIN_H_

#include <filesystem>
#include <functional>
#include <memory>
#include <utility>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engram/clock.h"
#include "engram/concept_store.h"
#include "engram/episode_store.h"
#include "engram/export.h"
#include "engram/json.h"
#include "engram/maintenance.h"
#include "engram/trace_store.h"
#include "engram/working_memory.h"

namespace engram {

// The plugin ABI. It rises, with a line here, whenever a type that crosses
// the boundary changes: the role interfaces, their records and batches,
// Maintenance, Backend, BackendContext, PluginDescriptor, OptionSpec, Array,
// the errors.
//   1 — the first: four roles, batches, listings, Maintenance.
//   2 — Maintenance::files() and PluginDescriptor::files: the files a backend owns.
//   3 — OptionSpec::constraint: an option's range, choices or non-emptiness,
//       checked by the core where options are resolved; the roles' now() and
//       maintenance() are no longer virtual: they give the backend's clock
//       and maintenance, set by the core when it made the backend;
//       PluginDescriptor::capabilities: what a plugin promises beyond the
//       contract (keeps_ids), which the conformance suite holds it to.
//   4 — the episode and concept roles' listings take Undecodable (skip a
//       record that does not decode, named in Page::skipped);
//       Maintenance::set_option and OptionSpec::live: options a running
//       backend takes in.
//   5 — semantic recall: ConceptStore::do_nearest_concepts and
//       EpisodeStore::do_nearest_episodes (engram/recall.h).
//   6 — write-behind (engram/write_behind.h): the roles' do_reserve_ids,
//       ConceptStore::do_concept_id and PluginCapabilities::reserves_ids;
//       TraceStore::do_latest_seed_stamp.
//   7 — fewer allocations per call: Shape keeps up to four extents inside
//       itself (engram/shape.h, no longer a std::vector);
//       WorkingMemoryPatternView's metadata borrows the caller's Json
//       (JsonRef) instead of copying it; WorkingMemoryBatch keeps its
//       patterns' metadata; Array holds its keep_alive_with anchor itself.
//   8 — Array::share_on_copy(): copies of a kept array share its bytes and
//       a write access copies first (mutable_data and mutable_bytes may
//       now allocate); owned() records' arrays are shared on copy.
inline constexpr int kPluginAbiVersion = 8;

#define ENGRAM_STRINGIFY_(x) #x
#define ENGRAM_STRINGIFY(x) ENGRAM_STRINGIFY_(x)
// What else must agree between the core and a plugin: compiler and version,
// libstdc++'s string ABI, nlohmann::json's version. Evaluated where it is
// used: in the plugin for its descriptor, in the core for the comparison.
#define ENGRAM_BUILD_FINGERPRINT                                                 \
  "compiler " __VERSION__ "; libstdc++ cxx11 abi " ENGRAM_STRINGIFY(            \
      _GLIBCXX_USE_CXX11_ABI) "; nlohmann_json " ENGRAM_STRINGIFY(             \
      NLOHMANN_JSON_VERSION_MAJOR) "." ENGRAM_STRINGIFY(NLOHMANN_JSON_VERSION_MINOR) "." \
      ENGRAM_STRINGIFY(NLOHMANN_JSON_VERSION_PATCH)

// The core's own fingerprint, ENGRAM_BUILD_FINGERPRINT as the core was built.
ENGRAM_API std::string_view core_build_fingerprint() noexcept;

// The name of the exported entry point.
inline constexpr const char* kPluginEntryPoint = "engram_plugin";

// The four roles, by their YAML keys.
enum class Role { kWorkingMemory, kEpisodes, kConcepts, kTraces };
inline constexpr Role kAllRoles[] = {Role::kWorkingMemory, Role::kEpisodes, Role::kConcepts,
                                     Role::kTraces};
// "working_memory", "episodes", "concepts", "traces".
ENGRAM_API std::string_view role_name(Role role) noexcept;
ENGRAM_API std::optional<Role> role_from_name(std::string_view name) noexcept;
// "working_memory, traces" — or "none" for no roles. For messages.
ENGRAM_API std::string role_names(const std::vector<Role>& roles);

// The type of a backend option, as the config must give it. A `path` is
// resolved against the config file's folder; a `secret` (a password) is a
// string never shown in logs, errors or `engram check`; a `list` is a
// sequence of strings.
enum class OptionType { kString, kInt, kFloat, kBool, kPath, kSecret, kList };
// "string", "int", "float", "bool", "path", "secret", "list".
ENGRAM_API std::string_view option_type_name(OptionType type) noexcept;

// What an option's value must be beyond its type. The core checks it where
// the config's options are resolved (engram::resolve_options), so a value
// outside it is a ConfigError at the value's file:line:column naming the
// backend, like every other config error; the default must satisfy it too.
struct OptionConstraint {
  // int and float options: the least and the greatest value allowed.
  std::optional<double> min;
  std::optional<double> max;
  // string options: the values allowed, when not empty.
  std::vector<std::string> choices;
  // string, path, secret and list options: must not be empty.
  bool non_empty = false;
};

// One row of a plugin's option schema.
struct OptionSpec {
  std::string key;
  OptionType type = OptionType::kString;
  // The value when the config leaves the option out, as JSON of the type's
  // kind (integer, number, bool, string, array of strings).
  Json default_value;
  // One line: what the option does.
  std::string doc;
  OptionConstraint constraint = {};
  // True iff a running backend takes a new value (Maintenance::set_option);
  // the other options are read once, when the backend opens.
  bool live = false;
};

// What is wrong with `value` (JSON of `spec`'s type) under `spec`'s
// constraint — "must be from 1 to 65535, got 0", "must be one of gzip, lzf,
// none, got `zip`", "must not be empty" — or std::nullopt when nothing is.
// A secret's value is never shown.
ENGRAM_API std::optional<std::string> option_problem(const OptionSpec& spec, const Json& value);

// What a plugin's factory gets to build one backend instance.
struct BackendContext {
  // The backend's name in the config (`backends: {db: ...}` → "db").
  std::string name;
  // Every option of the plugin's schema, validated and typed: int → JSON
  // integer, float → number, bool → boolean, string/path/secret → string
  // (a path absolute), list → array of strings; defaults filled in.
  Json options = Json::object();
  // The clock for backends that keep time in process.
  std::shared_ptr<const Clock> clock = system_clock();
};

// One backend instance: the roles it serves and its maintenance. The role
// objects are parts of the Backend and live as long as it does; the core
// hands them out as handles that share ownership of the Backend.
class ENGRAM_API Backend {
 public:
  virtual ~Backend();

  // The role objects, or nullptr for a role this backend does not serve
  // (the descriptor's `roles` lists those it does).
  virtual WorkingMemory* working_memory() noexcept;
  virtual EpisodeStore* episodes() noexcept;
  virtual ConceptStore* concepts() noexcept;
  virtual TraceStore* traces() noexcept;
  // The instance's maintenance interface.
  virtual Maintenance& maintenance() noexcept = 0;
};

// What a plugin promises beyond the role contract. The conformance suite
// (engram-conformance) reads these from the descriptor of the plugin that
// serves each role it tests, and holds the plugin to each promise it makes.
struct PluginCapabilities {
  // A batch put (store_batch of whole records, e.g. from a listing) of
  // episodes, learning events and concepts keeps each positive integer `id`
  // it is given, when no record of that kind already has it: store_batch
  // returns exactly those ids, and relationships in the same batch may name
  // the batch's concepts by them. Without it a put record may get a new id
  // (the contract's "else a new one is assigned"), and store_batch's
  // returned ids are the only way to find it. (Trace ids, strings, are kept
  // when free by every backend: that is the contract, not a capability.)
  bool keeps_ids = false;
  // The episode and concept roles implement do_reserve_ids (and concepts
  // do_concept_id): blocks of ids
  // no store hands out again, kept by a batch put (so keeps_ids too). The
  // core's write-behind needs it for a role that makes integer ids and
  // refuses write-behind on those roles of a plugin without it.
  bool reserves_ids = false;
};

// What a plugin tells the core about itself.
struct PluginDescriptor {
  // Must stay the first member: the core reads it before anything else.
  int abi_version = kPluginAbiVersion;
  std::string_view fingerprint = ENGRAM_BUILD_FINGERPRINT;
  std::string_view name;     // as in `plugin: <name>` and libengram-<name>.so
  std::string_view version;  // the plugin's own version
  std::vector<Role> roles;
  std::vector<OptionSpec> options;
  // Builds a backend from validated options. Throws an engram error
  // (AccessDenied, ConnectionError, CorruptData, ...) when it cannot.
  std::function<std::unique_ptr<Backend>(const BackendContext&)> create;
  // The files a backend made from `options` (validated, as `create` gets
  // them) would keep data or state in — what its Maintenance::files() lists
  // — without opening anything, so the core can protect the files of
  // backends it did not open. Optional: when empty, the core takes the
  // values of the schema's `path` options.
  std::function<std::vector<std::filesystem::path>(const Json& options)> files;
  // What the plugin promises beyond the contract; none by default.
  PluginCapabilities capabilities = {};
};

// The descriptor most plugins return: `name`, `version`, `roles`, `options`
// (an OptionTable's schema()), and a factory that makes a `BackendT` from
// the context (BackendT(const BackendContext&)). A plugin adds `files`
// when its files are not its path options, and sets `capabilities` for
// what it promises beyond the contract.
//
//   const PluginDescriptor& descriptor() {
//     static const PluginDescriptor kDescriptor = engram::describe_plugin<SqliteBackend>(
//         "sqlite", "1.0.0", {Role::kEpisodes, Role::kConcepts}, kOptions.schema());
//     return kDescriptor;
//   }
template <class BackendT>
PluginDescriptor describe_plugin(std::string_view name, std::string_view version,
                                 std::vector<Role> roles, std::vector<OptionSpec> options) {
  PluginDescriptor d;
  d.name = name;
  d.version = version;
  d.roles = std::move(roles);
  d.options = std::move(options);
  d.create = [](const BackendContext& context) -> std::unique_ptr<Backend> {
    return std::make_unique<BackendT>(context);
  };
  return d;
}

// The entry point's type.
using PluginEntryPoint = const PluginDescriptor&();

}  // namespace engram

#endif  // ENGRAM_PLUGIN_H_
