#include "engram/storage.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <system_error>
#include <utility>

#include "engram/errors.h"
#include "engram/log.h"
#include "engram/plugin_loader.h"
#include "engram/publish_file.h"
#include "write_behind_backend.h"

namespace engram {
namespace {

namespace fs = std::filesystem;

// A backend checked against its plugin, not yet opened.
struct Planned {
  const BackendConfig* config;
  Plugin plugin;
  Json options;
  std::vector<Role> roles;
};

Plugin find_backend_plugin(const Config& config, const BackendConfig& backend,
                           const std::vector<fs::path>& search_path) {
  std::string reference = backend.plugin;
  // A plugin given as a path is relative to the config's folder.
  if (reference.find('/') != std::string::npos && fs::path(reference).is_relative()) {
    reference = (config.base_dir / reference).lexically_normal().string();
  }
  try {
    return find_plugin(reference, search_path);
  } catch (const PluginError& e) {
    throw PluginError(backend.plugin_location.to_string() + ": backend `" + backend.name +
                      "`: " + e.what());
  }
}

// Checks every backend against its plugin before any is opened, so a bad
// config opens nothing.
std::vector<Planned> plan(const Config& config) {
  const std::vector<fs::path> search_path = plugin_search_path(config.plugin_path);
  std::vector<Planned> planned;
  for (const BackendConfig& backend : config.backends) {
    Plugin plugin = find_backend_plugin(config, backend, search_path);
    Json options = resolve_options(config, backend, plugin.descriptor().options);
    std::vector<Role> roles;
    for (const auto& [role, assignment] : config.roles) {
      if (assignment.backend != backend.name) continue;
      const auto& provided = plugin.descriptor().roles;
      if (std::find(provided.begin(), provided.end(), role) == provided.end()) {
        throw ConfigError(assignment.location.to_string() + ": role `" +
                          std::string(role_name(role)) + "` names backend `" + backend.name +
                          "`, whose plugin `" + std::string(plugin.descriptor().name) +
                          "` does not provide it (it provides: " +
                          role_names(plugin.descriptor().roles) + ")");
      }
      roles.push_back(role);
    }
    planned.push_back({&backend, std::move(plugin), std::move(options), std::move(roles)});
  }
  return planned;
}

// True iff `a` and `b` name one file: the same resolved path, or, when both
// exist, the same device and inode (hard links, bind mounts).
bool same_file(const fs::path& a, const fs::path& b) {
  std::error_code error;
  const fs::path ca = fs::weakly_canonical(a, error);
  if (error) return false;
  const fs::path cb = fs::weakly_canonical(b, error);
  if (error) return false;
  if (ca == cb) return true;
  return fs::equivalent(a, b, error) && !error;
}

// Moves `from` to `to`; with `replace` false, fails (EEXIST) rather than
// replace a file that appeared at `to` meanwhile.
void move_into_place(const fs::path& from, const fs::path& to, bool replace,
                     const std::string& backend) {
  std::error_code error;
  if (replace) {
    if (std::rename(from.c_str(), to.c_str()) == 0) {
      sync_folder(to.parent_path());
    } else {
      error = {errno, std::generic_category()};
    }
  } else {
    publish_file(from, to, error);
  }
  if (error) {
    throw BackendError("backup: moving the finished copy to " + to.string() + ": " +
                           std::strerror(error.value()),
                       backend, error.value());
  }
}

// A name in `target`'s folder no other process or call picks.
fs::path temporary_beside(const fs::path& target) {
  static std::atomic<unsigned> counter{0};
  return target.parent_path() / ("." + target.filename().string() + ".engram-backup-" +
                                 std::to_string(::getpid()) + "-" +
                                 std::to_string(counter.fetch_add(1)));
}

// The files a backend uses by its config, whether or not it is opened: its
// plugin's word, or else its `path` options. (An open backend's
// Maintenance::files() counts too; this covers the closed ones and a plugin
// that forgot to list a file.)
std::vector<fs::path> declared_files(const Planned& planned) {
  const PluginDescriptor& descriptor = planned.plugin.descriptor();
  if (descriptor.files) {
    try {
      return descriptor.files(planned.options);
    } catch (...) {
      // Fall back to the path options below.
    }
  }
  std::vector<fs::path> files;
  for (const OptionSpec& option : descriptor.options) {
    if (option.type != OptionType::kPath) continue;
    const auto value = planned.options.find(option.key);
    if (value != planned.options.end() && value->is_string()) {
      files.emplace_back(value->get<std::string>());
    }
  }
  return files;
}

template <class RolePtr>
RolePtr require_role(const RolePtr& handle, Role role) {
  if (!handle) {
    throw ConfigError("the config assigns no backend to role `" + std::string(role_name(role)) +
                      "` (add `" + std::string(role_name(role)) + ": <backend>` under `roles`)");
  }
  return handle;
}

}  // namespace

struct Storage::State {
  std::vector<BackendInfo> backends;
  // The files every configured backend declares, opened or not (see
  // declared_files), by backend name.
  std::vector<std::pair<std::string, std::vector<fs::path>>> declared_files;
  std::shared_ptr<WorkingMemory> working_memory;
  std::shared_ptr<EpisodeStore> episodes;
  std::shared_ptr<ConceptStore> concepts;
  std::shared_ptr<TraceStore> traces;
};

Storage Storage::open(const fs::path& file, StorageOptions options) {
  return from_config(Config::load(file), std::move(options));
}

Storage Storage::from_yaml(std::string_view yaml, StorageOptions options) {
  return from_config(Config::parse(yaml), std::move(options));
}

Storage Storage::from_config(const Config& config, StorageOptions options) {
  check_log_level_environment();
  if (config.log_level) set_log_level(*config.log_level);
  if (!options.clock) options.clock = system_clock();
  for (const std::string& name : options.only_backends) {
    const bool known = std::any_of(config.backends.begin(), config.backends.end(),
                                   [&](const BackendConfig& b) { return b.name == name; });
    if (!known) {
      std::string names;
      for (const BackendConfig& b : config.backends) names += (names.empty() ? "" : ", ") + b.name;
      throw ConfigError("no backend `" + name + "` in the config (it has: " +
                        (names.empty() ? "none" : names) + ")");
    }
  }

  auto state = std::make_unique<State>();
  for (Planned& planned : plan(config)) {
    const BackendConfig& backend = *planned.config;
    state->declared_files.emplace_back(backend.name, declared_files(planned));
    if (!options.only_backends.empty() &&
        std::find(options.only_backends.begin(), options.only_backends.end(), backend.name) ==
            options.only_backends.end()) {
      continue;
    }
    const PluginDescriptor& descriptor = planned.plugin.descriptor();
    BackendContext context{backend.name, std::move(planned.options), options.clock};
    detail::check_write_behind(backend, planned.roles, descriptor.capabilities);
    std::shared_ptr<Backend> instance = planned.plugin.create(context);
    if (backend.write_behind) {
      instance = detail::with_write_behind(std::move(instance), backend, planned.roles);
    }

    // Handles share ownership of the instance: aliasing shared_ptrs.
    const auto missing = [&](Role role) {
      return PluginError("plugin `" + std::string(descriptor.name) + "` lists role `" +
                         std::string(role_name(role)) + "` but its backend `" + backend.name +
                         "` has no object for it");
    };
    for (Role role : planned.roles) {
      switch (role) {
        case Role::kWorkingMemory:
          if (!instance->working_memory()) throw missing(role);
          state->working_memory = {instance, instance->working_memory()};
          break;
        case Role::kEpisodes:
          if (!instance->episodes()) throw missing(role);
          state->episodes = {instance, instance->episodes()};
          break;
        case Role::kConcepts:
          if (!instance->concepts()) throw missing(role);
          state->concepts = {instance, instance->concepts()};
          break;
        case Role::kTraces:
          if (!instance->traces()) throw missing(role);
          state->traces = {instance, instance->traces()};
          break;
      }
    }
    state->backends.push_back({backend.name, std::string(descriptor.name),
                               std::string(descriptor.version), planned.plugin.file(),
                               planned.roles,
                               std::shared_ptr<Maintenance>(instance, &instance->maintenance()),
                               descriptor.capabilities, descriptor.options});
    if (log_enabled(LogLevel::kInfo)) {
      log(LogLevel::kInfo, "opened backend `" + backend.name + "` (plugin `" +
                               std::string(descriptor.name) + "` " +
                               std::string(descriptor.version) +
                               ", roles: " + role_names(planned.roles) + ")");
    }
  }
  return Storage(std::move(state));
}

Storage::Storage(std::unique_ptr<State> state) : state_(std::move(state)) {}
Storage::Storage(Storage&&) noexcept = default;
Storage& Storage::operator=(Storage&&) noexcept = default;
Storage::~Storage() = default;

std::shared_ptr<WorkingMemory> Storage::working_memory() const {
  return require_role(state_->working_memory, Role::kWorkingMemory);
}
std::shared_ptr<EpisodeStore> Storage::episodes() const {
  return require_role(state_->episodes, Role::kEpisodes);
}
std::shared_ptr<ConceptStore> Storage::concepts() const {
  return require_role(state_->concepts, Role::kConcepts);
}
std::shared_ptr<TraceStore> Storage::traces() const {
  return require_role(state_->traces, Role::kTraces);
}

bool Storage::has(Role role) const noexcept {
  switch (role) {
    case Role::kWorkingMemory: return state_->working_memory != nullptr;
    case Role::kEpisodes: return state_->episodes != nullptr;
    case Role::kConcepts: return state_->concepts != nullptr;
    case Role::kTraces: return state_->traces != nullptr;
  }
  return false;
}

const std::vector<BackendInfo>& Storage::backends() const noexcept { return state_->backends; }

std::shared_ptr<Maintenance> Storage::maintenance(std::string_view backend_name) const {
  for (const BackendInfo& backend : state_->backends) {
    if (backend.name == backend_name) return backend.maintenance;
  }
  std::string names;
  for (const BackendInfo& backend : state_->backends) {
    names += (names.empty() ? "" : ", ") + backend.name;
  }
  throw ConfigError("no backend `" + std::string(backend_name) + "` is configured (backends: " +
                    (names.empty() ? "none" : names) + ")");
}

std::optional<std::string> Storage::backend_owning(const fs::path& path) const {
  for (const BackendInfo& backend : state_->backends) {
    for (const fs::path& file : backend.maintenance->files()) {
      if (same_file(path, file)) return backend.name;
    }
  }
  for (const auto& [name, files] : state_->declared_files) {
    for (const fs::path& file : files) {
      if (same_file(path, file)) return name;
    }
  }
  return std::nullopt;
}

fs::path Storage::backup(std::string_view name, std::optional<fs::path> to,
                         BackupOptions options) const {
  const std::shared_ptr<Maintenance> maintenance = this->maintenance(name);
  if (!to) return maintenance->backup(std::nullopt);
  const std::string backend(name);
  const fs::path target = fs::absolute(*to);
  if (const auto owner = backend_owning(target)) {
    throw InvalidArgument("backup: refusing to write " + target.string() + ": backend `" +
                              *owner + "` keeps its data there",
                          backend);
  }
  std::error_code error;
  const fs::file_status status = fs::status(target, error);
  if (fs::is_directory(status)) {
    throw InvalidArgument("backup: " + target.string() + " is a folder; name the file to write",
                          backend);
  }
  if (fs::exists(status) && !options.force) {
    throw InvalidArgument("backup: refusing to overwrite " + target.string() +
                              " (it exists; force replaces it)",
                          backend);
  }
  fs::create_directories(target.parent_path(), error);
  if (error) {
    throw BackendError("backup: creating the folder " + target.parent_path().string() + ": " +
                           error.message(),
                       backend, error.value());
  }
  const fs::path temporary = temporary_beside(target);
  const auto remove_temporary = [&] {
    std::error_code ignored;
    for (const char* suffix : {"", "-journal", "-wal", "-shm"}) {
      fs::remove(temporary.string() + suffix, ignored);
    }
  };
  try {
    maintenance->backup(temporary);
    move_into_place(temporary, target, options.force, backend);
  } catch (...) {
    remove_temporary();
    throw;
  }
  remove_temporary();  // whatever a backend left beside its copy
  return target;
}

void Storage::close() {
  for (BackendInfo& backend : state_->backends) backend.maintenance->close();
}

}  // namespace engram
