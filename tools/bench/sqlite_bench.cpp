// The sqlite plugin through Storage beside the same work done with the
// sqlite3 C API directly: the same schema (the seed's tables, plus schema
// version 2's experience_format column), the same pragmas (WAL,
// synchronous=FULL, a busy timeout), arrays as .npy bytes made by
// engram::npy on both sides, metadata as JSON text. Each side works on a
// fresh file in its own temporary folder. Google Benchmark's items_per_second
// is per CPU second, blind to fsync waits: wall_items_per_s is per wall-clock
// second, as ratio_vs_raw is.
#include <sqlite3.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "engram/array.h"
#include "engram/npy.h"
#include "engram/storage.h"
#include "episode_values.h"
#include "ratio.h"
#include "schema_text.h"
#include "scratch_dir.h"

namespace engram::bench {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(sqlite3* db, const std::string& what) {
  throw std::runtime_error(what + ": " + sqlite3_errmsg(db));
}

struct StmtDeleter {
  void operator()(sqlite3_stmt* stmt) const noexcept { sqlite3_finalize(stmt); }
};
using Stmt = std::unique_ptr<sqlite3_stmt, StmtDeleter>;

// The raw side: one connection configured as the plugin configures its own.
class RawDb {
 public:
  explicit RawDb(const fs::path& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
        SQLITE_OK) {
      fail(db_, "open");
    }
    sqlite3_busy_timeout(db_, 30'000);
    exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
    // The plugin's schema, the one copy (plugins/sqlite/schema_text.h), every
    // migration applied and recorded as the plugin does on a new file.
    exec(sqlite::kSchemaVersionTable);
    Stmt record = prepare(sqlite::kRecordMigration);
    for (const sqlite::Migration& migration : sqlite::kMigrations) {
      exec(migration.sql);
      sqlite3_bind_int(record.get(), 1, migration.version);
      sqlite3_bind_double(record.get(), 2, 0.0);
      run(record.get());
    }
  }
  ~RawDb() { sqlite3_close(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  void exec(const char* sql) {
    if (sqlite3_exec(db_, sql, nullptr, nullptr, nullptr) != SQLITE_OK) fail(db_, sql);
  }
  Stmt prepare(const char* sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr) != SQLITE_OK) {
      fail(db_, sql);
    }
    return Stmt(stmt);
  }
  // Steps a statement that returns no row (or one ignored row), then resets.
  void run(sqlite3_stmt* stmt) {
    const int rc = sqlite3_step(stmt);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW) fail(db_, "step");
    sqlite3_reset(stmt);
  }
  sqlite3* get() const noexcept { return db_; }

 private:
  sqlite3* db_ = nullptr;
};

void bind_text(sqlite3_stmt* stmt, int index, const std::string& text) {
  sqlite3_bind_text(stmt, index, text.data(), static_cast<int>(text.size()), SQLITE_TRANSIENT);
}
void bind_npy(sqlite3_stmt* stmt, int index, const std::vector<std::byte>& bytes) {
  sqlite3_bind_blob(stmt, index, bytes.data(), static_cast<int>(bytes.size()), SQLITE_TRANSIENT);
}
std::string column_text(sqlite3_stmt* stmt, int index) {
  const auto* text = sqlite3_column_text(stmt, index);
  return text ? std::string(reinterpret_cast<const char*>(text),
                            static_cast<std::size_t>(sqlite3_column_bytes(stmt, index)))
              : std::string();
}
Array column_npy(sqlite3_stmt* stmt, int index) {
  const auto* data = static_cast<const std::byte*>(sqlite3_column_blob(stmt, index));
  return npy::decode(std::span<const std::byte>(
      data, static_cast<std::size_t>(sqlite3_column_bytes(stmt, index))));
}

using workloads::kBestStrategies;
using workloads::kBulkEvents;
using workloads::kBulkLearningEvents;
using workloads::kConceptNames;
using workloads::kEmbedding;
using workloads::kGetBestStrategies;
using workloads::kPatternCols;
using workloads::kPatternRows;
using workloads::kReadSet;
using workloads::kRetrieveEpisode;
using workloads::kSearchConcepts;
using workloads::kSearchLimit;
using workloads::kStoreConcept;
using workloads::kStoreEpisode;
using workloads::kStoreLearningEvent;
using workloads::kStrategies;
using workloads::kStrategyEvents;

