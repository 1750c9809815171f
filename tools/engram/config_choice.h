// Which config an `engram` command uses: --config FILE, else $ENGRAM_CONFIG,
// else ./config/engram.yaml, else the copy of config/engram.yaml compiled
// into the tool.
#pragma once

#include <string>

#include "engram/config.h"

namespace engram::tool {

struct ChosenConfig {
  Config config;
  std::string described;  // "config/engram.yaml", "embedded default", ...
};

// Throws ConfigError as Config::load / parse do.
ChosenConfig choose_config(const std::string& flag_value);

}  // namespace engram::tool
