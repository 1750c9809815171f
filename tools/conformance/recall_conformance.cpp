// Conformance: semantic recall (engram/recall.h) on the concepts and
// episodes roles — ConceptStore::nearest_concepts and
// EpisodeStore::nearest_episodes. Results are held to a brute-force
// reference computed here in double precision: the same hits in the same
// order (a swap allowed only between scores within float tolerance of each
// other), scores within float tolerance, the filter applied before the
// top-k, equal scores to the lower id, unscorable embeddings skipped and
// counted.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <variant>
#include <vector>

#include "engram/concept_store.h"
#include "engram/episode_store.h"
#include "engram/recall.h"
#include "fixture.h"

namespace {

using conformance::open;
using engram::Array;
using engram::DType;
using engram::InvalidArgument;
using engram::Json;
using engram::RecallMetric;

constexpr RecallMetric kMetrics[] = {RecallMetric::kCosine, RecallMetric::kDot, RecallMetric::kL2};

std::vector<double> random_values(std::mt19937& rng, std::size_t n) {
  std::normal_distribution<double> normal;
  std::vector<double> v(n);
  for (double& x : v) x = normal(rng);
  return v;
}

// `values` as an array of `dtype` (float16, float32 or float64).
Array as(DType dtype, const std::vector<double>& values) {
  if (dtype == DType::kFloat64) return Array(std::vector<double>(values));
  if (dtype == DType::kFloat32) return Array(std::vector<float>(values.begin(), values.end()));
  std::vector<engram::Float16> half;
  for (double x : values) half.push_back(engram::to_float16(static_cast<float>(x)));
  return Array(std::move(half));
}

// The values the kernel sees: the array's elements rounded to float32.
std::vector<double> float32_values(const engram::ArrayView& a) {
  std::vector<double> out;
  if (a.dtype() == DType::kFloat64) {
    for (double x : a.values<double>()) out.push_back(static_cast<float>(x));
  } else if (a.dtype() == DType::kFloat32) {
    for (float x : a.values<float>()) out.push_back(x);
  } else {
    for (engram::Float16 x : a.values<engram::Float16>()) out.push_back(engram::from_float16(x));
  }
  return out;
}

// The reference score, in double; nullopt where the kernel skips.
std::optional<double> reference_score(RecallMetric metric, const std::vector<double>& q,
                                      const std::vector<double>& r) {
  double dot = 0, qq = 0, rr = 0, l2 = 0;
  for (std::size_t i = 0; i < q.size(); ++i) {
    dot += q[i] * r[i];
    qq += q[i] * q[i];
    rr += r[i] * r[i];
    l2 += (q[i] - r[i]) * (q[i] - r[i]);
  }
  switch (metric) {
    case RecallMetric::kCosine:
      if (rr == 0) return std::nullopt;
      return dot / std::sqrt(qq * rr);
    case RecallMetric::kDot:
      return dot;
    case RecallMetric::kL2:
      return std::sqrt(l2);
  }
  return std::nullopt;
}

double tolerance(double score) { return 1e-4 * (1.0 + std::abs(score)); }

struct Candidate {
  std::int64_t id;
  std::vector<double> values;  // as float32 saw them
};

// The brute-force top k of `candidates`, best first, ties to the lower id.
std::vector<std::pair<std::int64_t, double>> reference_top(RecallMetric metric,
                                                           const std::vector<double>& q,
                                                           const std::vector<Candidate>& candidates,
                                                           std::size_t k) {
  std::vector<std::pair<std::int64_t, double>> scored;
  for (const Candidate& c : candidates) {
    if (const auto s = reference_score(metric, q, c.values)) scored.emplace_back(c.id, *s);
  }
  std::sort(scored.begin(), scored.end(), [&](const auto& a, const auto& b) {
    if (a.second != b.second) {
      return metric == RecallMetric::kL2 ? a.second < b.second : a.second > b.second;
    }
    return a.first < b.first;
  });
  if (scored.size() > k) scored.resize(k);
  return scored;
}

// Hits (id, score) against the reference: same length; at each place the
// hit's reference score matches the reference's (so ids differ only where
// scores tie within tolerance), its own score within tolerance of its
// reference score; best first, ties to the lower id, by the returned scores.
void check_against_reference(RecallMetric metric,
                             const std::vector<std::pair<std::int64_t, float>>& hits,
                             const std::vector<std::pair<std::int64_t, double>>& reference,
                             const std::map<std::int64_t, double>& reference_by_id) {
  INFO("metric " << engram::recall_metric_name(metric));
  REQUIRE(hits.size() == reference.size());
  for (std::size_t i = 0; i < hits.size(); ++i) {
    INFO("hit " << i << ": id " << hits[i].first << ", expected id " << reference[i].first);
    REQUIRE(reference_by_id.contains(hits[i].first));
    const double own = reference_by_id.at(hits[i].first);
    CHECK(std::abs(own - reference[i].second) <= tolerance(own));
    CHECK(std::abs(hits[i].second - own) <= tolerance(own));
    if (i > 0) {
      const float before = hits[i - 1].second, now = hits[i].second;
      const bool ordered = metric == RecallMetric::kL2 ? before < now : before > now;
      CHECK((ordered || (before == now && hits[i - 1].first < hits[i].first)));
    }
  }
}

template <class Record>
std::vector<std::pair<std::int64_t, float>> id_scores(const engram::Recall<Record>& recall) {
  std::vector<std::pair<std::int64_t, float>> out;
  for (const auto& hit : recall.hits) out.emplace_back(hit.record.id, hit.score);
  return out;
}

std::map<std::int64_t, double> scores_by_id(RecallMetric metric, const std::vector<double>& q,
                                            const std::vector<Candidate>& candidates) {
  std::map<std::int64_t, double> out;
  for (const Candidate& c : candidates) {
    if (const auto s = reference_score(metric, q, c.values)) out[c.id] = *s;
  }
  return out;
}

engram::ConceptRecallOptions concept_options(RecallMetric metric) {
  engram::ConceptRecallOptions options;
  options.metric = metric;
  return options;
}
engram::EpisodeRecallOptions episode_options(RecallMetric metric) {
  engram::EpisodeRecallOptions options;
  options.metric = metric;
  return options;
}

constexpr std::size_t kDims = 24;

}  // namespace

