// Recall on SQLite with its in-memory cache (plugins/sqlite/recall_cache.h):
// the same hits, scores and skipped counts cached, streamed
// (recall_cache_bytes 0) and past the bound; this backend's own writes seen
// by the next recall; another connection's and another process's writes
// seen through PRAGMA data_version; rows that do not decode counted
// skipped; recalls beside a writer in other threads.
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "engram/array.h"
#include "engram/concept_store.h"
#include "engram/episode_store.h"
#include "engram/errors.h"
#include "engram/maintenance.h"
#include "engram/recall.h"
#include "engram/storage.h"
#include "random_vector.h"
#include "same_recall.h"
#include "sqlite_test_util.h"

using engram_test::random_vector;

namespace {

using engram::ArrayView;
using engram::ConceptRecallOptions;
using engram::EpisodeRecallOptions;
using engram::Json;
using engram::RecallMetric;

constexpr std::size_t kDims = 8;
// A truncated pickle: what an embedding or experience the Python system
// wrote may hold that does not decode.
constexpr const char* kTruncatedPickleHex = "8004950a000000000000007d948c0161944b0173";
constexpr const char* kStreamed = ", recall_cache_bytes: 0";
// A bound a few rows pass: the load stops and recalls stream.
constexpr const char* kTinyCache = ", recall_cache_bytes: 600";

// Every kind of row a recall meets: float32 and float64 embeddings of the
// query's shape, another shape, an integer dtype, a zero vector; episodes
// with arrays and with JSON. Then two concepts and one episode made
// undecodable behind engram's back.
void fill(const std::filesystem::path& db) {
  std::mt19937 rng(17);
  {
    engram::Storage storage = sqlite_test::open_sqlite(db);
    auto concepts = storage.concepts();
    auto episodes = storage.episodes();
    engram::ConceptBatch batch;
    std::vector<std::vector<float>> keep;
    for (int i = 0; i < 300; ++i) {
      const std::string name = "c" + std::to_string(i);
      const Json metadata = {{"group", i % 3}};
      const double created = 1000.0 + i;
      if (i % 50 == 7) {
        concepts->store_concept(name, ArrayView(random_vector(rng, 4)), metadata, created);
      } else if (i % 50 == 8) {
        concepts->store_concept(name, ArrayView(std::vector<std::int32_t>(kDims, 1)), metadata,
                                created);
      } else if (i == 9) {
        concepts->store_concept(name, ArrayView(std::vector<float>(kDims, 0.0f)), metadata,
                                created);
      } else if (i % 5 == 0) {
        const std::vector<float> f = random_vector(rng, kDims);
        concepts->store_concept(name, ArrayView(std::vector<double>(f.begin(), f.end())), metadata,
                                created);
      } else {
        concepts->store_concept(name, ArrayView(random_vector(rng, kDims)), metadata, created);
      }
    }
    for (int i = 0; i < 200; ++i) {
      const std::string context = "ctx" + std::to_string(i % 4);
      if (i % 10 == 3) {
        episodes->store_episode(Json{{"i", i}}, 0.01 * (i % 100), context, 500.0 + i);
      } else {
        episodes->store_episode(ArrayView(random_vector(rng, kDims)), 0.01 * (i % 100), context,
                                500.0 + i);
      }
    }
  }
  sqlite_test::RawDb raw(db);
  raw.exec(std::string("UPDATE concepts SET embedding = X'") + kTruncatedPickleHex +
           "' WHERE name IN ('c11', 'c123')");
  raw.exec(std::string("UPDATE episodes SET experience_data = X'") + kTruncatedPickleHex +
           "', experience_format = NULL WHERE id = 5");
}

std::vector<ConceptRecallOptions> concept_options() {
  std::vector<ConceptRecallOptions> all;
  for (const RecallMetric metric : {RecallMetric::kCosine, RecallMetric::kDot, RecallMetric::kL2}) {
    ConceptRecallOptions o;
    o.metric = metric;
    all.push_back(o);
    o.filter.name_prefix = "c1";
    all.push_back(o);
    o.filter = {};
    o.filter.metadata_equals = {"group", Json(1)};
    all.push_back(o);
    o.filter = {};
    o.filter.created_between = engram::TimeRange{1050.0, 1150.0};
    all.push_back(o);
  }
  return all;
}

std::vector<EpisodeRecallOptions> episode_options() {
  std::vector<EpisodeRecallOptions> all;
  for (const RecallMetric metric : {RecallMetric::kCosine, RecallMetric::kDot, RecallMetric::kL2}) {
    EpisodeRecallOptions o;
    o.metric = metric;
    all.push_back(o);
    o.filter.context_hash = "ctx1";
    all.push_back(o);
    o.filter = {};
    o.filter.min_score = 0.5;
    all.push_back(o);
  }
  return all;
}

// Every query of the lists on `a` and `b` gives the same answer.
void require_same_answers(const engram::Storage& a, const engram::Storage& b,
                          const std::vector<float>& query) {
  for (const std::size_t k : {std::size_t{1}, std::size_t{10}, std::size_t{1000}}) {
    for (const ConceptRecallOptions& o : concept_options()) {
      INFO("concepts, k " << k << ", metric " << engram::recall_metric_name(o.metric));
      engram_test::require_same_recall(a.concepts()->nearest_concepts(ArrayView(query), k, o),
                                       b.concepts()->nearest_concepts(ArrayView(query), k, o));
    }
    for (const EpisodeRecallOptions& o : episode_options()) {
      INFO("episodes, k " << k << ", metric " << engram::recall_metric_name(o.metric));
      engram_test::require_same_recall(a.episodes()->nearest_episodes(ArrayView(query), k, o),
                                       b.episodes()->nearest_episodes(ArrayView(query), k, o));
    }
  }
}

std::int64_t top_concept(const engram::Storage& storage, const std::vector<float>& query) {
  const auto recall = storage.concepts()->nearest_concepts(ArrayView(query), 1);
  REQUIRE(recall.hits.size() == 1);
  return recall.hits.front().record.id;
}

std::int64_t top_episode(const engram::Storage& storage, const std::vector<float>& query) {
  const auto recall = storage.episodes()->nearest_episodes(ArrayView(query), 1);
  REQUIRE(recall.hits.size() == 1);
  return recall.hits.front().record.id;
}

std::vector<float> scaled(std::vector<float> v, float by) {
  for (float& x : v) x *= by;
  return v;
}

}  // namespace

