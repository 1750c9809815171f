// engram/storage.h — a host's entry point: the backends a config names, and
// the four role objects.
//
//   engram::Storage storage = engram::Storage::open("config/engram.yaml");
//   auto episodes = storage.episodes();
//   std::int64_t id = episodes->store_episode(experience, 0.9, "maze");
//
// Storage creates one instance per configured backend (two roles naming one
// backend share it). Role objects are handles that share ownership of their
// backend instance: a handle stays usable after Storage is gone. An
// instance closes when its last handle goes, or at an explicit close() on
// Storage or on its Maintenance; a call after an explicit close throws
// StorageError("closed").
//
// Thread safety: Storage's const methods may be called from several threads
// at once; the role objects and Maintenance are thread-safe.
#ifndef ENGRAM_STORAGE_H_
#define ENGRAM_STORAGE_H_

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engram/clock.h"
#include "engram/concept_store.h"
#include "engram/config.h"
#include "engram/episode_store.h"
#include "engram/export.h"
#include "engram/maintenance.h"
#include "engram/plugin.h"
#include "engram/trace_store.h"
#include "engram/working_memory.h"

namespace engram {

struct StorageOptions {
  // The clock handed to every backend (engram/clock.h).
  std::shared_ptr<const Clock> clock = system_clock();
  // Open only these backends (the config's names); empty for all. The whole
  // config is still checked; a name the config lacks is ConfigError. Roles
  // on backends left closed are absent (has() is false).
  std::vector<std::string> only_backends;
};

// How Storage::backup treats its target.
struct BackupOptions {
  // Replace an existing file at the target. Never a file a backend uses.
  bool force = false;
};

// One configured backend instance.
struct BackendInfo {
  std::string name;         // the config's key
  std::string plugin;       // the plugin's name
  std::string plugin_version;
  std::filesystem::path plugin_file;
  std::vector<Role> roles;  // the roles the config assigns to it
  std::shared_ptr<Maintenance> maintenance;
  // What its plugin's descriptor promises beyond the contract (plugin.h).
  PluginCapabilities capabilities;
  // Its plugin's options (keys, types, defaults, constraints; `live` ones
  // take Maintenance::set_option).
  std::vector<OptionSpec> options;
};

class ENGRAM_API Storage {
 public:
  // Opens the backends of the config file `file`. Throws ConfigError (bad
  // config, options that do not fit a plugin's schema, a role a plugin does
  // not provide), PluginError, or what a backend throws when it opens.
  static Storage open(const std::filesystem::path& file, StorageOptions options = {});
  // The same from config text; `path` options resolve against the current
  // folder.
  static Storage from_yaml(std::string_view yaml, StorageOptions options = {});
  static Storage from_config(const Config& config, StorageOptions options = {});

  // A moved-from Storage may only be destroyed or assigned to.
  Storage(Storage&&) noexcept;
  Storage& operator=(Storage&&) noexcept;
  ~Storage();

  // The role objects. Throw ConfigError naming the role when the config
  // did not assign it.
  std::shared_ptr<WorkingMemory> working_memory() const;
  std::shared_ptr<EpisodeStore> episodes() const;
  std::shared_ptr<ConceptStore> concepts() const;
  std::shared_ptr<TraceStore> traces() const;
  // True iff the config assigned `role`.
  bool has(Role role) const noexcept;

  // Every backend instance, in config order.
  const std::vector<BackendInfo>& backends() const noexcept;
  // The maintenance interface of backend `name`; ConfigError if none.
  std::shared_ptr<Maintenance> maintenance(std::string_view backend_name) const;

  // The backend of this Storage that keeps data or state in `path` (by its
  // Maintenance::files(), comparing resolved paths and, for files that
  // exist, device and inode), or nullopt when none does.
  std::optional<std::string> backend_owning(const std::filesystem::path& path) const;

  // Backend `name`'s Maintenance::backup, made safe: with a `to`, refuses
  // (InvalidArgument, nothing written) a path any backend of this Storage
  // uses, a folder, and an existing file unless options.force; writes to a
  // temporary name in the target's folder and renames it into place, so a
  // failed backup leaves nothing behind and no reader sees half a file.
  // Without a `to`, the backend picks a fresh name beside its data. Returns
  // the path written. Throws ConfigError for an unknown backend, and what
  // the backend throws.
  std::filesystem::path backup(std::string_view name,
                               std::optional<std::filesystem::path> to = std::nullopt,
                               BackupOptions options = {}) const;

  // Closes every backend instance (see above). Idempotent.
  void close();

 private:
  struct State;
  explicit Storage(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace engram

#endif  // ENGRAM_STORAGE_H_
