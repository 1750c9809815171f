# A throwaway loopback redis-server for a benchmark script, stopped again
# when the script exits. Sourced (bash), not run:
#
#   source "$root/tools/bench/throwaway-redis.sh"
#   start_throwaway_redis "$root" <tag>    # sets redis_port; prints where
#
# It takes the first free loopback port from 6500 up (nothing answers a
# connect there), starts tools/redis-test-server.sh in a fresh
# ${TMPDIR:-/tmp}/engram-<tag>-XXXXXX folder, and sets an EXIT trap that
# stops that server and removes the folder (so the caller must not exec its
# last command, or the trap never runs). It also fixes glibc's malloc
# thresholds (a GLIBC_TUNABLES already set is kept): glibc otherwise moves
# its mmap and trim thresholds as the run frees large blocks, and depending
# on where earlier benchmarks left the heap, a benchmark's per-call
# ~20-40 KB buffers (values, replies, decoded arrays) may shrink and regrow
# the heap on every call, which cost a raw side ~50% on retrieve in some
# runs and not others.
# Errors: exits the script (status 1) when no port is free or the server
# does not answer.

start_throwaway_redis() {
  local root=$1 tag=$2
  redis_port=6500
  while (exec 3<>"/dev/tcp/127.0.0.1/$redis_port") 2>/dev/null; do
    redis_port=$((redis_port + 1))
    if [ "$redis_port" -gt 6999 ]; then
      echo "$0: no free port in 6500-6999" >&2
      exit 1
    fi
  done
  throwaway_redis_dir=$(mktemp -d "${TMPDIR:-/tmp}/engram-$tag-XXXXXX")
  throwaway_redis_root=$root
  trap stop_throwaway_redis EXIT
  "$root/tools/redis-test-server.sh" start "$redis_port" "$throwaway_redis_dir" >&2
  echo "redis-server on 127.0.0.1:$redis_port (in $throwaway_redis_dir)" >&2
  local thresholds=glibc.malloc.trim_threshold=67108864:glibc.malloc.mmap_threshold=33554432
  export GLIBC_TUNABLES=${GLIBC_TUNABLES:-$thresholds}
}

stop_throwaway_redis() {
  "$throwaway_redis_root/tools/redis-test-server.sh" stop "$throwaway_redis_dir" || true
  rm -rf "$throwaway_redis_dir"
}
