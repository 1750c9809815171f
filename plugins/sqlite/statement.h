// plugins/sqlite/statement.h — a cached prepared statement checked out for
// one use: binding parameters, stepping through rows, reading columns.
// SQLite's errors go through throw_sqlite (sqlite_errors.h), naming what the
// caller was doing; a query's row past max_record_bytes is CorruptData.
// A Statement is the ColumnRow (engram/record_columns.h) the core's record
// readers take: its current row.
//
// Thread safety: used by the one thread that holds its Connection.
#ifndef ENGRAM_PLUGINS_SQLITE_STATEMENT_H_
#define ENGRAM_PLUGINS_SQLITE_STATEMENT_H_

#include <sqlite3.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>

#include "engram/record_columns.h"
#include "sqlite_errors.h"

namespace engram::sqlite {

// A cached prepared statement, checked out for one use: the destructor
// resets it and clears its bindings, so the next use starts clean. Text
// and blobs are bound without a copy (SQLITE_STATIC): REQUIRES the bound
// bytes outlive the Statement. Column reads are on the current row (calls
// through ColumnRow are virtual; calls on a Statement are not, it is final).
class Statement final : public ColumnRow {
 public:
  Statement(sqlite3_stmt* statement, sqlite3* db, const Origin& origin, std::string_view doing)
      : statement_(statement), db_(db), origin_(origin), doing_(doing) {}
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() {
    sqlite3_reset(statement_);
    sqlite3_clear_bindings(statement_);
  }

  Statement& bind(int index, std::int64_t value) {
    return check(sqlite3_bind_int64(statement_, index, value));
  }
  Statement& bind(int index, double value) {
    return check(sqlite3_bind_double(statement_, index, value));
  }
  Statement& bind_text(int index, std::string_view text) {
    return check(sqlite3_bind_text64(statement_, index, text.empty() ? "" : text.data(),
                                     text.size(), SQLITE_STATIC, SQLITE_UTF8));
  }
  Statement& bind_blob(int index, std::span<const std::byte> bytes) {
    // A null pointer would bind NULL, not an empty blob.
    if (bytes.empty()) return check(sqlite3_bind_zeroblob(statement_, index, 0));
    return check(sqlite3_bind_blob64(statement_, index, bytes.data(), bytes.size(), SQLITE_STATIC));
  }
  Statement& bind_limit(int index, std::size_t limit) {
    const auto max = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
    return bind(index, static_cast<std::int64_t>(std::min(limit, max)));
  }

  // Steps once; true iff a row is ready.
  bool step() {
    const int code = sqlite3_step(statement_);
    if (code == SQLITE_ROW) return true;
    if (code == SQLITE_DONE) return false;
    if ((code & 0xff) == SQLITE_TOOBIG && sqlite3_stmt_readonly(statement_) != 0) {
      throw_stored_too_big(origin_, doing_);  // a query's row, not a value to store
    }
    throw_sqlite(origin_, doing_, code, db_);
  }
  // Steps to the end, ignoring rows.
  void run() {
    while (step()) {
    }
  }

  bool is_null(int column) const override {
    return sqlite3_column_type(statement_, column) == SQLITE_NULL;
  }
  std::int64_t int64(int column) const override { return sqlite3_column_int64(statement_, column); }
  double real(int column) const override { return sqlite3_column_double(statement_, column); }
  std::string text(int column) const override {
    const auto* data = sqlite3_column_text(statement_, column);
    const auto size = static_cast<std::size_t>(sqlite3_column_bytes(statement_, column));
    return data == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(data), size);
  }
  // The stored size of a blob or text value, without copying it.
  std::size_t bytes(int column) const override {
    return static_cast<std::size_t>(sqlite3_column_bytes(statement_, column));
  }
  // Valid until the next step or the Statement's end.
  std::span<const std::byte> blob(int column) const override {
    const void* data = sqlite3_column_blob(statement_, column);
    const auto size = static_cast<std::size_t>(sqlite3_column_bytes(statement_, column));
    return {static_cast<const std::byte*>(data), data == nullptr ? 0 : size};
  }

 private:
  Statement& check(int code) {
    if (code != SQLITE_OK) throw_sqlite(origin_, doing_, code, db_);
    return *this;
  }

  sqlite3_stmt* statement_;
  sqlite3* db_;
  const Origin& origin_;
  std::string_view doing_;
};

}  // namespace engram::sqlite

#endif  // ENGRAM_PLUGINS_SQLITE_STATEMENT_H_
