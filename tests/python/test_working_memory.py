"""WorkingMemory from Python, on the memory plugin and on Redis."""
import time

import numpy as np
import pytest

import engram

BACKENDS = ["memory", "redis"]


@pytest.fixture(params=BACKENDS)
def wm(request, open_role):
    return open_role(request.param, "working_memory").working_memory


def test_patterns(wm):
    pattern = np.random.default_rng(1).random((100, 50)).astype(np.float32)
    now = time.time()
    assert wm.store_working_memory_pattern("p1", pattern, now, {"source": "test"}) is None
    found = wm.retrieve_working_memory_pattern("p1")
    assert isinstance(found, engram.WorkingMemoryPattern)
    assert found.pattern_hash == "p1" and found.timestamp == now
    assert found.metadata == {"source": "test"}
    np.testing.assert_array_equal(found.pattern, pattern)
    assert found.last_accessed is None
    assert 3500 < found.ttl <= 3600  # pattern_ttl's default, in seconds
    assert wm.update_working_memory_access("p1") is True
    assert wm.retrieve_working_memory_pattern("p1").last_accessed == pytest.approx(time.time(), abs=5)
    assert wm.update_working_memory_access("missing") is False
    assert wm.retrieve_working_memory_pattern("missing") is None
    with pytest.raises(engram.InvalidArgument):
        wm.retrieve_working_memory_pattern("bad id with spaces/")


def test_spike_trains(wm):
    now = time.time()
    wm.cache_spike_train(now, np.arange(10.0), [1, 2, 3])
    wm.cache_spike_train(now - 0.5, np.arange(3.0), ttl=30.0)
    found = wm.retrieve_spike_train(now)
    assert found.neuron_ids == [1, 2, 3]
    np.testing.assert_array_equal(found.spike_data, np.arange(10.0))
    assert 290 < found.ttl <= 300  # spike_ttl's default
    assert 25 < wm.retrieve_spike_train(now - 0.5).ttl <= 30
    assert wm.retrieve_spike_train(now + 100) is None
    recent = wm.get_recent_spike_trains(time_window=60.0)
    assert [t.timestamp for t in recent] == [now - 0.5, now]
    with pytest.raises(engram.InvalidArgument):
        wm.cache_spike_train(now, np.arange(3.0), ttl=0.0)
    with pytest.raises(engram.InvalidArgument):
        wm.get_recent_spike_trains(-1.0)


def test_attention_weights(wm):
    weights = np.eye(4)
    wm.store_attention_weights("ctx", weights, 12.5)
    found = wm.retrieve_attention_weights("ctx")
    assert found.context == "ctx" and found.timestamp == 12.5
    np.testing.assert_array_equal(found.weights, weights)
    assert wm.retrieve_attention_weights("other") is None


def test_batch_and_listings(wm):
    now = time.time()
    batch = engram.WorkingMemoryBatch()
    for i in range(5):
        batch.store_working_memory_pattern(f"p{i}", np.full(3, i), now, {"i": i})
    batch.cache_spike_train(now, np.ones(2), [7])
    batch.store_attention_weights("a", np.zeros(2), now)
    batch.put(engram.WorkingMemoryPattern(pattern_hash="whole", pattern=np.ones(2), timestamp=now,
                                          ttl=100.0))
    batch.put(engram.AttentionWeights(context="b", weights=[1.0], timestamp=now))
    batch.put(engram.CachedSpikeTrain(timestamp=now + 1, spike_data=np.zeros(1)))
    assert len(batch) == batch.size() == 10 and not batch.empty()
    with pytest.raises(engram.InvalidArgument):
        batch.store_working_memory_pattern("bad/id", np.ones(1), now)
    assert len(batch) == 10
    assert wm.store_batch(batch) is None
    assert 90 < wm.retrieve_working_memory_pattern("whole").ttl <= 100

    hashes, cursor = [], ""
    while True:
        page = wm.list_working_memory_patterns(cursor, limit=2)
        assert len(page.items) <= 2
        hashes += [p.pattern_hash for p in page.items]
        cursor = page.next_cursor
        if page.last():
            break
    assert sorted(hashes) == sorted([f"p{i}" for i in range(5)] + ["whole"])
    assert len(wm.list_spike_trains().items) == 2
    assert sorted(a.context for a in wm.list_attention_weights().items) == ["a", "b"]
    with pytest.raises(engram.InvalidArgument):
        wm.list_spike_trains(limit=0)
    batch.clear()
    assert batch.empty()


def test_maintenance(wm):
    wm.store_working_memory_pattern("m", np.ones(2), time.time())
    maintenance = wm.maintenance()
    stats = maintenance.stats()
    assert isinstance(stats, dict)
    assert isinstance(maintenance.clear_expired(), int)
    maintenance.clear_all()
    assert wm.retrieve_working_memory_pattern("m") is None


@pytest.mark.parametrize("dtype", ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16",
                                   "uint32", "uint64", "float16", "float32", "float64",
                                   "complex64", "complex128"])
def test_every_dtype_round_trips(wm, dtype):
    value = (np.arange(12).reshape(3, 4) % 3).astype(dtype)
    wm.store_working_memory_pattern(f"d{dtype}", value.astype(value.dtype.newbyteorder(">")), 1.0)
    back = wm.retrieve_working_memory_pattern(f"d{dtype}").pattern
    assert back.dtype == np.dtype(dtype) and back.shape == (3, 4)
    np.testing.assert_array_equal(back, value)