// ------------------------------------------------------------ concepts

TEST_CASE("concepts: nearest_concepts equals a double-precision brute force, each metric",
          "[concepts]") {
  engram::Storage storage = open();
  auto store = storage.concepts();
  std::mt19937 rng(17);
  std::vector<Candidate> candidates;
  std::map<std::int64_t, std::string> names;
  const DType dtypes[] = {DType::kFloat32, DType::kFloat64, DType::kFloat16};
  for (int i = 0; i < 90; ++i) {
    const Array e = as(dtypes[i % 3], random_values(rng, kDims));
    const std::int64_t id = store->store_concept("c" + std::to_string(i), e);
    candidates.push_back({id, float32_values(e)});
    names[id] = "c" + std::to_string(i);
  }
  for (int round = 0; round < 3; ++round) {
    const std::vector<double> q = random_values(rng, kDims);
    const Array query = as(dtypes[round], q);
    const std::vector<double> q32 = float32_values(query);
    for (RecallMetric metric : kMetrics) {
      for (std::size_t k : {1u, 10u, 200u}) {  // 200 > n: every concept
        const auto recall = store->nearest_concepts(query, k, concept_options(metric));
        CHECK(recall.skipped == 0);
        check_against_reference(metric, id_scores(recall),
                                reference_top(metric, q32, candidates, k),
                                scores_by_id(metric, q32, candidates));
        // The hits are whole records, not counted as accesses.
        for (const auto& hit : recall.hits) {
          CHECK(hit.record.name == names.at(hit.record.id));
          CHECK(hit.record.access_count == 0);
        }
      }
    }
  }
}

