// engram/embedding_matrix.h: rows kept in step, searched exactly, the same
// on one thread as on several.
#include "engram/embedding_matrix.h"

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <map>
#include <random>
#include <vector>

#include "engram/recall_kernel.h"
#include "random_vector.h"

using engram::ConceptColumns;
using engram::EpisodeColumns;
using engram::RecallMetric;
using engram::ScoredId;
using Matrix = engram::EmbeddingMatrix<EpisodeColumns>;

using engram_test::random_vector;

namespace {

// What a RecallScan over `rows` (the reference streaming path) returns.
std::vector<ScoredId> scanned(const engram::RecallQuery& query, std::size_t k,
                              const std::map<std::int64_t, std::vector<float>>& rows) {
  engram::RecallScan scan(query, k);
  for (const auto& [id, row] : rows) scan.offer(id, row);
  return scan.best();
}

}  // namespace

TEST_CASE("embedding matrix: upsert replaces, erase keeps the rest findable",
          "[embedding_matrix]") {
  std::mt19937 rng(11);
  Matrix matrix;
  std::map<std::int64_t, std::vector<float>> rows;
  for (std::int64_t id = 1; id <= 50; ++id) {
    rows[id] = random_vector(rng, 8);
    matrix.upsert(id, rows[id], {"ctx", double(id), 0.0});
  }
  rows[7] = random_vector(rng, 8);  // re-stored: replaced, not added
  matrix.upsert(7, rows[7], {"ctx", 7.0, 0.0});
  for (std::int64_t id : {1, 25, 50, 13}) {  // first, middle, last rows
    CHECK(matrix.erase(id));
    rows.erase(id);
  }
  CHECK_FALSE(matrix.erase(1));
  CHECK(matrix.size() == rows.size());
  CHECK(matrix.bytes() >= rows.size() * 8 * sizeof(float));
  const auto query = engram::make_recall_query(random_vector(rng, 8), RecallMetric::kL2);
  const auto result = matrix.search(query, 100, {}, 1);
  CHECK(result.skipped == 0);
  CHECK(result.best == scanned(query, 100, rows));
  // The replaced row scores as its new values.
  const auto only7 =
      matrix.search(query, 1, [](const EpisodeColumns& c) { return c.performance_score == 7.0; });
  REQUIRE(only7.best.size() == 1);
  CHECK(only7.best[0].score ==
        std::sqrt(engram::recall_squared_l2(query.values.data(), rows[7].data(), 8)));
  matrix.clear();
  CHECK(matrix.size() == 0);
  CHECK(matrix.search(query, 3, {}).best.empty());
}

TEST_CASE("embedding matrix: the filter applies before the top-k; skipped are counted",
          "[embedding_matrix]") {
  engram::EmbeddingMatrix<ConceptColumns> matrix;
  const auto cols = [](std::string name) { return ConceptColumns{std::move(name), 0.0, 0.0, {}}; };
  // Nearest first by dot with (1, 0): ids 1..6 score 6..1; only even ids pass.
  for (std::int64_t id = 1; id <= 6; ++id) {
    matrix.upsert(id, std::vector<float>{float(7 - id), 0.0f}, cols(id % 2 ? "odd" : "even"));
  }
  matrix.upsert(10, std::vector<float>{1.0f, 2.0f, 3.0f}, cols("even"));  // another shape
  matrix.upsert(11, std::vector<std::int64_t>{1, 0}, cols("even"));       // not float
  matrix.upsert(12, std::vector<float>{0.0f, 0.0f}, cols("even"));        // zero norm
  matrix.upsert(13, std::vector<float>{1.0f, 2.0f, 3.0f}, cols("odd"));   // filtered out
  const auto even = [](const ConceptColumns& c) { return c.name == "even"; };
  const auto dot = engram::make_recall_query(std::vector<float>{1.0f, 0.0f}, RecallMetric::kDot);
  const auto top2 = matrix.search(dot, 2, even);
  CHECK(top2.best == std::vector<ScoredId>{{2, 5.0f}, {4, 3.0f}});
  CHECK(top2.skipped == 2);  // id 10 and 11; zero norm scores 0 under dot
  const auto cosine =
      engram::make_recall_query(std::vector<float>{1.0f, 0.0f}, RecallMetric::kCosine);
  const auto all = matrix.search(cosine, 10, even);
  CHECK(all.best.size() == 3);
  CHECK(all.skipped == 3);  // 10, 11, and 12 (zero norm)
  CHECK(matrix.search(cosine, 10, {}).skipped == 4);
  // Columns change in place.
  matrix.mutable_columns(1)->name = "even";
  CHECK(matrix.search(dot, 1, even).best == std::vector<ScoredId>{{1, 6.0f}});
  CHECK(matrix.mutable_columns(99) == nullptr);
}