// The wall-clock rate, beside Google Benchmark's CPU-time items_per_second.
constexpr Rates kRates{.wall_items = true};

Storage open_engram(const fs::path& db) {
  return Storage::from_yaml(
      std::string("version: 1\nbackends:\n  db: {plugin: sqlite, db_path: \"") + db.string() +
      "\"}\nroles: {episodes: db, concepts: db}\n");
}

// --- store_episode: (100, 50) float64, one commit each ---

constexpr const char* kInsertEpisode =
    "INSERT INTO episodes(timestamp, experience_data, performance_score, context_hash, metadata, "
    "experience_format) VALUES (?, ?, ?, ?, ?, 'npy')";

void insert_episode(RawDb& raw, sqlite3_stmt* stmt, double timestamp, const Json& metadata) {
  const auto bytes = npy::encode(experience());
  sqlite3_bind_double(stmt, 1, timestamp);
  bind_npy(stmt, 2, bytes);
  sqlite3_bind_double(stmt, 3, 0.5);
  bind_text(stmt, 4, "bench_context");
  bind_text(stmt, 5, metadata.dump());
  raw.run(stmt);
}

void store_episode_raw(benchmark::State& state) {
  ScratchDir dir("sqlite");
  RawDb raw(dir / "raw.db");
  Stmt insert = raw.prepare(kInsertEpisode);
  const Json metadata{{"source", "bench"}};
  double t = kTime;
  time_loop(state, Compare::kRawBaseline, kStoreEpisode.name, kRates,
            [&] { insert_episode(raw, insert.get(), t++, metadata); });
}

void store_episode_engram(benchmark::State& state) {
  ScratchDir dir("sqlite");
  Storage storage = open_engram(dir / "engram.db");
  auto episodes = storage.episodes();
  const Json metadata{{"source", "bench"}};
  double t = kTime;
  time_loop(state, Compare::kVsRaw, kStoreEpisode.name, kRates,
            [&] { episodes->store_episode(experience(), 0.5, "bench_context", t++, metadata); });
}

// --- retrieve_episode ---

void retrieve_episode_raw(benchmark::State& state) {
  ScratchDir dir("sqlite");
  RawDb raw(dir / "raw.db");
  {
    Stmt insert = raw.prepare(kInsertEpisode);
    raw.exec("BEGIN");
    for (int i = 0; i < kRetrieveEpisodes; ++i)
      insert_episode(raw, insert.get(), kTime + i, Json{{"i", i}});
    raw.exec("COMMIT");
  }
  Stmt select = raw.prepare(
      "SELECT id, timestamp, experience_data, performance_score, context_hash, metadata, "
      "experience_format FROM episodes WHERE id = ?");
  std::int64_t i = 0;
  time_loop(state, Compare::kRawBaseline, kRetrieveEpisode.name, kRates, [&] {
    sqlite3_bind_int64(select.get(), 1, i++ % kRetrieveEpisodes + 1);
    if (sqlite3_step(select.get()) != SQLITE_ROW) fail(raw.get(), "select episode");
    Episode episode;
    episode.id = sqlite3_column_int64(select.get(), 0);
    episode.timestamp = sqlite3_column_double(select.get(), 1);
    if (column_text(select.get(), 6) == "npy") {
      episode.experience_data = column_npy(select.get(), 2);
    } else {
      episode.experience_data = Json::parse(column_text(select.get(), 2));
    }
    episode.performance_score = sqlite3_column_double(select.get(), 3);
    episode.context_hash = column_text(select.get(), 4);
    episode.metadata = Json::parse(column_text(select.get(), 5));
    sqlite3_reset(select.get());
    benchmark::DoNotOptimize(episode);
  });
}