TEST_CASE("concepts: a recall's filter applies before the top-k", "[concepts]") {
  engram::Storage storage = open();
  auto store = storage.concepts();
  std::mt19937 rng(23);
  std::vector<Candidate> even, tagged, early, touched;
  for (int i = 0; i < 60; ++i) {
    const Array e = as(DType::kFloat32, random_values(rng, kDims));
    const std::string name = (i % 2 ? "odd-" : "even-") + std::to_string(i);
    const Json metadata{{"agent", i % 3}, {"n", i}};
    const std::int64_t id = store->store_concept(name, e, metadata, 1000.0 + i);
    const Candidate c{id, float32_values(e)};
    if (i % 2 == 0) even.push_back(c);
    if (i % 3 == 1) tagged.push_back(c);
    if (i < 20) early.push_back(c);
    if (i % 5 == 0) {
      store->retrieve_concept_by_name(name);  // last_accessed = now
      touched.push_back(c);
    }
  }
  const std::vector<double> q = random_values(rng, kDims);
  const Array query = as(DType::kFloat64, q);
  const std::vector<double> q32 = float32_values(query);
  const double now = conformance::wall_now();
  for (RecallMetric metric : kMetrics) {
    const auto check = [&](const engram::ConceptFilter& filter, const std::vector<Candidate>& pass,
                           std::size_t k) {
      auto options = concept_options(metric);
      options.filter = filter;
      const auto recall = store->nearest_concepts(query, k, options);
      CHECK(recall.hits.size() == std::min(k, pass.size()));
      check_against_reference(metric, id_scores(recall), reference_top(metric, q32, pass, k),
                              scores_by_id(metric, q32, pass));
    };
    engram::ConceptFilter filter;
    filter.name_prefix = "even-";
    check(filter, even, 10);
    filter = {};
    filter.metadata_equals = std::pair{std::string("agent"), Json(1)};
    check(filter, tagged, 10);
    filter.metadata_equals = std::pair{std::string("agent"), Json(1.0)};  // JSON equality
    check(filter, tagged, 10);
    filter = {};
    filter.created_between = engram::TimeRange{1000.0, 1019.0};  // inclusive
    check(filter, early, 25);
    filter = {};
    filter.accessed_between = engram::TimeRange{now - 600.0, now + 600.0};
    check(filter, touched, 10);
    filter.name_prefix = "nobody";
    check(filter, {}, 10);
  }
}

TEST_CASE("concepts: equal scores go to the lower id", "[concepts]") {
  engram::Storage storage = open();
  auto store = storage.concepts();
  const std::vector<double> same{0.5, -1.0, 2.0, 0.25};
  std::vector<std::int64_t> ids;
  for (int i = 0; i < 6; ++i) {
    ids.push_back(store->store_concept("twin" + std::to_string(i), as(DType::kFloat32, same)));
  }
  std::sort(ids.begin(), ids.end());
  for (RecallMetric metric : kMetrics) {
    const auto recall = store->nearest_concepts(as(DType::kFloat32, {1.0, 1.0, 1.0, 1.0}), 4,
                                                concept_options(metric));
    REQUIRE(recall.hits.size() == 4);
    for (std::size_t i = 0; i < 4; ++i) {
      CHECK(recall.hits[i].record.id == ids[i]);
      CHECK(recall.hits[i].score == recall.hits[0].score);  // bit-identical
    }
  }
}

