#!/usr/bin/env bash
# The Python benchmarks (tools/bench/python/python_bench.py: the Python
# system's workloads through engram.compat, engram and plain Python) with a
# throwaway loopback redis-server for the Redis workloads, stopped on exit.
#
#   tools/bench/python-bench.sh [<build dir>] [python_bench.py options...]
#
# The build dir is the first argument if it is a folder, else
# $ENGRAM_BENCH_BUILD, else build/release; it must hold the Python module
# (python/engram), the plugins and, for the C-library shares,
# tools/bench/engram-bench. E.g.
#   tools/bench/python-bench.sh build/bench --benchmark_min_time=1
#   tools/bench/python-bench.sh --benchmark_format=json --benchmark_filter=hdf5
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${ENGRAM_BENCH_BUILD:-$root/build/release}
if [ $# -gt 0 ] && [ -d "$1" ]; then
  build=$1
  shift
fi
if [ ! -d "$build/python/engram" ]; then
  echo "$0: no $build/python/engram" \
    "(build the _engram, engram-plugin-* and engram-bench targets)" >&2
  exit 1
fi

source "$root/tools/bench/throwaway-redis.sh"
start_throwaway_redis "$root" python-bench
# Not exec: the trap must run to stop the server.
PYTHONPATH=$build/python /usr/bin/python3 "$root/tools/bench/python/python_bench.py" \
  --redis-port "$redis_port" --engram-bench "$build/tools/bench/engram-bench" "$@"
