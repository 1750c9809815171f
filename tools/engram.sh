#!/usr/bin/env bash
# Runs the `engram` tool from a fresh clone: installs what the build needs,
# builds the release tree if anything changed, then runs `engram "$@"`.
#   tools/engram.sh demo            the main job on the embedded default config
#   tools/engram.sh plugins         the plugins found
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${ENGRAM_BUILD_ROOT:-$root/build}/release
"$root/tools/install-deps.sh" >&2
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
fi
cmake --build "$build" -j "${ENGRAM_JOBS:-$(nproc)}" --target engram engram-conformance engram-plugin-memory engram-plugin-sqlite engram-plugin-hdf5 engram-plugin-redis >&2
exec "$build/bin/engram" "$@"
