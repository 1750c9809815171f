// engram/version.h — which engram a program is running.
//
// The library's version is the project's (major.minor.patch); a minor
// version is one plugin ABI (engram/plugin.h's kPluginAbiVersion), so a host
// built against 0.2 runs with any 0.2.x core and its plugins. At build time
// the CMake package (`find_package(engram 0.2 CONFIG)`) and engram.pc carry
// the same version.
//
// Thread safety: may be called from any thread.
#ifndef ENGRAM_VERSION_H_
#define ENGRAM_VERSION_H_

#include <string_view>

#include "engram/export.h"

namespace engram {

// The core library's version, "0.2.0": the library the process loaded, not
// the headers it was compiled against.
ENGRAM_API std::string_view core_version() noexcept;

}  // namespace engram

#endif  // ENGRAM_VERSION_H_
