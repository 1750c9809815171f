#!/usr/bin/env bash
# The postgres plugin's benchmarks (tools/bench/postgres_bench.cpp) against
# a throwaway loopback PostgreSQL (tools/pg-test-server.sh), stopped and
# removed again on exit.
#
#   tools/bench/pg-bench.sh [<build dir>] [Google Benchmark flags...]
#
# The build dir is the first argument if it is a folder, else
# $ENGRAM_BENCH_BUILD, else build/release; it must hold
# tools/bench/engram-bench and the postgres plugin. E.g.
#   tools/bench/pg-bench.sh build/release --benchmark_min_time=0.5
#   tools/bench/pg-bench.sh --benchmark_format=json
# A --benchmark_filter given here narrows the run to those benchmarks
# (the last filter wins); by default every postgres/ benchmark runs.
#
# The server takes the first free loopback port from 25432 up and keeps its
# data in a fresh ${TMPDIR:-/tmp}/engram-pg-bench-XXXXXX folder (under /tmp:
# run as root, the server runs as an unprivileged user that must reach it).
# glibc's malloc thresholds are fixed as for the redis benchmarks
# (throwaway-redis.sh says why); a GLIBC_TUNABLES already set is kept.
#
# Every store commits, and with the server's default synchronous_commit=on
# waits for its WAL flush: on a busy disk that wait dominates a store and
# varies from run to run. ENGRAM_BENCH_PG_SYNCHRONOUS_COMMIT=off sets the
# benchmark database's synchronous_commit (both sides alike), so the store
# pairs measure the statements' work rather than the disk.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${ENGRAM_BENCH_BUILD:-$root/build/release}
if [ $# -gt 0 ] && [ -d "$1" ]; then
  build=$1
  shift
fi
bench=$build/tools/bench/engram-bench
if [ ! -x "$bench" ]; then
  echo "$0: no $bench (build the engram-bench and engram-plugin-postgres targets)" >&2
  exit 1
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/engram-pg-bench-XXXXXX")
stop_server() {
  "$root/tools/pg-test-server.sh" stop "$dir" || true
  rm -rf "$dir"
}
trap stop_server EXIT
# Below the kernel's ephemeral ports (32768 up), so no client socket holds
# the port; a port that still cannot be bound is skipped, up to 10 times.
port=25432
tries=0
while :; do
  while (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    port=$((port + 1))
  done
  if [ "$port" -gt 25999 ]; then
    echo "$0: no free port in 25432-25999" >&2
    exit 1
  fi
  if dsn=$("$root/tools/pg-test-server.sh" start "$port" "$dir" 2>"$dir/start.log"); then
    break
  fi
  tries=$((tries + 1))
  if [ "$tries" -ge 10 ]; then
    cat "$dir/start.log" >&2
    tail -n 20 "$dir/server.log" >&2 2>/dev/null || true
    exit 1
  fi
  port=$((port + 1))
done
echo "postgres on 127.0.0.1:$port (in $dir)" >&2
sync=${ENGRAM_BENCH_PG_SYNCHRONOUS_COMMIT:-}
if [ -n "$sync" ]; then
  case $sync in
    on | off | local | remote_write | remote_apply) ;;
    *)
      echo "$0: ENGRAM_BENCH_PG_SYNCHRONOUS_COMMIT=$sync: not a synchronous_commit value" >&2
      exit 1
      ;;
  esac
  psql=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)/psql
  PGPASSWORD=postgres "$psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -q \
    -v ON_ERROR_STOP=1 -c "ALTER DATABASE engram SET synchronous_commit = $sync" >/dev/null
  echo "synchronous_commit=$sync in database engram" >&2
fi
export ENGRAM_BENCH_PG_DSN=$dsn
thresholds=glibc.malloc.trim_threshold=67108864:glibc.malloc.mmap_threshold=33554432
export GLIBC_TUNABLES=${GLIBC_TUNABLES:-$thresholds}
# Not exec: the trap must run to stop the server.
"$bench" --benchmark_filter='^postgres/' "$@"
