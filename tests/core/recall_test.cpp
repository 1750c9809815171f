// engram/recall.h: metric names, filters and the query's validation.
#include "engram/recall.h"

#include <catch2/catch.hpp>
#include <cstdint>
#include <limits>
#include <vector>

#include "engram/errors.h"

using engram::Json;
using engram::RecallMetric;

TEST_CASE("recall: metric names round-trip", "[recall]") {
  for (RecallMetric m : {RecallMetric::kCosine, RecallMetric::kDot, RecallMetric::kL2}) {
    CHECK(engram::recall_metric_from_name(engram::recall_metric_name(m)) == m);
  }
  CHECK(engram::recall_metric_name(RecallMetric::kCosine) == "cosine");
  CHECK(engram::recall_metric_name(RecallMetric::kL2) == "l2");
  CHECK(engram::recall_metric_from_name("euclid") == std::nullopt);
  CHECK(engram::ConceptRecallOptions{}.metric == RecallMetric::kCosine);
  CHECK_FALSE(engram::ConceptRecallOptions{}.count_access);
}

TEST_CASE("recall: a concept filter admits only what every condition allows", "[recall]") {
  engram::ConceptFilter filter;
  CHECK(filter.empty());
  CHECK(filter.admits("anything", 1.0, 2.0, Json::object()));
  filter.name_prefix = "vis";
  filter.metadata_equals = std::pair{std::string("agent"), Json(3)};
  filter.created_between = engram::TimeRange{10.0, 20.0};
  CHECK_FALSE(filter.empty());
  const Json meta{{"agent", 3.0}};  // 3 equals 3.0
  CHECK(filter.admits("vision", 10.0, 0.0, meta));
  CHECK(filter.admits("vis", 20.0, 0.0, meta));  // bounds inclusive
  CHECK_FALSE(filter.admits("Vision", 15.0, 0.0, meta));
  CHECK_FALSE(filter.admits("vision", 20.5, 0.0, meta));
  CHECK_FALSE(filter.admits("vision", 15.0, 0.0, Json{{"agent", 4}}));
  CHECK_FALSE(filter.admits("vision", 15.0, 0.0, Json::object()));
  filter.accessed_between = engram::TimeRange{5.0, 4.0};  // empty range
  CHECK_FALSE(filter.admits("vision", 15.0, 4.5, meta));
}

TEST_CASE("recall: an episode filter admits by context, score and time", "[recall]") {
  engram::EpisodeFilter filter;
  CHECK(filter.admits("ctx", -1.0, 0.0));
  filter.context_hash = "ctx";
  filter.min_score = 0.5;
  filter.time_between = engram::TimeRange{1.0, 2.0};
  CHECK(filter.admits("ctx", 0.5, 1.0));
  CHECK_FALSE(filter.admits("ctx2", 0.9, 1.5));
  CHECK_FALSE(filter.admits("ctx", 0.4, 1.5));
  CHECK_FALSE(filter.admits("ctx", 0.9, 2.5));
}

TEST_CASE("recall: the query is float32 with its norm, or InvalidArgument", "[recall]") {
  const auto q = engram::make_recall_query(std::vector<double>{0.1, 0.2}, RecallMetric::kL2);
  CHECK(q.values == std::vector<float>{0.1f, 0.2f});
  CHECK(q.shape == engram::Shape{2});
  CHECK(q.metric == RecallMetric::kL2);
  CHECK(std::abs(q.norm - std::sqrt(0.05f)) < 1e-7f);
  const auto nan = std::numeric_limits<float>::quiet_NaN();
  CHECK_THROWS_AS(engram::make_recall_query(std::vector<float>{1.0f, nan}, RecallMetric::kDot),
                  engram::InvalidArgument);
  CHECK_THROWS_AS(engram::make_recall_query(std::vector<std::int8_t>{1}, RecallMetric::kDot),
                  engram::InvalidArgument);
  CHECK_THROWS_AS(engram::make_recall_query(std::vector<float>{}, RecallMetric::kDot),
                  engram::InvalidArgument);
  CHECK_THROWS_AS(engram::make_recall_query(std::vector<float>{0, 0}, RecallMetric::kCosine),
                  engram::InvalidArgument);
  CHECK_NOTHROW(engram::make_recall_query(std::vector<float>{0, 0}, RecallMetric::kL2));
  // Finite in float64 but not in float32.
  CHECK_THROWS_AS(engram::make_recall_query(std::vector<double>{1e39}, RecallMetric::kDot),
                  engram::InvalidArgument);
}
