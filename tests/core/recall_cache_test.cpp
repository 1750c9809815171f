// The recall cache (engram/recall_cache.h) driven by hand, as a backend
// drives it: loads only when the version changes, apply()d writes, rows
// that do not decode counted skipped, the byte bound, a failing load; and,
// for a backend whose own writes the version shows, version steps and
// loads ordered against writes. The sqlite and postgres plugins' tests show
// it on a real database.
#include "engram/recall_cache.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <optional>
#include <shared_mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "engram/array.h"
#include "engram/recall.h"

namespace {

using Cache = engram::RecallCache<engram::EpisodeColumns>;
using Row = Cache::Row;

Row candidate(std::int64_t id, float x, float y) {
  Row row;
  row.id = id;
  row.state = Row::State::kCandidate;
  row.embedding = engram::Array::copy_of<float>(std::vector<float>{x, y});
  row.columns.context_hash = "ctx";
  return row;
}

Row undecodable(std::int64_t id) {
  Row row;
  row.id = id;
  row.state = Row::State::kUndecodable;
  return row;
}

// A table the cache loads from, counting its loads.
struct Table {
  std::vector<std::vector<float>> rows;  // row i has id i + 1
  int loads = 0;
  Cache::Load load() {
    return [this](const Cache::Sink& sink) {
      ++loads;
      for (std::size_t i = 0; i < rows.size(); ++i) {
        if (!sink(candidate(static_cast<std::int64_t>(i + 1), rows[i][0], rows[i][1]))) return;
      }
    };
  }
};

engram::RecallQuery query(float x, float y) {
  const engram::Array q = engram::Array::copy_of<float>(std::vector<float>{x, y});
  return engram::make_recall_query(q, engram::RecallMetric::kCosine);
}

std::vector<std::int64_t> ids(const Cache& cache, float x, float y, std::size_t k = 5) {
  const auto result = cache.search(query(x, y), k, {});
  REQUIRE(result);
  std::vector<std::int64_t> out;
  for (const auto& hit : result->best) out.push_back(hit.id);
  return out;
}

}  // namespace

TEST_CASE("recall_cache: loads once per version, keeps applied writes", "[recall_cache]") {
  Table table{{{1, 0}, {0, 1}}};
  Cache cache(1 << 20);
  CHECK(cache.caching());
  CHECK_FALSE(cache.loaded());
  CHECK_FALSE(cache.search(query(1, 0), 1, {}));  // nothing loaded: stream

  cache.refresh(5, table.load());
  cache.refresh(5, table.load());
  CHECK(table.loads == 1);
  CHECK(cache.loaded());
  CHECK(ids(cache, 1, 0, 1) == std::vector<std::int64_t>{1});

  // A write the version does not show reaches the cache through apply().
  std::vector<Row> written;
  written.push_back(candidate(3, 1, 0.01f));
  written.push_back(undecodable(2));
  cache.apply(std::move(written));
  CHECK(ids(cache, 1, 0) == std::vector<std::int64_t>{1, 3});
  CHECK(cache.search(query(1, 0), 5, {})->skipped == 1);

  std::vector<Row> deleted(1);
  deleted[0].id = 3;  // kAbsent
  cache.apply(std::move(deleted));
  CHECK(ids(cache, 1, 0) == std::vector<std::int64_t>{1});

  // Another version: loaded again from the table.
  cache.refresh(6, table.load());
  CHECK(table.loads == 2);
  CHECK(ids(cache, 1, 0) == std::vector<std::int64_t>{1, 2});
  CHECK(cache.search(query(1, 0), 5, {})->skipped == 0);

  cache.drop();
  CHECK_FALSE(cache.loaded());
  cache.refresh(6, table.load());
  CHECK(table.loads == 3);
}

TEST_CASE("recall_cache: past the bound the caller streams until the version changes",
          "[recall_cache]") {
  Table table{{{1, 0}, {0, 1}, {1, 1}}};
  Cache cache(1);  // any row passes it
  cache.refresh(1, table.load());
  CHECK(table.loads == 1);
  CHECK_FALSE(cache.loaded());
  CHECK_FALSE(cache.search(query(1, 0), 1, {}));
  cache.refresh(1, table.load());
  CHECK(table.loads == 1);  // found over the bound at this version: not again

  cache.set_byte_bound(1 << 20);
  cache.refresh(1, table.load());
  CHECK(table.loads == 2);
  CHECK(ids(cache, 1, 0, 1) == std::vector<std::int64_t>{1});

  Cache never(0);
  CHECK_FALSE(never.caching());
}