TEST_CASE("concepts: embeddings of another shape or dtype, or zero norm, are skipped and counted",
          "[concepts]") {
  engram::Storage storage = open();
  auto store = storage.concepts();
  store->store_concept("a", as(DType::kFloat32, {1.0, 0.0, 0.0}));
  store->store_concept("b", as(DType::kFloat64, {0.0, 1.0, 0.0}));
  store->store_concept("short", as(DType::kFloat32, {1.0, 0.0}));
  store->store_concept("matrix", Array(std::vector<float>{1, 0, 0}, {1, 3}));
  store->store_concept("ints", conformance::int64s({1, 0, 0}));
  store->store_concept("zero", as(DType::kFloat32, {0.0, 0.0, 0.0}));
  const Array query = as(DType::kFloat32, {1.0, 0.5, 0.0});
  const auto cosine = store->nearest_concepts(query, 10);
  CHECK(cosine.skipped == 4);
  REQUIRE(cosine.hits.size() == 2);
  CHECK(cosine.hits[0].record.name == "a");
  CHECK(cosine.hits[1].record.name == "b");
  const auto dot = store->nearest_concepts(query, 10, concept_options(RecallMetric::kDot));
  CHECK(dot.skipped == 3);  // the zero vector scores 0 under dot
  REQUIRE(dot.hits.size() == 3);
  CHECK(dot.hits[2].record.name == "zero");
  CHECK(dot.hits[2].score == 0.0f);
  // Skipped counts only what the filter admits.
  auto options = concept_options(RecallMetric::kCosine);
  options.filter.name_prefix = "s";
  const auto filtered = store->nearest_concepts(query, 10, options);
  CHECK(filtered.hits.empty());
  CHECK(filtered.skipped == 1);
  // A query of the other shape finds the other-shaped one.
  const auto two = store->nearest_concepts(as(DType::kFloat64, {1.0, 0.0}), 10);
  REQUIRE(two.hits.size() == 1);
  CHECK(two.hits[0].record.name == "short");
  CHECK(two.skipped == 5);
}

TEST_CASE("concepts: a recall sees updates and clears", "[concepts]") {
  engram::Storage storage = open();
  auto store = storage.concepts();
  const std::int64_t x = store->store_concept("x", as(DType::kFloat32, {1.0, 0.0}));
  const std::int64_t y = store->store_concept("y", as(DType::kFloat32, {0.0, 1.0}));
  const Array east = as(DType::kFloat32, {1.0, 0.0});
  REQUIRE(store->nearest_concepts(east, 1).hits.at(0).record.id == x);
  // Re-stored under its name: the new embedding replaces the old.
  CHECK(store->store_concept("x", as(DType::kFloat32, {-1.0, 0.0})) == x);
  auto recall = store->nearest_concepts(east, 2);
  REQUIRE(recall.hits.size() == 2);
  CHECK(recall.hits[0].record.id == y);
  CHECK(recall.hits[1].record.id == x);
  CHECK(recall.hits[1].score == -1.0f);
  // Re-stored with another shape: skipped from now on.
  store->store_concept("y", as(DType::kFloat32, {0.0, 1.0, 0.0}));
  recall = store->nearest_concepts(east, 2);
  CHECK(recall.hits.size() == 1);
  CHECK(recall.skipped == 1);
  // A batch update too.
  engram::ConceptBatch batch;
  const Array doubled = as(DType::kFloat64, {2.0, 0.0});  // borrowed until store_batch
  batch.store_concept("x", doubled);
  store->store_batch(batch);
  recall = store->nearest_concepts(east, 1, concept_options(RecallMetric::kDot));
  REQUIRE(recall.hits.size() == 1);
  CHECK(recall.hits[0].score == 2.0f);
  store->maintenance().clear_all();
  recall = store->nearest_concepts(east, 5);
  CHECK(recall.hits.empty());
  CHECK(recall.skipped == 0);
  store->store_concept("z", as(DType::kFloat32, {3.0, 0.0}));
  CHECK(store->nearest_concepts(east, 5).hits.size() == 1);
}

