"""The oracle for migrating the Python system's database: Python itself.

Usage: seed_migration_oracle.py SEED_DB TARGET_DB

SEED_DB is a copy of the Python system's database (trusted: the shipped
fixture), read here with pickle.loads as the Python system read it. TARGET_DB
is what `engram migrate` wrote from it: engram's format (experience_format
'npy' with a .npy blob or 'json' with the tagged JSON form of
engram/pickle.h, decoded by tools/python/engram/tagged_json.py; embeddings
.npy). Every episode, concept, relationship and learning event must be in
both, value by value (arrays by dtype, shape and exact elements; other
values by type and equality), and nothing else may be in the target. Exit 0
iff so; each difference on stderr otherwise.
"""
import io
import json
import os
import pickle
import sqlite3
import sys
import urllib.parse

import numpy

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tools",
                                "python", "engram"))
import tagged_json  # noqa: E402

failures = []


def fail(message):
    failures.append(message)
    print("seed_migration_oracle.py: " + message, file=sys.stderr)


def connect(path):
    uri = "file:%s?mode=ro" % urllib.parse.quote(os.path.abspath(path))
    con = sqlite3.connect(uri, uri=True)
    # A blob stored as TEXT is reported below, not a UnicodeDecodeError.
    con.text_factory = lambda raw: raw.decode("utf-8", "surrogateescape")
    return con


def load_npy(what, blob):
    if not isinstance(blob, bytes) or not blob.startswith(b"\x93NUMPY"):
        fail("%s: not a .npy blob: %r" % (what, blob[:16] if blob else blob))
        return None
    return numpy.load(io.BytesIO(blob), allow_pickle=False)


def rows(con, sql):
    return {row[0]: row[1:] for row in con.execute(sql)}


def compare_ids(table, seed, target):
    if sorted(seed) != sorted(target):
        fail("%s: ids %s in the seed, %s in the target" % (table, sorted(seed), sorted(target)))


def check_episodes(seed_con, target_con):
    seed = rows(seed_con, "SELECT id, timestamp, performance_score, context_hash, metadata, "
                          "experience_data FROM episodes")
    target = rows(target_con, "SELECT id, timestamp, performance_score, context_hash, metadata, "
                              "experience_data, experience_format FROM episodes")
    compare_ids("episodes", seed, target)
    for episode_id in sorted(set(seed) & set(target)):
        what = "episode %d" % episode_id
        s, t = seed[episode_id], target[episode_id]
        for name, a, b in zip(("timestamp", "performance_score", "context_hash"), s[:3], t[:3]):
            if not tagged_json.same(a, b):
                fail("%s: %s %r in the seed, %r in the target" % (what, name, a, b))
        if json.loads(s[3]) != json.loads(t[3]):
            fail("%s: metadata %r in the seed, %r in the target" % (what, s[3], t[3]))
        stored = pickle.loads(s[4])  # the trusted fixture: Python's own reading
        fmt = t[5]
        if fmt == "npy":
            got = load_npy(what, t[4])
        elif fmt == "json":
            text = t[4].decode("utf-8") if isinstance(t[4], bytes) else t[4]
            got = tagged_json.decode(json.loads(text))
        else:
            fail("%s: experience_format %r in the target, not 'npy' or 'json'" % (what, fmt))
            continue
        if isinstance(stored, numpy.ndarray) != (fmt == "npy"):
            fail("%s: a %s stored as %r" % (what, type(stored).__name__, fmt))
        if not tagged_json.same(stored, got):
            fail("%s: experience %r in the seed, %r in the target" % (what, stored, got))


def check_concepts(seed_con, target_con):
    sql = ("SELECT id, name, embedding, creation_time, access_count, last_accessed, metadata "
           "FROM concepts")
    seed, target = rows(seed_con, sql), rows(target_con, sql)
    compare_ids("concepts", seed, target)
    for concept_id in sorted(set(seed) & set(target)):
        what = "concept %d" % concept_id
        s, t = seed[concept_id], target[concept_id]
        for name, a, b in zip(("name", None, "creation_time", "access_count", "last_accessed"),
                              s[:5], t[:5]):
            if name is not None and not tagged_json.same(a, b):
                fail("%s: %s %r in the seed, %r in the target" % (what, name, a, b))
        stored = pickle.loads(s[1])
        got = load_npy(what, t[1])
        if not tagged_json.same(stored, got):
            fail("%s: embedding %r in the seed, %r in the target" % (what, stored, got))
        if json.loads(s[5]) != json.loads(t[5]):
            fail("%s: metadata %r in the seed, %r in the target" % (what, s[5], t[5]))


def check_relationships(seed_con, target_con):
    sql = ("SELECT source_concept_id, target_concept_id, relationship_type, strength "
           "FROM concept_relationships")
    seed = sorted(seed_con.execute(sql).fetchall())
    target = sorted(target_con.execute(sql).fetchall())
    if seed != target:
        fail("relationships %r in the seed, %r in the target" % (seed, target))


def check_learning_events(seed_con, target_con):
    sql = ("SELECT id, task_type, performance_delta, strategy_used, timestamp, parameters "
           "FROM learning_events")
    seed, target = rows(seed_con, sql), rows(target_con, sql)
    compare_ids("learning_events", seed, target)
    for event_id in sorted(set(seed) & set(target)):
        s, t = seed[event_id], target[event_id]
        if s[:4] != t[:4] or json.loads(s[4]) != json.loads(t[4]):
            fail("learning event %d: %r in the seed, %r in the target" % (event_id, s, t))


def main():
    seed_con, target_con = connect(sys.argv[1]), connect(sys.argv[2])
    counts = {}
    for table in ("episodes", "concepts", "concept_relationships", "learning_events"):
        n = seed_con.execute("SELECT count(*) FROM " + table).fetchone()[0]
        m = target_con.execute("SELECT count(*) FROM " + table).fetchone()[0]
        if n != m:
            fail("%s: %d rows in the seed, %d in the target" % (table, n, m))
        if n == 0:
            fail("%s: the seed holds no rows, nothing was compared" % table)
        counts[table] = n
    check_episodes(seed_con, target_con)
    check_concepts(seed_con, target_con)
    check_relationships(seed_con, target_con)
    check_learning_events(seed_con, target_con)
    if failures:
        sys.exit(1)
    print("seed_migration_oracle.py: equal: %s" % ", ".join(
        "%d %s" % (n, table) for table, n in counts.items()))


if __name__ == "__main__":
    main()
