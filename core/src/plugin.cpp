#include "engram/plugin.h"

namespace engram {

std::string_view core_build_fingerprint() noexcept { return ENGRAM_BUILD_FINGERPRINT; }

std::string_view role_name(Role role) noexcept {
  switch (role) {
    case Role::kWorkingMemory: return "working_memory";
    case Role::kEpisodes: return "episodes";
    case Role::kConcepts: return "concepts";
    case Role::kTraces: return "traces";
  }
  return "unknown";
}

std::optional<Role> role_from_name(std::string_view name) noexcept {
  for (Role role : kAllRoles) {
    if (role_name(role) == name) return role;
  }
  return std::nullopt;
}

std::string role_names(const std::vector<Role>& roles) {
  std::string text;
  for (Role role : roles) {
    if (!text.empty()) text += ", ";
    text += role_name(role);
  }
  return text.empty() ? "none" : text;
}

std::string_view option_type_name(OptionType type) noexcept {
  switch (type) {
    case OptionType::kString: return "string";
    case OptionType::kInt: return "int";
    case OptionType::kFloat: return "float";
    case OptionType::kBool: return "bool";
    case OptionType::kPath: return "path";
    case OptionType::kSecret: return "secret";
    case OptionType::kList: return "list";
  }
  return "unknown";
}

Backend::~Backend() = default;
WorkingMemory* Backend::working_memory() noexcept { return nullptr; }
EpisodeStore* Backend::episodes() noexcept { return nullptr; }
ConceptStore* Backend::concepts() noexcept { return nullptr; }
TraceStore* Backend::traces() noexcept { return nullptr; }

}  // namespace engram
