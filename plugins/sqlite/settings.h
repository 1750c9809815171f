// plugins/sqlite/settings.h — the sqlite plugin's options in the units its
// connections use (milliseconds, PRAGMA words, bytes). Made from the
// options by settings_of (sqlite_plugin.cpp), which has the defaults and
// whose option table has the ranges; read-only after. (The live options,
// backup_interval and max_backups, are the maintenance's: maintenance.h.)
//
// Thread safety: a plain value.
#ifndef ENGRAM_PLUGINS_SQLITE_SETTINGS_H_
#define ENGRAM_PLUGINS_SQLITE_SETTINGS_H_

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

namespace engram::sqlite {

struct Settings {
  std::filesystem::path db_path;
  std::filesystem::path absolute_db_path;  // db_path made absolute when the backend opened
  bool enable_wal = false;
  int busy_timeout_ms = 0;
  std::string synchronous;         // OFF, NORMAL, FULL or EXTRA
  std::uint64_t record_limit = 0;  // max_record_bytes, at most the machine's memory
};

}  // namespace engram::sqlite

#endif  // ENGRAM_PLUGINS_SQLITE_SETTINGS_H_
