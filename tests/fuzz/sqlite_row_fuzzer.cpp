// Fuzzes how the sqlite plugin decodes its rows, as a black box: the fuzzed
// bytes are written into one column of a row of an engram database (through
// SQLite's C API, as blob, text, integer, real or null), then every read of
// that row goes through the plugin, loaded by the core. Reads must return or
// throw an engram StorageError; anything else is a finding. The row is put
// back after each input, so inputs do not affect each other.
//
// Input: byte 0 picks the column (low 5 bits) and the storage class (high 3
// bits); the rest is the value.
#include <sqlite3.h>
#include <unistd.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "engram/npy.h"
#include "engram/storage.h"
#include "fuzz_support.h"

namespace {

using engram::fuzz::finding;
namespace fs = std::filesystem;

struct Column {
  const char* table;
  const char* name;
};

// The columns a read decodes (ids and the created_at bookkeeping aside).
constexpr Column kColumns[] = {
    {"episodes", "experience_data"},
    {"episodes", "metadata"},
    {"episodes", "context_hash"},
    {"episodes", "timestamp"},
    {"episodes", "performance_score"},
    {"concepts", "embedding"},
    {"concepts", "metadata"},
    {"concepts", "name"},
    {"concepts", "creation_time"},
    {"concepts", "access_count"},
    {"concepts", "last_accessed"},
    {"learning_events", "parameters"},
    {"learning_events", "task_type"},
    {"learning_events", "strategy_used"},
    {"learning_events", "performance_delta"},
    {"learning_events", "timestamp"},
    {"concept_relationships", "relationship_type"},
    {"concept_relationships", "strength"},
    {"concept_relationships", "target_concept_id"},
    {"episodes", "experience_format"},
};
constexpr std::size_t kColumnCount = sizeof kColumns / sizeof kColumns[0];

struct Db {
  sqlite3* handle = nullptr;
  ~Db() { sqlite3_close(handle); }
};

struct Fixture {
  fs::path dir;
  std::unique_ptr<engram::Storage> storage;
  Db db;  // a second connection, writing the fuzzed values
};

void exec(sqlite3* db, const std::string& sql) {
  char* error = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error) != SQLITE_OK) {
    const std::string message = error ? error : "?";
    sqlite3_free(error);
    finding("fixture: " + sql + ": " + message);
  }
}

Fixture& fixture() {
  static Fixture* made = [] {
    auto* f = new Fixture;
    const std::filesystem::path pattern = engram::fuzz::make_temp_dir("sqlite");
    f->dir = pattern;
    const std::string db_path = (f->dir / "engram.db").string();
    f->storage = std::make_unique<engram::Storage>(
        engram::Storage::from_yaml("version: 1\n"
                                   "backends: {db: {plugin: sqlite, db_path: " +
                                   db_path +
                                   "}}\n"
                                   "roles: {episodes: db, concepts: db}\n"));
    const std::vector<double> values{1.0, 2.0, 3.0};
    auto episodes = f->storage->episodes();
    auto concepts = f->storage->concepts();
    episodes->store_episode(values, 0.5, "ctx", 100.0, {{"k", "v"}});
    episodes->store_learning_event("task", 0.25, "strategy", {{"p", 1}}, 100.0);
    concepts->store_concept("first", values, {{"k", 1}});
    concepts->store_concept("second", values);
    concepts->add_concept_relationship(1, 2, "is_a", 0.5);
    if (sqlite3_open(db_path.c_str(), &f->db.handle) != SQLITE_OK) finding("cannot open the db");
    sqlite3_busy_timeout(f->db.handle, 5000);
    // The pristine rows, to put back after each input.
    exec(f->db.handle, "PRAGMA synchronous = OFF");
    exec(f->db.handle, "VACUUM INTO '" + (f->dir / "pristine.db").string() + "'");
    exec(f->db.handle, "ATTACH '" + (f->dir / "pristine.db").string() + "' AS pristine");
    std::atexit([] {
      std::error_code ignored;
      fs::remove_all(fixture().dir, ignored);
    });
    return f;
  }();
  return *made;
}

