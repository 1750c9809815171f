#!/usr/bin/env bash
# The redis plugin's benchmarks (tools/bench/redis_bench.cpp) against a
# throwaway loopback redis-server, stopped again on exit.
#
#   tools/bench/redis-bench.sh [<build dir>] [Google Benchmark flags...]
#
# The build dir is the first argument if it is a folder, else
# $ENGRAM_BENCH_BUILD, else build/release; it must hold
# tools/bench/engram-bench and the redis plugin. E.g.
#   tools/bench/redis-bench.sh build/release --benchmark_min_time=0.5
#   tools/bench/redis-bench.sh --benchmark_format=json
# A --benchmark_filter given here narrows the run to those benchmarks
# (the last filter wins); by default every redis/ benchmark runs.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${ENGRAM_BENCH_BUILD:-$root/build/release}
if [ $# -gt 0 ] && [ -d "$1" ]; then
  build=$1
  shift
fi
bench=$build/tools/bench/engram-bench
if [ ! -x "$bench" ]; then
  echo "$0: no $bench (build the engram-bench and engram-plugin-redis targets)" >&2
  exit 1
fi

source "$root/tools/bench/throwaway-redis.sh"
start_throwaway_redis "$root" redis-bench
export ENGRAM_BENCH_REDIS_PORT=$redis_port
# Not exec: the trap must run to stop the server.
"$bench" --benchmark_filter='^redis/' "$@"