TEST_CASE("concepts: count_access counts each hit as an access, only when asked", "[concepts]") {
  engram::Storage storage = open();
  auto store = storage.concepts();
  for (int i = 0; i < 5; ++i) {
    store->store_concept("k" + std::to_string(i), as(DType::kFloat32, {1.0, double(i)}),
                         Json::object(), 100.0);
  }
  const Array query = as(DType::kFloat32, {0.0, 1.0});
  auto options = concept_options(RecallMetric::kDot);
  store->nearest_concepts(query, 2, options);
  for (const auto& c : store->search_concepts("k", 10)) CHECK(c.access_count == 0);
  options.count_access = true;
  const double before = conformance::wall_now();
  const auto recall = store->nearest_concepts(query, 2, options);
  const double after = conformance::wall_now();
  REQUIRE(recall.hits.size() == 2);
  CHECK(recall.hits[0].record.name == "k4");
  for (const auto& hit : recall.hits) {
    CHECK(hit.record.access_count == 1);
    CHECK(hit.record.last_accessed >= before - 1.0);
    CHECK(hit.record.last_accessed <= after + 1.0);
  }
  // The store agrees, and the others were not touched; the counted access
  // is what an accessed_between filter then sees.
  for (int i = 0; i < 5; ++i) {
    const auto found = store->search_concepts("k" + std::to_string(i), 10);
    REQUIRE(found.size() == 1);
    CHECK(found[0].access_count == (i >= 3 ? 1 : 0));
  }
  options.count_access = false;
  options.filter.accessed_between = engram::TimeRange{before - 1.0, after + 1.0};
  CHECK(store->nearest_concepts(query, 5, options).hits.size() == 2);
}

TEST_CASE("concepts: a bad recall query is InvalidArgument", "[concepts]") {
  engram::Storage storage = open();
  auto store = storage.concepts();
  store->store_concept("a", as(DType::kFloat32, {1.0, 0.0}));
  CHECK_THROWS_AS(store->nearest_concepts(conformance::int64s({1, 0}), 1), InvalidArgument);
  CHECK_THROWS_AS(store->nearest_concepts(as(DType::kFloat32, {0.0, 0.0}), 1), InvalidArgument);
  CHECK_THROWS_AS(store->nearest_concepts(conformance::doubles({1.0, NAN}), 1), InvalidArgument);
  CHECK_THROWS_AS(store->nearest_concepts(conformance::doubles({}), 1), InvalidArgument);
  CHECK_THROWS_AS(store->nearest_concepts(as(DType::kFloat32, {1.0, 0.0}), 0), InvalidArgument);
}

TEST_CASE("concepts: recalls running beside stores see each completed store", "[concepts]") {
  engram::Storage storage = open();
  auto store = storage.concepts();
  constexpr int kThreads = 4;
  constexpr int kEach = 40;
  const std::vector<std::string> errors =
      conformance::run_threads(kThreads, [&](int t, const conformance::Fail& fail) {
        std::mt19937 rng(static_cast<unsigned>(100 + t));
        const std::string prefix = "t" + std::to_string(t) + "_";
        for (int i = 0; i < kEach; ++i) {
          const Array e = as(DType::kFloat32, random_values(rng, kDims));
          const std::int64_t id = store->store_concept(prefix + std::to_string(i), e);
          engram::ConceptRecallOptions options;
          options.filter.name_prefix = prefix;
          options.count_access = i % 2 == 0;
          const auto recall = store->nearest_concepts(e, 3, options);
          if (recall.hits.empty() || recall.hits[0].record.id != id ||
              std::abs(recall.hits[0].score - 1.0f) > 1e-4f) {
            fail("concept " + prefix + std::to_string(i) + " is not its own nearest");
          }
          if (recall.hits.size() != std::min<std::size_t>(3, static_cast<std::size_t>(i) + 1)) {
            fail("a filtered recall missed a completed store");
          }
        }
      });
  INFO("first error: " << (errors.empty() ? std::string() : errors.front()));
  CHECK(errors.empty());
  const auto all =
      store->nearest_concepts(as(DType::kFloat32, std::vector<double>(kDims, 1.0)), 1000);
  CHECK(all.hits.size() == static_cast<std::size_t>(kThreads * kEach));
}

// ------------------------------------------------------------ episodes

