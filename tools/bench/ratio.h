// The timing every benchmark shares, and so the pairs' ratio. A benchmark
// sets up its workload (tools/workloads/workloads.h, included here, names
// and sizes it) and hands one iteration's work to time_loop(), which runs
// the Google Benchmark loop, times it on the wall clock and reports
// - items_per_second (Google Benchmark's, per CPU second), counting
//   Rates::items per iteration, and bytes_per_second, counting Rates::bytes
//   when that is > 0;
// - when asked, wall_items_per_s and wall_MB_per_s, the same per wall-clock
//   second (a CPU-second rate is blind to fsync and network waits);
// - its place in a comparison, by wall-clock iterations per second
//   (Compare): `<workload>/raw` (the raw library doing the same work) runs
//   first and records its rate, each repetition; `<workload>/engram` then
//   gets the user counter ratio_vs_raw = its rate ÷ the median of the raw
//   repetitions' rates (not the last one alone: one slow or fast raw
//   repetition would tilt every engram repetition's ratio). A
//   thread-scaling entry records its rate when run with one thread and
//   reports speedup_vs_1_thread (items_per_second ÷ the median such rate)
//   with more.
// Errors: what the work throws (Google Benchmark then aborts the run).
// Thread safety: the recorded rates are kept under a mutex, so every thread
// of a multi-threaded benchmark may call time_loop() at once.
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "workloads.h"

namespace engram::bench {

// What an entry is compared with; `key` names the comparison: the pair's
// workload for kRawBaseline and kVsRaw, the entry itself for kVsOneThread.
enum class Compare {
  kRawBaseline,  // `<key>/raw`: records its rate
  kVsRaw,        // `<key>/engram`: ratio_vs_raw against `<key>/raw`'s rate
  kVsOneThread,  // 1 thread records its rate, more report speedup_vs_1_thread
};

// What one iteration does, for the rates, and how it is warmed up.
struct Rates {
  double items = 1;         // items per iteration
  double bytes = 0;         // payload bytes per iteration; 0: no byte rates
  bool wall_items = false;  // report wall_items_per_s
  bool wall_mb = false;     // report wall_MB_per_s
  // The work runs untimed this long first: a server settles after the
  // previous benchmark, and connections and heaps warm up, so the order of
  // the pairs does not tilt a ratio.
  std::chrono::milliseconds warm_up{0};
};

// The names of a pair's entries.
inline std::string raw_entry(std::string_view workload) { return std::string(workload) + "/raw"; }
inline std::string engram_entry(std::string_view workload) {
  return std::string(workload) + "/engram";
}
inline std::string raw_entry(const workloads::Workload& workload) {
  return raw_entry(workload.name);
}
inline std::string engram_entry(const workloads::Workload& workload) {
  return engram_entry(workload.name);
}

namespace detail {

inline std::mutex& recorded_mutex() {
  static std::mutex mutex;
  return mutex;
}
inline std::map<std::string, std::vector<double>, std::less<>>& recorded_rates() {
  static std::map<std::string, std::vector<double>, std::less<>> rates;
  return rates;
}

// The median of `rates` (not empty); of an even count, the upper middle.
inline double median_of(std::vector<double> rates) {
  const auto middle = rates.begin() + static_cast<std::ptrdiff_t>(rates.size() / 2);
  std::nth_element(rates.begin(), middle, rates.end());
  return *middle;
}

// Returns the wall-clock iterations per second.
inline double report(benchmark::State& state, Compare compare, std::string_view key,
                     const Rates& rates, double seconds) {
  const double per_second = seconds > 0 ? static_cast<double>(state.iterations()) / seconds : 0.0;
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(rates.items));
  if (rates.bytes > 0) {
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(rates.bytes));
  }
  if (rates.wall_items) state.counters["wall_items_per_s"] = per_second * rates.items;
  if (rates.wall_mb) state.counters["wall_MB_per_s"] = per_second * rates.bytes / 1e6;

  std::lock_guard lock(recorded_mutex());
  auto& recorded = recorded_rates();
  const bool records = compare == Compare::kRawBaseline ||
                       (compare == Compare::kVsOneThread && state.threads() == 1);
  if (records) {
    recorded[std::string(key)].push_back(per_second);
    return per_second;
  }
  const auto found = recorded.find(key);
  if (found == recorded.end() || found->second.empty()) return per_second;
  const double baseline = median_of(found->second);
  if (baseline <= 0) return per_second;
  if (compare == Compare::kVsRaw) {
    state.counters["ratio_vs_raw"] = per_second / baseline;
  } else {
    // A rate counter is summed over the threads and divided by the run's
    // (real) time, as items_per_second is.
    state.counters["speedup_vs_1_thread"] =
        benchmark::Counter(static_cast<double>(state.iterations()) / baseline,
                           benchmark::Counter::kIsRate);
  }
  return per_second;
}

}  // namespace detail

// Runs `work()` once per iteration of `state`'s loop (after rates.warm_up
// of untimed calls) and reports as the header says. `work` may return bool:
// false ends the loop early (after it called state.SkipWithError()).
// Returns the wall-clock iterations per second, for an entry that compares
// itself with another beyond the pairs (e.g. a filtered query beside the
// unfiltered one).
template <class Work>
double time_loop(benchmark::State& state, Compare compare, std::string_view key,
                 const Rates& rates, Work&& work) {
  using Clock = std::chrono::steady_clock;
  if (rates.warm_up.count() > 0) {
    const auto until = Clock::now() + rates.warm_up;
    while (Clock::now() < until) work();
  }
  const auto start = Clock::now();
  for (auto _ : state) {
    if constexpr (std::is_same_v<std::invoke_result_t<Work&>, bool>) {
      if (!work()) break;
    } else {
      work();
    }
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return detail::report(state, compare, key, rates, seconds);
}

}  // namespace engram::bench
