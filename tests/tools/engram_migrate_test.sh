#!/usr/bin/env bash
# Usage: engram_migrate_test.sh <engram binary>
# `engram migrate` as a user meets it when things go wrong: a target that
# already holds records of the same key (--on-conflict), a migrate killed
# with SIGKILL midway and run again (the state file), a finished one run
# again, a state file that names a database or another migration, rows
# that do not decode (--skip-undecodable). Records
# come from `engram demo`, multiplied with the sqlite3 CLI.
set -u
engram=$(realpath "$1")
python=/usr/bin/python3
source "$(dirname "${BASH_SOURCE[0]}")/expect.sh"
cd "$work"

write_config() {  # <file> <folder>
  cat >"$1" <<YAML
version: 1
backends:
  db: {plugin: sqlite, db_path: data/$2/engram.db}
  arrays: {plugin: hdf5, file_path: data/$2/traces.h5}
roles: {episodes: db, concepts: db, traces: arrays}
YAML
}
# Every row of the tables migrate copies, without engram's ids (a target
# may renumber), sorted.
rows() {  # <database>
  sqlite3 "$1" "select timestamp, performance_score, context_hash, metadata, hex(experience_data)
                  from episodes;
                select task_type, performance_delta, strategy_used, timestamp, parameters
                  from learning_events;
                select name, hex(embedding), creation_time, access_count, last_accessed, metadata
                  from concepts;" | sort
}
count() {  # <database> <table>
  sqlite3 "$1" "select count(*) from $2"
}
state_copied() {  # <state file> <kind>: records the state file says were copied
  "$python" -c "import json,sys; print(json.load(open(sys.argv[1]))['kinds'].get(sys.argv[2], {}).get('copied', 0))" "$1" "$2" 2>/dev/null || echo 0
}

write_config a.yaml a
write_config b.yaml b
write_config c.yaml c
expect 0 "every record read back as stored" -- "$engram" demo --config a.yaml --steps 4
# 4 episodes doubled 11 times: 8192, enough for migrate to be killed midway.
for _ in $(seq 11); do
  sqlite3 data/a/engram.db "insert into episodes (timestamp, experience_data, performance_score,
      context_hash, metadata, created_at, experience_format)
    select timestamp + (select max(id) from episodes), experience_data, performance_score,
      context_hash, metadata, created_at, experience_format from episodes"
done
check "the source holds 8192 episodes" test "$(count data/a/engram.db episodes)" = 8192