TEST_CASE("sqlite recall: cached, streamed and past the bound answer alike", "[sqlite][recall]") {
  sqlite_test::TempDir dir;
  const auto db = dir.path() / "recall.db";
  fill(db);
  engram::Storage cached = sqlite_test::open_sqlite(db);
  engram::Storage streamed = sqlite_test::open_sqlite(db, kStreamed);
  engram::Storage tiny = sqlite_test::open_sqlite(db, kTinyCache);
  std::mt19937 rng(3);
  for (int q = 0; q < 3; ++q) {
    const std::vector<float> query = random_vector(rng, kDims);
    require_same_answers(cached, streamed, query);
    require_same_answers(tiny, streamed, query);
  }
  // The undecodable rows are counted, not fatal: 2 concepts; unscorable
  // rows (other shapes, int32, zero under cosine) besides.
  const std::vector<float> query = random_vector(rng, kDims);
  const auto concepts = cached.concepts()->nearest_concepts(ArrayView(query), 5);
  CHECK(concepts.hits.size() == 5);
  CHECK(concepts.skipped == 2 + 6 + 6 + 1);
  const auto episodes = cached.episodes()->nearest_episodes(ArrayView(query), 5);
  CHECK(episodes.hits.size() == 5);
  CHECK(episodes.skipped == 1);
}