void retrieve_episode_engram(benchmark::State& state) {
  ScratchDir dir("sqlite");
  Storage storage = open_engram(dir / "engram.db");
  auto episodes = storage.episodes();
  std::vector<std::int64_t> ids;
  {
    EpisodeBatch batch;
    for (int i = 0; i < kRetrieveEpisodes; ++i) {
      batch.store_episode(experience(), 0.5, "bench_context", kTime + i, Json{{"i", i}});
    }
    ids = episodes->store_batch(batch).episode_ids;
  }
  std::size_t i = 0;
  time_loop(state, Compare::kVsRaw, kRetrieveEpisode.name, kRates, [&] {
    auto episode = episodes->retrieve_episode(ids[i++ % ids.size()]);
    benchmark::DoNotOptimize(episode);
  });
}

// --- store_concept: (512,) float32, upsert by name ---

constexpr const char* kUpsertConcept =
    "INSERT INTO concepts(name, embedding, creation_time, metadata) VALUES (?, ?, ?, ?) "
    "ON CONFLICT(name) DO UPDATE SET embedding = excluded.embedding, "
    "metadata = excluded.metadata RETURNING id";

std::int64_t upsert_concept(RawDb& raw, sqlite3_stmt* stmt, const std::string& name,
                            double creation_time, const Json& metadata) {
  const auto bytes = npy::encode(embedding());
  bind_text(stmt, 1, name);
  bind_npy(stmt, 2, bytes);
  sqlite3_bind_double(stmt, 3, creation_time);
  bind_text(stmt, 4, metadata.dump());
  if (sqlite3_step(stmt) != SQLITE_ROW) fail(raw.get(), "upsert concept");
  const std::int64_t id = sqlite3_column_int64(stmt, 0);
  if (sqlite3_step(stmt) != SQLITE_DONE) fail(raw.get(), "upsert concept");
  sqlite3_reset(stmt);
  return id;
}

void store_concept_raw(benchmark::State& state) {
  ScratchDir dir("sqlite");
  RawDb raw(dir / "raw.db");
  Stmt upsert = raw.prepare(kUpsertConcept);
  std::int64_t i = 0;
  time_loop(state, Compare::kRawBaseline, kStoreConcept.name, kRates, [&] {
    // The metadata changes every call, so an update really writes the row.
    const Json metadata{{"source", "bench"}, {"call", i}};
    benchmark::DoNotOptimize(upsert_concept(raw, upsert.get(), concept_name(i),
                                            kTime + static_cast<double>(i), metadata));
    ++i;
  });
}

void store_concept_engram(benchmark::State& state) {
  ScratchDir dir("sqlite");
  Storage storage = open_engram(dir / "engram.db");
  auto concepts = storage.concepts();
  std::int64_t i = 0;
  time_loop(state, Compare::kVsRaw, kStoreConcept.name, kRates, [&] {
    const Json metadata{{"source", "bench"}, {"call", i}};
    benchmark::DoNotOptimize(concepts->store_concept(concept_name(i), embedding(), metadata,
                                                     kTime + static_cast<double>(i)));
    ++i;
  });
}

// --- search_concepts over ~1000 concepts ---

const char* const kQueries[] = {"ept_12", "cept_5", "_99", "concept_7"};

void search_concepts_raw(benchmark::State& state) {
  ScratchDir dir("sqlite");
  RawDb raw(dir / "raw.db");
  {
    Stmt upsert = raw.prepare(kUpsertConcept);
    raw.exec("BEGIN");
    for (int i = 0; i < kConcepts; ++i)
      upsert_concept(raw, upsert.get(), concept_name(i), kTime + i, Json{{"i", i}});
    raw.exec("COMMIT");
  }
  // The plugin's order, tie-breaker included: search_concepts promises one
  // order for equal counts and times, so the raw side sorts as much as it.
  Stmt search = raw.prepare(
      "SELECT id, name, embedding, creation_time, access_count, last_accessed, metadata "
      "FROM concepts WHERE name LIKE ? "
      "ORDER BY access_count DESC, creation_time DESC, id DESC LIMIT ?");
  std::size_t q = 0;
  time_loop(state, Compare::kRawBaseline, kSearchConcepts.name, kRates, [&] {
    bind_text(search.get(), 1, std::string("%") + kQueries[q++ % 4] + "%");
    sqlite3_bind_int64(search.get(), 2, kSearchLimit);
    std::vector<Concept> found;
    int rc = 0;
    while ((rc = sqlite3_step(search.get())) == SQLITE_ROW) {
      Concept c;
      c.id = sqlite3_column_int64(search.get(), 0);
      c.name = column_text(search.get(), 1);
      c.embedding = column_npy(search.get(), 2);
      c.creation_time = sqlite3_column_double(search.get(), 3);
      c.access_count = sqlite3_column_int64(search.get(), 4);
      c.last_accessed = sqlite3_column_double(search.get(), 5);
      c.metadata = Json::parse(column_text(search.get(), 6));
      found.push_back(std::move(c));
    }
    if (rc != SQLITE_DONE) fail(raw.get(), "search");
    sqlite3_reset(search.get());
    benchmark::DoNotOptimize(found);
  });
}

