// Plugins that the loader must refuse, one per refusal; which one is chosen
// at build time by ENGRAM_TEST_PLUGIN_KIND.
#include <boost/dll/alias.hpp>

#include "engram/plugin.h"

namespace {

#if ENGRAM_TEST_PLUGIN_KIND == 1  // exports no entry point at all

extern "C" __attribute__((visibility("default"))) int engram_not_a_plugin() { return 1; }

#else

const engram::PluginDescriptor& descriptor() {
  static const engram::PluginDescriptor d = [] {
    engram::PluginDescriptor made;
    made.name = "refused";
    made.version = "0.0.1";
    made.roles = {engram::Role::kEpisodes};
    made.create = [](const engram::BackendContext&) -> std::unique_ptr<engram::Backend> {
      return nullptr;
    };
#if ENGRAM_TEST_PLUGIN_KIND == 2  // built for another ABI
    made.abi_version = engram::kPluginAbiVersion + 1;
#elif ENGRAM_TEST_PLUGIN_KIND == 3  // built with another compiler or library
    made.fingerprint = "compiler 0.0; libstdc++ cxx11 abi 0; nlohmann_json 0.0.0";
#elif ENGRAM_TEST_PLUGIN_KIND == 4  // a file name that is not its name: libengram-misnamed.so
    made.name = "somebody-else";
#elif ENGRAM_TEST_PLUGIN_KIND == 5  // a valid plugin whose factory makes nothing
    made.name = "empty";
#endif
    return made;
  }();
  return d;
}

#endif

}  // namespace

#if ENGRAM_TEST_PLUGIN_KIND != 1
BOOST_DLL_ALIAS(descriptor, engram_plugin)
#endif
