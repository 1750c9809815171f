#!/usr/bin/env bash
# Usage: engram_maintenance_test.sh <engram binary> <the repository's config folder>
#        <the seed's fixtures folder>
# The maintenance commands (stats, backup, compact, cleanup, maintain) and
# `engram migrate` between backends that persist: sqlite → sqlite in another
# file, hdf5 → hdf5, redis → redis under another prefix (the shared test
# server on $ENGRAM_TEST_REDIS_PORT). Records come from `engram demo`.
set -u
engram=$(realpath "$1")
repo_configs=$(realpath "$2")
fixtures=$(realpath "$3")
python=/usr/bin/python3
source "$(dirname "${BASH_SOURCE[0]}")/expect.sh"
cd "$work"

# The count of records of `kind` that `engram stats --json` reports for `backend`.
count() {  # <config> <backend> <kind>
  "$engram" stats --config "$1" --json 2>/dev/null |
    "$python" -c "import json,sys; print(json.load(sys.stdin)['$2']['stats']['$3'])" 2>/dev/null
}

write_config() {  # <file> <suffix>
  cat >"$1" <<YAML
version: 1
backends:
  db: {plugin: sqlite, db_path: data/$2/engram.db}
  arrays: {plugin: hdf5, file_path: data/$2/traces.h5}
  mem: {plugin: memory}
roles: {working_memory: mem, episodes: db, concepts: db, traces: arrays}
YAML
}
write_config a.yaml a
write_config b.yaml b
expect 0 "every record read back as stored" -- "$engram" demo --config a.yaml --steps 4

# --- maintenance ---
expect 0 "episodes" -- "$engram" stats --config a.yaml
check "stats --json counts the demo's episodes" test "$(count a.yaml db episodes)" = 4
check "stats --json counts the demo's snapshots" test "$(count a.yaml arrays network_snapshots)" = 4
expect 1 "no backend \`nosuch\`" -- "$engram" stats --config a.yaml --backend nosuch
expect 0 "not supported" -- "$engram" backup --config a.yaml
check "backup wrote a copy beside the database" ls data/a/engram_backup_*.db
expect 2 "needs --backend" -- "$engram" backup --config a.yaml --to "$work/copy.db"
expect 0 "copy.db" -- "$engram" backup --config a.yaml --backend db --to "$work/copy.db"
check "the backup is a database with the episodes" \
  test "$(sqlite3 "$work/copy.db" 'select count(*) from episodes')" = 4
expect 0 "compact" -- "$engram" compact --config a.yaml --backend arrays
expect 0 "cleanup" -- "$engram" cleanup --config a.yaml --retention-days 365
check "cleanup kept what is younger than a year" test "$(count a.yaml arrays network_snapshots)" = 4
expect 2 "" -- "$engram" cleanup --config a.yaml --retention-days -1
expect 0 "backup_if_due" -- "$engram" maintain --config a.yaml
expect 0 "\"status\": \"not supported\"" -- "$engram" maintain --config a.yaml --json

# --- migrate between backends that persist ---
expect 0 "the target's counts check out" -- "$engram" migrate --from a.yaml --to b.yaml \
  --roles episodes,concepts,traces --page-size 3
for kind in episodes learning_events concepts concept_relationships; do
  check "sqlite → sqlite: $kind" test "$(count a.yaml db $kind)" = "$(count b.yaml db $kind)"
done
check "sqlite → sqlite keeps the ids" \
  test "$(sqlite3 data/a/engram.db 'select group_concat(id) from episodes')" = \
  "$(sqlite3 data/b/engram.db 'select group_concat(id) from episodes')"
for kind in network_snapshots raw_spike_trains reservoir_states layer_outputs plasticity_traces \
  homeostatic_traces performance_metrics; do
  check "hdf5 → hdf5: $kind" test "$(count a.yaml arrays $kind)" = "$(count b.yaml arrays $kind)"
done
check "hdf5 → hdf5 keeps the ids (same datasets)" \
  diff <(h5ls -r data/a/traces.h5 | awk '{print $1}') <(h5ls -r data/b/traces.h5 | awk '{print $1}')