TEST_CASE("recall_cache: a failing load leaves it empty, loaded again next time",
          "[recall_cache]") {
  Cache cache(1 << 20);
  CHECK_THROWS_AS(cache.refresh(1, [](const Cache::Sink&) { throw std::runtime_error("down"); }),
                  std::runtime_error);
  CHECK_FALSE(cache.loaded());
  Table table{{{1, 0}}};
  cache.refresh(1, table.load());
  CHECK(table.loads == 1);
  CHECK(cache.loaded());

  engram::RecallCaches caches(1 << 20);
  caches.episodes.refresh(1, table.load());
  CHECK(caches.episodes.loaded());
  caches.drop();
  CHECK_FALSE(caches.episodes.loaded());
}

// A backend whose own writes the version shows (postgres: every write
// bumps a change counter all backends sum), with many writers and
// refreshing threads: refresh(read_version, load), apply's version step,
// writing().
namespace {

// A store whose version a test moves by hand; its load reports the
// version it loaded at.
struct CountedTable {
  Table table;
  std::atomic<std::int64_t> version{0};
  Cache::ReadVersion read_version() {
    return [this] { return version.load(); };
  }
  Cache::SnapshotLoad load() {
    return [this](const Cache::Sink& sink) {
      const std::int64_t at = version.load();
      table.load()(sink);
      return at;
    };
  }
};

}  // namespace

TEST_CASE("recall_cache: own writes step the version, foreign ones reload", "[recall_cache]") {
  CountedTable store{{{{1, 0}, {0, 1}}}};
  store.version = 5;
  Cache cache(1 << 20);
  cache.refresh(store.read_version(), store.load());
  cache.refresh(store.read_version(), store.load());
  CHECK(store.table.loads == 1);

  // An own write: committed (the store's version moves), then applied with
  // its step: the cache stands at the store's version, no reload.
  store.table.rows.push_back({1, 0.01f});
  store.version = 6;
  std::vector<Row> written;
  written.push_back(candidate(3, 1, 0.01f));
  cache.apply(std::move(written), 1);
  cache.refresh(store.read_version(), store.load());
  CHECK(store.table.loads == 1);
  CHECK(ids(cache, 1, 0) == std::vector<std::int64_t>{1, 3, 2});

  // A foreign write: the version moves with nothing applied: reloaded.
  store.version = 7;
  cache.refresh(store.read_version(), store.load());
  CHECK(store.table.loads == 2);

  // Over the bound only the version steps: still no reload for own writes.
  Cache small(1);
  small.refresh(store.read_version(), store.load());
  CHECK(store.table.loads == 3);
  CHECK_FALSE(small.loaded());
  store.version = 8;
  small.apply({}, 1);
  small.refresh(store.read_version(), store.load());
  CHECK(store.table.loads == 3);
  // With nothing loaded a step changes nothing: the next refresh loads.
  Cache empty(1 << 20);
  empty.apply({}, 1);
  empty.refresh(store.read_version(), store.load());
  CHECK(store.table.loads == 4);
}

TEST_CASE("recall_cache: a load waits for writes between commit and apply, and runs once",
          "[recall_cache]") {
  CountedTable store{{{{1, 0}}}};
  store.version = 1;
  Cache cache(1 << 20);
  cache.refresh(store.read_version(), store.load());
  REQUIRE(store.table.loads == 1);

  // A write holds writing() across its commit: a refresh that finds the
  // version moved does not load until the write has applied, else the load
  // could see the write and the apply count it again.
  std::optional<std::shared_lock<std::shared_mutex>> writing(cache.writing());
  store.version = 2;  // committed
  std::thread refresher([&] { cache.refresh(store.read_version(), store.load()); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(store.table.loads == 1);
  cache.apply({candidate(2, 0, 1)}, 1);
  writing.reset();
  refresher.join();
  CHECK(store.table.loads == 1);  // the apply brought it to version 2

  // Several threads finding the version moved: one loads, the others find
  // its version.
  store.version = 3;
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] { cache.refresh(store.read_version(), store.load()); });
  }
  for (auto& thread : threads) thread.join();
  CHECK(store.table.loads == 2);
}
