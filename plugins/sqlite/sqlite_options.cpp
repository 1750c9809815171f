#include "sqlite_options.h"

#include <cmath>
#include <filesystem>
#include <system_error>

namespace engram::sqlite {

namespace fs = std::filesystem;

const OptionTable<SqliteOptions>& option_table() {
  static const auto kOptions =
    OptionTable<SqliteOptions>()
        .add("db_path", &SqliteOptions::db_path, "the database file (created if absent)",
             OptionType::kPath, non_empty())
        .add("backup_interval", &SqliteOptions::backup_interval,
             "seconds between automatic backups (backup_if_due)", at_least(0))
        .live()
        .add("max_backups", &SqliteOptions::max_backups,
             "automatic backups kept beside the database; older ones are deleted", at_least(1))
        .live()
        .add("enable_wal", &SqliteOptions::enable_wal,
             "write-ahead logging: readers run while a write commits")
        // sqlite3_busy_timeout takes an int of milliseconds: about 24 days at most.
        .add("connection_timeout", &SqliteOptions::connection_timeout,
             "seconds a call waits for another connection's lock before BackendError",
             in_range(0.0, 2e6))
        // SQLite's own spelling (upper case) is taken too.
        .add("synchronous", &SqliteOptions::synchronous,
             "PRAGMA synchronous: off, normal, full or extra (full survives power loss)",
             one_of({"off", "normal", "full", "extra", "OFF", "NORMAL", "FULL", "EXTRA"}))
        .add("max_record_bytes", &SqliteOptions::max_record_bytes,
             "largest record a read may allocate; never more than the machine's memory",
             at_least(1))
        .add("recall_cache_bytes", &SqliteOptions::recall_cache_bytes,
             "bytes of embeddings recall keeps in memory (4 per float plus norm, id and filter "
             "columns per row); past it a recall streams the table; 0 never caches",
             at_least(0))
        .live();
  return kOptions;
}

Settings settings_of(const SqliteOptions& options) {
  Settings settings;
  settings.db_path = options.db_path;
  std::error_code error;
  settings.absolute_db_path = fs::absolute(settings.db_path, error).lexically_normal();
  if (error) settings.absolute_db_path = settings.db_path;
  settings.enable_wal = options.enable_wal;
  settings.busy_timeout_ms = static_cast<int>(std::lround(options.connection_timeout * 1000.0));
  for (const char c : options.synchronous) {
    settings.synchronous.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
  }
  settings.record_limit = effective_record_limit(options.max_record_bytes);
  return settings;
}

}  // namespace engram::sqlite
