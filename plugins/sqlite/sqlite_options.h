// plugins/sqlite/sqlite_options.h — the sqlite plugin's options: the seed's
// SQLiteStorage parameters and defaults plus engram's durability and
// locking knobs (SqliteOptions), the table that binds a backend's option map
// to them and gives the plugin's schema, and the connections' Settings made
// from them. backup_interval, max_backups and recall_cache_bytes are live: a
// running backend takes new values through Maintenance::set_option
// (maintenance.h).
//
// Errors: binding throws ConfigError (unknown key, wrong type, a value
// outside the range or choices declared with it), from the core's
// OptionTable.
//
// Thread safety: immutable after static initialisation.
#ifndef ENGRAM_PLUGINS_SQLITE_SQLITE_OPTIONS_H_
#define ENGRAM_PLUGINS_SQLITE_SQLITE_OPTIONS_H_

#include <cstdint>
#include <string>

#include "engram/embedding_matrix.h"
#include "engram/options.h"
#include "engram/record_limits.h"
#include "settings.h"

namespace engram::sqlite {

// The seed's SQLiteStorage parameters, with its defaults, and engram's
// durability and locking knobs.
struct SqliteOptions {
  std::string db_path = "godly_ai.db";
  std::int64_t backup_interval = 3600;
  std::int64_t max_backups = 10;
  bool enable_wal = true;
  double connection_timeout = 30.0;
  std::string synchronous = "full";
  std::int64_t max_record_bytes = kDefaultMaxRecordBytes;
  std::int64_t recall_cache_bytes = static_cast<std::int64_t>(kDefaultRecallCacheBytes);
};

// The keys, types, defaults, ranges and docs of SqliteOptions.
const OptionTable<SqliteOptions>& option_table();

// The options (their ranges checked where they were bound) in the units the
// connections use.
Settings settings_of(const SqliteOptions& options);

}  // namespace engram::sqlite

#endif  // ENGRAM_PLUGINS_SQLITE_SQLITE_OPTIONS_H_
