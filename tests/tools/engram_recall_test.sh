#!/usr/bin/env bash
# Usage: engram_recall_test.sh <engram binary> <python3 with numpy>
# `engram recall` as a user runs it, against a sqlite file whose concepts
# Python wrote (.npy blobs, JSON metadata) with known embeddings: the hits'
# order and scores equal numpy's brute-force reference under each metric,
# --json parses, --where and --prefix filter before the top k, --concept
# leaves the concept itself out and counts no access, and every bad input is
# an exit code (never a signal) with a first line saying what and where.
set -u
engram=$(realpath "$1")
python=$2
source "$(dirname "${BASH_SOURCE[0]}")/expect.sh"
cd "$work"

cat >recall.yaml <<'YAML'
version: 1
backends:
  db: {plugin: sqlite, db_path: data/engram.db}
roles: {concepts: db}
YAML
expect 0 "OK" -- "$engram" check --config recall.yaml

# 12 concepts of dimension 8 (animal_0..5, plant_0..5, metadata kind and n),
# one of dimension 4 (skipped: another shape) and one all zeros (skipped
# under cosine only).
cat >make.py <<'PY'
import io, json, sqlite3, sys
import numpy as np

def npy(a):
    out = io.BytesIO()
    np.save(out, a)
    return out.getvalue()

rows = []
rng = np.random.default_rng(17)
for i in range(12):
    kind = "animal" if i < 6 else "plant"
    rows.append((f"{kind}_{i % 6}", rng.standard_normal(8).astype(np.float32),
                 {"kind": kind, "n": i}))
rows.append(("short", np.ones(4, dtype=np.float32), {"kind": "animal", "n": 100}))
rows.append(("zero", np.zeros(8, dtype=np.float32), {"kind": "plant", "n": 101}))
db = sqlite3.connect(sys.argv[1])
for i, (name, embedding, metadata) in enumerate(rows, start=1):
    db.execute("INSERT INTO concepts (id, name, embedding, creation_time, access_count, "
               "last_accessed, metadata) VALUES (?, ?, ?, ?, 0, 0, ?)",
               (i, name, npy(embedding), 1000.0 + i, json.dumps(metadata)))
db.commit()
np.save("query.npy", rng.standard_normal(8).astype(np.float32))
np.save("query64.npy", rng.standard_normal(8))
np.save("ints.npy", np.arange(8, dtype=np.int32))
np.save("zeros.npy", np.zeros(8, dtype=np.float32))
np.save("nan.npy", np.full(8, np.nan, dtype=np.float32))
PY
check "python wrote the concepts" "$python" make.py data/engram.db

# check.py <output.json> <metric> <k> <query.npy | concept:NAME> [kind=K] [prefix=P]
# The reference: every 8-dimensional concept the filter admits, scored in
# float64 from the stored float32 values, best first (ties: lower id); with
# concept:NAME the query is NAME's embedding and NAME is left out.
cat >check.py <<'PY'
import io, json, sqlite3, sys
import numpy as np

out, metric, k, query = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
conditions = dict(arg.split("=", 1) for arg in sys.argv[5:])
db = sqlite3.connect("data/engram.db")
rows = [(i, name, np.load(io.BytesIO(blob)), json.loads(meta)) for i, name, blob, meta in
        db.execute("SELECT id, name, embedding, metadata FROM concepts ORDER BY id")]
self_id = None
if query.startswith("concept:"):
    self_id, _, q, _ = next(r for r in rows if r[1] == query[len("concept:"):])
else:
    q = np.load(query)
q = q.astype(np.float64)
scored, skipped = [], 0
for i, name, e, meta in rows:
    if "kind" in conditions and meta.get("kind") != conditions["kind"]:
        continue
    if "prefix" in conditions and not name.startswith(conditions["prefix"]):
        continue
    e = e.astype(np.float64)
    if e.shape != q.shape or (metric == "cosine" and not np.linalg.norm(e)):
        skipped += 1
        continue
    if metric == "cosine":
        s = q @ e / np.linalg.norm(q) / np.linalg.norm(e)
    elif metric == "dot":
        s = q @ e
    else:
        s = np.linalg.norm(q - e)
    scored.append((s if metric == "l2" else -s, i, name, s))
scored.sort()
want = [(i, name, s) for _, i, name, s in scored if i != self_id][:k]
got = json.load(open(out))
assert got["metric"] == metric and got["k"] == k, got
assert got["skipped"] == skipped, (got["skipped"], skipped)
assert [(h["id"], h["name"]) for h in got["hits"]] == [(i, n) for i, n, _ in want], \
    (got["hits"], want)
assert [h["rank"] for h in got["hits"]] == list(range(1, len(want) + 1))
for h, (_, _, s) in zip(got["hits"], want):
    assert abs(h["score"] - s) <= 1e-5 * max(1.0, abs(s)), (h, s)
    assert h["metadata"] == next(r[3] for r in rows if r[0] == h["id"]), h
if "kind" in conditions:
    assert all(h["metadata"]["kind"] == conditions["kind"] for h in got["hits"]), got
print(len(want), "hits as numpy ranks them")
PY
reference() {  # <description> <engram recall arguments...> -- <check.py arguments...>
  local what=$1
  shift
  local args=()
  while [ "$1" != "--" ]; do args+=("$1"); shift; done
  shift
  if "$engram" recall --config recall.yaml --json "${args[@]}" >out.json 2>err.txt; then
    check "$what" "$python" check.py "$@"
  else
    echo "FAILED: $what: engram recall exited $?:"
    sed 's/^/    /' err.txt
    failures=$((failures + 1))
  fi
}

