#!/usr/bin/env bash
# engram's whole test run, from a fresh machine: installs what the build and
# tests need, builds, and runs every test twice — in a release build and in
# an AddressSanitizer + UndefinedBehaviorSanitizer build — then the
# concurrency-heavy suites (conformance, plugins) under ThreadSanitizer;
# between the two, the libFuzzer targets (tools/fuzz.sh 30).
#
#   tools/test.sh            everything
#   tools/test.sh --quick    the release build only
#
# Build trees go under build/ (ENGRAM_BUILD_ROOT to change).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_root=${ENGRAM_BUILD_ROOT:-$root/build}
jobs=${ENGRAM_JOBS:-$(nproc)}
quick=false
[ "${1:-}" = "--quick" ] && quick=true

"$root/tools/install-deps.sh"

# run_suite <name> <ctest -R regex or ""> <build targets or ""> [CMake arguments...]
run_suite() {
  local name=$1 tests=$2 targets=$3
  shift 3
  local dir=$build_root/$name
  echo "== $name: configure and build"
  # Warnings are errors in our own CI only (ENGRAM_WERROR is off for users).
  cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DENGRAM_WERROR=ON "$@" >/dev/null
  # shellcheck disable=SC2086  # targets is a list
  cmake --build "$dir" -j "$jobs" ${targets:+--target $targets}
  echo "== $name: test"
  ctest --test-dir "$dir" --output-on-failure -j "$jobs" --timeout 900 ${tests:+-R "$tests"}
}

# The Redis server the redis plugin's tests use: loopback, the first free
# port from 6390, stopped on exit.
redis_dir=$build_root/redis-server
redis_port=6390
while (exec 3<>"/dev/tcp/127.0.0.1/$redis_port") 2>/dev/null; do
  redis_port=$((redis_port + 1))
done
"$root/tools/redis-test-server.sh" start "$redis_port" "$redis_dir"
export ENGRAM_TEST_REDIS_PORT=$redis_port

# The PostgreSQL server the postgres plugin's tests use: loopback, the
# first free port from 15432, its data under /tmp (the server runs as an
# unprivileged user, who must reach it), stopped and removed on exit.
pg_dir=$(mktemp -d /tmp/engram-test-pg.XXXXXX)
pg_port=15432
while (exec 3<>"/dev/tcp/127.0.0.1/$pg_port") 2>/dev/null; do
  pg_port=$((pg_port + 1))
done
stop_servers() {
  "$root/tools/redis-test-server.sh" stop "$redis_dir" || true
  "$root/tools/pg-test-server.sh" stop "$pg_dir" || true
  rm -rf "$pg_dir"
}
trap stop_servers EXIT
ENGRAM_TEST_PG_DSN=$("$root/tools/pg-test-server.sh" start "$pg_port" "$pg_dir")
export ENGRAM_TEST_PG_DSN
# No GSSAPI encryption to negotiate with a loopback server: Debian's libpq
# would otherwise initialise Kerberos, whose one-time allocations
# LeakSanitizer reports as leaks once the plugin (and libpq with it) is
# unloaded. libpq reads this as every connection's default gssencmode.
export PGGSSENCMODE=disable

# The release suite builds as users do (Release), plus warnings as errors.
run_suite release "" "" -DCMAKE_BUILD_TYPE=Release
if ! $quick; then
  # The libFuzzer targets (tests/fuzz), with the release configuration only:
  # their seeds and regression inputs replayed, then 30 s of fuzzing each.
  ENGRAM_FUZZ_BUILD=$build_root/fuzz "$root/tools/fuzz.sh" 30
  # tests/lsan_suppressions.txt: leaks inside libhdf5's own failed calls.
  # intercept_tls_get_addr=0: GCC 12's sanitizer runtime (up to GCC 13 and
  # LLVM 16) takes a dynamic-TLS block that starts 16 bytes into a page for
  # a pre-2.25 glibc header and reads the two words before it as an address
  # and a length; LeakSanitizer's tracer then dies at exit ("Tracer caught
  # signal 11 ... LeakSanitizer has encountered a fatal error") after every
  # assertion passed. Whether a block lands there depends on the heap's
  # layout, so one machine crashes on a test every run and another never
  # does. Our plugins' thread_local state is dynamic TLS (they are dlopen'ed).
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:intercept_tls_get_addr=0 \
    UBSAN_OPTIONS=print_stacktrace=1 \
    LSAN_OPTIONS=suppressions=$root/tests/lsan_suppressions.txt \
    run_suite asan "" "" -DENGRAM_SANITIZE=address,undefined -DENGRAM_BENCH=OFF
  TSAN_OPTIONS=halt_on_error=1 \
    run_suite tsan "conformance|memory|redis|hdf5|write_behind|postgres" "engram-conformance engram write_behind_tests test-plugin-renumbering test-plugin-renumbering-claims-ids test-plugin-renumbering-claims-reserves memory_plugin_tests redis_plugin_tests hdf5_plugin_tests hdf5_unit_tests postgres_unit_tests postgres_plugin_tests postgres_recall_tests" \
    -DENGRAM_SANITIZE=thread
fi
echo "== all test suites passed"
