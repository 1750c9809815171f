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

# A free loopback port from 6500 up: nothing answers a connect there.
port_free() {
  ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}
port=6500
while ! port_free "$port"; do
  port=$((port + 1))
  if [ "$port" -gt 6999 ]; then
    echo "$0: no free port in 6500-6999" >&2
    exit 1
  fi
done

dir=$(mktemp -d "${TMPDIR:-/tmp}/engram-redis-bench-XXXXXX")
cleanup() {
  "$root/tools/redis-test-server.sh" stop "$dir" || true
  rm -rf "$dir"
}
trap cleanup EXIT
"$root/tools/redis-test-server.sh" start "$port" "$dir" >&2
echo "redis-server on 127.0.0.1:$port (in $dir)" >&2

export ENGRAM_BENCH_REDIS_PORT=$port
# Fixed malloc thresholds: glibc otherwise moves its mmap and trim
# thresholds as the run frees large blocks, and depending on where the
# earlier benchmarks left the heap, a benchmark's per-call ~20-40 KB
# buffers (values, replies, decoded arrays) may shrink and regrow the heap
# on every call, which cost the raw side ~50% on retrieve in some runs and
# not others. A GLIBC_TUNABLES already set is kept.
export GLIBC_TUNABLES=${GLIBC_TUNABLES:-glibc.malloc.trim_threshold=67108864:glibc.malloc.mmap_threshold=33554432}
# Not exec: the trap must run to stop the server.
"$bench" --benchmark_filter='^redis/' "$@"
