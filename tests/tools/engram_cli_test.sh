#!/usr/bin/env bash
# Usage: engram_cli_test.sh <engram binary> <configs folder>
# Each check runs a command and asserts its exit code and output.
set -u
engram=$1
configs=$2
source "$(dirname "${BASH_SOURCE[0]}")/expect.sh"

cd "$work"  # no ./config/engram.yaml here: the embedded default applies
expect 0 "memory" -- "$engram" plugins
expect 0 "pattern_ttl" -- "$engram" plugins --describe memory
expect 1 "no plugin \`nosuch\` found" -- "$engram" plugins --describe nosuch
expect 0 "OK  embedded default" -- "$engram" check
expect 1 "misspelled.yaml:4:1: unknown key \`role\`; did you mean \`roles\`?" -- \
  "$engram" check --config "$configs/misspelled.yaml"
expect 1 "bad_option.yaml:5:5: unknown option \`patern_ttl\`" -- \
  "$engram" check --config "$configs/bad_option.yaml"
expect 1 "did you mean \`pattern_ttl\`?" -- "$engram" check --config "$configs/bad_option.yaml"
ENGRAM_CONFIG="$configs/misspelled.yaml" expect 1 "misspelled.yaml:4:1" -- "$engram" check
expect 1 "cannot read" -- "$engram" check --config "$work/missing.yaml"
expect 0 "every record read back as stored" -- "$engram" demo --steps 3
expect 2 "" -- "$engram" demo --steps 0
expect 2 "" -- "$engram" nosuchcommand
expect 2 "" -- "$engram"
for command in demo plugins check; do
  expect 0 "--config" -- "$engram" "$command" --help
done

# expect_json <python check of the parsed stdout `d`> -- <command...>: exit 0,
# stdout is JSON and the check holds.
expect_json() {
  local check=$1
  shift 2
  if "$@" >"$work/out" 2>"$work/err" &&
    /usr/bin/python3 -c "import json,sys; d=json.load(sys.stdin); assert ($check), d" \
      <"$work/out" 2>>"$work/err"; then
    echo "ok: $*"
  else
    echo "FAILED: $* (wanted JSON with $check):"
    sed 's/^/    /' "$work/out" "$work/err"
    failures=$((failures + 1))
  fi
}

# engram bench: a memory config, and memory + sqlite with a db in $work.
cat >"$work/memory.yaml" <<'YAML'
version: 1
backends:
  mem: {plugin: memory}
roles: {working_memory: mem, episodes: mem, concepts: mem, traces: mem}
YAML
cat >"$work/mixed.yaml" <<'YAML'
version: 1
backends:
  mem: {plugin: memory}
  db: {plugin: sqlite, db_path: bench.sqlite}
roles: {working_memory: mem, episodes: db, concepts: db}
YAML
all_workloads="{'working_memory/store_working_memory_pattern',
  'working_memory/retrieve_working_memory_pattern', 'working_memory/cache_spike_train',
  'working_memory/get_recent_spike_trains', 'working_memory/store_batch',
  'episodes/store_episode', 'episodes/retrieve_episode', 'episodes/store_learning_event',
  'episodes/get_best_strategies', 'concepts/store_concept', 'concepts/retrieve_concept',
  'concepts/search_concepts', 'traces/store_network_snapshot',
  'traces/retrieve_network_snapshot', 'traces/store_spike_train', 'traces/retrieve_spike_train'}"
expect 0 "episodes/store_episode" -- "$engram" bench "$work/memory.yaml" --seconds 0.02
expect 0 "traces/retrieve_spike_train" -- "$engram" bench "$work/memory.yaml" --seconds 0.02
expect 0 "[16/16] traces/retrieve_spike_train on mem" -- \
  "$engram" bench "$work/memory.yaml" --seconds 0.02
expect_json "{r['role'] + '/' + r['workload'] for r in d} == $all_workloads and
  all(r['ops'] > 0 and r['ops_per_s'] > 0 and r['backend'] == 'mem' and r['plugin'] == 'memory'
      for r in d)" -- "$engram" bench "$work/memory.yaml" --seconds 0.02 --json
if "$engram" plugins | grep -q '^sqlite '; then
  expect_json "{r['workload'] for r in d} == {'store_episode', 'retrieve_episode',
    'store_learning_event', 'get_best_strategies'} and
    all(r['role'] == 'episodes' and r['plugin'] == 'sqlite' and r['ops'] > 0 for r in d)" -- \
    "$engram" bench "$work/mixed.yaml" --seconds 0.02 --roles episodes --json
  # The episodes now hold bench's records: refused, unless allowed.
  expect 1 "episodes (backend db): episodes, learning events" -- \
    "$engram" bench "$work/mixed.yaml" --seconds 0.02 --roles episodes
  expect 0 "episodes/get_best_strategies" -- \
    "$engram" bench "$work/mixed.yaml" --seconds 0.02 --roles episodes --allow-existing
  expect 0 "[8/8] concepts/search_concepts on db" -- \
    "$engram" bench "$work/mixed.yaml" --seconds 0.02 --roles concepts,working_memory
  expect 1 "assigns no backend to role traces" -- \
    "$engram" bench "$work/mixed.yaml" --roles traces
else
  echo "skipped: bench against sqlite (no sqlite plugin built)"
fi
expect 2 "CONFIG is required" -- "$engram" bench
expect 2 "--roles: nosuch not in" -- "$engram" bench "$work/memory.yaml" --roles nosuch
expect 2 "" -- "$engram" bench "$work/memory.yaml" --seconds 0
expect 1 "cannot read" -- "$engram" bench "$work/missing.yaml"
expect 0 "--allow-existing" -- "$engram" bench --help

finish
