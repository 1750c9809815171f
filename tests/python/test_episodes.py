"""EpisodeStore from Python, on the memory and sqlite plugins."""
import time

import numpy as np
import pytest

import engram


@pytest.fixture(params=["memory", "sqlite"])
def episodes(request, open_role):
    return open_role(request.param, "episodes").episodes


def test_episodes(episodes):
    experience = np.random.default_rng(2).random((100, 50))
    first = episodes.store_episode(experience, 0.9, "maze", timestamp=100.0,
                                   metadata={"run": 1, "tags": ["a", "b"]})
    second = episodes.store_episode({"reward": 1.5, "path": [1, 2, 3]}, 0.3, "maze",
                                    timestamp=200.0)
    third = episodes.store_episode(np.zeros(3), 0.5, "other")
    assert first > 0 and len({first, second, third}) == 3

    found = episodes.retrieve_episode(first)
    assert isinstance(found, engram.Episode)
    assert (found.id, found.timestamp, found.performance_score, found.context_hash) == \
        (first, 100.0, 0.9, "maze")
    assert found.metadata == {"run": 1, "tags": ["a", "b"]}
    np.testing.assert_array_equal(found.experience_data, experience)
    assert episodes.retrieve_episode(second).experience_data == {"reward": 1.5, "path": [1, 2, 3]}
    assert episodes.retrieve_episode(third).timestamp == pytest.approx(time.time(), abs=60)
    assert episodes.retrieve_episode(10**9) is None

    assert [e.id for e in episodes.get_episodes_by_context("maze")] == [second, first]
    assert [e.id for e in episodes.get_episodes_by_context("maze", min_score=0.5)] == [first]
    assert [e.id for e in episodes.get_episodes_by_context("maze", limit=1)] == [second]
    assert [e.id for e in episodes.get_recent_episodes(time_window=600)] == [third]
    with pytest.raises(engram.InvalidArgument):
        episodes.get_recent_episodes(float("nan"))
    with pytest.raises(engram.InvalidArgument):
        episodes.store_episode(np.zeros(1), float("inf"), "maze")
    with pytest.raises(engram.InvalidArgument):
        episodes.store_episode(np.zeros(1), 0.5, "")


def test_learning_events(episodes):
    ids = [episodes.store_learning_event("nav", delta, strategy, {"step": t}, timestamp=t)
           for t, (delta, strategy) in enumerate([(0.5, "a"), (0.1, "a"), (0.4, "b"), (-1.0, "b")])]
    events = episodes.get_learning_events_by_task("nav")
    assert [e.id for e in events] == ids[::-1]
    assert events[0].parameters == {"step": 3} and events[-1].parameters == {"step": 0}
    assert episodes.get_learning_events_by_task("nav", limit=1)[0].strategy_used == "b"
    assert [e.id for e in episodes.get_learning_events_by_task("nav", min_performance_delta=0.3)] \
        == [ids[2], ids[0]]
    best = episodes.get_best_strategies("nav")
    assert [(s.strategy, s.count) for s in best] == [("b", 1), ("a", 2)]
    assert best[0].avg_delta == pytest.approx(0.4) and best[1].avg_delta == pytest.approx(0.3)
    assert episodes.get_best_strategies("nav", limit=1)[0].strategy == "b"
    assert episodes.get_learning_events_by_task("none") == []


def test_batch_and_listings(episodes):
    batch = engram.EpisodeBatch()
    for i in range(5):
        batch.store_episode(np.full(2, i, dtype=np.int32), i / 10, "batch", timestamp=float(i))
    batch.store_episode({"k": "v"}, 0.5, "batch")
    batch.store_learning_event("t", 0.2, "s")
    batch.put(engram.Episode(experience_data=np.ones(1), performance_score=0.1,
                             context_hash="put", timestamp=5.0, metadata={"m": 1}))
    batch.put(engram.LearningEvent(task_type="t", performance_delta=0.3, strategy_used="s2",
                                   timestamp=9.0))
    assert len(batch) == 9
    with pytest.raises(engram.InvalidArgument):
        batch.store_episode(np.ones(1), 0.5, "")
    result = episodes.store_batch(batch)
    assert len(result.episode_ids) == 7 and len(result.learning_event_ids) == 2
    assert episodes.retrieve_episode(result.episode_ids[6]).metadata == {"m": 1}

    seen, cursor = [], ""
    while True:
        page = episodes.list_episodes(cursor, limit=3)
        seen += [e.id for e in page.items]
        assert page.skipped == []
        if page.last():
            break
        cursor = page.next_cursor
    assert seen == sorted(result.episode_ids)
    skip_page = episodes.list_episodes(undecodable="skip")
    assert len(skip_page.items) == 7
    events = episodes.list_learning_events(limit=10, undecodable="skip")
    assert sorted(e.id for e in events.items) == sorted(result.learning_event_ids)
    with pytest.raises(engram.InvalidArgument):
        episodes.list_episodes(undecodable="sometimes")
    with pytest.raises(engram.InvalidArgument):
        episodes.list_episodes("not a cursor of ours")


def test_undecodable_records_fail_or_are_skipped(tmp_path):
    import sqlite3
    config = (f"version: 1\nbackends: {{db: {{plugin: sqlite, db_path: {tmp_path}/u.db}}}}\n"
              "roles: {episodes: db}\n")
    with engram.Storage.from_yaml(config) as storage:
        good = storage.episodes.store_episode(np.ones(2), 0.5, "ctx")
    with sqlite3.connect(tmp_path / "u.db") as db:  # bytes another program wrote
        bad = db.execute("INSERT INTO episodes (timestamp, experience_data, performance_score, "
                         "context_hash) VALUES (1.0, X'0011223344', 0.5, 'ctx')").lastrowid
    with engram.Storage.from_yaml(config) as storage:
        episodes = storage.episodes
        with pytest.raises(engram.CorruptData) as caught:
            episodes.list_episodes()
        assert caught.value.backend == "db"
        with pytest.raises(engram.CorruptData):
            episodes.retrieve_episode(bad)
        page = episodes.list_episodes(undecodable="skip")
        assert [e.id for e in page.items] == [good]
        assert [(s.key, s.error) for s in page.skipped] == [(str(bad), "CorruptData")]
        assert page.skipped[0].reason
