#!/usr/bin/env bash
# engram used from outside its source tree, as hosts and plugin authors get
# it: installed with `cmake --install` into a prefix that is then moved, or
# unpacked from the Debian packages into a scratch root with `dpkg -x`.
# Either way, against that root alone:
#   - nothing installed names the build tree;
#   - `engram --version` and `engram plugins` work, the plugins found beside
#     the core library (no environment variable, no config);
#   - `engram conformance` runs the installed suite;
#   - the CMake package's version rule: the build's major.minor is met, the
#     minor versions before and after it are not;
#   - tools/examples/host builds with find_package(engram) and with
#     pkg-config, needs no backend library, and runs on a sqlite + memory
#     config;
#   - tools/examples/plugin builds against it, installs into it and passes
#     `engram conformance` (its check_installed.sh);
#   - when the build made the Python module (ENGRAM_PYTHON): /usr/bin/python3
#     imports engram, engram.npy and engram.compat (a package: every module
#     of it installed) from the installed package folder alone, from a folder outside the build tree, and
#     stores and reads back through the sqlite and memory plugins.
#
#   installed_engram_test.sh prefix|deb <engram build tree> <engram source tree>
set -euo pipefail
mode=$1
build=$(cd "$2" && pwd)
source=$(cd "$3" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/engram-installed.XXXXXX")
trap 'rm -rf "$work"' EXIT
unset ENGRAM_PLUGIN_PATH ENGRAM_CONFIG
# The version built (x.y.z) and its neighbours: one minor version per plugin ABI.
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$build/CMakeCache.txt")
minor_version=${version%.*}
major=${version%%.*}
minor=${minor_version#*.}
older="$major.$((minor - 1))"
newer="$major.$((minor + 1))"

fail() {
  echo "FAIL: $*" >&2
  exit 1
}

case $mode in
  prefix)
    cmake --install "$build" --prefix "$work/installed" >/dev/null
    # Moved after installing: nothing may depend on where it was put.
    mv "$work/installed" "$work/moved"
    prefix=$work/moved
    ;;
  deb)
    (cd "$build" && cpack -G DEB -B "$work/debs" >/dev/null)
    runtime_deb=$(ls "$work"/debs/engram_*.deb)
    dev_deb=$(ls "$work"/debs/engram-dev_*.deb)
    depends=$(dpkg-deb -f "$runtime_deb" Depends)
    echo "engram Depends: $depends"
    for library in libhiredis libsqlite3 libhdf5 libpq5 libyaml-cpp libstdc++6; do
      grep -q "$library" <<<"$depends" || fail "the runtime package does not depend on $library"
    done
    dev_depends=$(dpkg-deb -f "$dev_deb" Depends)
    echo "engram-dev Depends: $dev_depends"
    grep -q "engram (= " <<<"$dev_depends" || fail "engram-dev does not depend on its runtime"
    grep -q "nlohmann-json3-dev" <<<"$dev_depends" || fail "engram-dev lacks nlohmann-json3-dev"
    contents=$(dpkg-deb -c "$runtime_deb")
    grep -q '/engram/libengram-sqlite.so$' <<<"$contents" || fail "the runtime package holds no plugins"
    grep -q '/include/' <<<"$contents" && fail "headers in the runtime package"
    debs=("$runtime_deb" "$dev_deb")
    if [ -d "$build/python/engram" ]; then
      python_deb=$(ls "$work"/debs/python3-engram_*.deb)
      python_depends=$(dpkg-deb -f "$python_deb" Depends)
      echo "python3-engram Depends: $python_depends"
      grep -q "engram (= " <<<"$python_depends" || fail "python3-engram does not depend on engram"
      grep -q "python3-numpy" <<<"$python_depends" || fail "python3-engram lacks python3-numpy"
      # Listed whole first: grep -q stopping early would break dpkg-deb's pipe.
      python_contents=$(dpkg-deb -c "$python_deb")
      grep -q '/usr/lib/python3/dist-packages/engram/_engram\.' <<<"$python_contents" ||
        fail "python3-engram does not put the module where /usr/bin/python3 finds it"
      grep -q 'dist-packages' <<<"$contents" && fail "the Python module in the runtime package"
      debs+=("$python_deb")
    fi
    for deb in "${debs[@]}"; do dpkg -x "$deb" "$work/root"; done
    prefix=$work/root/usr
    ;;
  *)
    echo "usage: $0 prefix|deb <build tree> <source tree>" >&2
    exit 2
    ;;