expect 0 '"total_records"' -- "$engram" migrate --from a.yaml --to b.yaml --roles episodes --json
expect 2 "memories not in" -- "$engram" migrate --from a.yaml --to b.yaml --roles memories
expect 2 "" -- "$engram" migrate --from a.yaml
expect 1 "same config" -- "$engram" migrate --from a.yaml --to ./a.yaml
printf 'version: 1\nbackends:\n  db: {plugin: sqlite, db_path: data/c/engram.db}\nroles: {episodes: db}\n' >c.yaml
expect 1 "the target config assigns no backend to role \`working_memory\`" -- \
  "$engram" migrate --from a.yaml --to c.yaml --roles working_memory,episodes

# --- the Python system's own HDF5 file into a fresh one ---
mkdir -p seed && cp "$fixtures/seed_traces.h5" seed/ && chmod u+w seed/seed_traces.h5
printf 'version: 1\nbackends:\n  arrays: {plugin: hdf5, file_path: seed/seed_traces.h5}\nroles: {traces: arrays}\n' >seed.yaml
printf 'version: 1\nbackends:\n  arrays: {plugin: hdf5, file_path: seed/fresh.h5}\nroles: {traces: arrays}\n' >fresh.yaml
expect 0 "the target's counts check out" -- "$engram" migrate --from seed.yaml --to fresh.yaml
check "seed_traces.h5 → fresh.h5: the same records" \
  diff <(h5ls -r seed/seed_traces.h5 | awk '{print $1}' | grep -v '^/$') \
       <(h5ls -r seed/fresh.h5 | awk '{print $1}' | grep -v '^/$')

# --- redis → redis under another prefix ---
if [ -n "${ENGRAM_TEST_REDIS_PORT:-}" ]; then
  run_id="clitest:$$"
  for side in a b; do
    cat >"redis_$side.yaml" <<YAML
version: 1
backends:
  fast: {plugin: redis, host: 127.0.0.1, port: ${ENGRAM_TEST_REDIS_PORT}, key_prefix: "$run_id:$side:"}
roles: {working_memory: fast}
YAML
  done
  expect 0 "every record read back as stored" -- "$engram" demo --config redis_a.yaml --steps 3
  expect 0 "the target's counts check out" -- "$engram" migrate --from redis_a.yaml --to redis_b.yaml
  for kind in working_memory spike_trains attention_weights; do
    check "redis → redis: $kind" \
      test "$(count redis_a.yaml fast $kind)" = "$(count redis_b.yaml fast $kind)"
  done
  check "redis → redis keeps pattern hashes and contexts" diff \
    <(redis-cli -p "$ENGRAM_TEST_REDIS_PORT" --scan --pattern "$run_id:a:wm:*" | sed "s/^$run_id:a://" | sort) \
    <(redis-cli -p "$ENGRAM_TEST_REDIS_PORT" --scan --pattern "$run_id:b:wm:*" | sed "s/^$run_id:b://" | sort)
  # config/redis.yaml, as the README shows it, on the test server.
  mkdir -p with_redis && cp "$repo_configs/redis.yaml" with_redis/
  REDIS_HOST=127.0.0.1 REDIS_PORT=$ENGRAM_TEST_REDIS_PORT expect 0 "every record read back as stored" -- \
    "$engram" demo --config with_redis/redis.yaml --steps 3
  check "config/redis.yaml put working memory on the server" \
    test -n "$(redis-cli -p "$ENGRAM_TEST_REDIS_PORT" --scan --pattern 'engram:wm:demo*' | head -1)"
  redis-cli -p "$ENGRAM_TEST_REDIS_PORT" --scan --pattern 'engram:*demo*' | xargs -r redis-cli -p "$ENGRAM_TEST_REDIS_PORT" del >/dev/null
  # A target that is not there: a clean error naming it, nothing half-done.
  sed "s/port: ${ENGRAM_TEST_REDIS_PORT}/port: 1, connect_timeout: 0.5/" redis_b.yaml >dead.yaml
  expect 1 "connecting to 127.0.0.1:1" -- "$engram" migrate --from redis_a.yaml --to dead.yaml
  redis-cli -p "$ENGRAM_TEST_REDIS_PORT" --scan --pattern "$run_id:*" | xargs -r redis-cli -p "$ENGRAM_TEST_REDIS_PORT" del >/dev/null
else
  echo "FAILED: ENGRAM_TEST_REDIS_PORT is not set (tools/test.sh starts the server)"
  failures=$((failures + 1))
fi

# --- help on every command ---
for command in demo plugins check stats backup compact cleanup maintain migrate; do
  expect 0 "Usage" -- "$engram" "$command" --help
done

finish
