"""The SQLite workloads: store_episode and retrieve_episode of a (100, 50)
float64 experience, the same work as engram-bench's pairs of those names
(tools/bench/sqlite_bench.cpp: the same values, context, score and
metadata), so its `<workload>/raw` entries give the C library's time.

raw: Python's sqlite3 configured as the sqlite plugin configures its writer
(plugins/sqlite/connection.cpp, database.cpp: PRAGMA journal_mode=WAL,
synchronous=FULL, foreign_keys=ON, a 30 s busy timeout), on the plugin's
own schema (copied from a database the plugin made, so the indexes every
insert maintains are the same), the experience as .npy bytes (np.save into
BytesIO) and the metadata as JSON text, one transaction (one fsync'd WAL
commit) per store; a retrieve selects the row by id and decodes both.
engram: Storage's episodes role on the sqlite plugin.
compat: engram.compat.SQLiteStorage; its retrieve also calls the seed's
_deserialize_array on the episode's bytes, as the seed's users do to get
the array back, so every side ends with the array in hand.

Raw CTimer (when engram-bench is absent): cursor.execute of the INSERT and
conn.commit() for a store, execute + fetchone of the SELECT for a retrieve.

Errors: sqlite3, engram and compat errors propagate. Thread safety: one
thread.
"""
import contextlib
import io
import json
import os
import sqlite3

import numpy as np

import engram
import engram.compat
from timing import CTimer
from workload import Prepared, Workload

ROWS, COLS = 100, 50
TIME = 1_764_000_000.0
READ_SET = 256  # workloads.h kReadSet
CONTEXT = "bench_context"
SCORE = 0.5


def experience():
    return ((np.arange(ROWS * COLS) % 101) * 0.25).reshape(ROWS, COLS)


def _engram_yaml(path):
    return ("version: 1\nlog: {level: warn}\nbackends:\n"
            "  db: {plugin: sqlite, db_path: %s}\nroles: {episodes: db}\n" % json.dumps(path))


def _plugin_schema(scratch):
    """The sqlite plugin's schema statements, read from a database it made."""
    path = os.path.join(scratch, "schema.db")
    engram.Storage.from_yaml(_engram_yaml(path)).close()
    with contextlib.closing(sqlite3.connect(path)) as db:
        rows = db.execute("SELECT sql FROM sqlite_master WHERE sql IS NOT NULL "
                          "AND name NOT LIKE 'sqlite_%' ORDER BY rowid").fetchall()
    return [sql for (sql,) in rows]


def _raw_connection(scratch):
    path = os.path.join(scratch, "raw.db")
    schema = _plugin_schema(scratch)
    conn = sqlite3.connect(path, timeout=30.0)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("PRAGMA foreign_keys=ON")
    for sql in schema:
        conn.execute(sql)
    conn.commit()
    return conn


INSERT = ("INSERT INTO episodes(timestamp, experience_data, performance_score, context_hash, "
          "metadata, experience_format) VALUES (?, ?, ?, ?, ?, 'npy')")
SELECT = ("SELECT id, timestamp, experience_data, performance_score, context_hash, metadata, "
          "experience_format FROM episodes WHERE id = ?")


def _npy(array):
    out = io.BytesIO()
    np.save(out, array, allow_pickle=False)
    return out.getvalue()


def _raw_insert(cursor, array, timestamp, metadata, timer=None):
    row = (timestamp, _npy(array), SCORE, CONTEXT, json.dumps(metadata, separators=(",", ":")))
    if timer is None:
        cursor.execute(INSERT, row)
    else:
        with timer:
            cursor.execute(INSERT, row)


# ---- store_episode

@contextlib.contextmanager
def store_raw(setup):
    conn = _raw_connection(setup.scratch)
    cursor = conn.cursor()
    timer = CTimer()
    array, metadata = experience(), {"source": "bench"}
    n = [0]

    def step():
        _raw_insert(cursor, array, TIME + n[0], metadata, timer)
        with timer:
            conn.commit()
        n[0] += 1
    try:
        yield Prepared(step, timer)
    finally:
        conn.close()


@contextlib.contextmanager
def store_engram(setup):
    with engram.Storage.from_yaml(_engram_yaml(os.path.join(setup.scratch, "engram.db"))) as s:
        episodes = s.episodes
        array, metadata = experience(), {"source": "bench"}
        n = [0]

        def step():
            episodes.store_episode(array, SCORE, CONTEXT, TIME + n[0], metadata)
            n[0] += 1
        yield Prepared(step)


@contextlib.contextmanager
def store_compat(setup):
    with engram.compat.SQLiteStorage(os.path.join(setup.scratch, "compat.db")) as db:
        array, metadata = experience(), {"source": "bench"}
        n = [0]

        def step():
            db.store_episode(array, SCORE, CONTEXT, TIME + n[0], metadata)
            n[0] += 1
        yield Prepared(step)


# ---- retrieve_episode: cycles over READ_SET episodes stored first

@contextlib.contextmanager
def retrieve_raw(setup):
    conn = _raw_connection(setup.scratch)
    cursor = conn.cursor()
    array = experience()
    for i in range(READ_SET):
        _raw_insert(cursor, array, TIME + i, {"i": i})
    conn.commit()
    timer = CTimer()
    n = [0]

    def step():
        with timer:
            cursor.execute(SELECT, (n[0] % READ_SET + 1,))
            row = cursor.fetchone()
        n[0] += 1
        data = row[2]
        value = (np.load(io.BytesIO(data), allow_pickle=False) if row[6] == "npy"
                 else json.loads(data))
        return row[0], row[1], value, row[3], row[4], json.loads(row[5])
    try:
        yield Prepared(step, timer)
    finally:
        conn.close()


@contextlib.contextmanager
def retrieve_engram(setup):
    with engram.Storage.from_yaml(_engram_yaml(os.path.join(setup.scratch, "engram.db"))) as s:
        episodes = s.episodes
        batch = engram.EpisodeBatch()
        array = experience()
        for i in range(READ_SET):
            batch.store_episode(array, SCORE, CONTEXT, TIME + i, {"i": i})
        ids = episodes.store_batch(batch).episode_ids
        n = [0]

        def step():
            episode = episodes.retrieve_episode(ids[n[0] % READ_SET])
            n[0] += 1
            return episode.experience_data
        yield Prepared(step)


@contextlib.contextmanager
def retrieve_compat(setup):
    with engram.compat.SQLiteStorage(os.path.join(setup.scratch, "compat.db")) as db:
        array = experience()
        ids = [db.store_episode(array, SCORE, CONTEXT, TIME + i, {"i": i})
               for i in range(READ_SET)]
        n = [0]

        def step():
            episode = db.retrieve_episode(ids[n[0] % READ_SET])
            n[0] += 1
            return db._deserialize_array(episode.experience_data)
        yield Prepared(step)


WORKLOADS = [
    Workload("store_episode", "sqlite",
             {"raw": store_raw, "engram": store_engram, "compat": store_compat},
             cxx_raw="store_episode/raw",
             c_calls="sqlite3: cursor.execute(INSERT) + conn.commit()"),
    Workload("retrieve_episode", "sqlite",
             {"raw": retrieve_raw, "engram": retrieve_engram, "compat": retrieve_compat},
             cxx_raw="retrieve_episode/raw",
             c_calls="sqlite3: cursor.execute(SELECT) + fetchone()"),
]