// Writes `value` into row 1 of the column as storage class `kind`.
void write_value(sqlite3* db, const Column& column, unsigned kind, const std::uint8_t* data,
                 std::size_t size) {
  const std::string sql =
      std::string("UPDATE ") + column.table + " SET " + column.name + " = ?1 WHERE id = 1";
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) finding("prepare");
  const std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> statement(raw,
                                                                             &sqlite3_finalize);
  switch (kind % 5) {
    case 0:
      sqlite3_bind_blob(raw, 1, data, static_cast<int>(size), SQLITE_TRANSIENT);
      break;
    case 1:
      sqlite3_bind_text(raw, 1, reinterpret_cast<const char*>(data), static_cast<int>(size),
                        SQLITE_TRANSIENT);
      break;
    case 2: {
      std::int64_t number = 0;
      std::memcpy(&number, data, std::min(size, sizeof number));
      sqlite3_bind_int64(raw, 1, number);
      break;
    }
    case 3: {
      double number = 0;
      std::memcpy(&number, data, std::min(size, sizeof number));
      sqlite3_bind_double(raw, 1, number);
      break;
    }
    default:
      sqlite3_bind_null(raw, 1);
  }
  // A NOT NULL or UNIQUE constraint may refuse the value: nothing to read.
  sqlite3_step(raw);
}

void restore(sqlite3* db, const Column& column) {
  exec(db, std::string("UPDATE main.") + column.table + " SET " + column.name + " = (SELECT " +
               column.name + " FROM pristine." + column.table + " WHERE id = 1) WHERE id = 1");
}

// Every read that decodes the row.
void read_all(engram::Storage& storage) {
  auto episodes = storage.episodes();
  auto concepts = storage.concepts();
  auto run = [](const char* what, auto&& body) {
    engram::fuzz::only_errors<engram::StorageError>(what, body);
  };
  run("retrieve_episode", [&] { episodes->retrieve_episode(1); });
  run("get_recent_episodes", [&] { episodes->get_recent_episodes(1e12, 10); });
  run("get_episodes_by_context", [&] { episodes->get_episodes_by_context("ctx", 10); });
  run("list_episodes", [&] { episodes->list_episodes({}, 10); });
  run("get_learning_events_by_task", [&] { episodes->get_learning_events_by_task("task"); });
  run("get_best_strategies", [&] { episodes->get_best_strategies("task"); });
  run("list_learning_events", [&] { episodes->list_learning_events({}, 10); });
  run("retrieve_concept", [&] { concepts->retrieve_concept(1); });
  run("retrieve_concept_by_name", [&] { concepts->retrieve_concept_by_name("first"); });
  run("search_concepts", [&] { concepts->search_concepts("", 10); });
  run("get_concept_relationships", [&] { concepts->get_concept_relationships(1); });
  run("list_concepts", [&] { concepts->list_concepts({}, 10); });
  run("list_relationships", [&] { concepts->list_relationships({}, 10); });
  // Passing over what does not decode: the damaged row is named, never a
  // crash, and only StorageErrors of the backend itself escape.
  constexpr auto kSkip = engram::Undecodable::kSkip;
  run("list_episodes skipping", [&] { episodes->list_episodes({}, 10, kSkip); });
  run("list_learning_events skipping", [&] { episodes->list_learning_events({}, 10, kSkip); });
  run("list_concepts skipping", [&] { concepts->list_concepts({}, 10, kSkip); });
  run("list_relationships skipping", [&] { concepts->list_relationships({}, 10, kSkip); });
}

// A valid .npy written as the embedding comes back as that array.
void check_embedding(engram::Storage& storage, const std::uint8_t* data, std::size_t size) {
  engram::Array expected;
  try {
    expected = engram::npy::decode(
        std::span<const std::byte>(reinterpret_cast<const std::byte*>(data), size));
  } catch (const engram::StorageError&) {
    return;
  }
  std::optional<engram::Concept> got;
  try {
    got = storage.concepts()->retrieve_concept(1);
  } catch (const engram::StorageError& error) {
    // The plugin may refuse what it could never have written (say a
    // complex embedding); valid seeds must not be refused.
    engram::fuzz::refused(error);
    return;
  }
  if (!got) finding("the concept disappeared");
  if (got->embedding.dtype() != expected.dtype() || got->embedding.shape() != expected.shape() ||
      std::memcmp(got->embedding.data(), expected.data(), expected.nbytes()) != 0) {
    finding("a valid .npy embedding came back different");
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fixture();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  Fixture& f = fixture();
  const Column& column = kColumns[(data[0] & 0x1f) % kColumnCount];
  const unsigned kind = data[0] >> 5;
  write_value(f.db.handle, column, kind, data + 1, size - 1);
  read_all(*f.storage);
  if (std::string(column.name) == "embedding" && kind % 5 == 0) {
    check_embedding(*f.storage, data + 1, size - 1);
  }
  restore(f.db.handle, column);
  return 0;
}