void search_concepts_engram(benchmark::State& state) {
  ScratchDir dir("sqlite");
  Storage storage = open_engram(dir / "engram.db");
  auto concepts = storage.concepts();
  {
    ConceptBatch batch;
    for (int i = 0; i < kConcepts; ++i)
      batch.store_concept(concept_name(i), embedding(), Json{{"i", i}}, kTime + i);
    concepts->store_batch(batch);
  }
  std::size_t q = 0;
  time_loop(state, Compare::kVsRaw, kSearchConcepts.name, kRates, [&] {
    auto found = concepts->search_concepts(kQueries[q++ % 4], kSearchLimit);
    benchmark::DoNotOptimize(found);
  });
}

// --- store_learning_event, one commit each ---

constexpr const char* kInsertEvent =
    "INSERT INTO learning_events(task_type, performance_delta, strategy_used, timestamp, "
    "parameters) VALUES (?, ?, ?, ?, ?)";

void insert_event(RawDb& raw, sqlite3_stmt* stmt, int i, const Json& parameters) {
  bind_text(stmt, 1, task_name(i));
  sqlite3_bind_double(stmt, 2, delta_of(i));
  bind_text(stmt, 3, strategy_name(i));
  sqlite3_bind_double(stmt, 4, kTime + i);
  bind_text(stmt, 5, parameters.dump());
  raw.run(stmt);
}

void store_learning_event_raw(benchmark::State& state) {
  ScratchDir dir("sqlite");
  RawDb raw(dir / "raw.db");
  Stmt insert = raw.prepare(kInsertEvent);
  const Json parameters{{"lr", 0.001}};
  int i = 0;
  time_loop(state, Compare::kRawBaseline, kStoreLearningEvent.name, kRates,
            [&] { insert_event(raw, insert.get(), i++, parameters); });
}

void store_learning_event_engram(benchmark::State& state) {
  ScratchDir dir("sqlite");
  Storage storage = open_engram(dir / "engram.db");
  auto episodes = storage.episodes();
  const Json parameters{{"lr", 0.001}};
  int i = 0;
  time_loop(state, Compare::kVsRaw, kStoreLearningEvent.name, kRates, [&] {
    episodes->store_learning_event(task_name(i), delta_of(i), strategy_name(i), parameters,
                                   kTime + i);
    ++i;
  });
}

// --- get_best_strategies over 10,000 events ---

void best_strategies_raw(benchmark::State& state) {
  ScratchDir dir("sqlite");
  RawDb raw(dir / "raw.db");
  {
    Stmt insert = raw.prepare(kInsertEvent);
    const Json parameters{{"lr", 0.001}};
    raw.exec("BEGIN");
    for (int i = 0; i < kStrategyEvents; ++i) insert_event(raw, insert.get(), i, parameters);
    raw.exec("COMMIT");
  }
  // The plugin's order, tie-breaker included (get_best_strategies promises
  // one order for equal averages and counts).
  Stmt query = raw.prepare(
      "SELECT strategy_used, AVG(performance_delta) AS avg_delta, COUNT(*) AS n "
      "FROM learning_events WHERE task_type = ? AND performance_delta > 0 "
      "GROUP BY strategy_used ORDER BY avg_delta DESC, n DESC, strategy_used ASC LIMIT ?");
  int i = 0;
  time_loop(state, Compare::kRawBaseline, kGetBestStrategies.name, kRates, [&] {
    bind_text(query.get(), 1, task_name(i++));
    sqlite3_bind_int64(query.get(), 2, kBestStrategies);
    std::vector<StrategyScore> scores;
    int rc = 0;
    while ((rc = sqlite3_step(query.get())) == SQLITE_ROW) {
      scores.push_back({column_text(query.get(), 0), sqlite3_column_double(query.get(), 1),
                        sqlite3_column_int64(query.get(), 2)});
    }
    if (rc != SQLITE_DONE) fail(raw.get(), "best strategies");
    sqlite3_reset(query.get());
    benchmark::DoNotOptimize(scores);
  });
}

