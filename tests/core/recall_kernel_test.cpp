// engram/recall_kernel.h: the float32 kernel, its fixed order, and top-k.
#include "engram/recall_kernel.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

#include "engram/recall.h"
#include "random_vector.h"

using engram::RecallMetric;
using engram::ScoredId;

using engram_test::random_vector;

namespace {

double reference_dot(const std::vector<float>& a, const std::vector<float>& b) {
  double sum = 0;
  for (std::size_t i = 0; i < a.size(); ++i) sum += double(a[i]) * double(b[i]);
  return sum;
}

}  // namespace

TEST_CASE("recall kernel: dot, squared l2 and norm agree with double precision",
          "[recall_kernel]") {
  std::mt19937 rng(7);
  for (std::size_t n : {1u, 3u, 15u, 16u, 17u, 33u, 384u, 1000u}) {
    const auto a = random_vector(rng, n);
    const auto b = random_vector(rng, n);
    double l2 = 0, aa = 0, abs_sum = 0;
    for (std::size_t i = 0; i < n; ++i) {
      l2 += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
      aa += double(a[i]) * a[i];
      abs_sum += std::abs(double(a[i]) * b[i]);
    }
    // Float32 summation error is bounded by ~(n + 2)·eps·Σ|terms| (the sum,
    // and the rounding of each difference and product).
    const double bound = static_cast<double>(n + 2) * std::numeric_limits<float>::epsilon();
    CHECK(std::abs(engram::recall_dot(a.data(), b.data(), n) - reference_dot(a, b)) <=
          bound * abs_sum);
    CHECK(std::abs(engram::recall_squared_l2(a.data(), b.data(), n) - l2) <= bound * l2);
    CHECK(std::abs(engram::recall_norm(a.data(), n) - std::sqrt(aa)) <= bound * std::sqrt(aa));
  }
}

TEST_CASE("recall kernel: the sum runs in its documented lane order", "[recall_kernel]") {
  // 1e8 + 1 − 1e8 depends on the order: with lane i mod 16 and the fixed
  // pairwise reduction, 1e8 (lane 0) and −1e8 (lane 16 mod 16 = 0) cancel in
  // lane 0 before the 1 (lane 1) is added.
  std::vector<float> a(17, 0.0f), ones(17, 1.0f);
  a[0] = 1e8f;
  a[1] = 1.0f;
  a[16] = -1e8f;
  CHECK(engram::recall_dot(a.data(), ones.data(), a.size()) == 1.0f);
  // Sequential summation would give 0 here (1e8 + 1 rounds to 1e8).
  float sequential = 0;
  for (float x : a) sequential += x;
  CHECK(sequential == 0.0f);
}

TEST_CASE("recall kernel: scores by metric; zero norm and non-finite are skipped",
          "[recall_kernel]") {
  const std::vector<double> q{3.0, 4.0};
  const std::vector<float> row{6.0f, 8.0f};
  const std::vector<float> zero{0.0f, 0.0f};
  const std::vector<float> huge{3e38f, 3e38f};
  const auto cosine = engram::make_recall_query(q, RecallMetric::kCosine);
  const auto dot = engram::make_recall_query(q, RecallMetric::kDot);
  const auto l2 = engram::make_recall_query(q, RecallMetric::kL2);
  CHECK(cosine.norm == 5.0f);
  CHECK(engram::recall_score(cosine, row.data(), 10.0f) == 1.0f);
  CHECK(engram::recall_score(dot, row.data(), 10.0f) == 50.0f);
  CHECK(engram::recall_score(l2, row.data(), 10.0f) == 5.0f);
  CHECK(engram::recall_score(cosine, zero.data(), 0.0f) == std::nullopt);
  CHECK(engram::recall_score(dot, zero.data(), 0.0f) == 0.0f);
  CHECK(engram::recall_score(l2, huge.data(), engram::recall_norm(huge.data(), 2)) == std::nullopt);
}

TEST_CASE("recall kernel: top_k keeps the k best, ties to the lower id, in any order",
          "[recall_kernel]") {
  std::vector<ScoredId> offers{{5, 0.5f}, {2, 0.9f}, {9, 0.5f}, {1, 0.1f}, {3, 0.5f}, {7, 0.9f}};
  const std::vector<ScoredId> higher_first{{2, 0.9f}, {7, 0.9f}, {3, 0.5f}, {5, 0.5f}};
  const std::vector<ScoredId> lower_first{{1, 0.1f}, {3, 0.5f}, {5, 0.5f}, {9, 0.5f}};
  std::mt19937 rng(3);
  for (int round = 0; round < 20; ++round) {
    std::shuffle(offers.begin(), offers.end(), rng);
    engram::TopK dot(4, RecallMetric::kDot), l2(4, RecallMetric::kL2);
    for (const ScoredId& s : offers) {
      dot.offer(s);
      l2.offer(s);
    }
    CHECK(dot.sorted() == higher_first);
    CHECK(l2.sorted() == lower_first);
  }
  // k beyond the offers: all of them, sorted.
  engram::TopK all(100, RecallMetric::kCosine);
  for (const ScoredId& s : offers) all.offer(s);
  CHECK(all.sorted().size() == offers.size());
  CHECK(all.sorted().front() == ScoredId{2, 0.9f});
  // Merging two halves equals offering everything to one.
  engram::TopK left(3, RecallMetric::kDot), right(3, RecallMetric::kDot);
  for (std::size_t i = 0; i < offers.size(); ++i) (i % 2 ? left : right).offer(offers[i]);
  left.merge(right);
  CHECK(left.sorted() == std::vector<ScoredId>(higher_first.begin(), higher_first.begin() + 3));
}

TEST_CASE("recall kernel: a scan converts float16/64, skips other shapes and dtypes",
          "[recall_kernel]") {
  const std::vector<float> q{1.0f, 0.0f};
  const auto query = engram::make_recall_query(q, RecallMetric::kCosine);
  engram::RecallScan scan(query, 10);
  scan.offer(1, std::vector<double>{2.0, 0.0});
  scan.offer(2, std::vector<engram::Float16>{engram::to_float16(0.0f), engram::to_float16(1.0f)});
  scan.offer(3, std::vector<float>{1.0f, 0.0f, 0.0f});  // another shape
  scan.offer(4, std::vector<std::int32_t>{1, 0});       // not a float dtype
  scan.offer(5, std::vector<float>{0.0f, 0.0f});        // zero norm under cosine
  scan.offer(6, engram::ArrayView(std::vector<float>{1.0f, 0.0f}, {1, 2}));  // shape (1, 2)
  CHECK(scan.skipped() == 4);
  CHECK(scan.best() == std::vector<ScoredId>{{1, 1.0f}, {2, 0.0f}});
}
