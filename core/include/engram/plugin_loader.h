// engram/plugin_loader.h — finding and loading plugins.
//
// A plugin is found by name on a search path — the config's plugin_path,
// then each folder of ENGRAM_PLUGIN_PATH (colon-separated), then the build
// tree's plugin folder, then the install prefix's — as the first
// `libengram-<name>.so` there; or by an explicit file path (any name with a
// '/'). Loading refuses, each with its own PluginError naming the file:
//   - no such file (listing every place searched),
//   - a file that is not an engram plugin (no `engram_plugin` entry point,
//     or not a loadable library),
//   - a plugin of another ABI version or build fingerprint (both values).
//
// Thread safety: all functions may be called from several threads at once;
// a Plugin is an immutable, copyable handle.
#ifndef ENGRAM_PLUGIN_LOADER_H_
#define ENGRAM_PLUGIN_LOADER_H_

#include <filesystem>
#include <memory>
#include <string_view>
#include <vector>

#include "engram/export.h"
#include "engram/plugin.h"

namespace engram {

namespace detail {
struct LoadedLibrary;
}

// A loaded plugin. Copies share the library, which stays loaded while any
// copy, or anything the plugin made, lives.
class ENGRAM_API Plugin {
 public:
  // Loads the plugin in `file`. Throws PluginError as above.
  static Plugin load(const std::filesystem::path& file);

  const PluginDescriptor& descriptor() const noexcept;
  const std::filesystem::path& file() const noexcept;

  // Builds a backend instance. The Backend, and its role objects, keep the
  // library loaded. Throws what the plugin's factory throws; an exception
  // that is not an engram error becomes BackendError.
  std::shared_ptr<Backend> create(const BackendContext& context) const;

  // What keeps the library loaded; for the core's handles.
  const std::shared_ptr<const void>& keepalive() const noexcept;

 private:
  explicit Plugin(std::shared_ptr<const detail::LoadedLibrary> library);
  std::shared_ptr<const detail::LoadedLibrary> library_;
  std::shared_ptr<const void> keepalive_;
};

// The folder the plugins installed with this core live in: "engram" beside
// the libengram-core.so this process loaded (<libdir>/engram once
// installed, lib/engram in the build tree), wherever that library was
// installed, unpacked or moved to. Empty only if the library's own path
// cannot be told.
ENGRAM_API std::filesystem::path bundled_plugin_dir();

// The search path: `config_paths`, then ENGRAM_PLUGIN_PATH's folders, then
// bundled_plugin_dir(). No folder is compiled in: an installed core never
// searches the build tree it came from.
ENGRAM_API std::vector<std::filesystem::path> plugin_search_path(
    const std::vector<std::filesystem::path>& config_paths = {});

// Finds and loads `name_or_file`: a path if it contains '/', else the first
// libengram-<name>.so on `search_path`. Throws PluginError as above; also
// when the plugin found calls itself by another name.
ENGRAM_API Plugin find_plugin(std::string_view name_or_file,
                              const std::vector<std::filesystem::path>& search_path);

// Every plugin on `search_path` (the first of each name), with the files
// that could not be loaded reported through `failures` when given.
struct PluginLoadFailure {
  std::filesystem::path file;
  std::string reason;
};
ENGRAM_API std::vector<Plugin> discover_plugins(
    const std::vector<std::filesystem::path>& search_path,
    std::vector<PluginLoadFailure>* failures = nullptr);

}  // namespace engram

#endif  // ENGRAM_PLUGIN_LOADER_H_
