"""engram.compat.SQLiteStorage against real files: every method of the
seed's API called with the seed's argument names as keywords, its return
types, its exceptions (chained from engram's), the context manager, the
stats keys, an existing empty file, dict experiences with arrays, and the
live settings."""
import inspect
import io
import os
import pickle
import sqlite3
import tempfile
import time
from pathlib import Path

import numpy as np
import pytest

import engram
from engram.compat import Concept, Episode, LearningEvent, SQLiteStorage, SQLiteStorageError
from engram.tagged_json import same
from seed_signatures import bare

SEED_SIGNATURES = {
    "__init__": "(self, db_path='godly_ai.db', backup_interval=3600, max_backups=10, "
                "enable_wal=True, connection_timeout=30.0)",
    "store_episode": "(self, experience_data, performance_score, context_hash, timestamp=None, "
                     "metadata=None)",
    "retrieve_episode": "(self, episode_id)",
    "get_episodes_by_context": "(self, context_hash, limit=100, min_score=None)",
    "get_recent_episodes": "(self, time_window=3600.0, limit=100)",
    "store_concept": "(self, name, embedding, metadata=None, creation_time=None)",
    "retrieve_concept": "(self, concept_id)",
    "retrieve_concept_by_name": "(self, name)",
    "search_concepts": "(self, query, limit=10)",
    "add_concept_relationship": "(self, source_id, target_id, relationship_type, strength=1.0)",
    "get_concept_relationships": "(self, concept_id, relationship_type=None)",
    "store_learning_event": "(self, task_type, performance_delta, strategy_used, "
                            "parameters=None, timestamp=None)",
    "get_learning_events_by_task": "(self, task_type, limit=100, min_performance_delta=None)",
    "get_best_strategies": "(self, task_type, limit=5)",
    "create_backup": "(self, backup_path=None)",
    "vacuum_database": "(self)",
    "get_database_stats": "(self)",
    "auto_backup_if_needed": "(self)",
    "close": "(self)",
}


@pytest.mark.parametrize("name", sorted(SEED_SIGNATURES))
def test_signatures_are_the_seeds(name):
    assert bare(inspect.signature(getattr(SQLiteStorage, name))) == SEED_SIGNATURES[name]


@pytest.fixture
def db(tmp_path):
    with SQLiteStorage(db_path=tmp_path / "agent.db") as store:
        yield store


def test_episodes(db):
    obs = np.arange(12, dtype=np.float32).reshape(3, 4)
    now = time.time()
    first = db.store_episode(experience_data=obs, performance_score=0.75, context_hash="maze",
                             timestamp=now - 10, metadata={"step": 1, "tags": ["a"]})
    second = db.store_episode(experience_data=obs * 2, performance_score=0.25,
                              context_hash="maze")
    assert type(first) is int and type(second) is int and first != second

    episode = db.retrieve_episode(episode_id=first)
    assert isinstance(episode, Episode)
    assert episode.id == first and episode.timestamp == now - 10
    assert episode.performance_score == 0.75 and episode.context_hash == "maze"
    assert episode.metadata == {"step": 1, "tags": ["a"]}
    assert isinstance(episode.experience_data, bytes)
    assert episode.experience_data[:6] == b"\x93NUMPY"
    back = db._deserialize_array(episode.experience_data)
    assert back.dtype == obs.dtype and np.array_equal(back, obs)
    assert SQLiteStorage._deserialize_array(episode.experience_data).shape == (3, 4)
    assert db.retrieve_episode(episode_id=second).metadata == {}
    assert db.retrieve_episode(episode_id=999) is None

    by_context = db.get_episodes_by_context(context_hash="maze", limit=10, min_score=0.5)
    assert [e.id for e in by_context] == [first]
    assert [e.id for e in db.get_episodes_by_context(context_hash="maze")] == [second, first]
    assert db.get_episodes_by_context(context_hash="other") == []
    recent = db.get_recent_episodes(time_window=5.0, limit=10)
    assert [e.id for e in recent] == [second]
    assert len(db.get_recent_episodes(time_window=3600.0, limit=1)) == 1


