// engram-bench: every workload as a `<workload>/raw` and `<workload>/engram`
// pair (see ratio.h). Usage: engram-bench [Google Benchmark flags], e.g.
// --benchmark_format=json.
#include <benchmark/benchmark.h>

BENCHMARK_MAIN();
