#include "engram/plugin_loader.h"

#include <dlfcn.h>

#include <boost/dll/shared_library.hpp>
#include <cstdlib>
#include <set>
#include <sstream>
#include <string>
#include <system_error>
#include <type_traits>

#include "engram/errors.h"
#include "engram/log.h"
#include "role_access.h"

namespace engram {

namespace detail {

// A loaded plugin library and the descriptor it gave. Destroying it unloads
// the library, so everything the plugin made holds a reference to it.
struct LoadedLibrary {
  boost::dll::shared_library library;
  const PluginDescriptor* descriptor = nullptr;
  std::filesystem::path file;
};

}  // namespace detail

namespace {

namespace fs = std::filesystem;

constexpr std::string_view kFilePrefix = "libengram-";
constexpr std::string_view kFileSuffix = ".so";

[[noreturn]] void refuse(const fs::path& file, const std::string& why) {
  throw PluginError("cannot load plugin " + file.string() + ": " + why);
}

// The plugin name a file name stands for: libengram-<name>.so → <name>.
std::optional<std::string> plugin_name_of(const fs::path& file) {
  const std::string name = file.filename().string();
  if (name.size() <= kFilePrefix.size() + kFileSuffix.size() || !name.starts_with(kFilePrefix) ||
      !name.ends_with(kFileSuffix)) {
    return std::nullopt;
  }
  return name.substr(kFilePrefix.size(), name.size() - kFilePrefix.size() - kFileSuffix.size());
}

}  // namespace

Plugin::Plugin(std::shared_ptr<const detail::LoadedLibrary> library)
    : library_(std::move(library)), keepalive_(library_) {}

Plugin Plugin::load(const fs::path& file) {
  std::error_code status;
  if (!fs::exists(file, status)) refuse(file, "no such file");
  if (fs::is_directory(file, status)) refuse(file, "it is a directory");

  auto loaded = std::make_shared<detail::LoadedLibrary>();
  loaded->file = fs::absolute(file).lexically_normal();
  // RTLD_LOCAL: plugins do not see each other's symbols; RTLD_NOW: an
  // unresolved symbol fails here, not at the first call.
  loaded->library.load(loaded->file, status,
                       boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  if (status) {
    const char* reason = dlerror();
    refuse(loaded->file, std::string("not a loadable shared library (") +
                             (reason ? reason : status.message()) + ")");
  }
  if (!loaded->library.has(kPluginEntryPoint)) {
    refuse(loaded->file, std::string("not an engram plugin: it exports no `") +
                             kPluginEntryPoint + "` entry point");
  }
  try {
    auto& entry = loaded->library.get_alias<PluginEntryPoint>(kPluginEntryPoint);
    loaded->descriptor = &entry();
  } catch (const std::exception& e) {
    refuse(loaded->file, std::string("its entry point failed: ") + e.what());
  }

  const PluginDescriptor& descriptor = *loaded->descriptor;
  // The ABI number is read first: it is the one field whose place every ABI
  // version agrees on.
  if (descriptor.abi_version != kPluginAbiVersion) {
    refuse(loaded->file, "built for engram plugin ABI " + std::to_string(descriptor.abi_version) +
                             ", but this engram core has ABI " +
                             std::to_string(kPluginAbiVersion) + "; rebuild the plugin");
  }
  if (descriptor.fingerprint != core_build_fingerprint()) {
    refuse(loaded->file, "built with [" + std::string(descriptor.fingerprint) +
                             "], but this engram core was built with [" +
                             std::string(core_build_fingerprint()) + "]; rebuild the plugin");
  }
  if (descriptor.name.empty() || !descriptor.create) {
    refuse(loaded->file, "its descriptor has no name or no factory");
  }
  return Plugin(std::move(loaded));
}

const PluginDescriptor& Plugin::descriptor() const noexcept { return *library_->descriptor; }
const fs::path& Plugin::file() const noexcept { return library_->file; }
const std::shared_ptr<const void>& Plugin::keepalive() const noexcept { return keepalive_; }

std::shared_ptr<Backend> Plugin::create(const BackendContext& context) const {
  std::unique_ptr<Backend> made;
  try {
    made = descriptor().create(context);
  } catch (const StorageError&) {
    throw;  // an engram error: its type is the core's, safe past an unload
  } catch (const std::exception& e) {
    throw BackendError("opening backend `" + context.name + "`: " + e.what(),
                       std::string(descriptor().name));
  }
  if (!made) {
    throw PluginError("plugin `" + std::string(descriptor().name) + "` (" + file().string() +
                      ") made no backend for `" + context.name + "`");
  }
  // Role objects tie the arrays they return to the library, answer
  // maintenance() with their backend's, and read "now" from the clock their
  // backend was given.
  Backend& backend = *made;
  const std::shared_ptr<const Clock> clock = context.clock ? context.clock : system_clock();
  const auto attach = [&](auto* role) {
    if (role == nullptr) return;
    detail::RoleAccess::set_library(*role, keepalive_);
    detail::RoleAccess::set_maintenance(*role, backend.maintenance());
    if constexpr (!std::is_same_v<decltype(role), TraceStore*>) {
      detail::RoleAccess::set_clock(*role, clock);
    }
  };
  attach(backend.working_memory());
  attach(backend.episodes());
  attach(backend.concepts());
  attach(backend.traces());

  // The deleter runs in the core: it destroys the backend (plugin code)
  // while the library is loaded, and only then lets the library go.
  return std::shared_ptr<Backend>(made.release(),
                                  [library = library_](Backend* instance) mutable {
                                    delete instance;
                                    library.reset();
                                  });
}

fs::path bundled_plugin_dir() {
  // dladdr names the file of the object holding this function: the core.
  Dl_info info{};
  if (::dladdr(reinterpret_cast<const void*>(&bundled_plugin_dir), &info) == 0 ||
      info.dli_fname == nullptr || info.dli_fname[0] == '\0') {
    return {};
  }
  // Through symlinks to where the library really is: its plugins are there.
  std::error_code error;
  fs::path library = fs::canonical(info.dli_fname, error);
  if (error) library = info.dli_fname;
  return library.parent_path() / "engram";
}

std::vector<fs::path> plugin_search_path(const std::vector<fs::path>& config_paths) {
  std::vector<fs::path> path = config_paths;
  if (const char* env = std::getenv("ENGRAM_PLUGIN_PATH")) {
    std::stringstream entries(env);
    std::string entry;
    while (std::getline(entries, entry, ':')) {
      if (!entry.empty()) path.emplace_back(entry);
    }
  }
  if (fs::path bundled = bundled_plugin_dir(); !bundled.empty()) {
    path.push_back(std::move(bundled));
  }
  return path;
}

Plugin find_plugin(std::string_view name_or_file, const std::vector<fs::path>& search_path) {
  if (name_or_file.find('/') != std::string_view::npos) return Plugin::load(name_or_file);
  const std::string name(name_or_file);
  if (name.empty() || name.find_first_of(" \t\n\\") != std::string::npos) {
    throw PluginError("`" + name + "` is not a plugin name");
  }
  const std::string file_name = std::string(kFilePrefix) + name + std::string(kFileSuffix);
  std::string searched;
  for (const fs::path& folder : search_path) {
    const fs::path candidate = folder / file_name;
    std::error_code status;
    if (fs::exists(candidate, status)) {
      Plugin plugin = Plugin::load(candidate);
      if (plugin.descriptor().name != name) {
        throw PluginError("plugin file " + plugin.file().string() + " calls itself `" +
                          std::string(plugin.descriptor().name) + "`, not `" + name + "`");
      }
      if (log_enabled(LogLevel::kDebug)) {
        log(LogLevel::kDebug, "plugin `" + name + "` " + std::string(plugin.descriptor().version) +
                                  " loaded from " + plugin.file().string() +
                                  " (roles: " + role_names(plugin.descriptor().roles) + ")");
      }
      return plugin;
    }
    searched += "\n  " + candidate.string();
  }
  throw PluginError("no plugin `" + name + "` found; searched:" + searched +
                    "\n(add its folder to the config's plugin_path or to ENGRAM_PLUGIN_PATH)");
}

std::vector<Plugin> discover_plugins(const std::vector<fs::path>& search_path,
                                     std::vector<PluginLoadFailure>* failures) {
  std::vector<Plugin> plugins;
  std::set<std::string> seen;
  for (const fs::path& folder : search_path) {
    std::error_code status;
    if (!fs::is_directory(folder, status)) continue;
    std::set<fs::path> files;  // sorted, for a stable listing
    for (const auto& entry : fs::directory_iterator(folder, status)) {
      if (plugin_name_of(entry.path())) files.insert(entry.path());
    }
    for (const fs::path& file : files) {
      const std::string name = *plugin_name_of(file);
      if (seen.contains(name)) continue;  // an earlier folder wins
      try {
        Plugin plugin = Plugin::load(file);
        seen.insert(name);
        plugins.push_back(std::move(plugin));
      } catch (const StorageError& e) {
        if (failures) failures->push_back({file, e.what()});
      }
    }
  }
  return plugins;
}

}  // namespace engram