void best_strategies_engram(benchmark::State& state) {
  ScratchDir dir("sqlite");
  Storage storage = open_engram(dir / "engram.db");
  auto episodes = storage.episodes();
  {
    EpisodeBatch batch;
    const Json parameters{{"lr", 0.001}};
    for (int i = 0; i < kStrategyEvents; ++i) {
      batch.store_learning_event(task_name(i), delta_of(i), strategy_name(i), parameters,
                                 kTime + i);
    }
    episodes->store_batch(batch);
  }
  int i = 0;
  time_loop(state, Compare::kVsRaw, kGetBestStrategies.name, kRates, [&] {
    auto scores = episodes->get_best_strategies(task_name(i++), kBestStrategies);
    benchmark::DoNotOptimize(scores);
  });
}

// --- bulk_learning_events: 100,000 in one transaction ---

// The rates count events, not transactions.
constexpr Rates kBulkRates{.items = kBulkEvents, .wall_items = true};

void bulk_learning_events_raw(benchmark::State& state) {
  ScratchDir dir("sqlite");
  RawDb raw(dir / "raw.db");
  Stmt insert = raw.prepare(kInsertEvent);
  const Json parameters{{"lr", 0.001}};
  time_loop(state, Compare::kRawBaseline, kBulkLearningEvents.name, kBulkRates, [&] {
    raw.exec("BEGIN");
    for (int i = 0; i < kBulkEvents; ++i) insert_event(raw, insert.get(), i, parameters);
    raw.exec("COMMIT");
  });
}

void bulk_learning_events_engram(benchmark::State& state) {
  ScratchDir dir("sqlite");
  Storage storage = open_engram(dir / "engram.db");
  auto episodes = storage.episodes();
  const Json parameters{{"lr", 0.001}};
  time_loop(state, Compare::kVsRaw, kBulkLearningEvents.name, kBulkRates, [&] {
    EpisodeBatch batch;
    for (int i = 0; i < kBulkEvents; ++i) {
      batch.store_learning_event(task_name(i), delta_of(i), strategy_name(i), parameters,
                                 kTime + i);
    }
    benchmark::DoNotOptimize(episodes->store_batch(batch));
  });
}

}  // namespace

BENCHMARK(store_episode_raw)->Name(raw_entry(kStoreEpisode));
BENCHMARK(store_episode_engram)->Name(engram_entry(kStoreEpisode));
BENCHMARK(retrieve_episode_raw)->Name(raw_entry(kRetrieveEpisode));
BENCHMARK(retrieve_episode_engram)->Name(engram_entry(kRetrieveEpisode));
BENCHMARK(store_concept_raw)->Name(raw_entry(kStoreConcept));
BENCHMARK(store_concept_engram)->Name(engram_entry(kStoreConcept));
BENCHMARK(search_concepts_raw)->Name(raw_entry(kSearchConcepts));
BENCHMARK(search_concepts_engram)->Name(engram_entry(kSearchConcepts));
BENCHMARK(store_learning_event_raw)->Name(raw_entry(kStoreLearningEvent));
BENCHMARK(store_learning_event_engram)->Name(engram_entry(kStoreLearningEvent));
BENCHMARK(best_strategies_raw)->Name(raw_entry(kGetBestStrategies));
BENCHMARK(best_strategies_engram)->Name(engram_entry(kGetBestStrategies));
BENCHMARK(bulk_learning_events_raw)
    ->Name(raw_entry(kBulkLearningEvents))
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(bulk_learning_events_engram)
    ->Name(engram_entry(kBulkLearningEvents))
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond);

}  // namespace engram::bench