TEST_CASE("embedding matrix: one thread and several give bit-identical results",
          "[embedding_matrix]") {
  std::mt19937 rng(5);
  Matrix matrix;
  const std::size_t n = 3 * engram::kMinRowsPerRecallThread + 17;
  std::uniform_int_distribution<int> coarse(0, 3);  // many equal scores: ties by id
  for (std::size_t i = 0; i < n; ++i) {
    std::vector<float> row = random_vector(rng, 24);
    if (i % 3 == 0) row.assign(24, float(coarse(rng)));
    matrix.upsert(static_cast<std::int64_t>(n - i), row, {"c", double(i % 10), 0.0});
  }
  for (RecallMetric metric : {RecallMetric::kCosine, RecallMetric::kDot, RecallMetric::kL2}) {
    const auto query = engram::make_recall_query(std::vector<float>(24, 1.0f), metric);
    const auto one = matrix.search(query, 25, {}, 1);
    for (unsigned threads : {2u, 3u, 4u, 0u}) {
      const auto many = matrix.search(query, 25, {}, threads);
      CHECK(many.best == one.best);  // ScoredId's == compares floats exactly
      CHECK(many.skipped == one.skipped);
    }
    const auto filtered_one = matrix.search(
        query, 25, [](const EpisodeColumns& c) { return c.performance_score == 3.0; }, 1);
    const auto filtered_many = matrix.search(
        query, 25, [](const EpisodeColumns& c) { return c.performance_score == 3.0; }, 4);
    CHECK(filtered_many.best == filtered_one.best);
    CHECK(filtered_one.best.size() == 25);
  }
}

TEST_CASE("embedding matrix: ENGRAM_RECALL_THREADS, valid or not, leaves the results alone",
          "[embedding_matrix]") {
  std::mt19937 rng(6);
  Matrix matrix;
  const std::size_t n = 2 * engram::kMinRowsPerRecallThread + 5;
  for (std::size_t i = 0; i < n; ++i) {
    matrix.upsert(static_cast<std::int64_t>(i + 1), random_vector(rng, 16), {"c", 0.0, 0.0});
  }
  const auto query = engram::make_recall_query(random_vector(rng, 16), RecallMetric::kDot);
  const auto one = matrix.search(query, 10, {}, 1);
  REQUIRE(one.best.size() == 10);
  // A valid count caps max_threads 0; anything else means the hardware's.
  for (const char* value : {"1", "2", "64", "0", "-2", "two", "", "3x"}) {
    ::setenv("ENGRAM_RECALL_THREADS", value, 1);
    CAPTURE(value);
    CHECK(matrix.search(query, 10, {}).best == one.best);
  }
  ::unsetenv("ENGRAM_RECALL_THREADS");
}

TEST_CASE("embedding matrix: the byte bound is reported, not enforced", "[embedding_matrix]") {
  Matrix matrix(1000);
  CHECK(matrix.byte_bound() == 1000);
  CHECK_FALSE(matrix.over_bound());
  for (std::int64_t id = 1; id <= 10; ++id) {
    matrix.upsert(id, std::vector<float>(100, 1.0f), {"c", 0.0, 0.0});
  }
  CHECK(matrix.size() == 10);
  CHECK(matrix.over_bound());
  CHECK(Matrix().byte_bound() == engram::kDefaultRecallCacheBytes);
}
