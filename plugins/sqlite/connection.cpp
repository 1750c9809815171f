#include "connection.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <thread>
#include <utility>

namespace engram::sqlite {

Connection::Connection(const Origin& origin, const Settings& settings, bool writer)
    : origin_(origin) {
  const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (writer ? SQLITE_OPEN_CREATE : 0);
  sqlite3* raw = nullptr;
  const int code = sqlite3_open_v2(settings.db_path.c_str(), &raw, flags, nullptr);
  db_.reset(raw);  // sqlite3_open_v2 allocates a handle even when it fails
  if (code != SQLITE_OK) throw_sqlite(origin_, "opening the database", code, raw);
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, settings.busy_timeout_ms);
  if (sqlite3_db_readonly(raw, "main") == 1) throw_read_only(origin_);
  if (writer) {
    exec(settings.synchronous == "OFF"      ? "PRAGMA synchronous=OFF"
         : settings.synchronous == "NORMAL" ? "PRAGMA synchronous=NORMAL"
         : settings.synchronous == "EXTRA"  ? "PRAGMA synchronous=EXTRA"
                                            : "PRAGMA synchronous=FULL",
         "setting PRAGMA synchronous");
    exec("PRAGMA foreign_keys=ON", "enabling foreign keys");
  } else {
    exec("PRAGMA query_only=ON", "making a reader connection read-only");
    // SQLite itself refuses to load a value past max_record_bytes
    // (SQLITE_TOOBIG), so a read never allocates for one. This only
    // lowers SQLite's compiled maximum (1e9 bytes).
    sqlite3_limit(raw, SQLITE_LIMIT_LENGTH,
                  static_cast<int>(std::min<std::uint64_t>(settings.record_limit,
                                                           std::numeric_limits<int>::max())));
  }
}

Statement Connection::prepare(std::string_view sql, std::string_view doing) {
  auto found = cache_.find(sql);
  if (found == cache_.end()) {
    sqlite3_stmt* raw = nullptr;
    const int code = sqlite3_prepare_v3(db_.get(), sql.data(), static_cast<int>(sql.size()),
                                        SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
    StatementHandle statement(raw);
    if (code != SQLITE_OK) throw_sqlite(origin_, doing, code, db_.get());
    found = cache_.emplace(sql, std::move(statement)).first;
  }
  return Statement(found->second.get(), db_.get(), origin_, doing);
}

void Connection::exec(const char* sql, std::string_view doing) {
  const int code = sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr);
  if (code != SQLITE_OK) throw_sqlite(origin_, doing, code, db_.get());
}

void Connection::exec_retrying(const char* sql, std::string_view doing, int timeout_ms) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    const int code = sqlite3_exec(db_.get(), sql, nullptr, nullptr, nullptr);
    if (code == SQLITE_OK) return;
    const int primary = code & 0xff;
    if ((primary == SQLITE_BUSY || primary == SQLITE_LOCKED) &&
        std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
      continue;
    }
    throw_sqlite(origin_, doing, code, db_.get());
  }
}

}  // namespace engram::sqlite
