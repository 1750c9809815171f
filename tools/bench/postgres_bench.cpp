// The postgres plugin through Storage beside the same work done with libpq
// directly, in the same run: the same statements (the plugin's SQL text,
// prepared once per connection, binary parameters of the same types, binary
// results), the same round trips (a store of an array episode is one
// INSERT ... SELECT nextval(...) FROM (the shared id lock) with the change
// counter's bump as a WITH clause; a batch is BEGIN, the id lock, one INSERT
// per record, COMMIT), the same session (search_path, statement_timeout,
// client_encoding) and the same bytes: arrays as .npy made by engram::npy,
// metadata and parameters as JSON text. The raw side builds its tables from
// the plugin's one copy of the schema (plugins/postgres/schema_text.h), so
// the server does equal work and the ratio measures what engram adds on the
// client.
//
// The server is the one ENGRAM_BENCH_PG_DSN names (a libpq connection
// string; tools/bench/pg-bench.sh starts a throwaway one); without it these
// benchmarks skip, and the others still run. Each benchmark works in fresh
// schemas of its own, engram_bench_<pid>_<n>_raw and ..._engram, dropped
// again at its end; nothing else on the server is touched.
//
// The bulk pair loads as the plugin does a batch of 8 rows or more: an id
// block reserved, then COPY ... FROM STDIN in binary format. Beside it,
// three raw entries that are not the plugin's way, for comparison: raw_rows
// (the per-row INSERTs of small batches, a round trip each), raw_pipeline
// (those INSERTs in libpq's pipeline mode: one round trip in all) and
// raw_unnest (multi-row INSERT ... SELECT FROM unnest() of binary arrays,
// 10,000 rows a statement, ids returned).
//
// four_processes forks 4 writer processes before the timing; each opens
// its own connection (raw) or Storage (engram) on the pair's schema, and
// each iteration has all four store 100 episodes at once (the plugin's
// single-statement store), timed from the go to the last one's done.
//
// The stores commit each, and wait for the server's WAL flush: on a busy
// disk that wait dominates them and varies (pg-bench.sh's
// ENGRAM_BENCH_PG_SYNCHRONOUS_COMMIT=off takes it out, for both sides).
//
// Google Benchmark's items_per_second is per CPU second of this process,
// blind to the wait for the server: wall_items_per_s is per wall-clock
// second, as ratio_vs_raw is. The bulk entries report events_per_s, the
// four_processes pair episodes_per_s (all four processes' episodes per
// wall-clock second).
#include <endian.h>
#include <libpq-fe.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "engram/array.h"
#include "engram/json.h"
#include "engram/npy.h"
#include "engram/storage.h"
#include "episode_values.h"
#include "postgres/schema_text.h"
#include "ratio.h"

