// Semantic recall's vocabulary (engram/recall.h): metric names, the
// filters' tests and the query's validation.
#include "engram/recall.h"

#include <cmath>
#include <limits>
#include <string>

#include "engram/dtype.h"
#include "engram/errors.h"
#include "engram/recall_kernel.h"

namespace engram {

std::string_view recall_metric_name(RecallMetric metric) noexcept {
  switch (metric) {
    case RecallMetric::kCosine:
      return "cosine";
    case RecallMetric::kDot:
      return "dot";
    case RecallMetric::kL2:
      return "l2";
  }
  return "cosine";
}

std::optional<RecallMetric> recall_metric_from_name(std::string_view name) noexcept {
  for (RecallMetric m : {RecallMetric::kCosine, RecallMetric::kDot, RecallMetric::kL2}) {
    if (recall_metric_name(m) == name) return m;
  }
  return std::nullopt;
}

bool ConceptFilter::admits(std::string_view name, double creation_time, double last_accessed,
                           const Json& metadata) const {
  if (name_prefix && !name.starts_with(*name_prefix)) return false;
  if (created_between && !created_between->contains(creation_time)) return false;
  if (accessed_between && !accessed_between->contains(last_accessed)) return false;
  if (metadata_equals) {
    if (!metadata.is_object()) return false;
    const auto found = metadata.find(metadata_equals->first);
    if (found == metadata.end() || *found != metadata_equals->second) return false;
  }
  return true;
}

bool ConceptFilter::empty() const noexcept {
  return !name_prefix && !metadata_equals && !created_between && !accessed_between;
}

bool EpisodeFilter::admits(std::string_view hash, double performance_score,
                           double timestamp) const {
  if (context_hash && hash != *context_hash) return false;
  if (min_score && !(performance_score >= *min_score)) return false;
  if (time_between && !time_between->contains(timestamp)) return false;
  return true;
}

bool EpisodeFilter::empty() const noexcept { return !context_hash && !min_score && !time_between; }

RecallQuery make_recall_query(ArrayView query, RecallMetric metric) {
  RecallQuery out;
  out.metric = metric;
  out.shape = query.shape();
  const DType dtype = query.dtype();
  if (dtype != DType::kFloat16 && dtype != DType::kFloat32 && dtype != DType::kFloat64) {
    throw InvalidArgument("a recall query must be float16, float32 or float64, not " +
                          std::string(dtype_name(dtype)));
  }
  if (query.empty()) throw InvalidArgument("a recall query must not be empty");
  to_float32_row(query, out.values);
  for (std::size_t i = 0; i < out.values.size(); ++i) {
    if (!std::isfinite(out.values[i])) {
      throw InvalidArgument("recall query element " + std::to_string(i) +
                            " is not finite in float32");
    }
  }
  out.norm = recall_norm(out.values.data(), out.values.size());
  if (!std::isfinite(out.norm)) {
    throw InvalidArgument("a recall query's norm overflows float32");
  }
  if (metric == RecallMetric::kCosine && out.norm == 0.0f) {
    throw InvalidArgument("a cosine recall query must not have a zero norm");
  }
  return out;
}

}  // namespace engram
