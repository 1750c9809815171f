#include "engram/plugin.h"

#include <algorithm>
#include <cmath>
#include <sstream>

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

namespace {

// A bound as the option's type shows it: 65535, not 65535.000000.
std::string bound_text(double bound, OptionType type) {
  if (type == OptionType::kInt || (std::trunc(bound) == bound && std::abs(bound) < 1e15)) {
    return std::to_string(static_cast<std::int64_t>(bound));
  }
  std::ostringstream out;
  out << bound;
  return out.str();
}

std::string value_text(const Json& value, OptionType type) {
  if (type == OptionType::kSecret) return "another value (a secret, not shown)";
  if (value.is_string()) return "`" + value.get<std::string>() + "`";
  return value.dump();
}

}  // namespace

std::optional<std::string> option_problem(const OptionSpec& spec, const Json& value) {
  const OptionConstraint& constraint = spec.constraint;
  if (value.is_number() && (constraint.min || constraint.max)) {
    const double number = value.get<double>();
    const bool low = constraint.min && number < *constraint.min;
    const bool high = constraint.max && number > *constraint.max;
    if (low || high) {
      std::string range;
      if (constraint.min && constraint.max) {
        range = "from " + bound_text(*constraint.min, spec.type) + " to " +
                bound_text(*constraint.max, spec.type);
      } else if (constraint.min) {
        range = "at least " + bound_text(*constraint.min, spec.type);
      } else {
        range = "at most " + bound_text(*constraint.max, spec.type);
      }
      return "must be " + range + ", got " + value_text(value, spec.type);
    }
  }
  if (constraint.non_empty && ((value.is_string() && value.get_ref<const std::string&>().empty()) ||
                               (value.is_array() && value.empty()))) {
    return std::string("must not be empty");
  }
  if (!constraint.choices.empty() && value.is_string()) {
    const auto& text = value.get_ref<const std::string&>();
    if (std::find(constraint.choices.begin(), constraint.choices.end(), text) ==
        constraint.choices.end()) {
      std::string allowed;
      for (const std::string& choice : constraint.choices) {
        allowed += (allowed.empty() ? "" : ", ") + choice;
      }
      return "must be one of " + allowed + ", got " + value_text(value, spec.type);
    }
  }
  return std::nullopt;
}

Backend::~Backend() = default;
WorkingMemory* Backend::working_memory() noexcept { return nullptr; }
EpisodeStore* Backend::episodes() noexcept { return nullptr; }
ConceptStore* Backend::concepts() noexcept { return nullptr; }
TraceStore* Backend::traces() noexcept { return nullptr; }

}  // namespace engram
