"""Write-behind from Python: the config key, read-your-writes, sync, and a
refused record reported as the backend's error kind."""
import sqlite3

import numpy as np
import pytest

import engram


def write_behind_config(tmp_path, write_behind="{flush_interval: 3600}"):
    return f"""version: 1
log: {{level: off}}
backends:
  db: {{plugin: sqlite, db_path: "{tmp_path / 'engram.db'}", write_behind: {write_behind}}}
  arrays: {{plugin: hdf5, file_path: "{tmp_path / 'traces.h5'}", write_behind: {write_behind}}}
roles: {{episodes: db, concepts: db, traces: arrays}}
"""


def test_stores_return_at_once_and_reads_see_them(tmp_path):
    with engram.Storage.from_yaml(write_behind_config(tmp_path)) as storage:
        experience = np.arange(12, dtype=np.float32).reshape(3, 4)
        episode_id = storage.episodes.store_episode(experience, 0.5, "py")
        # Queued, not written: another connection sees nothing yet.
        with sqlite3.connect(tmp_path / "engram.db") as raw:
            assert raw.execute("SELECT count(*) FROM episodes").fetchone()[0] == 0
        episode = storage.episodes.retrieve_episode(episode_id)  # waits for the queue
        np.testing.assert_array_equal(episode.experience_data, experience)

        snapshot_id = storage.traces.store_network_snapshot(1.5, np.eye(2), np.eye(2), np.ones(2))
        assert snapshot_id == "snapshot_1500"
        concept_id = storage.concepts.store_concept("cat", np.ones(4, dtype=np.float32))
        assert storage.concepts.store_concept("cat", np.zeros(4, dtype=np.float32)) == concept_id
        storage.maintenance("db").sync()
        with sqlite3.connect(tmp_path / "engram.db") as raw:
            assert raw.execute("SELECT count(*) FROM concepts").fetchone()[0] == 1
    with engram.Storage.from_yaml(write_behind_config(tmp_path, "{}")) as storage:
        assert storage.traces.retrieve_network_snapshot("snapshot_1500") is not None


def test_a_bad_write_behind_key_is_a_config_error(tmp_path):
    with pytest.raises(engram.ConfigError, match="max_pending"):
        engram.Storage.from_yaml(write_behind_config(tmp_path, "{max_pending: 0}"))


def test_a_refused_record_is_reported_by_kind(tmp_path):
    queued = engram.Storage.from_yaml(write_behind_config(tmp_path))
    direct = engram.Storage.from_yaml(f"""version: 1
log: {{level: off}}
backends:
  db: {{plugin: sqlite, db_path: "{tmp_path / 'engram.db'}"}}
roles: {{episodes: db}}
""")
    try:
        taken = queued.episodes.store_episode(np.ones(2), 0.5, "queued")
        batch = engram.EpisodeBatch()
        batch.put(engram.Episode(id=taken, timestamp=1.0, experience_data=np.ones(2),
                                 performance_score=0.1, context_hash="other"))
        assert direct.episodes.store_batch(batch).episode_ids == [taken]
        with pytest.raises(engram.BackendError, match=f"episode {taken}"):
            queued.maintenance("db").sync()
        assert queued.episodes.retrieve_episode(taken).context_hash == "other"
    finally:
        queued.close()
        direct.close()
