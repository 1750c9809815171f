#include "database.h"

#include <system_error>

#include "schema.h"
#include "schema_recognition.h"
#include "schema_text.h"

namespace engram::sqlite {

namespace fs = std::filesystem;

std::vector<fs::path> database_files(const fs::path& db) {
  return {db, fs::path(db.string() + "-wal"), fs::path(db.string() + "-shm"),
          fs::path(db.string() + "-journal")};
}

Database::Database(const BackendContext& context, Settings settings)
    : settings_(std::move(settings)),
      origin_{context.name, settings_.db_path.string()},
      clock_(context.clock ? context.clock : system_clock()) {
  std::error_code error;
  if (fs::is_directory(settings_.db_path, error)) throw_not_a_file(origin_);
  const fs::path folder = settings_.db_path.parent_path();
  if (!folder.empty() && !fs::exists(folder, error)) {
    fs::create_directories(folder, error);
    if (error) throw_file_error(origin_, "creating the folder", folder, error);
  }
  writer_ = std::make_unique<Connection>(origin_, settings_, true);
  // Nothing is written before the file is known to be ours.
  switch (const Recognition found = recognise(read_layout(*writer_), kSchemaVersion);
          found.verdict) {
    case Verdict::kForeign:
      throw_foreign(origin_, found.why);
    case Verdict::kNewer:
      throw_newer_schema(origin_, recorded_version(*writer_), kSchemaVersion);
    case Verdict::kEmpty:
    case Verdict::kOurs:
      break;
  }
  if (settings_.enable_wal) {
    writer_->exec_retrying("PRAGMA journal_mode=WAL", "enabling write-ahead logging",
                           settings_.busy_timeout_ms);
  }
  schema_version_ = migrate(*writer_, origin_, now());
}

Database::WriterLease Database::writer() {
  auto life = enter();
  std::unique_lock lock(writer_mutex_);
  return WriterLease(std::move(life), std::move(lock), *writer_);
}

Database::ReaderLease Database::reader() {
  auto life = enter();
  std::unique_lock lock(readers_mutex_);
  readers_free_.wait(lock, [&] { return !idle_.empty() || readers_open_ < kMaxReaders; });
  if (!idle_.empty()) {
    std::unique_ptr<Connection> connection = std::move(idle_.back());
    idle_.pop_back();
    return ReaderLease(*this, std::move(life), std::move(connection));
  }
  ++readers_open_;
  lock.unlock();
  try {
    return ReaderLease(*this, std::move(life),
                       std::make_unique<Connection>(origin_, settings_, false));
  } catch (...) {
    lock.lock();
    --readers_open_;
    readers_free_.notify_one();
    throw;
  }
}

void Database::close() noexcept {
  life_.close([this] {
    std::lock_guard readers(readers_mutex_);
    idle_.clear();
    writer_.reset();
  });
}

std::shared_lock<std::shared_mutex> Database::enter() const { return life_.enter(); }

void Database::give_back(std::unique_ptr<Connection> connection) noexcept {
  std::lock_guard lock(readers_mutex_);
  idle_.push_back(std::move(connection));
  readers_free_.notify_one();
}

}  // namespace engram::sqlite
