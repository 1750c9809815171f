// engram/log.h — engram's one logger (spdlog's "engram" logger, kept out of
// this header so hosts need no spdlog to include it).
//
// Libraries never print: the core and plugins log through here, to stderr
// by default. The level comes from the config's `log: {level: ...}`,
// overridden by the ENGRAM_LOG_LEVEL environment variable.
//
// Thread safety: every function may be called from several threads at once.
#ifndef ENGRAM_LOG_H_
#define ENGRAM_LOG_H_

#include <optional>
#include <string_view>

#include "engram/export.h"

namespace engram {

enum class LogLevel { kTrace, kDebug, kInfo, kWarn, kError, kOff };

// "trace", "debug", "info", "warn", "error", "off"; nullopt for others.
ENGRAM_API std::optional<LogLevel> log_level_from_name(std::string_view name) noexcept;

// True iff a message at `level` would be written: test before formatting.
ENGRAM_API bool log_enabled(LogLevel level) noexcept;
// Writes `message` at `level`. Never throws.
ENGRAM_API void log(LogLevel level, std::string_view message) noexcept;
// Sets the level; ENGRAM_LOG_LEVEL, when set to a valid name, wins.
ENGRAM_API void set_log_level(LogLevel level) noexcept;
// Throws ConfigError when ENGRAM_LOG_LEVEL is set to something that is not
// a level name (a typo must not silently leave the level as it was).
ENGRAM_API void check_log_level_environment();

}  // namespace engram

#endif  // ENGRAM_LOG_H_