# --- killed midway, run again: every record once ---
"$engram" migrate --from a.yaml --to b.yaml --page-size 2 >killed.out 2>&1 &
pid=$!
for _ in $(seq 600); do
  [ "$(state_copied b.yaml.migrate-state.json episodes)" -ge 200 ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.05
done
kill -KILL "$pid" 2>/dev/null
wait "$pid"
rc=$?
check "migrate was killed midway (rc $rc = SIGKILL)" test "$rc" = 137
check "the state file is there" test -f b.yaml.migrate-state.json
copied_before=$(count data/b/engram.db episodes)
check "the target holds part of the episodes ($copied_before)" \
  test "$copied_before" -gt 0 -a "$copied_before" -lt 8192

# Another source into this target while that one is unfinished: refused.
expect 1 "unfinished migration" -- "$engram" migrate --from c.yaml --to b.yaml
expect 1 "delete the file" -- "$engram" migrate --from c.yaml --to b.yaml
expect 1 "pass --roles episodes,concepts,traces" -- \
  "$engram" migrate --from a.yaml --to b.yaml --roles episodes
check "the refusals wrote nothing" test "$(count data/b/engram.db episodes)" = "$copied_before"

expect 0 "the target's counts check out" -- "$engram" migrate --from a.yaml --to b.yaml
check "the resumed run says what the killed one copied" grep -q "by an interrupted run, resumed" "$work/out"
check "sqlite → sqlite after the kill: every episode once" \
  test "$(count data/b/engram.db episodes)" = 8192
check "sqlite → sqlite after the kill: the same rows" diff <(rows data/a/engram.db) <(rows data/b/engram.db)
check "sqlite → sqlite after the kill: the same relationships" \
  test "$(count data/a/engram.db concept_relationships)" = "$(count data/b/engram.db concept_relationships)"
check "hdf5 → hdf5 after the kill: the same records, none doubled" \
  diff <(h5ls -r data/a/traces.h5 | awk '{print $1}') <(h5ls -r data/b/traces.h5 | awk '{print $1}')
expect 0 "finished before" -- "$engram" migrate --from a.yaml --to b.yaml
expect 0 "nothing copied" -- "$engram" migrate --from a.yaml --to b.yaml
check "a finished migrate run again copied nothing" test "$(count data/b/engram.db episodes)" = 8192
expect 0 '"done_before": true' -- "$engram" migrate --from a.yaml --to b.yaml --json

# --- conflicts: a target holding the source's concepts, one changed ---
mkdir -p data/c data/d
sqlite3 data/a/engram.db ".backup data/c/engram.db"
sqlite3 data/c/engram.db "update concepts set metadata = '{\"mine\": 1}' where id = (select min(id) from concepts)"
cp data/c/engram.db data/d/engram.db
write_config d.yaml d
before=$(sqlite3 data/c/engram.db "select name, hex(embedding), metadata, access_count from concepts order by id")
expect 1 "--on-conflict" -- "$engram" migrate --from a.yaml --to c.yaml --roles concepts
check "the refusal names the kind and the count" grep -q "concepts 4" "$work/out"
check "the refusal wrote nothing" test "$(sqlite3 data/c/engram.db "select name, hex(embedding), metadata, access_count from concepts order by id")" = "$before"
check "the refusal left no state file" test ! -e c.yaml.migrate-state.json
expect 0 "7 skipped (the target's kept)" -- "$engram" migrate --from a.yaml --to c.yaml --roles concepts --on-conflict skip
check "skip kept the target's concepts" test "$(sqlite3 data/c/engram.db "select name, hex(embedding), metadata, access_count from concepts order by id")" = "$before"
check "skip kept the target's relationships, once" \
  test "$(count data/a/engram.db concept_relationships)" = "$(count data/c/engram.db concept_relationships)"
expect 0 "replacing the target's" -- \
  "$engram" migrate --from a.yaml --to d.yaml --roles concepts --on-conflict replace
check "replace gave the target the source's concepts" \
  diff <(sqlite3 data/a/engram.db "select name, hex(embedding), metadata, access_count from concepts order by id") \
       <(sqlite3 data/d/engram.db "select name, hex(embedding), metadata, access_count from concepts order by id")
expect 2 "" -- "$engram" migrate --from a.yaml --to d.yaml --on-conflict merge

# --- undecodable rows: stop naming the row, or --skip-undecodable and list ---
mkdir -p data/e data/f data/g
sqlite3 data/a/engram.db ".backup data/e/engram.db"
write_config e.yaml e
write_config f.yaml f
write_config g.yaml g
bad_episode=$(sqlite3 data/e/engram.db "select min(id) + 1 from episodes")
bad_concept=$(sqlite3 data/e/engram.db "select min(id) from concepts")
sqlite3 data/e/engram.db "update episodes set experience_data = x'00112233' where id = $bad_episode;
                          update concepts set embedding = x'0badc0de' where id = $bad_concept"
before_e=$(sqlite3 data/e/engram.db "select hex(experience_data) from episodes order by id" | md5sum)
expect 1 "--skip-undecodable" -- "$engram" migrate --from e.yaml --to f.yaml --roles episodes,concepts
# Concepts are checked for conflicts before anything is written: the
# damaged concept stops it there.
check "the stop names the concept" grep -q "concept $bad_concept's embedding" "$work/out"
check "the stop wrote nothing" test "$(count data/f/engram.db episodes 2>/dev/null || echo 0)" = 0
rm -f f.yaml.migrate-state.json
expect 0 "records could not be decoded and were passed over" -- \
  "$engram" migrate --from e.yaml --to f.yaml --roles episodes,concepts --skip-undecodable
check "the list names the episode" grep -q "^  episodes $bad_episode: CorruptData: .*episode $bad_episode's experience_data" "$work/out"
check "the list names the concept" grep -q "^  concepts $bad_concept: CorruptData: .*concept $bad_concept's embedding" "$work/out"
check "the list names its relationships" grep -q "^  relationships .*concept $bad_concept was passed over" "$work/out"
check "every other episode copied" \
  test "$(count data/f/engram.db episodes)" = "$(( $(count data/e/engram.db episodes) - 1 ))"
check "every other concept copied" \
  test "$(count data/f/engram.db concepts)" = "$(( $(count data/e/engram.db concepts) - 1 ))"
check "the source's rows are as they were" \
  test "$(sqlite3 data/e/engram.db "select hex(experience_data) from episodes order by id" | md5sum)" = "$before_e"
"$engram" migrate --from e.yaml --to g.yaml --roles episodes,concepts --skip-undecodable --json \
  >g.json 2>/dev/null
check "--json: exit 0" test $? = 0
check "--json lists the episode and the concept by key, with the error's kind" \
  "$python" -c "
import json, sys
r = json.load(open('g.json'))
k = {x['kind']: x for x in r['kinds']}
assert [(u['key'], u['error']) for u in k['episodes']['undecodable']] == [(sys.argv[1], 'CorruptData')], k
assert [u['key'] for u in k['concepts']['undecodable']] == [sys.argv[2]], k
assert 'embedding' in k['concepts']['undecodable'][0]['reason'], k
assert r['total_undecodable'] == 2 + len(k['relationships']['undecodable']), r
" "$bad_episode" "$bad_concept"

# --- the state file never goes over a data file ---
size=$(stat -c %s data/b/engram.db)
expect 1 "--state" -- "$engram" migrate --from a.yaml --to b.yaml --state data/b/engram.db
expect 1 "" -- "$engram" migrate --from a.yaml --to b.yaml --state data/a/traces.h5
check "the database is untouched" test "$(stat -c %s data/b/engram.db)" = "$size"
check "the database still holds every episode" test "$(count data/b/engram.db episodes)" = 8192

finish
