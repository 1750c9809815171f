#include "engram/storage.h"

#include <algorithm>
#include <map>
#include <utility>

#include "engram/errors.h"
#include "engram/log.h"
#include "engram/plugin_loader.h"

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
  if (config.log_level) set_log_level(*config.log_level);
  if (!options.clock) options.clock = system_clock();

  auto state = std::make_unique<State>();
  for (Planned& planned : plan(config)) {
    const BackendConfig& backend = *planned.config;
    const PluginDescriptor& descriptor = planned.plugin.descriptor();
    BackendContext context{backend.name, std::move(planned.options), options.clock};
    std::shared_ptr<Backend> instance = planned.plugin.create(context);

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
                               std::shared_ptr<Maintenance>(instance, &instance->maintenance())});
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

void Storage::close() {
  for (BackendInfo& backend : state_->backends) backend.maintenance->close();
}

}  // namespace engram
