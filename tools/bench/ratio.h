// Pairs of benchmarks: `<workload>/raw` (the raw library doing the same
// work) runs first and records its throughput; `<workload>/engram` then
// reports the user counter ratio_vs_raw = engram throughput ÷ raw.
#pragma once

#include <benchmark/benchmark.h>

#include <chrono>
#include <map>
#include <string>

namespace engram::bench {

// Times the benchmark loop's iterations on the wall clock.
class Throughput {
 public:
  Throughput() : start_(std::chrono::steady_clock::now()) {}
  double per_second(const benchmark::State& state) const {
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    return seconds > 0 ? static_cast<double>(state.iterations()) / seconds : 0.0;
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

inline std::map<std::string, double>& raw_rates() {
  static std::map<std::string, double> rates;
  return rates;
}

// Call at the end of `<workload>/raw`.
inline void record_raw(benchmark::State& state, const std::string& workload,
                       const Throughput& throughput) {
  raw_rates()[workload] = throughput.per_second(state);
  state.SetItemsProcessed(state.iterations());
}

// Call at the end of `<workload>/engram`.
inline void report_engram(benchmark::State& state, const std::string& workload,
                          const Throughput& throughput) {
  state.SetItemsProcessed(state.iterations());
  const auto raw = raw_rates().find(workload);
  if (raw != raw_rates().end() && raw->second > 0) {
    state.counters["ratio_vs_raw"] = throughput.per_second(state) / raw->second;
  }
}

}  // namespace engram::bench
