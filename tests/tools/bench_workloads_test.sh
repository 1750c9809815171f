#!/usr/bin/env bash
# Usage: bench_workloads_test.sh <workload_list binary> <engram binary> [<engram-bench binary>]
# `engram bench` and engram-bench run the workloads of one list
# (tools/workloads/workloads.h, printed by workload_list): `engram bench` on
# a config assigning every role runs exactly the list's in_tool workloads,
# and engram-bench registers a `/raw` and an `/engram` entry for exactly its
# paired ones. Without the engram-bench binary (ENGRAM_BENCH=OFF) the second
# check is skipped.
set -u
list=$1
engram=$2
bench=${3:-}
source "$(dirname "${BASH_SOURCE[0]}")/expect.sh"

"$list" >"$work/list"
cat >"$work/memory.yaml" <<'YAML'
version: 1
backends:
  mem: {plugin: memory}
roles: {working_memory: mem, episodes: mem, concepts: mem, traces: mem}
YAML

check "engram bench runs the list's in_tool workloads" bash -c '
  "$1" bench "$2/memory.yaml" --seconds 0.01 --json >"$2/tool.json" &&
  /usr/bin/python3 - "$2/list" "$2/tool.json" <<"PY"
import json, sys
listed = [line.split() for line in open(sys.argv[1])]
want = {name for name, paired, in_tool in listed if in_tool == "1"}
got = {r["role"] + "/" + r["workload"] for r in json.load(open(sys.argv[2]))}
assert len(want) >= 16, want
assert got == want, ("engram bench ran", sorted(got), "the list says", sorted(want))
PY' - "$engram" "$work"

if [ -n "$bench" ]; then
  check "engram-bench pairs the list's paired workloads" bash -c '
    "$1" --benchmark_list_tests=true >"$2/bench.txt" &&
    /usr/bin/python3 - "$2/list" "$2/bench.txt" <<"PY"
import collections, re, sys
listed = [line.split() for line in open(sys.argv[1])]
want = {name.split("/", 1)[1] for name, paired, in_tool in listed if paired == "1"}
# An entry is [redis/|postgres/]<workload>/<side>[/<Google Benchmark
# arguments>] (postgres/four_processes, several processes at once, is a
# pair of the postgres benchmarks alone, in no list); the
# hdf5 pairs name hdf5_<workload>[_16MB]_<codec>, the recall ones
# nearest_concepts_<backend>[_<variant>]. The write-behind entries
# (write_behind_bench.cpp) are no pairs: <kind>/<subject>, each kind for
# each subject.
sides = collections.defaultdict(set)
write_behind = collections.defaultdict(set)
for line in open(sys.argv[2]):
    parts = line.strip().split("/")
    if parts[0] in ("batch_throughput", "write_behind_latency", "write_behind_throughput"):
        write_behind[parts[0]].add(parts[1])
        continue
    if parts[0] in ("redis", "postgres"):
        if parts[:2] == ["postgres", "four_processes"]:
            sides["postgres/four_processes"].add(parts[2])
            continue
        parts = parts[1:]
    workload = re.sub(r"^hdf5_(.*?)(_16MB)?_(gzip6|lz4)$", r"\1", parts[0])
    workload = re.sub(r"^nearest_concepts_\w+$", "nearest_concepts", workload)
    sides[workload].add(parts[1])
assert set(sides) - {"postgres/four_processes"} == want, (
    "engram-bench runs", sorted(sides), "the list says", sorted(want))
for workload, found in sides.items():
    assert {"raw", "engram"} <= found, (workload, "has only", found)
subjects = {"store_network_snapshot_gzip6", "store_episode_sync_full"}
assert len(write_behind) == 3, write_behind
for kind, found in write_behind.items():
    assert found == subjects, (kind, "runs", found)
PY' - "$bench" "$work"
else
  echo "skipped: engram-bench not built (ENGRAM_BENCH=OFF)"
fi

finish
