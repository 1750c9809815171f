// tools/bench/episode_values.h — the values the SQL backends' episode and
// concept benchmarks store (sqlite_bench.cpp, postgres_bench.cpp), made
// once so both measure the same bytes: a (kPatternRows, kPatternCols)
// float64 experience, a kEmbedding-float embedding, kConceptNames concept
// names, kStrategies strategies over three tasks, deltas from -0.3 to 0.5.
#ifndef ENGRAM_TOOLS_BENCH_EPISODE_VALUES_H_
#define ENGRAM_TOOLS_BENCH_EPISODE_VALUES_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "engram/array.h"
#include "workloads.h"

namespace engram::bench {

inline const std::vector<double>& experience_values() {
  static const std::vector<double> values = [] {
    std::vector<double> v(workloads::kPatternRows * workloads::kPatternCols);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<double>(i % 101) * 0.25;
    return v;
  }();
  return values;
}
inline ArrayView experience() {
  return ArrayView(experience_values(), Shape{workloads::kPatternRows, workloads::kPatternCols});
}

inline const std::vector<float>& embedding_values() {
  static const std::vector<float> values = [] {
    std::vector<float> v(workloads::kEmbedding);
    for (std::size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i % 37) * 0.125f;
    return v;
  }();
  return values;
}
inline ArrayView embedding() { return ArrayView(embedding_values()); }

inline constexpr int kConcepts = static_cast<int>(workloads::kConceptNames);
inline constexpr int kRetrieveEpisodes = static_cast<int>(workloads::kReadSet);
inline constexpr double kTime = 1'764'000'000.0;

inline std::string concept_name(std::int64_t i) {
  return "concept_" + std::to_string(i % kConcepts);
}
inline std::string strategy_name(int i) {
  return "strategy_" + std::to_string(i % workloads::kStrategies);
}
inline std::string task_name(int i) { return "task_" + std::to_string(i % 3); }
inline double delta_of(int i) { return static_cast<double>(i % 17) * 0.05 - 0.3; }

}  // namespace engram::bench

#endif  // ENGRAM_TOOLS_BENCH_EPISODE_VALUES_H_
