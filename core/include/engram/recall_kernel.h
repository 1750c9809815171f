// engram/recall_kernel.h — the one float32 kernel every backend's recall
// scores with, and the top-k that keeps the best hits.
//
// Sums run in a fixed order: 16 independent lane accumulators over the
// dimensions (element i goes to lane i mod 16), then a fixed pairwise
// reduction of the lanes (8, 4, 2, 1). The order depends only on the number
// of dimensions, never on the thread count or backend, so a score is
// bit-identical wherever it is computed (a scan splits rows across threads,
// never one row's dimensions). The kernel is compiled once, in the core,
// without floating-point contraction, and written so that the compiler
// vectorises the lanes.
//
// Thread safety: the functions are stateless; a TopK or RecallScan belongs
// to one thread at a time (a multi-threaded scan gives each thread its own
// and merges them).
#ifndef ENGRAM_RECALL_KERNEL_H_
#define ENGRAM_RECALL_KERNEL_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "engram/array.h"
#include "engram/export.h"
#include "engram/recall.h"

namespace engram {

// Σ a[i]·b[i] over n floats, in the kernel's fixed order.
ENGRAM_API float recall_dot(const float* a, const float* b, std::size_t n) noexcept;
// Σ (a[i] − b[i])² over n floats, in the kernel's fixed order.
ENGRAM_API float recall_squared_l2(const float* a, const float* b, std::size_t n) noexcept;
// √(recall_dot(a, a, n)).
ENGRAM_API float recall_norm(const float* a, std::size_t n) noexcept;

// The score of `row` (query.values.size() floats, `row_norm` its
// recall_norm) under query.metric; nullopt when the row is skipped: zero
// norm under cosine, or a score that is not finite.
ENGRAM_API std::optional<float> recall_score(const RecallQuery& query, const float* row,
                                             float row_norm) noexcept;

// `embedding`'s elements as float32 into `out` (resized), or false, `out`
// unchanged, when its dtype is not float16, float32 or float64. A float64
// beyond float32's range becomes ±inf (and its scores are skipped).
ENGRAM_API bool to_float32_row(ArrayView embedding, std::vector<float>& out);

struct ScoredId {
  std::int64_t id = 0;
  float score = 0.0f;
  friend bool operator==(const ScoredId&, const ScoredId&) = default;
};

// True iff `a` ranks before `b` under `metric`: a better score (higher for
// cosine and dot, lower for l2), or an equal score and a lower id.
ENGRAM_API bool nearer(RecallMetric metric, const ScoredId& a, const ScoredId& b) noexcept;

// The k nearest of the ids offered, deterministic whatever the order they
// come in. REQUIRES: k >= 1.
class ENGRAM_API TopK {
 public:
  TopK(std::size_t k, RecallMetric metric);
  void offer(ScoredId candidate);
  // Offers every id `other` kept.
  void merge(const TopK& other);
  // The kept ids, best first.
  std::vector<ScoredId> sorted() const;

 private:
  std::size_t k_;
  RecallMetric metric_;
  std::vector<ScoredId> heap_;  // the farthest kept on top
};

// A recall over embeddings offered one at a time, for a backend that
// streams its records: scores each against the query, keeps the top k and
// counts the skipped.
class ENGRAM_API RecallScan {
 public:
  // REQUIRES: k >= 1; `query` outlives the scan.
  RecallScan(const RecallQuery& query, std::size_t k);
  // Scores `embedding` as record `id` — or counts it skipped when it is of
  // another shape or dtype, of zero norm under cosine, or scores non-finite.
  // Offer only records the filter admits.
  void offer(std::int64_t id, ArrayView embedding);
  // The nearest, best first.
  std::vector<ScoredId> best() const { return top_.sorted(); }
  std::int64_t skipped() const noexcept { return skipped_; }

 private:
  const RecallQuery& query_;
  TopK top_;
  std::int64_t skipped_ = 0;
  std::vector<float> row_;
};

}  // namespace engram

#endif  // ENGRAM_RECALL_KERNEL_H_
