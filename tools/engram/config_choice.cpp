#include "config_choice.h"

#include <cstdlib>
#include <filesystem>

#include "default_config.h"

namespace engram::tool {

ChosenConfig choose_config(const std::string& flag_value) {
  if (!flag_value.empty()) return {Config::load(flag_value), flag_value};
  if (const char* env = std::getenv("ENGRAM_CONFIG"); env && *env) {
    return {Config::load(env), std::string(env) + " (from $ENGRAM_CONFIG)"};
  }
  const std::filesystem::path local = "config/engram.yaml";
  std::error_code status;
  if (std::filesystem::exists(local, status)) return {Config::load(local), local.string()};
  return {Config::parse(kEmbeddedDefaultConfig, std::filesystem::current_path(),
                        "<embedded config/engram.yaml>"),
          "embedded default (config/engram.yaml)"};
}

}  // namespace engram::tool
