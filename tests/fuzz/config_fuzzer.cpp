// Fuzzes engram::Config::parse (the YAML config) and resolve_options (a
// backend's options checked against a schema with one option of each type).
// Every error must be a ConfigError whose message starts with a location;
// a parsed config must name a configured backend for every role.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engram/config.h"
#include "fuzz_support.h"

namespace {

using engram::fuzz::finding;

const std::vector<engram::OptionSpec>& schema() {
  using engram::OptionType;
  static const std::vector<engram::OptionSpec> specs{
      {"name", OptionType::kString, "x", ""},
      {"port", OptionType::kInt, 6379, ""},
      {"ratio", OptionType::kFloat, 0.5, ""},
      {"flag", OptionType::kBool, false, ""},
      {"file_path", OptionType::kPath, "a.h5", ""},
      {"password", OptionType::kSecret, "", ""},
      {"tags", OptionType::kList, engram::Json::array(), ""},
  };
  return specs;
}

// A ConfigError's message starts "<source>:<line>:<column>: ".
void check_location(const engram::ConfigError& error) {
  const std::string_view what = error.what();
  if (!what.starts_with("<fuzz>:"))
    finding("a ConfigError without its location: " + std::string(what));
}

// `must_parse`: a refusal is a finding for the valid seeds.
template <class Body>
bool config_errors_only(const char* where, bool must_parse, Body&& body) {
  try {
    body();
    return true;
  } catch (const engram::ConfigError& error) {
    check_location(error);
    if (must_parse) engram::fuzz::refused(error);
    return false;
  } catch (const std::exception& error) {
    finding(std::string(where) + ": not a ConfigError: " + typeid(error).name() + ": " +
            error.what());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view yaml(reinterpret_cast<const char*>(data), size);
  engram::Config config;
  if (!config_errors_only("Config::parse", true,
                          [&] { config = engram::Config::parse(yaml, "/fuzz", "<fuzz>"); })) {
    return 0;
  }
  for (const auto& [role, assignment] : config.roles) {
    if (config.backend(assignment.backend) == nullptr) {
      finding("role " + std::string(engram::role_name(role)) + " names an unknown backend");
    }
  }
  // Options are checked against a schema only where the test knows it; an
  // unknown key is a ConfigError too, so every backend is tried.
  for (const engram::BackendConfig& backend : config.backends) {
    config_errors_only("resolve_options", false,
                       [&] { engram::resolve_options(config, backend, schema()); });
  }
  // Parsing is deterministic.
  const engram::Config again = engram::Config::parse(yaml, "/fuzz", "<fuzz>");
  if (again.backends.size() != config.backends.size() ||
      again.roles.size() != config.roles.size()) {
    finding("parsing the same text twice gave different configs");
  }
  return 0;
}
