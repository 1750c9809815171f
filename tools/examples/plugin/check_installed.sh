#!/usr/bin/env bash
# The npy example plugin against an installed engram, as a plugin author
# builds it: configured with -DCMAKE_PREFIX_PATH=<prefix> alone, installed
# into that prefix, found there by name (`plugin: npy`), proven by the
# installed conformance runner, and read back with numpy.
#
#   check_installed.sh <engram prefix> [<python with numpy and h5py>]
#
# REQUIRES: <prefix> holds an installed engram (bin/engram with the
# `conformance` command, lib*/libengram-core.so, the CMake package) and may
# be written to (the plugin is installed into it). Exits non-zero, saying
# why, on the first failure.
set -euo pipefail
prefix=$(cd "$1" && pwd)
python=${2:-/usr/bin/python3}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/engram-npy-example.XXXXXX")
trap 'rm -rf "$work"' EXIT
unset ENGRAM_PLUGIN_PATH ENGRAM_CONFIG

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

cmake -S "$here" -B "$work/build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH="$prefix" \
  >/dev/null
cmake --build "$work/build" >/dev/null
cmake --install "$work/build" --prefix "$prefix" >/dev/null
plugin=$(find "$prefix" -path '*/engram/libengram-npy.so' | head -n 1)
[ -n "$plugin" ] || fail "libengram-npy.so was not installed into $prefix"

# Found by name, beside the core, with no configuration.
"$prefix/bin/engram" plugins | tee "$work/plugins.txt"
grep -q "^npy .*$plugin$" "$work/plugins.txt" || fail "engram plugins does not list npy ($plugin)"

# The contract, by the installed runner, with the config kept beside the example.
(cd "$work" && "$prefix/bin/engram" conformance "$here/conformance.yaml") |
  tee "$work/conformance.txt"

# What numpy users read, value for value against h5py.
"$python" "$here/numpy_interop.py" "$prefix/bin/engram" "$work/interop"

echo "ok: the npy example plugin built, installed and passed against $prefix"
