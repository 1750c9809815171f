#!/usr/bin/env bash
# Usage: conformance_program_test.sh <engram binary> <memory.yaml> <test plugin folder>
# `engram conformance` as a plugin author runs it: the memory plugin passes
# with a PASS line per case for each role; a store that already holds an
# episode is refused (exit 2, backend and role named, the file unchanged);
# keeps_ids comes from the descriptor: the renumbering test plugin, which
# does not keep put ids and does not claim to, passes (the keeps_ids checks
# skipped), and its twin that claims keeps_ids fails them (exit 1, FAIL line
# with the failed expression), as does a twin claiming reserves_ids without
# keeps_ids; and without engram-conformance beside it the tool says so.
set -u
engram=$(realpath "$1")
memory_config=$(realpath "$2")
plugins=$(realpath "$3")
source "$(dirname "${BASH_SOURCE[0]}")/../tools/expect.sh"
cd "$work"

# --- the memory plugin: every role, PASS lines, a summary, exit 0 ---
expect 0 "0 failed (roles: working_memory, episodes, concepts, traces)" -- \
  "$engram" conformance "$memory_config"
for role in working_memory episodes concepts traces; do
  check "a PASS line for $role" grep -q "^PASS  $role  $role: " "$work/out"
done
check "no FAIL line" sh -c "! grep -q '^FAIL' '$work/out'"
# --roles narrows the run to the roles named.
expect 0 "0 failed (roles: concepts)" -- "$engram" conformance "$memory_config" --roles concepts
check "--roles concepts runs no episodes case" sh -c "! grep -q '  episodes: ' '$work/out'"
expect 2 "unknown role \`nonsense\`" -- "$engram" conformance "$memory_config" --roles nonsense
# Catch2's own arguments pass through: a test name runs that case alone.
expect 0 "1 passed, 0 failed" -- \
  "$engram" conformance "$memory_config" "concepts: search_concepts matches names as SQL LIKE patterns"

# --- a store that already holds records: refused, untouched ---
mkdir full
cat >full/sqlite.yaml <<'YAML'
version: 1
log: {level: warn}
backends:
  db: {plugin: sqlite, db_path: engram.db}
roles: {episodes: db, concepts: db}
YAML
expect 0 "every record read back as stored" -- "$engram" demo --config full/sqlite.yaml --steps 1
check "the demo stored an episode" test "$(sqlite3 full/engram.db 'select count(*) from episodes')" -ge 1
before=$(sha256sum full/engram.db)
find full -printf "%P %s %T@\n" | grep -v "^ " | sort >listing.before
expect 2 "backend \`db\` (plugin sqlite) serving role \`episodes\` already holds episodes" -- \
  "$engram" conformance full/sqlite.yaml
check "no case ran" sh -c "! grep -q '^PASS\|^FAIL' '$work/out'"
check "the database file is unchanged" test "$(sha256sum full/engram.db)" = "$before"
find full -printf "%P %s %T@\n" | grep -v "^ " | sort >listing.after
check "no file was added beside it or changed" cmp listing.before listing.after
expect 2 "serving role \`episodes\`" -- "$engram" conformance full/sqlite.yaml --roles episodes

# --- keeps_ids from the descriptor ---
for name in renumbering renumbering-claims-ids renumbering-claims-reserves; do
  cat >$name.yaml <<YAML
version: 1
log: {level: warn}
backends:
  ren: {plugin: $plugins/libengram-$name.so}
roles: {episodes: ren}
YAML
done
# Put ids move by 1000 and the plugin does not claim keeps_ids: the suite
# takes the ids store_batch returns, and passes.
expect 0 "0 failed (roles: episodes)" -- "$engram" conformance renumbering.yaml
check "the suite says keeps_ids is not promised" grep -q \
  "^role episodes: backend \`ren\` (plugin renumbering 0.0.1), keeps_ids not promised" "$work/out"
check "the put case passed" grep -q \
  "^PASS  episodes  episodes: records put from a listing into a fresh backend are reproduced" \
  "$work/out"
# The same plugin claiming keeps_ids: held to it, and caught.
expect 1 "1 failed (roles: episodes)" -- "$engram" conformance renumbering-claims-ids.yaml
check "the suite says keeps_ids is promised" grep -q "keeps_ids promised: checked" "$work/out"
check "a FAIL line for the put case" grep -q \
  "^FAIL  episodes  episodes: records put from a listing into a fresh backend are reproduced" \
  "$work/out"
check "the failed expression below it" grep -q \
  "^      episodes_conformance.cpp:[0-9]*: CHECK( ids.episode_ids\[i\] == episodes\[i\].id )" \
  "$work/out"
check "its expansion" grep -q "with expansion: 1001 (0x3e9) == 1" "$work/out"
check "every other case passed" sh -c "test \$(grep -c '^PASS' '$work/out') -ge 10"
# Claiming reserves_ids (write-behind's blocks of ids) without keeps_ids:
# that promise alone fails; the put case, with keeps_ids not promised, passes.
expect 1 "1 failed (roles: episodes)" -- "$engram" conformance renumbering-claims-reserves.yaml
check "the suite says reserves_ids is promised" grep -q \
  "keeps_ids not promised: its checks skipped; reserves_ids promised" "$work/out"
check "a FAIL line for the promise" grep -q \
  "^FAIL  episodes  episodes: a plugin that promises reserves_ids promises keeps_ids" "$work/out"
check "the put case passed" grep -q \
  "^PASS  episodes  episodes: records put from a listing into a fresh backend are reproduced" \
  "$work/out"
# The memory plugin promises both.
expect 0 "0 failed (roles: episodes)" -- "$engram" conformance "$memory_config" --roles episodes
check "the memory plugin's promise passed" grep -q \
  "^PASS  episodes  episodes: a plugin that promises reserves_ids promises keeps_ids" "$work/out"
check "the memory plugin says reserves_ids is promised" grep -q \
  "keeps_ids promised: checked; reserves_ids promised: checked to come with keeps_ids" "$work/out"

# --- no engram-conformance beside the tool ---
mkdir alone
cp "$engram" alone/engram
expect 1 "no engram-conformance beside this engram" -- alone/engram conformance "$memory_config"
expect 0 "ENGRAM_CONFORMANCE_DIR" -- "$(dirname "$engram")/engram-conformance" --help
finish