def test_jax_like_array_is_accepted(db):
    class ArrayLike:  # what jnp.ndarray offers numpy: __array__
        def __array__(self, dtype=None):
            return np.ones((2, 2), dtype=dtype or np.float64)

    episode_id = db.store_episode(ArrayLike(), 1.0, "ctx")
    assert np.array_equal(db._deserialize_array(db.retrieve_episode(episode_id).experience_data),
                          np.ones((2, 2)))


def test_dict_experience_with_arrays_round_trips(db):
    experience = {"obs": np.arange(6.0).reshape(2, 3), "mask": np.array([True, False]),
                  "ids": [1, 2, 3], "pair": (1, "a"), "reward": 0.5, "f32": np.float32(2.5),
                  "nested": {"w": np.eye(2, dtype=np.int8), "none": None},
                  "nan": float("nan"), 3: "int key"}
    episode_id = db.store_episode(experience_data=experience, performance_score=0.5,
                                  context_hash="dict")
    data = db.retrieve_episode(episode_id).experience_data
    assert isinstance(data, bytes) and data[:1] == b"{"
    assert same(db._deserialize_array(data), experience)
    # The same bytes through the listing calls.
    assert same(db._deserialize_array(db.get_episodes_by_context("dict")[0].experience_data),
                experience)
    # In the file: engram's JSON experience, readable by sqlite3.
    with sqlite3.connect(db.db_path) as con:
        assert con.execute("SELECT experience_format FROM episodes WHERE id = ?",
                           (episode_id,)).fetchone() == ("json",)


def test_concepts_and_relationships(db):
    wall_vec = np.linspace(0, 1, 8, dtype=np.float32)
    wall = db.store_concept(name="wall", embedding=wall_vec, metadata={"kind": "object"},
                            creation_time=100.0)
    door = db.store_concept(name="door", embedding=np.zeros(8, dtype=np.float32))
    assert type(wall) is int and wall != door
    assert db.store_concept(name="wall", embedding=wall_vec * 2) == wall  # same name: updated

    concept = db.retrieve_concept(concept_id=wall)
    assert isinstance(concept, Concept)
    assert concept.name == "wall" and concept.creation_time == 100.0
    assert concept.access_count == 0 and concept.metadata == {}
    assert isinstance(concept.embedding, bytes)
    assert np.array_equal(db._deserialize_array(concept.embedding), wall_vec * 2)
    assert db.retrieve_concept(concept_id=12345) is None

    by_name = db.retrieve_concept_by_name(name="door")
    assert by_name.id == door and by_name.access_count == 1 and by_name.last_accessed > 0
    assert db.retrieve_concept_by_name(name="window") is None

    assert [c.name for c in db.search_concepts(query="oo", limit=10)] == ["door"]
    assert [c.name for c in db.search_concepts(query="", limit=1)] == ["door"]
    assert db.search_concepts(query="zzz") == []

    assert db.add_concept_relationship(source_id=wall, target_id=door,
                                       relationship_type="adjacent", strength=0.8) is True
    assert db.add_concept_relationship(source_id=wall, target_id=door,
                                       relationship_type="blocks") is True
    rels = db.get_concept_relationships(concept_id=wall)
    assert rels == [(door, "blocks", 1.0), (door, "adjacent", 0.8)]
    assert all(isinstance(r, tuple) for r in rels)
    assert db.get_concept_relationships(concept_id=wall, relationship_type="adjacent") == [
        (door, "adjacent", 0.8)]
    assert db.get_concept_relationships(concept_id=door) == []
    with pytest.raises(SQLiteStorageError) as caught:
        db.add_concept_relationship(source_id=wall, target_id=999, relationship_type="x")
    assert isinstance(caught.value.__cause__, engram.InvalidArgument)


