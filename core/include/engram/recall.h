// engram/recall.h — semantic recall's vocabulary: the metric, the filters,
// the options and the results of ConceptStore::nearest_concepts and
// EpisodeStore::nearest_episodes.
//
// A recall scores every stored embedding of the query's shape against the
// query with one metric, keeps those the filter admits, and returns the k
// best, best first: under kCosine and kDot a higher score is nearer, under
// kL2 the score is the Euclidean distance and a lower one is nearer. Equal
// scores go to the lower id. Scores come from the core's float32 kernel
// (engram/recall_kernel.h), so every backend returns the same scores in the
// same order. The filter applies before the top-k: a filtered query returns
// k hits whenever k stored embeddings pass it.
//
// Thread safety: these are plain values; the filters' admits() are const
// and may be called from several threads at once.
#ifndef ENGRAM_RECALL_H_
#define ENGRAM_RECALL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engram/array.h"
#include "engram/export.h"
#include "engram/json.h"

namespace engram {

enum class RecallMetric : std::uint8_t {
  kCosine,  // dot(q, r) / (|q| |r|): higher is nearer; zero-norm rows skipped
  kDot,     // dot(q, r): higher is nearer
  kL2,      // |q − r|: lower is nearer
};

// "cosine", "dot", "l2".
ENGRAM_API std::string_view recall_metric_name(RecallMetric metric) noexcept;
// The metric named so; nullopt for any other string.
ENGRAM_API std::optional<RecallMetric> recall_metric_from_name(std::string_view name) noexcept;

// An inclusive time range [from, to] in seconds since the epoch. A range
// with from > to admits nothing.
struct TimeRange {
  double from = 0.0;
  double to = 0.0;
  bool contains(double t) const noexcept { return from <= t && t <= to; }
};

// Which concepts a recall considers. Every condition given must hold.
struct ENGRAM_API ConceptFilter {
  // Names starting with these bytes (case-sensitive).
  std::optional<std::string> name_prefix;
  // metadata[key] == value (JSON equality: 1 equals 1.0).
  std::optional<std::pair<std::string, Json>> metadata_equals;
  std::optional<TimeRange> created_between;
  std::optional<TimeRange> accessed_between;  // last_accessed

  // True iff a concept with these fields passes.
  bool admits(std::string_view name, double creation_time, double last_accessed,
              const Json& metadata) const;
  // True iff no condition is set.
  bool empty() const noexcept;
};

// Which episodes a recall considers. Every condition given must hold.
struct ENGRAM_API EpisodeFilter {
  std::optional<std::string> context_hash;  // equal
  std::optional<double> min_score;          // performance_score >= min_score
  std::optional<TimeRange> time_between;    // timestamp

  // True iff an episode with these fields passes.
  bool admits(std::string_view context_hash, double performance_score, double timestamp) const;
  bool empty() const noexcept;
};

template <class Filter>
struct RecallOptions {
  RecallMetric metric = RecallMetric::kCosine;
  Filter filter;
  // Concepts only: count each hit as an access, as retrieve_concept_by_name
  // does (access_count + 1, last_accessed = now; the hits show both).
  // InvalidArgument for episodes.
  bool count_access = false;
};
using ConceptRecallOptions = RecallOptions<ConceptFilter>;
using EpisodeRecallOptions = RecallOptions<EpisodeFilter>;

// One result: the record and its score under the metric.
template <class Record>
struct Hit {
  Record record;
  float score = 0.0f;
};

// A recall's results: up to k hits, best first (ties: lower id first), and
// how many stored embeddings the filter admitted but that could not be
// scored: of another shape or a non-float dtype, of zero norm under cosine,
// or whose score is not finite (an embedding holding inf or NaN).
template <class Record>
struct Recall {
  std::vector<Hit<Record>> hits;
  std::int64_t skipped = 0;
};

// The query as the core hands it to a backend: validated (finite,
// non-empty, non-zero under cosine) and converted to float32, with its norm
// computed by the kernel (engram/recall_kernel.h).
struct RecallQuery {
  Shape shape;
  std::vector<float> values;
  RecallMetric metric = RecallMetric::kCosine;
  float norm = 0.0f;
};

// The query for a recall by `metric`. Throws InvalidArgument when `query`
// is not float16/32/64, is empty, holds a non-finite value or one that
// overflows float32 (or whose norm does), or (under cosine) has a zero norm.
ENGRAM_API RecallQuery make_recall_query(ArrayView query, RecallMetric metric);

}  // namespace engram

#endif  // ENGRAM_RECALL_H_
