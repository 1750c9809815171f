#!/usr/bin/env bash
# engram's libFuzzer targets (tests/fuzz): builds them with clang 14 in their
# own tree (build/fuzz), then for each target
#   1. runs its valid seeds (corpus/<target>/valid-*) with
#      ENGRAM_FUZZ_EXPECT_VALID=1: a target that refuses one fails,
#   2. replays its seed corpus and its regression inputs
#      (regressions/<target>/), each file once,
#   3. fuzzes it for SECONDS with a fixed seed, on a copy of its corpus in
#      build/fuzz/corpus/<target> (the repo's corpus never grows).
#
#   tools/fuzz.sh [SECONDS]   steps 1-3 (SECONDS defaults to 60)
#   tools/fuzz.sh --replay    steps 1-2 only
#
# Prints one summary line per target and exits non-zero on any finding in
# engram's code. A crashing input is kept in build/fuzz/findings/<target>/;
# once fixed, it belongs in tests/fuzz/regressions/<target>/. A crash or
# hang inside libhdf5 itself (run in a child process) is not a finding: it
# is written to build/fuzz/library_limits/<target>/ with its stack, to be
# listed in tests/fuzz/KNOWN_LIBRARY_LIMITS.md.
#
# ENGRAM_FUZZ_TARGETS="npy config" limits the run to those targets;
# ENGRAM_JOBS the build's parallelism. One fuzzing process at a time, niced.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${ENGRAM_FUZZ_BUILD:-$root/build/fuzz}
jobs=${ENGRAM_JOBS:-$(nproc)}
seconds=60
replay_only=false
case "${1:-}" in
  --replay) replay_only=true ;;
  "") ;;
  *[!0-9]*) echo "usage: tools/fuzz.sh [SECONDS | --replay]" >&2; exit 2 ;;
  *) seconds=$1 ;;
esac
all_targets=(npy compressed_npy pickle config cursor sqlite_row hdf5_journal hdf5_attribute)
read -r -a targets <<<"${ENGRAM_FUZZ_TARGETS:-${all_targets[*]}}"

# clang 14 and its runtimes (libFuzzer, ASan, UBSan): installed when missing.
packages=(clang-14 libclang-rt-14-dev)
missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "fuzz: installing ${missing[*]}"
  sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

start=$(date +%s)
echo "== fuzz: configure and build ($build)"
# -O1 and line tables only: about half the build time of -O2 -g, with
# symbolized stacks still; no NDEBUG, so assertions stay on.
flags="-O1 -gline-tables-only"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DENGRAM_WERROR=ON -DENGRAM_FUZZ=ON \
  -DCMAKE_C_COMPILER=clang-14 -DCMAKE_CXX_COMPILER=clang++-14 \
  -DCMAKE_C_FLAGS_RELWITHDEBINFO="$flags" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="$flags" >/dev/null
nice cmake --build "$build" -j "$jobs" --target "${targets[@]/#/fuzz_}"
echo "== fuzz: built in $(($(date +%s) - start)) s"

# Findings abort with a stack; leaks are not findings of these targets (the
# plugins keep per-process caches by design).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export ENGRAM_FUZZ_LIMITS_DIR=$build/library_limits
# The targets' files (databases, HDF5 copies), removed whatever happens.
tmp_base=/dev/shm
[ -d "$tmp_base" ] || tmp_base=${TMPDIR:-/tmp}
ENGRAM_FUZZ_TMP=$(mktemp -d "$tmp_base/engram-fuzz.XXXXXX")
export ENGRAM_FUZZ_TMP
trap 'rm -rf "$ENGRAM_FUZZ_TMP"' EXIT
failed=0
summary=()

# run <target> <log> <libFuzzer arguments...>: 0 when libFuzzer reported no
# crash, leak, timeout or OOM.
run() {
  local target=$1 log=$2
  shift 2
  (cd "$build" && nice -n 10 "$build/tests/fuzz/fuzz_$target" -print_funcs=0 \
    -timeout=10 -rss_limit_mb=2048 "$@") >"$log" 2>&1
}

for target in "${targets[@]}"; do
  corpus=$root/tests/fuzz/corpus/$target
  regressions=$root/tests/fuzz/regressions/$target
  logs=$build/logs/$target
  findings=$build/findings/$target
  mkdir -p "$logs" "$findings"
  result="ok"

  # 1. Valid seeds are accepted (and round-trip).
  valid=("$corpus"/valid-*)
  if [ ! -e "${valid[0]}" ]; then
    result="FAIL: no valid-* seeds in $corpus"
  elif ! ENGRAM_FUZZ_EXPECT_VALID=1 run "$target" "$logs/valid.log" "${valid[@]}"; then
    result="FAIL: a valid seed was refused or broke (log: $logs/valid.log)"
  fi

  # 2. Every seed and regression input once.
  inputs=("$corpus"/*)
  [ -d "$regressions" ] && inputs+=("$regressions"/*)
  if [ "$result" = ok ] && ! run "$target" "$logs/replay.log" "${inputs[@]}"; then
    result="FAIL: replay (log: $logs/replay.log)"
  fi
  replayed=${#inputs[@]}

  # 3. Fuzzing, on a copy of the corpus.
  stats=""
  if [ "$result" = ok ] && ! $replay_only; then
    work=$build/corpus/$target
    mkdir -p "$work"
    cp -n "$corpus"/* "$work"/ 2>/dev/null || true
    if ! run "$target" "$logs/fuzz.log" -seed=1 -max_total_time="$seconds" \
      -artifact_prefix="$findings/" "$work"; then
      result="FAIL: finding in $findings (log: $logs/fuzz.log)"
    fi
    stats=$(grep -E '^#[0-9]+' "$logs/fuzz.log" | tail -1 |
      sed -E 's/^#([0-9]+)[[:space:]]+[A-Z]+[[:space:]]+cov: ([0-9]+) ft: ([0-9]+).*exec\/s: ([0-9]+).*/execs \1, cov \2, ft \3, \4 exec\/s/')
  fi
  limits=0
  [ -d "$build/library_limits/$target" ] &&
    limits=$(find "$build/library_limits/$target" -type f ! -name '*.log' | wc -l)
  [ "$result" = ok ] || failed=1
  line=$(printf '%-15s %s; replayed %d inputs%s; library limits %d' "$target" "$result" \
    "$replayed" "${stats:+; $stats}" "$limits")
  summary+=("$line")
  echo "$line"
done

echo "== fuzz summary ($(($(date +%s) - start)) s in all)"
printf '%s\n' "${summary[@]}"
exit $failed