TEST_CASE("episodes: nearest_episodes equals a double-precision brute force, each metric",
          "[episodes]") {
  engram::Storage storage = open();
  auto store = storage.episodes();
  std::mt19937 rng(29);
  std::vector<Candidate> candidates, high, ctx_a, window;
  const DType dtypes[] = {DType::kFloat32, DType::kFloat64, DType::kFloat16};
  for (int i = 0; i < 80; ++i) {
    const Array e = as(dtypes[i % 3], random_values(rng, kDims));
    const double score = (i % 10) / 10.0;
    const std::string ctx = i % 4 ? "ctx-b" : "ctx-a";
    const std::int64_t id = store->store_episode(e, score, ctx, 500.0 + i);
    const Candidate c{id, float32_values(e)};
    candidates.push_back(c);
    if (score >= 0.7) high.push_back(c);
    if (ctx == "ctx-a") ctx_a.push_back(c);
    if (i >= 10 && i <= 30) window.push_back(c);
    if (i % 7 == 0)
      store->store_episode(Json{{"obs", i}}, 0.9, "ctx-a", 500.0 + i);  // never matches
  }
  const std::vector<double> q = random_values(rng, kDims);
  const Array query = as(DType::kFloat32, q);
  const std::vector<double> q32 = float32_values(query);
  for (RecallMetric metric : kMetrics) {
    const auto check = [&](const engram::EpisodeFilter& filter, const std::vector<Candidate>& pass,
                           std::size_t k) {
      auto options = episode_options(metric);
      options.filter = filter;
      const auto recall = store->nearest_episodes(query, k, options);
      CHECK(recall.skipped == 0);  // JSON experiences are not counted
      CHECK(recall.hits.size() == std::min(k, pass.size()));
      check_against_reference(metric, id_scores(recall), reference_top(metric, q32, pass, k),
                              scores_by_id(metric, q32, pass));
      for (const auto& hit : recall.hits) {
        CHECK(std::holds_alternative<Array>(hit.record.experience_data));
      }
    };
    check({}, candidates, 10);
    check({}, candidates, 500);
    engram::EpisodeFilter filter;
    filter.min_score = 0.7;
    check(filter, high, 10);
    filter = {};
    filter.context_hash = "ctx-a";
    check(filter, ctx_a, 10);
    filter = {};
    filter.time_between = engram::TimeRange{510.0, 530.0};
    check(filter, window, 10);
  }
}

TEST_CASE("episodes: other shapes are skipped and counted, ties go to the lower id, clears apply",
          "[episodes]") {
  engram::Storage storage = open();
  auto store = storage.episodes();
  std::vector<std::int64_t> twins;
  for (int i = 0; i < 4; ++i) {
    twins.push_back(store->store_episode(as(DType::kFloat32, {1.0, 2.0}), 0.5, "ctx", 10.0));
  }
  store->store_episode(as(DType::kFloat32, {1.0, 2.0, 3.0}), 0.5, "ctx", 10.0);
  store->store_episode(conformance::int64s({1, 2}), 0.5, "ctx", 10.0);
  store->store_episode(as(DType::kFloat32, {0.0, 0.0}), 0.5, "other", 10.0);
  const Array query = as(DType::kFloat64, {2.0, 1.0});
  auto recall = store->nearest_episodes(query, 3);
  CHECK(recall.skipped == 3);
  REQUIRE(recall.hits.size() == 3);
  for (std::size_t i = 0; i < 3; ++i) CHECK(recall.hits[i].record.id == twins[i]);
  engram::EpisodeRecallOptions options;
  options.filter.context_hash = "ctx";
  CHECK(store->nearest_episodes(query, 3, options).skipped == 2);
  options.count_access = true;
  CHECK_THROWS_AS(store->nearest_episodes(query, 3, options), InvalidArgument);
  store->maintenance().clear_all();
  recall = store->nearest_episodes(query, 3);
  CHECK(recall.hits.empty());
  CHECK(recall.skipped == 0);
}