def test_learning_events(db):
    ids = [db.store_learning_event(task_type="nav", performance_delta=delta,
                                   strategy_used=strategy, parameters={"lr": 0.01},
                                   timestamp=1000.0 + i)
           for i, (strategy, delta) in enumerate([("explore", 0.1), ("exploit", 0.4),
                                                  ("exploit", 0.2), ("explore", -0.3)])]
    assert all(type(i) is int for i in ids) and len(set(ids)) == 4
    events = db.get_learning_events_by_task(task_type="nav", limit=10,
                                            min_performance_delta=0.15)
    assert [e.id for e in events] == [ids[2], ids[1]]
    assert isinstance(events[0], LearningEvent)
    assert events[0].parameters == {"lr": 0.01} and events[0].strategy_used == "exploit"
    assert events[0].timestamp == 1002.0 and events[0].task_type == "nav"
    assert db.get_learning_events_by_task(task_type="none") == []
    best = db.get_best_strategies(task_type="nav", limit=5)
    assert [(s, round(a, 9), c) for s, a, c in best] == [("exploit", 0.3, 2), ("explore", 0.1, 1)]
    assert all(isinstance(row, tuple) and type(row[2]) is int for row in best)
    assert db.get_best_strategies(task_type="none") == []


def test_database_management(db, tmp_path):
    db.store_episode(np.zeros(3), 0.0, "c")
    db.store_concept("a", np.zeros(2))
    stats = db.get_database_stats()
    assert set(stats) == {"episodes_count", "concepts_count", "learning_events_count",
                          "concept_relationships_count", "db_size_bytes", "db_size_mb",
                          "schema_version", "total_pages", "page_size"}
    assert stats["episodes_count"] == 1 and stats["concepts_count"] == 1
    assert stats["learning_events_count"] == 0 and stats["concept_relationships_count"] == 0
    assert stats["db_size_bytes"] == os.path.getsize(db.db_path) > 0
    assert stats["db_size_mb"] == stats["db_size_bytes"] / (1024 * 1024)
    assert stats["page_size"] > 0 and stats["total_pages"] > 0
    assert stats["schema_version"] >= 1

    auto = db.create_backup()
    assert isinstance(auto, Path) and auto.exists() and auto.parent == db.db_path.parent
    chosen = db.create_backup(backup_path=tmp_path / "chosen.db")
    assert chosen == tmp_path / "chosen.db" and chosen.exists()
    with sqlite3.connect(chosen) as con:
        assert con.execute("SELECT COUNT(*) FROM episodes").fetchone() == (1,)
    with pytest.raises(SQLiteStorageError):
        db.create_backup(backup_path=chosen)  # never over an existing file

    assert db.auto_backup_if_needed() is None  # a backup was just made; 3600 s not passed
    assert db.vacuum_database() is True


def test_auto_backup_when_due(tmp_path):
    with SQLiteStorage(db_path=tmp_path / "a.db", backup_interval=0) as store:
        written = store.auto_backup_if_needed()
        assert isinstance(written, Path) and written.exists()


def test_context_manager_closes(tmp_path):
    with SQLiteStorage(db_path=str(tmp_path / "c.db")) as store:
        assert isinstance(store, SQLiteStorage)
        store.store_episode(np.zeros(1), 0.0, "c")
    with pytest.raises(SQLiteStorageError):
        store.retrieve_episode(1)
    store.close()  # idempotent


def test_existing_empty_file_is_a_new_store():
    with tempfile.NamedTemporaryFile(suffix=".db") as empty:
        with SQLiteStorage(db_path=empty.name) as store:
            assert store.get_database_stats()["episodes_count"] == 0
            episode_id = store.store_episode(np.ones(2), 1.0, "c")
            assert store.retrieve_episode(episode_id) is not None


def test_errors_are_the_seeds_class_chained(tmp_path):
    not_db = tmp_path / "notes.db"
    not_db.write_text("not a database, long enough to be read as one " * 20)
    with pytest.raises(SQLiteStorageError) as caught:
        SQLiteStorage(db_path=not_db)
    assert isinstance(caught.value.__cause__, engram.CorruptData)
    with pytest.raises(SQLiteStorageError):
        SQLiteStorage(db_path=tmp_path, max_backups=1)  # a directory
    with pytest.raises(SQLiteStorageError):
        SQLiteStorage(db_path=tmp_path / "x.db", max_backups=0)  # refused by the plugin

    with SQLiteStorage(db_path=tmp_path / "ok.db") as store:
        with pytest.raises(SQLiteStorageError) as caught:
            store.store_episode(np.zeros(2), float("nan"), "c")
        assert isinstance(caught.value.__cause__, engram.InvalidArgument)
        with pytest.raises(SQLiteStorageError):
            store.store_episode(np.zeros(2), 0.0, "")  # empty context hash
        with pytest.raises(SQLiteStorageError):
            store.get_recent_episodes(time_window=-1.0)
        with pytest.raises(SQLiteStorageError):
            store.store_concept("", np.zeros(2))
        assert store.get_database_stats()["episodes_count"] == 0
    with pytest.raises(SQLiteStorageError):
        SQLiteStorage._deserialize_array(b"\x80\x04not npy nor json")


