"""Storage from Python: opening, roles, backends, maintenance, backups, lifetime."""
import os
import pathlib
import sqlite3
import threading

import numpy as np
import pytest

import engram

TWO_BACKENDS = """version: 1
log: {level: warn}
backends:
  db: {plugin: sqlite, db_path: data/engram.db}
  arrays: {plugin: hdf5, file_path: data/traces.h5}
roles: {episodes: db, concepts: db, traces: arrays}
"""


@pytest.fixture
def config_file(tmp_path):
    path = tmp_path / "engram.yaml"
    path.write_text(TWO_BACKENDS)
    return path


def test_open_resolves_paths_beside_the_config(config_file, tmp_path):
    with engram.Storage.open(config_file) as storage:
        assert storage.has("episodes") and storage.has("traces")
        assert not storage.has("working_memory")
        with pytest.raises(engram.InvalidArgument):
            storage.has("bogus")
        storage.episodes.store_episode(np.ones(3), 0.5, "ctx")
        assert storage.backend_owning(tmp_path / "data" / "engram.db") == "db"
        assert storage.backend_owning(tmp_path / "elsewhere.db") is None
    assert (tmp_path / "data" / "engram.db").stat().st_size > 0
    engram.Storage.open(str(config_file)).close()  # str as well as a path


def test_backends_and_plugin_search(config_file):
    with engram.Storage.open(config_file) as storage:
        backends = storage.backends
        assert [(b.name, b.plugin, b.roles) for b in backends] == [
            ("db", "sqlite", ["episodes", "concepts"]), ("arrays", "hdf5", ["traces"])]
        plugin_dir = pathlib.Path(engram.bundled_plugin_dir())
        assert plugin_dir.name == "engram" and (plugin_dir / "libengram-memory.so").exists()
        assert backends[0].plugin_file == plugin_dir / "libengram-sqlite.so"
        assert backends[0].plugin_version
        assert backends[0].capabilities.keeps_ids is True
        assert backends[0].capabilities.reserves_ids is True  # sqlite: write-behind ids
        assert backends[1].capabilities.reserves_ids is False  # hdf5 makes no integer ids
        assert backends[0].maintenance.backend_name() == "db"


def test_only_backends(config_file):
    options = engram.StorageOptions(only_backends=["arrays"])
    with engram.Storage.open(config_file, options) as storage:
        assert storage.has("traces") and not storage.has("episodes")
    with pytest.raises(engram.ConfigError):
        engram.Storage.open(config_file, engram.StorageOptions(only_backends=["nosuch"]))


def test_maintenance_and_backups(config_file, tmp_path):
    with engram.Storage.open(config_file) as storage:
        ids = [storage.episodes.store_episode(np.ones(2), 0.5, "ctx") for _ in range(3)]
        maintenance = storage.maintenance("db")
        stats = maintenance.stats()
        assert stats["episodes"] == 3 and stats["schema_version"] >= 1
        assert storage.episodes.maintenance().stats()["episodes"] == 3
        assert tmp_path / "data" / "engram.db" in maintenance.files()
        maintenance.sync()
        maintenance.compact()
        with pytest.raises(engram.NotSupported):
            maintenance.cleanup()
        # The seed's cleanup_old_data: snapshots and raw spike trains.
        storage.traces.store_spike_train(1.0, np.ones(2), np.ones(2))  # long ago
        storage.traces.store_spike_train(4e9, np.ones(2), np.ones(2))
        assert storage.maintenance("arrays").cleanup(retention_days=30) == 1
        with pytest.raises(engram.InvalidArgument):
            storage.maintenance("arrays").cleanup(-1)

        written = maintenance.backup(tmp_path / "direct.db")
        assert written == tmp_path / "direct.db"
        target = tmp_path / "safe.db"
        assert storage.backup("db", target) == target
        with pytest.raises(engram.InvalidArgument):  # exists
            storage.backup("db", target)
        assert storage.backup("db", target, engram.BackupOptions(force=True)) == target
        with pytest.raises(engram.InvalidArgument):  # a file the backend uses
            storage.backup("db", tmp_path / "data" / "engram.db",
                           engram.BackupOptions(force=True))
        automatic = storage.backup("db")
        assert automatic.exists() and automatic.parent == tmp_path / "data"
        traces_backup = storage.maintenance("arrays").backup(tmp_path / "traces-copy.h5")
        assert traces_backup.stat().st_size > 0
    with sqlite3.connect(target) as copy:
        assert copy.execute("SELECT COUNT(*) FROM episodes").fetchone()[0] == len(ids)


