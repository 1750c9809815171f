#!/usr/bin/env bash
# Usage: engram_migrate_seed_test.sh <engram binary> <the seed's fixtures folder> <python3>
# The upgrade a Python system's user makes: `engram migrate` of a copy of
# the Python system's database (seed_memory.db, pickles and all) into a
# fresh engram sqlite file, then Python itself, unpickling the trusted
# fixture, as the oracle: every episode, concept, relationship and learning
# event equal, value by value, nothing missing and nothing extra
# (seed_migration_oracle.py). The source's rows are not rewritten.
set -u
engram=$(realpath "$1")
fixtures=$(realpath "$2")
python=$3  # Debian's /usr/bin/python3 with numpy (ENGRAM_PYTHON)
oracle=$(realpath "$(dirname "${BASH_SOURCE[0]}")/seed_migration_oracle.py")
source "$(dirname "${BASH_SOURCE[0]}")/expect.sh"
cd "$work"

mkdir seed pristine fresh
cp "$fixtures/seed_memory.db" seed/ && chmod u+w seed/seed_memory.db
# An untouched copy for the oracle: engram upgrades the source's schema at
# open, and the oracle reads what the Python system wrote.
cp "$fixtures/seed_memory.db" pristine/ && chmod u+w pristine/seed_memory.db
printf 'version: 1\nbackends:\n  db: {plugin: sqlite, db_path: seed/seed_memory.db}\nroles: {episodes: db, concepts: db}\n' >seed.yaml
printf 'version: 1\nbackends:\n  db: {plugin: sqlite, db_path: fresh/engram.db}\nroles: {episodes: db, concepts: db}\n' >fresh.yaml

expect 0 "the target's counts check out" -- "$engram" migrate --from seed.yaml --to fresh.yaml
check "every record equals what Python unpickles from the fixture" \
  "$python" "$oracle" pristine/seed_memory.db fresh/engram.db
blobs() {  # <database>
  sqlite3 "$1" "select 'e', id, hex(experience_data) from episodes;
                select 'c', id, hex(embedding) from concepts;"
}
check "the source's pickles are as the Python system wrote them" \
  diff <(blobs pristine/seed_memory.db) <(blobs seed/seed_memory.db)
check "the source's rows still have no experience_format (still the Python system's)" \
  test "$(sqlite3 seed/seed_memory.db 'select count(*) from episodes where experience_format is null')" \
    = "$(sqlite3 pristine/seed_memory.db 'select count(*) from episodes')"
finish