def test_reads_the_python_systems_database(tmp_path):
    # ../shared beside the source tree, as the CMake fixtures folder defaults to.
    here = os.path.dirname(os.path.abspath(__file__))
    seed = next((p for p in (os.path.join(here, "..", "..", "..", "shared", "fixtures",
                                          "seed_memory.db"),
                             "/work/shared/fixtures/seed_memory.db") if os.path.exists(p)), None)
    if seed is None:
        pytest.skip("no seed fixture (../shared/fixtures/seed_memory.db)")
    copy = tmp_path / "seed.db"
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(seed + suffix):
            copy.with_name(copy.name + suffix).write_bytes(Path(seed + suffix).read_bytes())
    # The oracle: Python's own unpickling of the (trusted) fixture's blobs.
    with sqlite3.connect(copy) as con:
        episodes = dict(con.execute("SELECT id, experience_data FROM episodes"))
        concepts = dict(con.execute("SELECT id, embedding FROM concepts"))
    with SQLiteStorage(db_path=copy) as store:
        stats = store.get_database_stats()
        assert stats["episodes_count"] == len(episodes) > 0
        assert stats["schema_version"] == 2  # migrated at open, rows kept
        kinds = set()
        for episode_id, blob in episodes.items():
            value = store._deserialize_array(store.retrieve_episode(episode_id).experience_data)
            assert same(value, pickle.loads(blob))
            kinds.add(type(value))
        assert kinds == {np.ndarray, dict}
        for concept_id, blob in concepts.items():
            embedding = store._deserialize_array(store.retrieve_concept(concept_id).embedding)
            assert same(embedding, pickle.loads(blob))


def test_backup_interval_is_live(tmp_path):
    with SQLiteStorage(db_path=tmp_path / "live.db", backup_interval=3600) as store:
        store.create_backup()
        assert store.auto_backup_if_needed() is None
        store.backup_interval = 0
        assert store.backup_interval == 0
        assert isinstance(store.auto_backup_if_needed(), Path)


def test_max_backups_is_live(tmp_path):
    with SQLiteStorage(db_path=tmp_path / "live.db", max_backups=10) as store:
        store.max_backups = 1
        assert store.max_backups == 1
        store.create_backup()
        store.create_backup()
        assert len(list(tmp_path.glob("live_backup_*.db"))) == 1
        with pytest.raises(SQLiteStorageError):
            store.max_backups = 0
        assert store.max_backups == 1


def test_constructor_options_reach_the_plugin(tmp_path):
    path = tmp_path / "opts.db"
    with SQLiteStorage(db_path=str(path), backup_interval=7, max_backups=2, enable_wal=False,
                       connection_timeout=5.0) as store:
        assert (store.db_path, store.backup_interval, store.max_backups) == (path, 7, 2)
        store.store_episode(np.zeros(1), 0.0, "c")
        with sqlite3.connect(path) as con:
            assert con.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal"
        for _ in range(3):
            store.create_backup()
        assert len(list(tmp_path.glob("opts_backup_*.db"))) == 2  # max_backups kept
    with SQLiteStorage(db_path=tmp_path / "wal.db") as store:  # enable_wal=True by default
        store.store_episode(np.zeros(1), 0.0, "c")
        with sqlite3.connect(tmp_path / "wal.db") as con:
            assert con.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"


DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float16", "float32", "float64", "complex64", "complex128"]


def npy(array):
    out = io.BytesIO()
    np.save(out, array, allow_pickle=False)
    return out.getvalue()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(), (0,), (7,), (3, 5), (2, 0), (2, 3, 4), (1,) * 20])
