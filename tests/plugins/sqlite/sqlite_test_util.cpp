#include "sqlite_test_util.h"

#include <sqlite3.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>
#include <system_error>
#include <vector>

namespace fs = std::filesystem;

namespace sqlite_test {

std::string sqlite_config(const fs::path& db_path, std::string_view extra_options) {
  return std::string("version: 1\nbackends:\n  db: {plugin: sqlite, db_path: \"") +
         db_path.string() + "\"" + std::string(extra_options) +
         "}\nroles: {episodes: db, concepts: db}\n";
}

engram::Storage open_sqlite(const fs::path& db_path, std::string_view extra_options) {
  return engram::Storage::from_yaml(sqlite_config(db_path, extra_options));
}

RawDb::RawDb(const fs::path& path, bool read_only) {
  const int flags = read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE;
  if (sqlite3_open_v2(path.c_str(), &db_, flags, nullptr) != SQLITE_OK) {
    std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
    sqlite3_close(db_);
    db_ = nullptr;
    throw std::runtime_error(std::string("cannot open ") + path.string() + ": " + message);
  }
  sqlite3_busy_timeout(db_, 30'000);
}

RawDb::~RawDb() { sqlite3_close(db_); }

void RawDb::exec(const std::string& sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : sqlite3_errmsg(db_);
    sqlite3_free(error);
    throw std::runtime_error(std::string("sqlite3_exec(") + sql + "): " + message);
  }
}

namespace {

// A prepared statement stepped to its first row.
class FirstRow {
 public:
  FirstRow(sqlite3* db, const std::string& sql) {
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt_, nullptr) != SQLITE_OK) {
      throw std::runtime_error(std::string("prepare(") + sql + "): " + sqlite3_errmsg(db));
    }
    const int rc = sqlite3_step(stmt_);
    if (rc != SQLITE_ROW) {
      std::string message = rc == SQLITE_DONE ? "no row" : sqlite3_errmsg(db);
      sqlite3_finalize(stmt_);
      throw std::runtime_error(std::string("step(") + sql + "): " + message);
    }
  }
  ~FirstRow() { sqlite3_finalize(stmt_); }
  FirstRow(const FirstRow&) = delete;
  FirstRow& operator=(const FirstRow&) = delete;
  sqlite3_stmt* get() const noexcept { return stmt_; }

 private:
  sqlite3_stmt* stmt_ = nullptr;
};

}  // namespace

std::int64_t RawDb::scalar_int(const std::string& sql) {
  FirstRow row(db_, sql);
  return sqlite3_column_int64(row.get(), 0);
}

double RawDb::scalar_double(const std::string& sql) {
  FirstRow row(db_, sql);
  return sqlite3_column_double(row.get(), 0);
}

std::string RawDb::scalar_text(const std::string& sql) {
  FirstRow row(db_, sql);
  const auto* text = sqlite3_column_text(row.get(), 0);
  return text ? std::string(reinterpret_cast<const char*>(text),
                            static_cast<std::size_t>(sqlite3_column_bytes(row.get(), 0)))
              : std::string();
}

bool RawDb::scalar_is_null(const std::string& sql) {
  FirstRow row(db_, sql);
  return sqlite3_column_type(row.get(), 0) == SQLITE_NULL;
}

std::string RawDb::integrity_check() {
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db_, "PRAGMA integrity_check", -1, &stmt, nullptr) != SQLITE_OK) {
    return std::string("prepare failed: ") + sqlite3_errmsg(db_);
  }
  std::string result;
  int rc = 0;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    if (!result.empty()) result += '\n';
    const auto* text = sqlite3_column_text(stmt, 0);
    result += text ? reinterpret_cast<const char*>(text) : "(null)";
  }
  if (rc != SQLITE_DONE) result += std::string("\nstep failed: ") + sqlite3_errmsg(db_);
  sqlite3_finalize(stmt);
  return result;
}

fs::path copy_fixture(const TempDir& dir, std::string_view name) {
  const fs::path source = fs::path(ENGRAM_SEED_FIXTURES_DIR) / name;
  const fs::path target = dir / name;
  fs::copy_file(source, target);
  fs::permissions(target, fs::perms::owner_read | fs::perms::owner_write);
  return target;
}

}  // namespace sqlite_test