namespace engram::bench {
namespace {

using Millis = std::chrono::milliseconds;

constexpr const char* kNoServer =
    "set ENGRAM_BENCH_PG_DSN to a libpq connection string (tools/bench/pg-bench.sh starts a "
    "server)";

std::optional<std::string> bench_dsn() {
  const char* text = std::getenv("ENGRAM_BENCH_PG_DSN");
  if (text == nullptr || *text == '\0') return std::nullopt;
  return std::string(text);
}

// Each benchmark: no server → skip.
#define ENGRAM_PG_BENCH_DSN(state)                    \
  const std::optional<std::string> dsn = bench_dsn(); \
  if (!dsn) {                                         \
    (state).SkipWithError(kNoServer);                 \
    return;                                           \
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
using workloads::kStrategies;
using workloads::kStrategyEvents;

// A pair's workload name: postgres/<workload>.
std::string pg_workload(const workloads::Workload& workload) {
  return "postgres/" + std::string(workload.name);
}
// Four processes storing episodes at once: this file's own workload.
constexpr const char* kFourProcesses = "postgres/four_processes";
constexpr int kProcesses = 4;
// Episodes each process stores per iteration.
constexpr int kProcessEpisodes = 100;

// The work runs untimed this long first, on both sides alike: the server
// settles after the previous benchmark and the connection, its prepared
// statements and the client heap warm up.
constexpr Millis kWarmUp{200};
constexpr Rates kRates{.wall_items = true, .warm_up = kWarmUp};
// The bulk rates count events, not transactions.
constexpr Rates kBulkRates{.items = kBulkEvents, .wall_items = true};
constexpr Rates kProcessRates{
    .items = kProcesses * kProcessEpisodes, .wall_items = true, .warm_up = kWarmUp};

// --- the values: as sqlite_bench's ---

// --- schemas ---

// A fresh schema name: engram_bench_<pid>_<n>_<side>.
std::string fresh_schema(const char* side) {
  static int count = 0;
  return "engram_bench_" + std::to_string(::getpid()) + "_" + std::to_string(count++) + "_" + side;
}

// --- the raw side: libpq ---

struct ResultDeleter {
  void operator()(PGresult* result) const noexcept { PQclear(result); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

struct ConnDeleter {
  void operator()(PGconn* conn) const noexcept { PQfinish(conn); }
};

// The types' Oids (pg_type.h's), as the plugin declares its parameters.
constexpr Oid kInt8 = 20;
constexpr Oid kText = 25;
constexpr Oid kJson = 114;
constexpr Oid kFloat8 = 701;
constexpr Oid kBytea = 17;

// Up to 8 parameters in binary formats; numbers are kept here in network
// order, text and bytes point at the caller's (which must outlive the call).
class RawParams {
 public:
  RawParams& int8(std::int64_t value) { return number(htobe64(static_cast<std::uint64_t>(value))); }
  RawParams& float8(double value) { return number(htobe64(std::bit_cast<std::uint64_t>(value))); }
  RawParams& text(std::string_view value) {
    return bytes(value.empty() ? "" : value.data(), value.size());
  }
  RawParams& bytea(const std::vector<std::byte>& value) {
    return bytes(reinterpret_cast<const char*>(value.data()), value.size());
  }

  int size() const noexcept { return n_; }
  const char* const* values() const noexcept { return values_.data(); }
  const int* lengths() const noexcept { return lengths_.data(); }
  const int* formats() const noexcept { return formats_.data(); }

 private:
  RawParams& number(std::uint64_t bits) {
    numbers_[n_] = bits;
    return bytes(reinterpret_cast<const char*>(&numbers_[n_]), sizeof bits);
  }
  RawParams& bytes(const char* data, std::size_t size) {
    values_[n_] = data;
    lengths_[n_] = static_cast<int>(size);
    formats_[n_] = 1;
    ++n_;
    return *this;
  }

  int n_ = 0;
  std::array<std::uint64_t, 8> numbers_{};
  std::array<const char*, 8> values_{};
  std::array<int, 8> lengths_{};
  std::array<int, 8> formats_{};
};

// A binary result's values.
std::int64_t int8_at(const PGresult* result, int row, int column) {
  std::uint64_t bits = 0;
  std::memcpy(&bits, PQgetvalue(result, row, column), sizeof bits);
  return static_cast<std::int64_t>(be64toh(bits));
}
double float8_at(const PGresult* result, int row, int column) {
  std::uint64_t bits = 0;
  std::memcpy(&bits, PQgetvalue(result, row, column), sizeof bits);
  return std::bit_cast<double>(be64toh(bits));
}
std::string text_at(const PGresult* result, int row, int column) {
  return std::string(PQgetvalue(result, row, column),
                     static_cast<std::size_t>(PQgetlength(result, row, column)));
}
std::span<const std::byte> bytes_at(const PGresult* result, int row, int column) {
  return {reinterpret_cast<const std::byte*>(PQgetvalue(result, row, column)),
          static_cast<std::size_t>(PQgetlength(result, row, column))};
}

void drop_notice(void* /*unused*/, const char* /*message*/) {}

// One connection, its session set up as the plugin's (connection.cpp):
// client_encoding, client_min_messages warning (and the notices that still
// come dropped), search_path to `schema` (when given), statement_timeout
// 30 s (the plugin's default).
class RawPg {
 public:
  RawPg(const std::string& dsn, const std::string& schema) : conn_(PQconnectdb(dsn.c_str())) {
    if (!conn_ || PQstatus(conn_.get()) != CONNECTION_OK) fail("connect");
    PQsetNoticeProcessor(conn_.get(), &drop_notice, nullptr);
    std::string setup = "SET client_encoding TO 'UTF8'; SET client_min_messages TO warning";
    if (!schema.empty()) setup += "; SET search_path TO \"" + schema + "\"";
    exec(setup + "; SET statement_timeout = 30000");
  }

  // Runs `sql` unprepared, in the text protocol (BEGIN, COMMIT, DDL).
  void exec(const std::string& sql) {
    const PgResult result(PQexec(conn_.get(), sql.c_str()));
    check(result.get(), sql);
  }

  // Prepares `sql` as statement `name` with parameters of `types`.
  void prepare(const char* name, const std::string& sql, std::initializer_list<Oid> types) {
    const std::vector<Oid> oids(types);
    const PgResult result(
        PQprepare(conn_.get(), name, sql.c_str(), static_cast<int>(oids.size()), oids.data()));
    check(result.get(), sql);
  }

  // Runs prepared statement `name`, binary results.
  PgResult run(const char* name, const RawParams& params) {
    PgResult result(PQexecPrepared(conn_.get(), name, params.size(), params.values(),
                                   params.lengths(), params.formats(), 1));
    check(result.get(), name);
    return result;
  }

  PGconn* get() const noexcept { return conn_.get(); }

  [[noreturn]] void fail(const std::string& doing) const {
    throw std::runtime_error("libpq " + doing + ": " +
                             (conn_ ? PQerrorMessage(conn_.get()) : "out of memory"));
  }
  void check(const PGresult* result, const std::string& doing) const {
    const ExecStatusType status = result ? PQresultStatus(result) : PGRES_FATAL_ERROR;
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      throw std::runtime_error(
          "libpq " + doing + ": " +
          (result ? PQresultErrorMessage(result) : PQerrorMessage(conn_.get())));
    }
  }

 private:
  std::unique_ptr<PGconn, ConnDeleter> conn_;
};

// Drops `schema` (and everything in it) when it goes: each benchmark's
// schemas are gone after it. Made before what uses the schema, so it goes
// after it.
class SchemaGuard {
 public:
  SchemaGuard(std::string dsn, std::string schema)
      : dsn_(std::move(dsn)), schema_(std::move(schema)) {}
  ~SchemaGuard() {
    try {
      RawPg(dsn_, "").exec("DROP SCHEMA IF EXISTS \"" + schema_ + "\" CASCADE");
    } catch (const std::exception& e) {
      std::fprintf(stderr, "postgres_bench: dropping schema %s: %s\n", schema_.c_str(), e.what());
    }
  }
  SchemaGuard(const SchemaGuard&) = delete;
  SchemaGuard& operator=(const SchemaGuard&) = delete;
  const std::string& schema() const noexcept { return schema_; }

 private:
  std::string dsn_;
  std::string schema_;
};

// Creates `schema` as the plugin's migrate() leaves a new one: the
// schema_version table, every migration (schema_text.h, the one copy)
// applied and recorded, in one transaction.
void create_raw_schema(const std::string& dsn, const std::string& schema) {
  RawPg pg(dsn, "");
  pg.exec("BEGIN");
  pg.exec("CREATE SCHEMA \"" + schema + "\"");
  pg.exec("SET LOCAL search_path TO \"" + schema + "\"");
  pg.exec(postgres::kSchemaVersionTable);
  pg.prepare("record_migration", postgres::kRecordMigration, {kInt8, kFloat8});
  for (const postgres::Migration& migration : postgres::kMigrations) {
    pg.exec(migration.sql);
    pg.run("record_migration", RawParams().int8(migration.version).float8(kTime));
  }
  pg.exec("COMMIT");
}

// The raw side's writer id (the plugin's: "<host>:<pid>:<random>:<n>", a
// row of engram_changes per connection).
std::string raw_writer_id() {
  return "raw-bench:" + std::to_string(::getpid()) + ":1234567890123456789:0";
}

// --- the plugin's statements (plugins/postgres/episodes.cpp,
// id_sequences.cpp, change_counters.cpp), their text as the plugin builds it

// id_sequences.cpp's shared_id_lock().
std::string shared_id_lock(const std::string& schema) {
  return "SELECT pg_advisory_xact_lock_shared(hashtext('" + schema + "'), " +
         std::to_string(postgres::kIdLock) + ")";
}
// change_counters.cpp's bump_sql().
std::string bump_sql(const char* column, int param) {
  const std::string c = column;
  return "INSERT INTO engram_changes (writer, " + c + ") VALUES ($" + std::to_string(param) +
         ", 1) ON CONFLICT (writer) DO UPDATE SET " + c + " = engram_changes." + c + " + 1";
}

constexpr const char* kEpisodeColumns =
    "SELECT id, timestamp, experience_data, performance_score, context_hash, metadata, "
    "experience_format FROM episodes ";
constexpr const char* kInsertEpisode =
    "INSERT INTO episodes (id, timestamp, experience_data, performance_score, context_hash, "
    "metadata, experience_format) ";
constexpr const char* kInsertEvent =
    "INSERT INTO learning_events (id, task_type, performance_delta, strategy_used, timestamp, "
    "parameters) ";

// do_store_episode of an array experience: one statement, its own
// transaction.
std::string store_episode_sql(const std::string& schema) {
  return "WITH id_lock AS (" + shared_id_lock(schema) + "), changed AS (" +
         bump_sql("episodes", 7) + ")" + kInsertEpisode +
         "SELECT nextval('episodes_id_seq'), $1, $2, $3, $4, $5, $6 FROM id_lock RETURNING id";
}
constexpr std::initializer_list<Oid> kStoreEpisodeTypes = {kFloat8, kBytea, kFloat8, kText,
                                                           kJson,   kText,  kText};
// insert() of an episode in a batch.
const std::string kBatchEpisodeSql = std::string(kInsertEpisode) +
                                     "VALUES (nextval('episodes_id_seq'), $1, $2, $3, $4, $5, $6) "
                                     "RETURNING id";
constexpr std::initializer_list<Oid> kEpisodeTypes = {kFloat8, kBytea, kFloat8,
                                                      kText,   kJson,  kText};
// insert() of a learning event in a batch.
const std::string kBatchEventSql =
    std::string(kInsertEvent) +
    "VALUES (nextval('learning_events_id_seq'), $1, $2, $3, $4, $5) RETURNING id";
constexpr std::initializer_list<Oid> kEventTypes = {kText, kFloat8, kText, kFloat8, kJson};

// An episode's parameters $1..$6 (episodes.cpp's add_episode).
RawParams& episode_params(RawParams& params, const std::vector<std::byte>& npy, double timestamp,
                          const std::string& metadata) {
  return params.float8(timestamp)
      .bytea(npy)
      .float8(0.5)
      .text("bench_context")
      .text(metadata)
      .text("npy");
}

// A raw connection in `schema` with the episode statements prepared.
RawPg raw_episodes(const std::string& dsn, const std::string& schema) {
  RawPg pg(dsn, schema);
  pg.prepare("store_episode", store_episode_sql(schema), kStoreEpisodeTypes);
  pg.prepare("batch_episode", kBatchEpisodeSql, kEpisodeTypes);
  pg.prepare("batch_event", kBatchEventSql, kEventTypes);
  pg.prepare("id_lock", shared_id_lock(schema), {});
  pg.prepare("bump_episodes", bump_sql("episodes", 1), {kText});
  return pg;
}

std::int64_t raw_store_episode(RawPg& pg, const std::string& writer, double timestamp,
                               const Json& metadata) {
  const auto npy = npy::encode(experience());
  const std::string meta = metadata.dump();
  RawParams params;
  episode_params(params, npy, timestamp, meta).text(writer);
  const PgResult result = pg.run("store_episode", params);
  return int8_at(result.get(), 0, 0);
}

// do_store_batch of `count` episodes: BEGIN, the id lock, an INSERT each,
// the bump, COMMIT.
std::vector<std::int64_t> raw_store_episodes(RawPg& pg, const std::string& writer, int count) {
  std::vector<std::int64_t> ids;
  pg.exec("BEGIN");
  pg.run("id_lock", RawParams());
  for (int i = 0; i < count; ++i) {
    const auto npy = npy::encode(experience());
    const std::string meta = Json{{"i", i}}.dump();
    RawParams params;
    episode_params(params, npy, kTime + i, meta);
    ids.push_back(int8_at(pg.run("batch_episode", params).get(), 0, 0));
  }
  pg.run("bump_episodes", RawParams().text(writer));
  pg.exec("COMMIT");
  return ids;
}

// do_store_batch of `count` learning events: BEGIN, the id lock, an INSERT
// each, COMMIT; returns the ids, as the plugin does.
std::vector<std::int64_t> raw_store_events(RawPg& pg, int count, const Json& parameters) {
  std::vector<std::int64_t> ids;
  ids.reserve(static_cast<std::size_t>(count));
  pg.exec("BEGIN");
  pg.run("id_lock", RawParams());
  for (int i = 0; i < count; ++i) {
    const std::string task = task_name(i);
    const std::string strategy = strategy_name(i);
    const std::string text = parameters.dump();
    RawParams params;
    params.text(task).float8(delta_of(i)).text(strategy).float8(kTime + i).text(text);
    ids.push_back(int8_at(pg.run("batch_event", params).get(), 0, 0));
  }
  pg.exec("COMMIT");
  return ids;
}

// --- the engram side ---

std::string yaml_quoted(std::string_view text) {
  std::string quoted = "\"";
  for (const char c : text) {
    if (c == '"' || c == '\\') quoted += '\\';
    quoted += c;
  }
  return quoted + "\"";
}

Storage open_engram(const std::string& dsn, const std::string& schema) {
  return Storage::from_yaml(
      "version: 1\nbackends:\n  db: {plugin: postgres, dsn: " + yaml_quoted(dsn) +
      ", schema: " + schema + "}\nroles: {episodes: db, concepts: db}\n");
}

// --- store_episode: (100, 50) float64, one statement (its own transaction) each ---

void store_episode_raw(benchmark::State& state) {
  ENGRAM_PG_BENCH_DSN(state)
  const SchemaGuard schema(*dsn, fresh_schema("raw"));
  create_raw_schema(*dsn, schema.schema());
  RawPg pg = raw_episodes(*dsn, schema.schema());
  const std::string writer = raw_writer_id();
  const Json metadata{{"source", "bench"}};
  double t = kTime;
  time_loop(state, Compare::kRawBaseline, pg_workload(kStoreEpisode), kRates,
            [&] { benchmark::DoNotOptimize(raw_store_episode(pg, writer, t++, metadata)); });
}

void store_episode_engram(benchmark::State& state) {
  ENGRAM_PG_BENCH_DSN(state)
  const SchemaGuard schema(*dsn, fresh_schema("engram"));
  Storage storage = open_engram(*dsn, schema.schema());
  auto episodes = storage.episodes();
  const Json metadata{{"source", "bench"}};
  double t = kTime;
  time_loop(state, Compare::kVsRaw, pg_workload(kStoreEpisode), kRates, [&] {
    benchmark::DoNotOptimize(
        episodes->store_episode(experience(), 0.5, "bench_context", t++, metadata));
  });
}

// --- retrieve_episode: by id, over 256 stored ---

void retrieve_episode_raw(benchmark::State& state) {
  ENGRAM_PG_BENCH_DSN(state)
  const SchemaGuard schema(*dsn, fresh_schema("raw"));
  create_raw_schema(*dsn, schema.schema());
  RawPg pg = raw_episodes(*dsn, schema.schema());
  const std::vector<std::int64_t> ids = raw_store_episodes(pg, raw_writer_id(), kRetrieveEpisodes);
  pg.prepare("retrieve_episode", std::string(kEpisodeColumns) + "WHERE id = $1", {kInt8});
  std::size_t i = 0;
  time_loop(state, Compare::kRawBaseline, pg_workload(kRetrieveEpisode), kRates, [&] {
    const PgResult result = pg.run("retrieve_episode", RawParams().int8(ids[i++ % ids.size()]));
    if (PQntuples(result.get()) != 1) throw std::runtime_error("raw: no episode");
    const PGresult* r = result.get();
    Episode episode;
    episode.id = int8_at(r, 0, 0);
    episode.timestamp = float8_at(r, 0, 1);
    if (text_at(r, 0, 6) == "npy") {
      episode.experience_data = npy::decode(bytes_at(r, 0, 2));
    } else {
      episode.experience_data = Json::parse(text_at(r, 0, 2));
    }
    episode.performance_score = float8_at(r, 0, 3);
    episode.context_hash = text_at(r, 0, 4);
    episode.metadata = PQgetisnull(r, 0, 5) ? Json::object() : Json::parse(text_at(r, 0, 5));
    benchmark::DoNotOptimize(episode);
  });
}

void retrieve_episode_engram(benchmark::State& state) {
  ENGRAM_PG_BENCH_DSN(state)
  const SchemaGuard schema(*dsn, fresh_schema("engram"));
  Storage storage = open_engram(*dsn, schema.schema());
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
  time_loop(state, Compare::kVsRaw, pg_workload(kRetrieveEpisode), kRates, [&] {
    auto episode = episodes->retrieve_episode(ids[i++ % ids.size()]);
    if (!episode) throw std::runtime_error("engram: no episode");
    benchmark::DoNotOptimize(episode);
  });
}

// --- store_concept: (512,) float32, upsert by name over 1,000 names ---

// concepts.cpp's do_store_concept: one statement, its own transaction (the
// id lock, the concepts counter's bump, the upsert by name).
std::string store_concept_sql(const std::string& schema) {
  return "WITH id_lock AS (" + shared_id_lock(schema) + "), changed AS (" +
         bump_sql("concepts", 7) +
         ") INSERT INTO concepts (id, name, embedding, creation_time, access_count, "
         "last_accessed, metadata) "
         "SELECT nextval('concepts_id_seq'), $1, $2, $3, $4, $5, $6 FROM id_lock "
         "ON CONFLICT (name) DO UPDATE SET embedding = EXCLUDED.embedding, "
         "metadata = EXCLUDED.metadata RETURNING id";
}
constexpr std::initializer_list<Oid> kStoreConceptTypes = {kText,   kBytea, kFloat8, kInt8,
                                                           kFloat8, kJson,  kText};
// concepts.cpp's do_search_concepts (SQLite's LIKE: no escape, ASCII
// folded).
constexpr const char* kSearchConceptsSql =
    "SELECT id, name, embedding, creation_time, access_count, last_accessed, metadata "
    "FROM concepts WHERE name COLLATE \"C\" ILIKE '%' || $1 || '%' ESCAPE '' "
    "ORDER BY access_count DESC NULLS LAST, creation_time DESC, id DESC LIMIT $2";

RawPg raw_concepts(const std::string& dsn, const std::string& schema) {
  RawPg pg(dsn, schema);
  pg.prepare("store_concept", store_concept_sql(schema), kStoreConceptTypes);
  pg.prepare("search_concepts", kSearchConceptsSql, {kText, kInt8});
  return pg;
}

std::int64_t raw_store_concept(RawPg& pg, const std::string& writer, const std::string& name,
                               double creation_time, const Json& metadata) {
  const auto npy = npy::encode(embedding());
  const std::string meta = metadata.dump();
  RawParams params;
  // A new record's access_count and last_accessed (ConceptView's 0, 0.0).
  params.text(name).bytea(npy).float8(creation_time).int8(0).float8(0.0).text(meta).text(writer);
  return int8_at(pg.run("store_concept", params).get(), 0, 0);
}

void store_concept_raw(benchmark::State& state) {
  ENGRAM_PG_BENCH_DSN(state)
  const SchemaGuard schema(*dsn, fresh_schema("raw"));
  create_raw_schema(*dsn, schema.schema());
  RawPg pg = raw_concepts(*dsn, schema.schema());
  const std::string writer = raw_writer_id();
  std::int64_t i = 0;
  time_loop(state, Compare::kRawBaseline, pg_workload(kStoreConcept), kRates, [&] {
    // The metadata changes every call, so an update really writes the row.
    const Json metadata{{"source", "bench"}, {"call", i}};
    benchmark::DoNotOptimize(
        raw_store_concept(pg, writer, concept_name(i), kTime + static_cast<double>(i), metadata));
    ++i;
  });
}

void store_concept_engram(benchmark::State& state) {
  ENGRAM_PG_BENCH_DSN(state)
  const SchemaGuard schema(*dsn, fresh_schema("engram"));
  Storage storage = open_engram(*dsn, schema.schema());
  auto concepts = storage.concepts();
  std::int64_t i = 0;
  time_loop(state, Compare::kVsRaw, pg_workload(kStoreConcept), kRates, [&] {
    const Json metadata{{"source", "bench"}, {"call", i}};
    benchmark::DoNotOptimize(concepts->store_concept(concept_name(i), embedding(), metadata,
                                                     kTime + static_cast<double>(i)));
    ++i;
  });
}

// --- search_concepts: a substring of the name over 1,000 concepts ---

const char* const kQueries[] = {"ept_12", "cept_5", "_99", "concept_7"};

Concept raw_concept_at(const PGresult* r, int row) {
  Concept c;
  c.id = int8_at(r, row, 0);
  c.name = text_at(r, row, 1);
  c.embedding = npy::decode(bytes_at(r, row, 2));
  c.creation_time = float8_at(r, row, 3);
  c.access_count = int8_at(r, row, 4);
  c.last_accessed = float8_at(r, row, 5);
  c.metadata = PQgetisnull(r, row, 6) ? Json::object() : Json::parse(text_at(r, row, 6));
  return c;
}

void search_concepts_raw(benchmark::State& state) {
  ENGRAM_PG_BENCH_DSN(state)
  const SchemaGuard schema(*dsn, fresh_schema("raw"));
  create_raw_schema(*dsn, schema.schema());
  RawPg pg = raw_concepts(*dsn, schema.schema());
  {
    const std::string writer = raw_writer_id();
    pg.exec("BEGIN");
    for (int i = 0; i < kConcepts; ++i) {
      raw_store_concept(pg, writer, concept_name(i), kTime + i, Json{{"i", i}});
    }
    pg.exec("COMMIT");
    pg.exec("ANALYZE concepts");
  }
  std::size_t q = 0;
  time_loop(state, Compare::kRawBaseline, pg_workload(kSearchConcepts), kRates, [&] {
    const PgResult result =
        pg.run("search_concepts", RawParams().text(kQueries[q++ % 4]).int8(kSearchLimit));
    std::vector<Concept> found;
    for (int row = 0; row < PQntuples(result.get()); ++row) {
      found.push_back(raw_concept_at(result.get(), row));
    }
    benchmark::DoNotOptimize(found);
  });
}

void search_concepts_engram(benchmark::State& state) {
  ENGRAM_PG_BENCH_DSN(state)
  const SchemaGuard schema(*dsn, fresh_schema("engram"));
  Storage storage = open_engram(*dsn, schema.schema());
  auto concepts = storage.concepts();
  {
    ConceptBatch batch;
    for (int i = 0; i < kConcepts; ++i) {
      batch.store_concept(concept_name(i), embedding(), Json{{"i", i}}, kTime + i);
    }
    concepts->store_batch(batch);
  }
  // As the raw side: statistics for the planner before the queries.
  RawPg(*dsn, schema.schema()).exec("ANALYZE concepts");
  std::size_t q = 0;
  time_loop(state, Compare::kVsRaw, pg_workload(kSearchConcepts), kRates, [&] {
    auto found = concepts->search_concepts(kQueries[q++ % 4], kSearchLimit);
    benchmark::DoNotOptimize(found);
  });
}

// --- get_best_strategies over 10,000 events ---

constexpr const char* kBestStrategiesSql =
    "SELECT strategy_used, AVG(performance_delta)::float8 AS avg_delta, "
    "COUNT(*)::int8 AS count FROM learning_events "
    "WHERE task_type = $1 AND performance_delta > 0 GROUP BY strategy_used "
    "ORDER BY avg_delta DESC, count DESC, strategy_used COLLATE \"C\" ASC LIMIT $2";

void best_strategies_raw(benchmark::State& state) {
  ENGRAM_PG_BENCH_DSN(state)
  const SchemaGuard schema(*dsn, fresh_schema("raw"));
  create_raw_schema(*dsn, schema.schema());
  RawPg pg = raw_episodes(*dsn, schema.schema());
  raw_store_events(pg, kStrategyEvents, Json{{"lr", 0.001}});
  pg.exec("ANALYZE learning_events");
  pg.prepare("best_strategies", kBestStrategiesSql, {kText, kInt8});
  int i = 0;
  time_loop(state, Compare::kRawBaseline, pg_workload(kGetBestStrategies), kRates, [&] {
    const std::string task = task_name(i++);
    const PgResult result = pg.run("best_strategies", RawParams().text(task).int8(kBestStrategies));
    std::vector<StrategyScore> scores;
    for (int row = 0; row < PQntuples(result.get()); ++row) {
      scores.push_back({text_at(result.get(), row, 0), float8_at(result.get(), row, 1),
                        int8_at(result.get(), row, 2)});
    }
    benchmark::DoNotOptimize(scores);
  });
}

void best_strategies_engram(benchmark::State& state) {
  ENGRAM_PG_BENCH_DSN(state)
  const SchemaGuard schema(*dsn, fresh_schema("engram"));
  Storage storage = open_engram(*dsn, schema.schema());
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
  RawPg(*dsn, schema.schema()).exec("ANALYZE learning_events");
  int i = 0;
  time_loop(state, Compare::kVsRaw, pg_workload(kGetBestStrategies), kRates, [&] {
    auto scores = episodes->get_best_strategies(task_name(i++), kBestStrategies);
    benchmark::DoNotOptimize(scores);
  });
}

// --- bulk_learning_events: 100,000 in one batch ---

void report_events(benchmark::State& state, double iterations_per_second) {
  state.counters["events_per_s"] = iterations_per_second * kBulkEvents;
}

// Not the plugin's way since it loads batches by COPY: the per-row INSERTs
// of its small batches (and of a batch whose kept id is taken), one round
// trip each, in one transaction.
void bulk_learning_events_raw_rows(benchmark::State& state) {
  ENGRAM_PG_BENCH_DSN(state)
  const SchemaGuard schema(*dsn, fresh_schema("raw"));
  create_raw_schema(*dsn, schema.schema());
  RawPg pg = raw_episodes(*dsn, schema.schema());
  const Json parameters{{"lr", 0.001}};
  report_events(state, time_loop(state, Compare::kRawBaseline,
                                 pg_workload(kBulkLearningEvents) + "_rows", kBulkRates, [&] {
                                   auto ids = raw_store_events(pg, kBulkEvents, parameters);
                                   benchmark::DoNotOptimize(ids);
                                 }));
}

void bulk_learning_events_engram(benchmark::State& state) {
  ENGRAM_PG_BENCH_DSN(state)
  const SchemaGuard schema(*dsn, fresh_schema("engram"));
  Storage storage = open_engram(*dsn, schema.schema());
  auto episodes = storage.episodes();
  const Json parameters{{"lr", 0.001}};
  report_events(
      state, time_loop(state, Compare::kVsRaw, pg_workload(kBulkLearningEvents), kBulkRates, [&] {
        EpisodeBatch batch;
        for (int i = 0; i < kBulkEvents; ++i) {
          batch.store_learning_event(task_name(i), delta_of(i), strategy_name(i), parameters,
                                     kTime + i);
        }
        benchmark::DoNotOptimize(episodes->store_batch(batch));
      }));
}

// Not the plugin's way: the same INSERTs in libpq's pipeline mode, all sent
// before any result is read (libpq reads while it cannot send, so the two
// sides never wait on each other), in one transaction.
void bulk_learning_events_raw_pipeline(benchmark::State& state) {
  ENGRAM_PG_BENCH_DSN(state)
  const SchemaGuard schema(*dsn, fresh_schema("raw"));
  create_raw_schema(*dsn, schema.schema());
  RawPg pg = raw_episodes(*dsn, schema.schema());
  const Json parameters{{"lr", 0.001}};
  PGconn* conn = pg.get();
  const auto load = [&] {
    std::vector<std::int64_t> ids;
    ids.reserve(kBulkEvents);
    pg.exec("BEGIN");
    pg.run("id_lock", RawParams());
    if (PQenterPipelineMode(conn) != 1) pg.fail("entering pipeline mode");
    for (int i = 0; i < kBulkEvents; ++i) {
      const std::string task = task_name(i);
      const std::string strategy = strategy_name(i);
      const std::string text = parameters.dump();
      RawParams params;
      params.text(task).float8(delta_of(i)).text(strategy).float8(kTime + i).text(text);
      if (PQsendQueryPrepared(conn, "batch_event", params.size(), params.values(), params.lengths(),
                              params.formats(), 1) != 1) {
        pg.fail("sending an insert");
      }
    }
    if (PQpipelineSync(conn) != 1) pg.fail("syncing the pipeline");
    for (int i = 0; i < kBulkEvents; ++i) {
      const PgResult result(PQgetResult(conn));
      pg.check(result.get(), "a pipelined insert");
      ids.push_back(int8_at(result.get(), 0, 0));
      const PgResult end(PQgetResult(conn));  // nullptr: the statement's end
    }
    const PgResult sync(PQgetResult(conn));
    if (!sync || PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC) pg.fail("the pipeline's sync");
    if (PQexitPipelineMode(conn) != 1) pg.fail("leaving pipeline mode");
    pg.exec("COMMIT");
    benchmark::DoNotOptimize(ids);
  };
  report_events(state, time_loop(state, Compare::kRawBaseline,
                                 pg_workload(kBulkLearningEvents) + "_pipeline", kBulkRates, load));
}

// The plugin's way (episodes.cpp's copy_batch): a block of ids reserved as
// its reserve_batch_ids does (id_sequences.cpp: one statement, the id lock
// alone, nextval then setval past the block), then the rows with those ids
// in one COPY ... FROM STDIN (FORMAT binary), in one transaction under the
// shared id lock.
void bulk_learning_events_raw(benchmark::State& state) {
  ENGRAM_PG_BENCH_DSN(state)
  const SchemaGuard schema(*dsn, fresh_schema("raw"));
  create_raw_schema(*dsn, schema.schema());
  RawPg pg = raw_episodes(*dsn, schema.schema());
  pg.prepare("reserve_event_ids",
             "SELECT setval('learning_events_id_seq', GREATEST(nextval('learning_events_id_seq'), "
             "$2 + 1) + $1 - 1) - $1 + 1 FROM (SELECT pg_advisory_xact_lock(hashtext('" +
                 schema.schema() + "'), " + std::to_string(postgres::kIdLock) + ")) AS id_lock",
             {kInt8, kInt8});
  const Json parameters{{"lr", 0.001}};
  PGconn* conn = pg.get();
  std::string buffer;
  const auto put16 = [&](std::uint16_t v) {
    v = htobe16(v);
    buffer.append(reinterpret_cast<const char*>(&v), sizeof v);
  };
  const auto put32 = [&](std::uint32_t v) {
    v = htobe32(v);
    buffer.append(reinterpret_cast<const char*>(&v), sizeof v);
  };
  const auto put64 = [&](std::uint64_t v) {
    put32(8);
    v = htobe64(v);
    buffer.append(reinterpret_cast<const char*>(&v), sizeof v);
  };
  const auto put_text = [&](std::string_view text) {
    put32(static_cast<std::uint32_t>(text.size()));
    buffer.append(text);
  };
  const auto flush = [&](bool always) {
    if (!always && buffer.size() < (1u << 20)) return;
    if (PQputCopyData(conn, buffer.data(), static_cast<int>(buffer.size())) != 1) {
      pg.fail("sending COPY data");
    }
    buffer.clear();
  };
  const auto load = [&] {
    // reserve_batch_ids.
    const std::int64_t first =
        int8_at(pg.run("reserve_event_ids", RawParams().int8(kBulkEvents).int8(0)).get(), 0, 0);
    // The batch.
    pg.exec("BEGIN");
    pg.run("id_lock", RawParams());
    {
      const PgResult copy(
          PQexec(conn,
                 "COPY learning_events (id, task_type, performance_delta, "
                 "strategy_used, timestamp, parameters) FROM STDIN (FORMAT binary)"));
      if (!copy || PQresultStatus(copy.get()) != PGRES_COPY_IN) pg.fail("starting COPY");
    }
    buffer.assign("PGCOPY\n\377\r\n\0", 11);
    put32(0);  // flags
    put32(0);  // header extension
    for (int i = 0; i < kBulkEvents; ++i) {
      put16(6);
      put64(static_cast<std::uint64_t>(first + i));
      put_text(task_name(i));
      put64(std::bit_cast<std::uint64_t>(delta_of(i)));
      put_text(strategy_name(i));
      put64(std::bit_cast<std::uint64_t>(kTime + i));
      put_text(parameters.dump());
      flush(false);
    }
    put16(0xffff);  // the trailer
    flush(true);
    if (PQputCopyEnd(conn, nullptr) != 1) pg.fail("ending COPY");
    for (PgResult result(PQgetResult(conn)); result; result.reset(PQgetResult(conn))) {
      pg.check(result.get(), "COPY");
    }
    pg.exec("COMMIT");
  };
  report_events(state, time_loop(state, Compare::kRawBaseline, pg_workload(kBulkLearningEvents),
                                 kBulkRates, load));
}

// Not the plugin's way: multi-row INSERTs, kUnnestRows rows each, their
// columns sent as binary arrays and unnested by the server, the ids
// returned, in one transaction under the shared id lock: the per-row
// statement's work in a tenth of a percent of its round trips.
constexpr int kUnnestRows = 10'000;

// A one-dimensional binary array (array_recv's format) of `count` elements
// of type `element`; `add(i)` appends element i's length and bytes.
template <class Add>
std::string binary_array(Oid element, int count, Add add) {
  std::string out;
  const auto put32 = [&](std::uint32_t v) {
    v = htobe32(v);
    out.append(reinterpret_cast<const char*>(&v), sizeof v);
  };
  put32(1);  // dimensions
  put32(0);  // no NULLs
  put32(element);
  put32(static_cast<std::uint32_t>(count));
  put32(1);  // lower bound
  for (int i = 0; i < count; ++i) add(out, i);
  return out;
}
void append_length(std::string& out, std::size_t length) {
  const std::uint32_t v = htobe32(static_cast<std::uint32_t>(length));
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}
void append_text(std::string& out, std::string_view text) {
  append_length(out, text.size());
  out.append(text);
}
void append_float8(std::string& out, double value) {
  append_length(out, 8);
  const std::uint64_t v = htobe64(std::bit_cast<std::uint64_t>(value));
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

void bulk_learning_events_raw_unnest(benchmark::State& state) {
  ENGRAM_PG_BENCH_DSN(state)
  const SchemaGuard schema(*dsn, fresh_schema("raw"));
  create_raw_schema(*dsn, schema.schema());
  RawPg pg = raw_episodes(*dsn, schema.schema());
  constexpr Oid kTextArray = 1009;
  constexpr Oid kFloat8Array = 1022;
  constexpr Oid kJsonArray = 199;
  pg.prepare("unnest_events",
             std::string(kInsertEvent) +
                 "SELECT nextval('learning_events_id_seq'), t, d, s, ts, p "
                 "FROM unnest($1::text[], $2::float8[], $3::text[], $4::float8[], $5::json[]) "
                 "AS u(t, d, s, ts, p) RETURNING id",
             {kTextArray, kFloat8Array, kTextArray, kFloat8Array, kJsonArray});
  const Json parameters{{"lr", 0.001}};
  const auto load = [&] {
    std::vector<std::int64_t> ids;
    ids.reserve(kBulkEvents);
    pg.exec("BEGIN");
    pg.run("id_lock", RawParams());
    for (int first = 0; first < kBulkEvents; first += kUnnestRows) {
      const int rows = std::min(kUnnestRows, kBulkEvents - first);
      const std::string tasks = binary_array(
          kText, rows, [&](std::string& out, int i) { append_text(out, task_name(first + i)); });
      const std::string deltas = binary_array(
          kFloat8, rows, [&](std::string& out, int i) { append_float8(out, delta_of(first + i)); });
      const std::string strategies = binary_array(kText, rows, [&](std::string& out, int i) {
        append_text(out, strategy_name(first + i));
      });
      const std::string times = binary_array(
          kFloat8, rows, [&](std::string& out, int i) { append_float8(out, kTime + first + i); });
      const std::string params_json = binary_array(
          kJson, rows, [&](std::string& out, int) { append_text(out, parameters.dump()); });
      RawParams params;
      params.text(tasks).text(deltas).text(strategies).text(times).text(params_json);
      const PgResult result = pg.run("unnest_events", params);
      for (int row = 0; row < PQntuples(result.get()); ++row) {
        ids.push_back(int8_at(result.get(), row, 0));
      }
    }
    pg.exec("COMMIT");
    if (ids.size() != static_cast<std::size_t>(kBulkEvents)) {
      throw std::runtime_error("raw_unnest: not every event was stored");
    }
    benchmark::DoNotOptimize(ids);
  };
  report_events(state, time_loop(state, Compare::kRawBaseline,
                                 pg_workload(kBulkLearningEvents) + "_unnest", kBulkRates, load));
}

// --- four_processes: 4 processes storing episodes at once, each on its own
// connection (raw) or Storage (engram), into one schema ---

// One child process per writer, forked before the timing: it connects,
// says it is ready, then stores kProcessEpisodes episodes each time it is
// told to, until its command pipe closes. Bytes on the pipes: 'r' ready,
// 'g' go, 'd' done, 'e' failed (the child said why on stderr).
class Writers {
 public:
  // `open` runs in each child and returns its store; each call of the
  // store stores one episode.
  using Store = std::function<void(std::int64_t)>;
  explicit Writers(const std::function<Store()>& open) {
    for (int p = 0; p < kProcesses; ++p) {
      int command[2];
      int reply[2];
      if (::pipe(command) != 0 || ::pipe(reply) != 0) {
        throw std::system_error(errno, std::generic_category(), "pipe");
      }
      std::fflush(nullptr);
      const pid_t pid = ::fork();
      if (pid < 0) throw std::system_error(errno, std::generic_category(), "fork");
      if (pid == 0) {
        ::close(command[1]);
        ::close(reply[0]);
        for (const Child& other : children_) {
          ::close(other.command);
          ::close(other.reply);
        }
        ::_exit(run_child(open, command[0], reply[1], p));
      }
      ::close(command[0]);
      ::close(reply[1]);
      children_.push_back({pid, command[1], reply[0]});
    }
    for (const Child& child : children_) {
      if (read_byte(child.reply) != 'r') ok_ = false;
    }
  }
  ~Writers() {
    for (const Child& child : children_) ::close(child.command);
    for (const Child& child : children_) {
      int status = 0;
      ::waitpid(child.pid, &status, 0);
      ::close(child.reply);
    }
  }
  Writers(const Writers&) = delete;
  Writers& operator=(const Writers&) = delete;

  bool ok() const noexcept { return ok_; }

  // Every child stores its episodes, at once; false when one failed.
  bool round() {
    for (const Child& child : children_) {
      const char go = 'g';
      if (::write(child.command, &go, 1) != 1) return false;
    }
    bool ok = true;
    for (const Child& child : children_) ok = read_byte(child.reply) == 'd' && ok;
    return ok;
  }

 private:
  struct Child {
    pid_t pid;
    int command;
    int reply;
  };

  static char read_byte(int fd) {
    char byte = 0;
    ssize_t n = 0;
    do {
      n = ::read(fd, &byte, 1);
    } while (n < 0 && errno == EINTR);
    return n == 1 ? byte : '\0';
  }
  static void write_byte(int fd, char byte) {
    while (::write(fd, &byte, 1) < 0 && errno == EINTR) {
    }
  }

  static int run_child(const std::function<Store()>& open, int command, int reply, int index) {
    try {
      const Store store = open();
      write_byte(reply, 'r');
      std::int64_t n = static_cast<std::int64_t>(index) * 1'000'000'000;
      while (read_byte(command) == 'g') {
        for (int i = 0; i < kProcessEpisodes; ++i) store(n++);
        write_byte(reply, 'd');
      }
      return 0;
    } catch (const std::exception& e) {
      std::fprintf(stderr, "postgres_bench: writer %d: %s\n", index, e.what());
      write_byte(reply, 'e');
      return 1;
    }
  }

  std::vector<Child> children_;
  bool ok_ = true;
};

void run_writers(benchmark::State& state, Compare compare,
                 const std::function<Writers::Store()>& open) {
  Writers writers(open);
  if (!writers.ok()) {
    state.SkipWithError("a writer process failed to start (see stderr)");
    return;
  }
  const double per_second = time_loop(state, compare, kFourProcesses, kProcessRates, [&] {
    if (writers.round()) return true;
    state.SkipWithError("a writer process failed (see stderr)");
    return false;
  });
  state.counters["episodes_per_s"] = per_second * kProcesses * kProcessEpisodes;
}

void four_processes_raw(benchmark::State& state) {
  ENGRAM_PG_BENCH_DSN(state)
  const SchemaGuard schema(*dsn, fresh_schema("raw"));
  create_raw_schema(*dsn, schema.schema());
  run_writers(state, Compare::kRawBaseline, [&]() -> Writers::Store {
    auto pg = std::make_shared<RawPg>(raw_episodes(*dsn, schema.schema()));
    auto writer = std::make_shared<std::string>(raw_writer_id());
    auto metadata = std::make_shared<Json>(Json{{"source", "bench"}});
    return [pg, writer, metadata](std::int64_t n) {
      raw_store_episode(*pg, *writer, kTime + static_cast<double>(n), *metadata);
    };
  });
}

void four_processes_engram(benchmark::State& state) {
  ENGRAM_PG_BENCH_DSN(state)
  const SchemaGuard schema(*dsn, fresh_schema("engram"));
  // The schema made once here, so the children find it migrated.
  { const Storage migrated = open_engram(*dsn, schema.schema()); }
  run_writers(state, Compare::kVsRaw, [&]() -> Writers::Store {
    auto storage = std::make_shared<Storage>(open_engram(*dsn, schema.schema()));
    auto episodes = storage->episodes();
    auto metadata = std::make_shared<Json>(Json{{"source", "bench"}});
    return [storage, episodes, metadata](std::int64_t n) {
      episodes->store_episode(experience(), 0.5, "bench_context", kTime + static_cast<double>(n),
                              *metadata);
    };
  });
}

}  // namespace

// Fixed iteration counts (about a second each here): Google Benchmark's
// estimate of a count runs a function several times, and each run would
// record a raw rate (ratio.h), short noisy ones among them; so each
// repetition is one run.
BENCHMARK(store_episode_raw)->Name(raw_entry(pg_workload(kStoreEpisode)))->Iterations(400);
BENCHMARK(store_episode_engram)->Name(engram_entry(pg_workload(kStoreEpisode)))->Iterations(400);
BENCHMARK(retrieve_episode_raw)->Name(raw_entry(pg_workload(kRetrieveEpisode)))->Iterations(20'000);
BENCHMARK(retrieve_episode_engram)
    ->Name(engram_entry(pg_workload(kRetrieveEpisode)))
    ->Iterations(20'000);
BENCHMARK(store_concept_raw)->Name(raw_entry(pg_workload(kStoreConcept)))->Iterations(400);
BENCHMARK(store_concept_engram)->Name(engram_entry(pg_workload(kStoreConcept)))->Iterations(400);
BENCHMARK(search_concepts_raw)->Name(raw_entry(pg_workload(kSearchConcepts)))->Iterations(3'000);
BENCHMARK(search_concepts_engram)
    ->Name(engram_entry(pg_workload(kSearchConcepts)))
    ->Iterations(3'000);
BENCHMARK(best_strategies_raw)->Name(raw_entry(pg_workload(kGetBestStrategies)))->Iterations(1'000);
BENCHMARK(best_strategies_engram)
    ->Name(engram_entry(pg_workload(kGetBestStrategies)))
    ->Iterations(1'000);
BENCHMARK(bulk_learning_events_raw)
    ->Name(raw_entry(pg_workload(kBulkLearningEvents)))
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(bulk_learning_events_engram)
    ->Name(engram_entry(pg_workload(kBulkLearningEvents)))
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(bulk_learning_events_raw_rows)
    ->Name(pg_workload(kBulkLearningEvents) + "/raw_rows")
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(bulk_learning_events_raw_pipeline)
    ->Name(pg_workload(kBulkLearningEvents) + "/raw_pipeline")
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(bulk_learning_events_raw_unnest)
    ->Name(pg_workload(kBulkLearningEvents) + "/raw_unnest")
    ->Iterations(3)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(four_processes_raw)
    ->Name(raw_entry(kFourProcesses))
    ->Iterations(8)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(four_processes_engram)
    ->Name(engram_entry(kFourProcesses))
    ->Iterations(8)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace engram::bench