def test_blobs_are_numpys_npy(db, dtype, shape):
    array = (np.arange(int(np.prod(shape))) % 5).astype(dtype).reshape(shape)
    concept_id = db.store_concept("c", array)
    blob = db.retrieve_concept(concept_id).embedding
    assert blob == npy(array)  # byte for byte what numpy.save writes
    back = db._deserialize_array(blob)
    assert back.dtype == array.dtype and back.shape == shape and np.array_equal(back, array)
    if back.size:
        back.flat[0] = 1  # writable, as the seed's unpickled arrays were


@pytest.mark.parametrize("array", [
    np.arange(12, dtype=">f8").reshape(3, 4),
    np.asfortranarray(np.arange(12, dtype=np.int32).reshape(3, 4)),
])
def test_deserialize_array_reads_what_numpy_writes(array):
    back = SQLiteStorage._deserialize_array(npy(array))
    assert back.shape == array.shape and np.array_equal(back, array)


def test_deserialize_array_reads_format_2():
    array = np.arange(6, dtype=np.float32).reshape(2, 3)
    blob = npy(array)
    length = int.from_bytes(blob[8:10], "little")
    version2 = b"\x93NUMPY\x02\x00" + length.to_bytes(4, "little") + blob[10:]
    assert np.array_equal(np.load(io.BytesIO(version2)), array)
    assert np.array_equal(SQLiteStorage._deserialize_array(version2), array)


@pytest.mark.parametrize("blob", [b"\x93NUMPY", b"\x93NUMPY\x01\x00\x10\x00{'descr': '<f8'",
                                  npy(np.arange(4.0))[:-1], npy(np.arange(4.0)) + b"x",
                                  b"", b"not json", b"[1, 2"])
def test_deserialize_array_refuses_damaged_bytes(blob):
    with pytest.raises(SQLiteStorageError):
        SQLiteStorage._deserialize_array(blob)


def test_paths_reach_the_plugin_exactly(tmp_path, monkeypatch):
    odd = tmp_path / 'we: "ird" #1, ü {x}.db'
    with SQLiteStorage(db_path=odd) as store:
        store.store_episode(np.zeros(1), 0.0, "c")
    assert odd.exists()
    monkeypatch.chdir(tmp_path)
    with SQLiteStorage() as store:  # the seed's default, relative to the working folder
        store.store_episode(np.zeros(1), 0.0, "c")
    assert (tmp_path / "godly_ai.db").exists()
    with pytest.raises(SQLiteStorageError) as caught:
        SQLiteStorage(db_path=tmp_path / "a${HOME}b.db")  # engram's config would expand it
    assert isinstance(caught.value.__cause__, ValueError)
    assert not list(tmp_path.glob("a*b.db"))


def test_threads_store_at_once(tmp_path):
    import threading
    with SQLiteStorage(db_path=tmp_path / "threads.db") as store:
        ids, errors = [], []

        def work():
            try:
                for _ in range(20):
                    ids.append(store.store_episode(np.ones(4), 0.5, "t"))
            except Exception as error:  # noqa: BLE001 - reported below
                errors.append(error)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == [] and len(set(ids)) == 80
        assert store.get_database_stats()["episodes_count"] == 80


def test_metadata_as_the_seed_stored_it(db):
    episode_id = db.store_episode(np.zeros(1), 0.0, "c",
                                  metadata={"n": np.int64(3), "v": np.arange(2), 5: "key",
                                            "nested": {"t": (1, 2)}})
    assert db.retrieve_episode(episode_id).metadata == {"n": 3, "v": [0, 1], "5": "key",
                                                        "nested": {"t": [1, 2]}}
    with pytest.raises(SQLiteStorageError) as caught:
        db.store_learning_event("t", 0.1, "s", parameters={"lr": float("nan")})
    assert isinstance(caught.value.__cause__, engram.InvalidArgument)
    with pytest.raises(SQLiteStorageError):
        db.store_concept("c", np.zeros(2), metadata={"f": object()})
    assert db.get_database_stats()["learning_events_count"] == 0
