#!/usr/bin/env bash
# Usage: engram_safety_test.sh <engram binary>
# What the tool must refuse, and what it must not touch: a backup never
# writes over a file any configured backend uses (even with --force), nor
# over an existing file without --force, and leaves nothing half-written;
# --backend opens that backend alone; a bad ENGRAM_LOG_LEVEL is an error.
set -u
engram=$(realpath "$1")
source "$(dirname "${BASH_SOURCE[0]}")/expect.sh"
cd "$work"

cat >engram.yaml <<'YAML'
version: 1
backends:
  db: {plugin: sqlite, db_path: data/engram.db}
  arrays: {plugin: hdf5, file_path: data/traces.h5}
  mem: {plugin: memory}
roles: {working_memory: mem, episodes: db, concepts: db, traces: arrays}
YAML
expect 0 "every record read back as stored" -- "$engram" demo --config engram.yaml --steps 3
episodes() { sqlite3 data/engram.db 'select count(*) from episodes'; }
check "the demo stored 3 episodes" test "$(episodes)" = 3

# --- backup onto a backend's own files: refused, with or without --force ---
for to in data/engram.db data/engram.db-wal data/traces.h5; do
  for backend in arrays db; do
    expect 1 "keeps its data there" -- "$engram" backup --config engram.yaml --backend $backend --to $to
    expect 1 "keeps its data there" -- "$engram" backup --config engram.yaml --backend $backend --to $to --force
  done
done
ln data/engram.db hardlink.db
expect 1 "keeps its data there" -- "$engram" backup --config engram.yaml --backend arrays --to hardlink.db --force
expect 1 "keeps its data there" -- "$engram" backup --config engram.yaml --backend arrays --to ./data/../data/engram.db
check "every episode survived the refused backups" test "$(episodes)" = 3
check "the database is still sqlite" sh -c "sqlite3 data/engram.db 'pragma integrity_check' | grep -qx ok"
check "the traces file is still HDF5" h5ls data/traces.h5

# --- an existing file: refused without --force, replaced with it ---
echo "precious" >keep.txt
expect 1 "refusing to overwrite" -- "$engram" backup --config engram.yaml --backend db --to keep.txt
check "the existing file is untouched" test "$(cat keep.txt)" = precious
expect 0 "keep.txt" -- "$engram" backup --config engram.yaml --backend db --to keep.txt --force
check "--force replaced it with the database" test "$(sqlite3 keep.txt 'select count(*) from episodes')" = 3
expect 1 "is a folder" -- "$engram" backup --config engram.yaml --backend db --to data
expect 0 "nested/copy.h5" -- "$engram" backup --config engram.yaml --backend arrays --to nested/copy.h5
check "a backup creates its folder and is HDF5" h5ls nested/copy.h5
check "no temporary file is left beside the backups" \
  sh -c "! ls -a . nested data | grep -q engram-backup"

# --- --backend opens that backend alone ---
echo "not an HDF5 file" >data/traces.h5.garbage
cat >broken.yaml <<'YAML'
version: 1
backends:
  db: {plugin: sqlite, db_path: data/engram.db}
  arrays: {plugin: hdf5, file_path: data/traces.h5.garbage}
roles: {episodes: db, traces: arrays}
YAML
expect 0 "episodes" -- "$engram" stats --config broken.yaml --backend db
expect 0 "b.db" -- "$engram" backup --config broken.yaml --backend db --to b.db
expect 1 "arrays" -- "$engram" stats --config broken.yaml
expect 1 "keeps its data there" -- "$engram" backup --config broken.yaml --backend db --to data/traces.h5.garbage --force
check "the unopened backend's file is untouched" test "$(cat data/traces.h5.garbage)" = "not an HDF5 file"
expect 1 "no backend \`nosuch\`" -- "$engram" stats --config broken.yaml --backend nosuch

# --- ENGRAM_LOG_LEVEL ---
expect 1 "ENGRAM_LOG_LEVEL=bogus is not a log level" -- env ENGRAM_LOG_LEVEL=bogus "$engram" stats --config engram.yaml
expect 0 "episodes" -- env ENGRAM_LOG_LEVEL=error "$engram" stats --config engram.yaml

check "every episode is still there" test "$(episodes)" = 3
finish
