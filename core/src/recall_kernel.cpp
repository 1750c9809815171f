// The float32 recall kernel (engram/recall_kernel.h). This file is compiled
// with -ffp-contract=off (core/CMakeLists.txt): a fused multiply-add would
// round differently from a multiply then an add, and the scores must not
// depend on the flags or the machine a backend was built for.
#include "engram/recall_kernel.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "engram/dtype.h"

namespace engram {
namespace {

constexpr std::size_t kLanes = 16;

// Σ op(a[i], b[i]): element i into lane i mod 16, then lanes 8..15 onto
// 0..7, 4..7 onto 0..3, and so on. The full blocks' inner loop has a fixed
// trip count and independent lanes, which GCC vectorises at -O2 and -O3.
template <class Op>
inline float reduce(const float* __restrict a, const float* __restrict b, std::size_t n,
                    Op op) noexcept {
  float acc[kLanes] = {};
  std::size_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (std::size_t j = 0; j < kLanes; ++j) acc[j] += op(a[i + j], b[i + j]);
  }
  for (std::size_t j = 0; i + j < n; ++j) acc[j] += op(a[i + j], b[i + j]);
  for (std::size_t width = kLanes / 2; width > 0; width /= 2) {
    for (std::size_t j = 0; j < width; ++j) acc[j] += acc[j + width];
  }
  return acc[0];
}

}  // namespace

float recall_dot(const float* a, const float* b, std::size_t n) noexcept {
  return reduce(a, b, n, [](float x, float y) { return x * y; });
}

float recall_squared_l2(const float* a, const float* b, std::size_t n) noexcept {
  return reduce(a, b, n, [](float x, float y) {
    const float d = x - y;
    return d * d;
  });
}

float recall_norm(const float* a, std::size_t n) noexcept { return std::sqrt(recall_dot(a, a, n)); }

std::optional<float> recall_score(const RecallQuery& query, const float* row,
                                  float row_norm) noexcept {
  const std::size_t n = query.values.size();
  float score = 0.0f;
  switch (query.metric) {
    case RecallMetric::kCosine:
      if (row_norm == 0.0f) return std::nullopt;
      score = recall_dot(query.values.data(), row, n) / (query.norm * row_norm);
      break;
    case RecallMetric::kDot:
      score = recall_dot(query.values.data(), row, n);
      break;
    case RecallMetric::kL2:
      score = std::sqrt(recall_squared_l2(query.values.data(), row, n));
      break;
  }
  if (!std::isfinite(score)) return std::nullopt;
  return score;
}

bool to_float32_row(ArrayView embedding, std::vector<float>& out) {
  const std::size_t n = embedding.size();
  switch (embedding.dtype()) {
    // memcpy: a borrowed view need not be aligned for its dtype.
    case DType::kFloat32:
      out.resize(n);
      if (n != 0) std::memcpy(out.data(), embedding.data(), n * sizeof(float));
      return true;
    case DType::kFloat64: {
      const auto* p = static_cast<const std::byte*>(embedding.data());
      out.resize(n);
      for (std::size_t i = 0; i < n; ++i) {
        double v;
        std::memcpy(&v, p + i * sizeof v, sizeof v);
        out[i] = static_cast<float>(v);
      }
      return true;
    }
    case DType::kFloat16: {
      const auto* p = static_cast<const std::byte*>(embedding.data());
      out.resize(n);
      for (std::size_t i = 0; i < n; ++i) {
        Float16 v;
        std::memcpy(&v.bits, p + i * sizeof v.bits, sizeof v.bits);
        out[i] = from_float16(v);
      }
      return true;
    }
    default:
      return false;
  }
}

bool nearer(RecallMetric metric, const ScoredId& a, const ScoredId& b) noexcept {
  if (a.score != b.score) {
    return metric == RecallMetric::kL2 ? a.score < b.score : a.score > b.score;
  }
  return a.id < b.id;
}

TopK::TopK(std::size_t k, RecallMetric metric) : k_(k), metric_(metric) {
  heap_.reserve(std::min<std::size_t>(k, 4096));
}

void TopK::offer(ScoredId candidate) {
  const auto farther = [this](const ScoredId& a, const ScoredId& b) {
    return nearer(metric_, a, b);
  };
  if (heap_.size() < k_) {
    heap_.push_back(candidate);
    std::push_heap(heap_.begin(), heap_.end(), farther);
  } else if (!heap_.empty() && nearer(metric_, candidate, heap_.front())) {
    std::pop_heap(heap_.begin(), heap_.end(), farther);
    heap_.back() = candidate;
    std::push_heap(heap_.begin(), heap_.end(), farther);
  }
}

void TopK::merge(const TopK& other) {
  for (const ScoredId& candidate : other.heap_) offer(candidate);
}

std::vector<ScoredId> TopK::sorted() const {
  std::vector<ScoredId> out = heap_;
  std::sort(out.begin(), out.end(),
            [this](const ScoredId& a, const ScoredId& b) { return nearer(metric_, a, b); });
  return out;
}

RecallScan::RecallScan(const RecallQuery& query, std::size_t k)
    : query_(query), top_(k, query.metric) {}

void RecallScan::offer(std::int64_t id, ArrayView embedding) {
  if (embedding.shape() != query_.shape || !to_float32_row(embedding, row_)) {
    ++skipped_;
    return;
  }
  const float norm =
      query_.metric == RecallMetric::kCosine ? recall_norm(row_.data(), row_.size()) : 0.0f;
  const std::optional<float> score = recall_score(query_, row_.data(), norm);
  if (!score) {
    ++skipped_;
    return;
  }
  top_.offer({id, *score});
}

}  // namespace engram
