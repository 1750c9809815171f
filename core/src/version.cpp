#include "engram/version.h"

namespace engram {

std::string_view core_version() noexcept { return ENGRAM_VERSION; }

}  // namespace engram
