#include "maintenance.h"

#include <sqlite3.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>

#include "engram/log.h"
#include "handles.h"
#include "listing.h"
#include "sqlite_errors.h"
#include "statement.h"
#include "transaction.h"

namespace engram::sqlite {

namespace fs = std::filesystem;

namespace {

// True iff `text` is a whole decimal number, then stored in `value`.
template <class Number>
bool parse_number(std::string_view text, Number& value) {
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  return !text.empty() && error == std::errc() && stop == end;
}

// An automatic backup's name: "<stem>_backup_<unix seconds>[_<n>].db"
// beside the database; n keeps backups made in one second apart.
struct BackupName {
  std::int64_t seconds = 0;
  std::int64_t n = 0;
  fs::path path;

  bool operator<(const BackupName& other) const noexcept {
    return seconds != other.seconds ? seconds < other.seconds : n < other.n;
  }
};

std::string backup_prefix(const fs::path& db_path) { return db_path.stem().string() + "_backup_"; }

// The automatic backups beside `db_path`, oldest first.
std::vector<BackupName> auto_backups(const fs::path& db_path) {
  const std::string prefix = backup_prefix(db_path);
  std::vector<BackupName> found;
  std::error_code error;
  fs::path folder = db_path.parent_path();
  if (folder.empty()) folder = ".";
  for (fs::directory_iterator it(folder, error), end; !error && it != end; it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (!name.starts_with(prefix) || !name.ends_with(".db")) continue;
    const std::string_view stamp =
        std::string_view(name).substr(prefix.size(), name.size() - prefix.size() - 3);
    BackupName backup{0, 0, it->path()};
    const std::size_t underscore = stamp.find('_');
    if (!parse_number(stamp.substr(0, underscore), backup.seconds)) continue;
    if (underscore != std::string_view::npos &&
        !parse_number(stamp.substr(underscore + 1), backup.n)) {
      continue;
    }
    found.push_back(std::move(backup));
  }
  std::sort(found.begin(), found.end());
  return found;
}
}  // namespace

Json SqliteMaintenance::stats() {
  auto reader = database_.reader();
  Json stats = Json::object();
  stats["path"] = database_.origin().path;
  stats["schema_version"] = database_.schema_version();
  std::int64_t total = 0;
  const auto count = [&](const char* key, std::string_view sql) {
    Statement query = reader->prepare(sql, "counting rows");
    const std::int64_t rows = query.step() ? query.int64(0) : 0;
    stats[key] = rows;
    total += rows;
  };
  count("episodes", "SELECT COUNT(*) FROM episodes");
  count("learning_events", "SELECT COUNT(*) FROM learning_events");
  count("concepts", "SELECT COUNT(*) FROM concepts");
  count("concept_relationships", "SELECT COUNT(*) FROM concept_relationships");
  {
    Statement pages = reader->prepare("PRAGMA page_count", "reading the page count");
    stats["page_count"] = pages.step() ? pages.int64(0) : 0;
  }
  {
    Statement size = reader->prepare("PRAGMA page_size", "reading the page size");
    stats["page_size"] = size.step() ? size.int64(0) : 0;
  }
  std::error_code error;
  const std::uintmax_t bytes = fs::file_size(database_.settings().db_path, error);
  stats["file_size_bytes"] = error ? std::uintmax_t{0} : bytes;
  stats["total"] = total;
  return stats;
}

std::filesystem::path SqliteMaintenance::backup(std::optional<std::filesystem::path> path) {
  std::lock_guard lock(backup_mutex_);
  return backup_locked(std::move(path));
}

std::optional<std::filesystem::path> SqliteMaintenance::backup_if_due() {
  std::lock_guard lock(backup_mutex_);
  const double now = database_.now();
  std::optional<double> last = last_backup_;
  const std::vector<BackupName> existing = auto_backups(database_.settings().db_path);
  if (!existing.empty()) {
    last = std::max(last.value_or(0.0), static_cast<double>(existing.back().seconds));
  }
  if (last && now - *last < static_cast<double>(live().backup_interval)) {
    auto reader = database_.reader();  // a closed backend still throws "closed"
    return std::nullopt;
  }
  return backup_locked(std::nullopt);
}

void SqliteMaintenance::compact() {
  auto writer = database_.writer();
  writer->exec("VACUUM", "compacting the database");
}

void SqliteMaintenance::clear_all() {
  auto writer = database_.writer();
  Transaction transaction(*writer);
  writer->exec("DELETE FROM concept_relationships", "clearing relationships");
  writer->exec("DELETE FROM concepts", "clearing concepts");
  writer->exec("DELETE FROM learning_events", "clearing learning events");
  writer->exec("DELETE FROM episodes", "clearing episodes");
  transaction.commit();
  recall_caches_.drop();
}

void SqliteMaintenance::sync() {
  auto writer = database_.writer();
  if (!database_.settings().enable_wal) {
    const int code = sqlite3_db_cacheflush(writer->get());
    if (code != SQLITE_OK) throw_sqlite(database_.origin(), "flushing", code, writer->get());
    return;
  }
  Statement checkpoint =
      writer->prepare("PRAGMA wal_checkpoint(FULL)", "checkpointing the write-ahead log");
  checkpoint.run();
}

std::filesystem::path SqliteMaintenance::backup_locked(std::optional<std::filesystem::path> path) {
  auto reader = database_.reader();
  const Origin& origin = database_.origin();
  const fs::path& db_path = database_.settings().db_path;
  if (path) refuse_target(*path);
  const fs::path folder = path ? path->parent_path() : db_path.parent_path();
  std::error_code error;
  PartialFile partial(folder, (path ? *path : db_path).filename().string(), error);
  if (error) {
    throw_file_error(origin, "writing a backup in", folder.empty() ? "." : folder, error);
  }
  copy_to(*reader, partial.path(),
          path ? "backing up to " + path->string() : std::string("making an automatic backup"));
  fs::path written;
  if (path) {
    if (!partial.publish(*path, error)) {
      if (error == std::errc::file_exists) throw_overwrite(origin, *path);
      throw_file_error(origin, "backing up to", *path, error);
    }
    written = *path;
  } else {
    written = publish_automatic(partial);
  }
  last_backup_ = database_.now();
  if (!path) prune();
  return written;
}

void SqliteMaintenance::refuse_target(const fs::path& target) const {
  const Origin& origin = database_.origin();
  std::error_code error;
  const fs::path wanted = fs::weakly_canonical(fs::absolute(target, error), error);
  for (const fs::path& own : database_.files()) {
    std::error_code own_error;
    const fs::path mine = fs::weakly_canonical(own, own_error);
    if (!error && !own_error && wanted == mine) throw_own_file(origin, target);
  }
  const fs::file_status status = fs::symlink_status(target, error);
  if (status.type() == fs::file_type::not_found) return;
  if (status.type() == fs::file_type::none) {
    throw_file_error(origin, "backing up to", target, error);
  }
  throw_overwrite(origin, target);
}

fs::path SqliteMaintenance::publish_automatic(PartialFile& partial) {
  const fs::path& db_path = database_.settings().db_path;
  const auto seconds = static_cast<std::int64_t>(std::floor(database_.now()));
  const std::string stem = backup_prefix(db_path) + std::to_string(seconds);
  std::int64_t n = 0;
  for (const BackupName& existing : auto_backups(db_path)) {
    if (existing.seconds == seconds) n = std::max(n, existing.n + 1);
  }
  for (;; ++n) {
    const fs::path candidate =
        db_path.parent_path() / (stem + (n == 0 ? std::string() : "_" + std::to_string(n)) + ".db");
    std::error_code error;
    if (partial.publish(candidate, error)) return candidate;
    if (error != std::errc::file_exists) {
      throw_file_error(database_.origin(), "backing up to", candidate, error);
    }
  }
}

void SqliteMaintenance::copy_to(Connection& source, const fs::path& target,
                                const std::string& doing) {
  const Origin& origin = database_.origin();
  sqlite3* raw = nullptr;
  const int opened = sqlite3_open_v2(target.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr);
  DatabaseHandle destination(raw);
  if (opened != SQLITE_OK) throw_sqlite(origin, doing, opened, raw);
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, database_.settings().busy_timeout_ms);
  BackupHandle backup(sqlite3_backup_init(raw, "main", source.get(), "main"));
  if (!backup) throw_sqlite(origin, doing, sqlite3_errcode(raw), raw);
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(database_.settings().busy_timeout_ms);
  for (;;) {
    const int code = sqlite3_backup_step(backup.get(), -1);
    if (code == SQLITE_DONE) break;
    if ((code == SQLITE_BUSY || code == SQLITE_LOCKED) &&
        std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
      continue;
    }
    if (code != SQLITE_OK) throw_sqlite(origin, doing, code, raw);
  }
  const int finished = sqlite3_backup_finish(backup.release());
  if (finished != SQLITE_OK) throw_sqlite(origin, doing, finished, raw);
}

void SqliteMaintenance::prune() {
  std::vector<BackupName> existing = auto_backups(database_.settings().db_path);
  const auto keep = static_cast<std::size_t>(live().max_backups);
  if (existing.size() <= keep) return;
  for (std::size_t i = 0; i + keep < existing.size(); ++i) {
    std::error_code error;
    fs::remove(existing[i].path, error);
    if (error) {
      log(LogLevel::kWarn, "sqlite: could not delete old backup " + existing[i].path.string() +
                               ": " + error.message());
    }
  }
}
void SqliteMaintenance::set_option(std::string_view key, const Json& value) {
  // The caches change under the writer lease, as their loads do.
  std::optional<Database::WriterLease> writer;
  if (key == "recall_cache_bytes") writer.emplace(database_.writer());
  std::lock_guard lock(live_mutex_);
  live_ = option_table().update(live_, key, value, backend_name());
  if (writer) recall_caches_.set_byte_bound(static_cast<std::size_t>(live_.recall_cache_bytes));
}

SqliteOptions SqliteMaintenance::live() const {
  std::lock_guard lock(live_mutex_);
  return live_;
}

}  // namespace engram::sqlite
