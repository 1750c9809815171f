// The postgres plugin's recall cache across backends: two Storage objects
// on one schema (as two processes would be), each with its own cache, kept
// fresh by the change counters; a third that never caches (a scan of the
// table, recall_cache_bytes 0) is the reference. Needs the shared server
// on ENGRAM_TEST_PG_DSN.
#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "engram/storage.h"
#include "pg_test_util.h"

namespace {

using engram::ArrayView;
using engram::Json;

// A 4-float embedding pointing mostly along axis `axis`, tilted by `tilt`.
std::vector<float> along(int axis, float tilt = 0.0f) {
  std::vector<float> v{tilt, tilt, tilt, tilt};
  v[static_cast<std::size_t>(axis % 4)] = 1.0f;
  return v;
}

// (id, score) of each hit, best first.
template <class Recall>
std::vector<std::pair<std::int64_t, float>> ranked(const Recall& recall) {
  std::vector<std::pair<std::int64_t, float>> out;
  for (const auto& hit : recall.hits) out.emplace_back(hit.record.id, hit.score);
  return out;
}

}  // namespace

TEST_CASE("postgres: a cached recall sees another backend's writes to its schema",
          "[postgres][recall]") {
  pg_test::ScopedSchema schema(pg_test::shared_dsn());
  engram::Storage a = pg_test::open_pg(schema.dsn(), schema.name());
  engram::Storage b = pg_test::open_pg(schema.dsn(), schema.name());
  auto concepts_a = a.concepts();
  auto concepts_b = b.concepts();
  auto episodes_a = a.episodes();
  auto episodes_b = b.episodes();

  const auto q0 = along(0);
  const auto q1 = along(1);
  CHECK(concepts_b->nearest_concepts(ArrayView(q0), 3).hits.empty());  // b loads: empty

  // A store by a: b's next recall reloads and finds it.
  const std::int64_t x = concepts_a->store_concept("x", ArrayView(q0));
  auto found = concepts_b->nearest_concepts(ArrayView(q0), 1);
  REQUIRE(found.hits.size() == 1);
  CHECK(found.hits[0].record.id == x);

  // An update by a (same name, new embedding): b's cache follows.
  concepts_a->store_concept("x", ArrayView(q1));
  found = concepts_b->nearest_concepts(ArrayView(q1), 1);
  REQUIRE(found.hits.size() == 1);
  CHECK(found.hits[0].record.id == x);
  CHECK(found.hits[0].score == Approx(1.0f));

  // b's own store moves its cache's version; a's store after it must still
  // be seen (the versions' sums must not match by accident).
  const std::int64_t own = concepts_b->store_concept("own", ArrayView(along(2)));
  const std::int64_t foreign = concepts_a->store_concept("foreign", ArrayView(along(3)));
  CHECK(concepts_b->nearest_concepts(ArrayView(along(3)), 1).hits.at(0).record.id == foreign);
  CHECK(concepts_b->nearest_concepts(ArrayView(along(2)), 1).hits.at(0).record.id == own);
  concepts_a->store_concept("foreign2", ArrayView(along(3, 0.1f)));
  concepts_b->store_concept("own2", ArrayView(along(2, 0.1f)));
  CHECK(concepts_b->nearest_concepts(ArrayView(along(3)), 4).hits.size() == 4);

  // An access by a moves last_accessed, which b's filter reads.
  engram::ConceptRecallOptions accessed;
  accessed.filter.accessed_between = engram::TimeRange{1.0, 1e12};
  CHECK(concepts_b->nearest_concepts(ArrayView(q1), 5, accessed).hits.empty());
  REQUIRE(concepts_a->retrieve_concept_by_name("x"));
  found = concepts_b->nearest_concepts(ArrayView(q1), 5, accessed);
  REQUIRE(found.hits.size() == 1);
  CHECK(found.hits[0].record.id == x);

  // Episodes likewise.
  CHECK(episodes_b->nearest_episodes(ArrayView(q0), 3).hits.empty());
  const std::int64_t e = episodes_a->store_episode(ArrayView(q0), 0.5, "ctx");
  auto episodes = episodes_b->nearest_episodes(ArrayView(q0), 3);
  REQUIRE(episodes.hits.size() == 1);
  CHECK(episodes.hits[0].record.id == e);
  const std::int64_t mine = episodes_b->store_episode(ArrayView(q1), 0.5, "ctx");
  const std::int64_t theirs = episodes_a->store_episode(ArrayView(q1), 0.5, "ctx");
  episodes = episodes_b->nearest_episodes(ArrayView(q1), 2);  // equal scores: lower id first
  REQUIRE(episodes.hits.size() == 2);
  CHECK(episodes.hits[0].record.id == std::min(mine, theirs));
  CHECK(episodes.hits[1].record.id == std::max(mine, theirs));
}

TEST_CASE("postgres: cached recalls agree with a scan while two backends write and recall",
          "[postgres][recall][threads]") {
  pg_test::ScopedSchema schema(pg_test::shared_dsn());
  engram::Storage a = pg_test::open_pg(schema.dsn(), schema.name());
  engram::Storage b = pg_test::open_pg(schema.dsn(), schema.name());
  engram::Storage scan = pg_test::open_pg(schema.dsn(), schema.name(), ", recall_cache_bytes: 0");
  constexpr int kWriters = 2;  // per backend
  constexpr int kEach = 40;
  std::atomic<bool> writing{true};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (engram::Storage* storage : {&a, &b}) {
    for (int t = 0; t < kWriters; ++t) {
      threads.emplace_back([&, storage, t] {
        try {
          auto concepts = storage->concepts();
          auto episodes = storage->episodes();
          const std::string who = (storage == &a ? "a" : "b") + std::to_string(t);
          for (int i = 0; i < kEach; ++i) {
            const auto v = along(i, 0.01f * static_cast<float>(i + t));
            concepts->store_concept(who + "_" + std::to_string(i % 10), ArrayView(v));
            episodes->store_episode(ArrayView(v), 0.1 * i, who);
            if (i % 7 == 0) concepts->retrieve_concept_by_name(who + "_0");
          }
        } catch (...) {
          ++failures;
        }
      });
    }
    threads.emplace_back([&, storage] {
      try {
        auto concepts = storage->concepts();
        auto episodes = storage->episodes();
        for (int i = 0; writing.load(); ++i) {
          concepts->nearest_concepts(ArrayView(along(i)), 5);
          episodes->nearest_episodes(ArrayView(along(i)), 5);
        }
      } catch (...) {
        ++failures;
      }
    });
  }
  for (std::size_t i = 0; i < threads.size(); ++i) {
    if ((i + 1) % (kWriters + 1) != 0) threads[i].join();  // the writers
  }
  writing = false;
  for (std::size_t i = 0; i < threads.size(); ++i) {
    if (threads[i].joinable()) threads[i].join();
  }
  REQUIRE(failures == 0);

  for (int axis = 0; axis < 4; ++axis) {
    INFO("axis " << axis);
    const auto q = along(axis, 0.05f);
    const auto want_concepts = ranked(scan.concepts()->nearest_concepts(ArrayView(q), 8));
    const auto want_episodes = ranked(scan.episodes()->nearest_episodes(ArrayView(q), 8));
    CHECK(want_concepts.size() == 8);
    for (engram::Storage* storage : {&a, &b}) {
      CHECK(ranked(storage->concepts()->nearest_concepts(ArrayView(q), 8)) == want_concepts);
      CHECK(ranked(storage->episodes()->nearest_episodes(ArrayView(q), 8)) == want_episodes);
    }
  }
}
