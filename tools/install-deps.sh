#!/usr/bin/env bash
# Installs every Debian package engram's build, tests and benchmarks need.
# Idempotent: when everything is present it installs nothing and does not
# touch the network. Needs root (or sudo) only when something is missing.
set -euo pipefail

packages=(
  # build
  cmake g++ make pkg-config
  libboost-dev libyaml-cpp-dev libspdlog-dev libfmt-dev nlohmann-json3-dev libcli11-dev
  libhiredis-dev libsqlite3-dev libhdf5-dev libzstd-dev liblz4-dev libpq-dev
  # tests and benchmarks
  catch2 libbenchmark-dev libfaiss-dev
  redis-server redis-tools sqlite3 hdf5-tools
  # the postgres plugin's tests: a throwaway server (tools/pg-test-server.sh), pg_dump
  postgresql-15 postgresql-client-15
  # install and package tests: dpkg-shlibdeps (the .deb's Depends:), readelf
  dpkg-dev file binutils
  hdf5-plugin-lzf hdf5-filter-plugin hdf5-filter-plugin-blosc-serial
  python3 python3-numpy python3-h5py python3-redis python3-lz4 python3-zstandard
  # the Python module (tools/python) and its tests
  pybind11-dev python3-pybind11 python3-dev python3-pytest
)

missing=()
for package in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
  [ "$status" = "installed" ] || missing+=("$package")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=()
[ "$(id -u)" -eq 0 ] || sudo=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-deps: done"
