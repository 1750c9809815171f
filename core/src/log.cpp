#include "engram/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <string>

#include "engram/errors.h"

namespace engram {
namespace {

spdlog::level::level_enum to_spdlog(LogLevel level) {
  switch (level) {
    case LogLevel::kTrace: return spdlog::level::trace;
    case LogLevel::kDebug: return spdlog::level::debug;
    case LogLevel::kInfo: return spdlog::level::info;
    case LogLevel::kWarn: return spdlog::level::warn;
    case LogLevel::kError: return spdlog::level::err;
    case LogLevel::kOff: return spdlog::level::off;
  }
  return spdlog::level::info;
}

std::optional<LogLevel> level_from_environment() {
  const char* name = std::getenv("ENGRAM_LOG_LEVEL");
  return name ? log_level_from_name(name) : std::nullopt;
}

// The "engram" logger: to stderr, never stdout; warnings and worse unless
// configured otherwise. Shared through spdlog's registry, so a plugin asking
// spdlog for "engram" gets the same one.
spdlog::logger& logger() {
  static const std::shared_ptr<spdlog::logger> instance = [] {
    auto existing = spdlog::get("engram");
    if (existing) return existing;
    auto created = spdlog::stderr_color_mt("engram");
    created->set_level(to_spdlog(level_from_environment().value_or(LogLevel::kWarn)));
    return created;
  }();
  return *instance;
}

}  // namespace

std::optional<LogLevel> log_level_from_name(std::string_view name) noexcept {
  if (name == "trace") return LogLevel::kTrace;
  if (name == "debug") return LogLevel::kDebug;
  if (name == "info") return LogLevel::kInfo;
  if (name == "warn" || name == "warning") return LogLevel::kWarn;
  if (name == "error") return LogLevel::kError;
  if (name == "off") return LogLevel::kOff;
  return std::nullopt;
}

bool log_enabled(LogLevel level) noexcept {
  try {
    return logger().should_log(to_spdlog(level));
  } catch (...) {
    return false;
  }
}

void log(LogLevel level, std::string_view message) noexcept {
  try {
    logger().log(to_spdlog(level), "{}", message);
  } catch (...) {
    // Logging must never take a storage call down with it.
  }
}

void check_log_level_environment() {
  const char* name = std::getenv("ENGRAM_LOG_LEVEL");
  if (name && !log_level_from_name(name)) {
    throw ConfigError(std::string("ENGRAM_LOG_LEVEL=") + name +
                      " is not a log level (trace, debug, info, warn, error, off)");
  }
}

void set_log_level(LogLevel level) noexcept {
  try {
    logger().set_level(to_spdlog(level_from_environment().value_or(level)));
  } catch (...) {
  }
}

}  // namespace engram