TEST_CASE("sqlite recall: this backend's writes are seen by the next recall", "[sqlite][recall]") {
  sqlite_test::TempDir dir;
  const auto db = dir.path() / "recall.db";
  fill(db);
  engram::Storage cached = sqlite_test::open_sqlite(db);
  engram::Storage streamed = sqlite_test::open_sqlite(db, kStreamed);
  auto concepts = cached.concepts();
  auto episodes = cached.episodes();
  std::mt19937 rng(5);
  const std::vector<float> query = random_vector(rng, kDims);
  const std::int64_t before = top_concept(cached, query);  // loads the cache

  // A store, an update of its embedding, a batch.
  const std::int64_t added = concepts->store_concept("near", ArrayView(query));
  CHECK(top_concept(cached, query) == added);
  concepts->store_concept("near", ArrayView(scaled(query, -1.0f)));
  CHECK(top_concept(cached, query) == before);
  engram::ConceptBatch batch;  // borrows the arrays until store_batch returns
  const std::vector<float> doubled = scaled(query, 2.0f);
  batch.store_concept("batched", ArrayView(doubled));
  const std::int64_t batched = concepts->store_batch(batch).front();
  CHECK(top_concept(cached, query) == batched);
  require_same_answers(cached, streamed, query);

  // An access moves last_accessed, which a filter reads.
  const auto accessed = concepts->retrieve_concept_by_name("c42");
  REQUIRE(accessed);
  ConceptRecallOptions recent;
  recent.filter.accessed_between =
      engram::TimeRange{accessed->last_accessed, accessed->last_accessed};
  const auto only = concepts->nearest_concepts(ArrayView(query), 10, recent);
  REQUIRE(only.hits.size() == 1);
  CHECK(only.hits.front().record.name == "c42");

  // Episodes: a store and a batch.
  const std::int64_t episode = episodes->store_episode(ArrayView(query), 0.5, "ctx9");
  CHECK(top_episode(cached, query) == episode);
  engram::EpisodeBatch episode_batch;
  const std::vector<float> tripled = scaled(query, 3.0f);
  episode_batch.store_episode(ArrayView(tripled), 0.5, "ctx9");
  const std::int64_t batched_episode = episodes->store_batch(episode_batch).episode_ids.front();
  EpisodeRecallOptions dot;
  dot.metric = RecallMetric::kDot;
  CHECK(episodes->nearest_episodes(ArrayView(query), 1, dot).hits.front().record.id ==
        batched_episode);
  require_same_answers(cached, streamed, query);

  // clear_all empties the cache with the tables.
  cached.maintenance("db")->clear_all();
  const auto none = concepts->nearest_concepts(ArrayView(query), 10);
  CHECK(none.hits.empty());
  CHECK(none.skipped == 0);
  CHECK(episodes->nearest_episodes(ArrayView(query), 10).hits.empty());
  const std::int64_t again = concepts->store_concept("again", ArrayView(query));
  CHECK(top_concept(cached, query) == again);
}

TEST_CASE("sqlite recall: another connection's writes are seen by the next recall",
          "[sqlite][recall]") {
  sqlite_test::TempDir dir;
  const auto db = dir.path() / "recall.db";
  fill(db);
  engram::Storage cached = sqlite_test::open_sqlite(db);
  std::mt19937 rng(7);
  const std::vector<float> query = random_vector(rng, kDims);
  const std::int64_t before = top_concept(cached, query);  // loads the cache
  const std::int64_t skipped = cached.concepts()->nearest_concepts(ArrayView(query), 1).skipped;
  const std::int64_t before_episode = top_episode(cached, query);

  // Another backend on the same file: its own connections.
  std::int64_t added = 0;
  std::int64_t added_episode = 0;
  {
    engram::Storage other = sqlite_test::open_sqlite(db);
    added = other.concepts()->store_concept("from-other", ArrayView(query));
    added_episode = other.episodes()->store_episode(ArrayView(query), 0.5, "other");
  }
  CHECK(top_concept(cached, query) == added);
  CHECK(top_episode(cached, query) == added_episode);

  // A raw connection deletes them, then spoils another row.
  {
    sqlite_test::RawDb raw(db);
    raw.exec("DELETE FROM concepts WHERE id = " + std::to_string(added));
    raw.exec("DELETE FROM episodes WHERE id = " + std::to_string(added_episode));
  }
  CHECK(top_concept(cached, query) == before);
  CHECK(top_episode(cached, query) == before_episode);
  // c1 and c2 are float32 rows of the query's shape; the one spoilt is not
  // the nearest.
  const std::string spoilt =
      cached.concepts()->retrieve_concept(before)->name == "c1" ? "c2" : "c1";
  sqlite_test::RawDb(db).exec(std::string("UPDATE concepts SET embedding = X'") +
                              kTruncatedPickleHex + "' WHERE name = '" + spoilt + "'");
  const auto after = cached.concepts()->nearest_concepts(ArrayView(query), 1);
  CHECK(after.hits.front().record.id == before);
  CHECK(after.skipped == skipped + 1);

  // Another process.
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    try {
      engram::Storage storage = sqlite_test::open_sqlite(db);
      storage.concepts()->store_concept("from-child", ArrayView(scaled(query, 5.0f)));
      storage.close();
      ::_exit(0);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "child: %s\n", e.what());
      ::_exit(1);
    }
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  const auto from_child = cached.concepts()->nearest_concepts(ArrayView(query), 1);
  REQUIRE(from_child.hits.size() == 1);
  CHECK(from_child.hits.front().record.name == "from-child");
}