esac

core=$(find "$prefix" -name 'libengram-core.so.*' -type f | head -n 1)
[ -n "$core" ] || fail "no libengram-core.so.* under $prefix"
libdir=$(dirname "$core")
echo "installed: $(cd "$prefix" && find . -type f | sort | tr '\n' ' ')"

# Nothing installed names the build tree.
if grep -rlF "$build" "$prefix"; then
  fail "the files above name the build tree $build"
fi

# The tool: its version, and the plugins beside the core it loaded.
cd "$work"
"$prefix/bin/engram" --version | tee "$work/version.txt"
grep -qF "engram $version" "$work/version.txt" || fail "engram --version names no $version"
grep -q "^plugin ABI [0-9][0-9]*$" "$work/version.txt" || fail "engram --version names no ABI"
grep -q "^build fingerprint: compiler " "$work/version.txt" || fail "no build fingerprint"
"$prefix/bin/engram" plugins | tee "$work/plugins.txt"
for plugin in memory sqlite hdf5 redis postgres; do
  grep -q "^$plugin .* $libdir/engram/libengram-$plugin.so$" "$work/plugins.txt" ||
    fail "engram plugins does not list $plugin from $libdir/engram"
done
grep -qF "$build" "$work/plugins.txt" && fail "engram plugins lists the build tree"

# The conformance suite, installed: run by the tool from its own folder.
cat >"$work/memory.yaml" <<'YAML'
version: 1
backends: {mem: {plugin: memory}}
roles: {episodes: mem, traces: mem}
YAML
"$prefix/bin/engram" conformance "$work/memory.yaml" >"$work/conformance.txt" ||
  { cat "$work/conformance.txt"; fail "engram conformance failed on the memory plugin"; }
tail -n 1 "$work/conformance.txt"
grep -q "^PASS  episodes  " "$work/conformance.txt" || fail "no PASS line for episodes"
grep -q "^PASS  traces  " "$work/conformance.txt" || fail "no PASS line for traces"
grep -q "^FAIL" "$work/conformance.txt" && fail "a conformance case failed"

# The CMake package's version rule: same major.minor only.
mkdir -p "$work/version-rule"
cat >"$work/version-rule/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.25)
project(version_rule LANGUAGES NONE)
find_package(engram ${WANT} CONFIG REQUIRED)
message(STATUS "found engram ${engram_VERSION}")
CMAKE
for want in "$minor_version" "$version"; do
  cmake -S "$work/version-rule" -B "$work/version-rule/b-$want" -DWANT=$want \
    -DCMAKE_PREFIX_PATH="$prefix" >/dev/null || fail "find_package(engram $want) failed"
done
for want in "$older" "$newer" 1.0; do
  if cmake -S "$work/version-rule" -B "$work/version-rule/b-$want" -DWANT=$want \
    -DCMAKE_PREFIX_PATH="$prefix" >/dev/null 2>&1; then
    fail "find_package(engram $want) accepted $version"
  fi
done

# The host example, through the CMake package.
cmake -S "$source/tools/examples/host" -B "$work/host" -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$work/host" >/dev/null
cmake -DBINARY="$work/host/engram-host-example" -P "$source/tests/linkage/check_needed.cmake"
readelf -d "$work/host/engram-host-example" | grep -qF "libengram-core.so.$minor_version" ||
  fail "the host does not need libengram-core.so.$minor_version"