# --- the hits equal numpy's brute force, under each metric ---
reference "cosine, k=5" --vector query.npy --k 5 -- out.json cosine 5 query.npy
reference "dot, k=5" --vector query.npy --k 5 --metric dot -- out.json dot 5 query.npy
reference "l2, k=5" --vector query.npy --k 5 --metric l2 -- out.json l2 5 query.npy
reference "a float64 query" --vector query64.npy --k 3 -- out.json cosine 3 query64.npy
reference "k past the store: every scored concept" --vector query.npy --k 50 \
  -- out.json cosine 50 query.npy
reference "the default k is 10" --vector query.npy -- out.json cosine 10 query.npy
# --- filters apply before the top k ---
reference "--where kind=plant" --vector query.npy --k 4 --where kind=plant \
  -- out.json cosine 4 query.npy kind=plant
reference "--prefix animal_" --vector query.npy --k 4 --prefix animal_ \
  -- out.json cosine 4 query.npy prefix=animal_
expect 0 '"name": "plant_1"' -- "$engram" recall --config recall.yaml --vector query.npy --json \
  --where n=7
check "--where n=7 (a JSON number) admits the one concept" \
  "$python" -c "import json; h = json.load(open('$work/out'))['hits']; assert len(h) == 1, h"
expect 0 '"hits": []' -- "$engram" recall --config recall.yaml --vector query.npy --json \
  --where 'n="7"'
expect 0 '"hits": []' -- "$engram" recall --config recall.yaml --vector query.npy --json \
  --where kind=fungus
# --- --concept: concepts like NAME, NAME left out, nothing counted ---
reference "--concept plant_2 leaves plant_2 out" --concept plant_2 --k 3 \
  -- out.json cosine 3 concept:plant_2
reference "--concept animal_0 --metric l2 (the distance 0 to itself dropped)" \
  --concept animal_0 --k 4 --metric l2 -- out.json l2 4 concept:animal_0
reference "--concept with --where" --concept animal_1 --k 20 --where kind=animal \
  -- out.json cosine 20 concept:animal_1 kind=animal
check "no recall counted an access" \
  test "$(sqlite3 data/engram.db 'select sum(access_count) from concepts')" = 0
# --- the table ---
expect 0 "skipped: 2" -- "$engram" recall --config recall.yaml --vector query.npy --k 3
check "the table has a header and 3 ranked rows" \
  sh -c "grep -Eq '^ *rank +id +name +score' '$work/out' &&
         test \$(grep -Ec '^ +[1-3] +[0-9]+ +[a-z_0-9]+ +-?[0-9.]+\$' '$work/out') = 3"
expect 0 'nearest concepts to concept "plant_2" (cosine, k=2)' -- \
  "$engram" recall --config recall.yaml --concept plant_2 --k 2
check "--concept plant_2's table leaves it out" sh -c "! grep -q ' plant_2 ' '$work/out'"
expect 0 "--concept" -- "$engram" recall --help
expect 0 "recall" -- "$engram" --help

# --- errors: an exit code and a first line saying what failed and where ---
expect 1 "engram recall: --vector missing.npy:" -- \
  "$engram" recall --config recall.yaml --vector missing.npy
echo "not an array" >text.npy
expect 1 "engram recall: --vector text.npy: CorruptData" -- \
  "$engram" recall --config recall.yaml --vector text.npy
expect 1 "engram recall: recall by --vector ints.npy in recall.yaml: InvalidArgument" -- \
  "$engram" recall --config recall.yaml --vector ints.npy
expect 1 "InvalidArgument" -- "$engram" recall --config recall.yaml --vector zeros.npy
expect 0 "skipped: 1" -- "$engram" recall --config recall.yaml --vector zeros.npy --metric l2
expect 1 "InvalidArgument" -- "$engram" recall --config recall.yaml --vector nan.npy
expect 1 'engram recall: --concept "nosuch": InvalidArgument: no concept of that name' -- \
  "$engram" recall --config recall.yaml --concept nosuch
expect 1 'engram recall: recall by --concept "zero" in recall.yaml: InvalidArgument' -- \
  "$engram" recall --config recall.yaml --concept zero
expect 1 "engram recall: --where n: InvalidArgument: expected KEY=VALUE" -- \
  "$engram" recall --config recall.yaml --vector query.npy --where n
expect 1 "expected KEY=VALUE" -- "$engram" recall --config recall.yaml --vector query.npy --where =3
expect 2 "--where: At Most 1" -- "$engram" recall --config recall.yaml --vector query.npy \
  --where kind=plant --where n=7
expect 2 "--concept: must not be empty" -- "$engram" recall --config recall.yaml --concept ""
expect 2 "--vector: must not be empty" -- "$engram" recall --config recall.yaml --vector ""
expect 2 "--k" -- "$engram" recall --config recall.yaml --vector query.npy --k 0
expect 2 "--k" -- "$engram" recall --config recall.yaml --vector query.npy --k -1
expect 2 "--metric" -- "$engram" recall --config recall.yaml --vector query.npy --metric manhattan
expect 2 "Exactly 1 option from [--concept,--vector]" -- "$engram" recall --config recall.yaml
expect 2 "Exactly 1 option from [--concept,--vector]" -- "$engram" recall --config recall.yaml --vector query.npy --concept plant_2
printf 'version: 1\nbackends:\n  mem: {plugin: memory}\nroles: {episodes: mem}\n' >episodes.yaml
expect 1 "engram recall: episodes.yaml: ConfigError: the config assigns no backend to role concepts" \
  -- "$engram" recall --config episodes.yaml --vector query.npy
expect 1 "missing.yaml" -- "$engram" recall --config missing.yaml --vector query.npy
check "the store is unchanged: 14 concepts, no access" \
  test "$(sqlite3 data/engram.db 'select count(*), sum(access_count) from concepts')" = "14|0"
finish