TEST_CASE("sqlite recall: recalls beside a writer see whole writes", "[sqlite][recall]") {
  sqlite_test::TempDir dir;
  const auto db = dir.path() / "recall.db";
  fill(db);
  engram::Storage cached = sqlite_test::open_sqlite(db);
  engram::Storage streamed = sqlite_test::open_sqlite(db, kStreamed);
  std::mt19937 rng(11);
  const std::vector<float> query = random_vector(rng, kDims);
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      while (!done) {
        try {
          const auto recall = cached.concepts()->nearest_concepts(ArrayView(query), 10);
          if (recall.hits.size() != 10) ++failures;
        } catch (...) {
          ++failures;
        }
      }
    });
  }
  std::mt19937 writer_rng(13);
  for (int i = 0; i < 100; ++i) {
    engram::ConceptBatch batch;
    const std::vector<float> a = random_vector(writer_rng, kDims);
    const std::vector<float> b = random_vector(writer_rng, kDims);
    batch.store_concept("w" + std::to_string(i), ArrayView(a));
    batch.store_concept("c" + std::to_string(i), ArrayView(b));  // replaces an embedding
    cached.concepts()->store_batch(batch);
  }
  done = true;
  for (std::thread& reader : readers) reader.join();
  CHECK(failures == 0);
  require_same_answers(cached, streamed, query);
}

TEST_CASE("sqlite recall: recall_cache_bytes is live", "[sqlite][recall]") {
  sqlite_test::TempDir dir;
  const auto db = dir.path() / "recall.db";
  fill(db);
  engram::Storage cached = sqlite_test::open_sqlite(db);
  engram::Storage streamed = sqlite_test::open_sqlite(db, kStreamed);
  std::mt19937 rng(19);
  const std::vector<float> query = random_vector(rng, kDims);
  require_same_answers(cached, streamed, query);  // loaded
  auto maintenance = cached.maintenance("db");
  for (const std::int64_t bytes : {0, 600, 1 << 20, 0, 1 << 30}) {
    INFO("recall_cache_bytes " << bytes);
    maintenance->set_option("recall_cache_bytes", bytes);
    require_same_answers(cached, streamed, query);
    const std::int64_t id =
        cached.concepts()->store_concept("live" + std::to_string(bytes), ArrayView(query));
    CHECK(cached.concepts()->nearest_concepts(ArrayView(query), 1).hits.front().score ==
          streamed.concepts()->nearest_concepts(ArrayView(query), 1).hits.front().score);
    CHECK(top_concept(cached, query) == top_concept(streamed, query));
    CHECK(id > 0);
  }
  CHECK_THROWS_AS(maintenance->set_option("recall_cache_bytes", -1), engram::InvalidArgument);
  require_same_answers(cached, streamed, query);
}