mkdir -p "$work/run"
cp "$source/tools/examples/host/host.yaml" "$work/run/"
"$work/host/engram-host-example" "$work/run/host.yaml" | tee "$work/host.txt"
grep -q "pattern-a read back, episode 1 stored, 1 in context maze" "$work/host.txt" ||
  fail "the host example did not store and read back"
grep -qF "nearest the pattern: episode 1 (cosine 1.000)" "$work/host.txt" ||
  fail "the host example's recall did not find its episode"
[ -s "$work/run/host-episodes.db" ] || fail "the host's sqlite file is not beside its config"

# The host example, through pkg-config.
flags=$(PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --cflags --libs engram)
echo "pkg-config --cflags --libs engram: $flags"
# shellcheck disable=SC2086  # flags is a list
g++ -std=c++20 -O1 "$source/tools/examples/host/host.cpp" $flags -Wl,-rpath,"$libdir" \
  -o "$work/host-pc"
cmake -DBINARY="$work/host-pc" -P "$source/tests/linkage/check_needed.cmake"
# Two equal episodes now: the recall's tie goes to the lower id.
"$work/host-pc" "$work/run/host.yaml" |
  grep -qF "episode 2 stored, 2 in context maze; nearest the pattern: episode 1 (cosine 1.000)" ||
  fail "the pkg-config host did not run"

# The Python module, from the installed package folder alone: the RPATH
# finds the core, the core finds its plugins.
if [ -d "$build/python/engram" ]; then
  python_dir=$prefix/lib/python3/dist-packages
  [ -f "$python_dir/engram/__init__.py" ] || fail "no engram package in $python_dir"
  modules="engram, engram.npy, engram.compat"
  # Every module of the compat package, each imported by name (a module
  # missing from the install fails here, not at first use).
  for module in "$source"/tools/python/engram/compat/*.py; do
    module=$(basename "$module" .py)
    [ "$module" = __init__ ] || modules+=", engram.compat.$module"
  done
  mkdir -p "$work/python"
  (cd "$work/python" && PYTHONPATH=$python_dir /usr/bin/python3 -c "import $modules") ||
    fail "/usr/bin/python3 cannot import $modules from $python_dir"
  (cd "$work/python" && PYTHONPATH=$python_dir /usr/bin/python3 - "$libdir") <<'PY' ||
import os, sys
import numpy as np
import engram
assert engram.__file__.startswith(os.environ["PYTHONPATH"]), engram.__file__
assert str(engram.bundled_plugin_dir()) == os.path.join(sys.argv[1], "engram"), \
    engram.bundled_plugin_dir()
config = "\n".join([
    "version: 1",
    "backends: {db: {plugin: sqlite, db_path: python.db}, mem: {plugin: memory}}",
    "roles: {episodes: db, working_memory: mem}"])
with engram.Storage.from_yaml(config) as storage:
    episode_id = storage.episodes.store_episode(np.arange(6.0).reshape(2, 3), 0.9, "maze")
    back = storage.episodes.retrieve_episode(episode_id).experience_data
    assert (back == np.arange(6.0).reshape(2, 3)).all()
    storage.working_memory.store_working_memory_pattern("p", np.ones(3, np.float32), 1.0)
    assert storage.working_memory.retrieve_working_memory_pattern("p") is not None
    print("python: episode", episode_id, "stored and read back through",
          [b.plugin_file.name for b in storage.backends])
PY
    fail "the installed Python module did not store and read back"
  [ -s "$work/python/python.db" ] || fail "the Python store wrote no sqlite file"
fi

# The example plugin, as its author builds it: against this root alone,
# installed into it, found by name, passing `engram conformance`, and read
# back with numpy.
bash "$source/tools/examples/plugin/check_installed.sh" "$prefix"

echo "ok: engram installed ($mode) works from $prefix alone"