def test_role_objects_outlive_their_storage(tmp_path):
    episodes = engram.Storage.from_yaml(
        f"version: 1\nbackends: {{db: {{plugin: sqlite, db_path: {tmp_path}/e.db}}}}\n"
        "roles: {episodes: db}\n").episodes  # the Storage is gone after this line
    episode_id = episodes.store_episode(np.arange(3), 0.5, "ctx")
    np.testing.assert_array_equal(episodes.retrieve_episode(episode_id).experience_data,
                                  np.arange(3))
    assert episodes.maintenance().stats()["episodes"] == 1


def test_context_manager_closes(open_role, tmp_path):
    with engram.Storage.from_yaml(
            f"version: 1\nbackends: {{db: {{plugin: sqlite, db_path: {tmp_path}/c.db}}}}\n"
            "roles: {concepts: db}\n") as storage:
        concepts = storage.concepts
        concepts.store_concept("a", np.ones(2))
    with pytest.raises(engram.StorageError, match="closed"):
        concepts.retrieve_concept(1)
    storage.close()  # idempotent


def test_threads_share_role_objects(tmp_path):
    with engram.Storage.from_yaml(
            f"version: 1\nbackends: {{db: {{plugin: sqlite, db_path: {tmp_path}/t.db}}}}\n"
            "roles: {episodes: db}\n") as storage:
        episodes = storage.episodes
        ids, errors = [], []

        def work(n):
            try:
                for i in range(25):
                    ids.append(episodes.store_episode(np.full(4, n), float(i), f"t{n}"))
            except Exception as error:  # noqa: BLE001 — reported below
                errors.append(error)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert len(set(ids)) == 100
        for n in range(4):
            found = episodes.get_episodes_by_context(f"t{n}")
            assert len(found) == 25
            assert all((e.experience_data == n).all() for e in found)


def test_working_directory_does_not_matter_for_open(config_file, tmp_path, monkeypatch):
    monkeypatch.chdir(os.path.dirname(os.__file__))
    with engram.Storage.open(config_file) as storage:
        storage.traces.store_reservoir_states(1.0, np.ones(1))
    assert (tmp_path / "data" / "traces.h5").exists()


def test_a_manual_clock_drives_the_memory_plugins_time():
    clock = engram.ManualClock(1000.0)
    options = engram.StorageOptions(clock=clock)
    assert options.clock.now() == 1000.0
    with engram.Storage.from_yaml(
            "version: 1\nbackends: {m: {plugin: memory, pattern_ttl: 60}}\n"
            "roles: {working_memory: m, episodes: m}\n", options) as storage:
        wm = storage.working_memory
        wm.store_working_memory_pattern("p", np.ones(2), 1000.0)
        clock.advance(59.0)
        assert wm.retrieve_working_memory_pattern("p").ttl == pytest.approx(1.0)
        clock.advance(2.0)
        assert wm.retrieve_working_memory_pattern("p") is None
        episode_id = storage.episodes.store_episode(np.ones(1), 0.5, "c")
        assert storage.episodes.retrieve_episode(episode_id).timestamp == 1061.0
    assert engram.system_clock().now() > 1.7e9
    assert engram.StorageOptions().clock.now() > 1.7e9
