// Helpers shared by the sqlite plugin's tests: temporary folders, engram
// configs for one sqlite backend, a small sqlite3 handle to inspect files
// engram wrote, and running other programs (sqlite3 CLI, Python).
#ifndef ENGRAM_TESTS_SQLITE_TEST_UTIL_H_
#define ENGRAM_TESTS_SQLITE_TEST_UTIL_H_

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "engram/storage.h"
#include "shell.h"
#include "temp_dir.h"

struct sqlite3;

namespace sqlite_test {

using engram_test::capture;
using engram_test::run;
using engram_test::shell_quote;
using engram_test::TempDir;

// Config text for one sqlite backend "db" serving episodes and concepts.
// `extra_options` is appended inside the backend's flow map, e.g.
// ", max_backups: 3".
std::string sqlite_config(const std::filesystem::path& db_path,
                          std::string_view extra_options = {});
engram::Storage open_sqlite(const std::filesystem::path& db_path,
                            std::string_view extra_options = {});

// A raw sqlite3 connection for inspection (not through engram).
class RawDb {
 public:
  explicit RawDb(const std::filesystem::path& path, bool read_only = false);
  ~RawDb();
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  // Runs `sql` (one or more statements); throws std::runtime_error on error.
  void exec(const std::string& sql);
  // The first column of the first row (throws if there is no row).
  std::int64_t scalar_int(const std::string& sql);
  double scalar_double(const std::string& sql);
  std::string scalar_text(const std::string& sql);
  // True iff the first column of the first row is NULL.
  bool scalar_is_null(const std::string& sql);
  std::int64_t count(const std::string& table) {
    return scalar_int("SELECT count(*) FROM " + table);
  }
  // PRAGMA integrity_check's rows joined by '\n' ("ok" when sound).
  std::string integrity_check();

  sqlite3* handle() const noexcept { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

// Copies a seed fixture into `dir` (writable copy); returns the copy's path.
std::filesystem::path copy_fixture(const TempDir& dir, std::string_view name);

}  // namespace sqlite_test

#endif  // ENGRAM_TESTS_SQLITE_TEST_UTIL_H_
