"""engram.compat.RedisStorage against the test redis-server
(ENGRAM_TEST_REDIS_PORT; skipped when unset): every method of the seed's API
with the seed's argument names as keywords, return types, exceptions
(chained from engram's), the context manager and get_memory_usage's keys.
Uses database 3 of the server, which flush_all_data clears of engram's keys."""
import inspect
import os
import socket
import time

import numpy as np
import pytest

import engram
from engram.compat import RedisConnectionError, RedisStorage
from seed_signatures import bare

SEED_SIGNATURES = {
    "__init__": "(self, host='localhost', port=6379, db=0, password=None, max_connections=10, "
                "compression_threshold=1024, retry_attempts=3, retry_delay=0.1)",
    "store_working_memory_pattern": "(self, pattern_hash, pattern, timestamp, metadata=None)",
    "retrieve_working_memory_pattern": "(self, pattern_hash)",
    "update_working_memory_access": "(self, pattern_hash)",
    "cache_spike_train": "(self, timestamp, spike_data, neuron_ids=None, ttl=300)",
    "retrieve_spike_train": "(self, timestamp)",
    "get_recent_spike_trains": "(self, time_window=1.0)",
    "store_attention_weights": "(self, context, weights, timestamp)",
    "retrieve_attention_weights": "(self, context)",
    "get_memory_usage": "(self)",
    "clear_expired_data": "(self)",
    "flush_all_data": "(self)",
    "close": "(self)",
}

PORT = os.environ.get("ENGRAM_TEST_REDIS_PORT")
needs_redis = pytest.mark.skipif(not PORT, reason="ENGRAM_TEST_REDIS_PORT is not set")


@pytest.mark.parametrize("name", sorted(SEED_SIGNATURES))
def test_signatures_are_the_seeds(name):
    assert bare(inspect.signature(getattr(RedisStorage, name))) == SEED_SIGNATURES[name]


@pytest.fixture
def wm():
    with RedisStorage(host="127.0.0.1", port=int(PORT), db=3) as store:
        assert store.flush_all_data() is True
        yield store
        store.flush_all_data()


@needs_redis
def test_working_memory_patterns(wm):
    pattern = np.random.default_rng(0).standard_normal((100, 50)).astype(np.float32)
    assert wm.store_working_memory_pattern(pattern_hash="p1", pattern=pattern, timestamp=12.5,
                                           metadata={"source": "retina", "n": 2}) is True
    got = wm.retrieve_working_memory_pattern(pattern_hash="p1")
    assert isinstance(got, tuple) and len(got) == 3
    array, timestamp, metadata = got
    assert isinstance(array, np.ndarray) and array.dtype == np.float32
    assert np.array_equal(array, pattern)
    assert timestamp == 12.5 and metadata == {"source": "retina", "n": 2}
    assert wm.retrieve_working_memory_pattern(pattern_hash="absent") is None
    assert wm.update_working_memory_access(pattern_hash="p1") is True
    assert wm.update_working_memory_access(pattern_hash="absent") is False
    assert wm.retrieve_working_memory_pattern(pattern_hash="absent") is None  # nothing made
    assert wm.store_working_memory_pattern("p2", np.arange(3), 1.0) is True
    assert wm.retrieve_working_memory_pattern("p2")[2] == {}


@needs_redis
def test_spike_trains(wm):
    now = time.time()
    data = np.random.default_rng(1).random(200)
    assert wm.cache_spike_train(timestamp=now, spike_data=data, neuron_ids=[1, 2, 3],
                                ttl=60) is True
    assert wm.cache_spike_train(timestamp=now - 0.5, spike_data=data[:10]) is True
    got = wm.retrieve_spike_train(timestamp=now)
    assert isinstance(got, tuple) and np.array_equal(got[0], data) and got[1] == [1, 2, 3]
    assert wm.retrieve_spike_train(timestamp=now - 0.5)[1] == []
    assert wm.retrieve_spike_train(timestamp=now + 100) is None
    recent = wm.get_recent_spike_trains(time_window=10.0)
    assert [(t, len(a), ids) for t, a, ids in recent] == [(now - 0.5, 10, []),
                                                          (now, 200, [1, 2, 3])]
    assert all(isinstance(r, tuple) for r in recent)
    # Two trains at one timestamp are both kept (the seed overwrote the first).
    wm.cache_spike_train(now, data[:5], np.array([7]))
    assert len(wm.get_recent_spike_trains(time_window=10.0)) == 3
    assert wm.retrieve_spike_train(now)[1] == [7]


@needs_redis
def test_attention_weights(wm):
    weights = np.full((4, 4), 0.25)
    assert wm.store_attention_weights(context="ctx", weights=weights, timestamp=3.0) is True
    got = wm.retrieve_attention_weights(context="ctx")
    assert isinstance(got, tuple) and np.array_equal(got[0], weights) and got[1] == 3.0
    assert wm.retrieve_attention_weights(context="other") is None


@needs_redis
def test_utility(wm):
    wm.store_working_memory_pattern("a", np.ones(2), 1.0)
    wm.store_working_memory_pattern("b", np.ones(2), 1.0)
    wm.cache_spike_train(time.time(), np.ones(2), ttl=1)
    wm.store_attention_weights("c", np.ones(2), 1.0)
    usage = wm.get_memory_usage()
    assert usage == {"working_memory": 2, "spike_trains": 1, "attention_weights": 1, "total": 4}
    assert all(type(v) is int for v in usage.values())
    time.sleep(1.2)
    assert isinstance(wm.clear_expired_data(), int)
    assert wm.get_memory_usage()["spike_trains"] == 0
    assert wm.flush_all_data() is True
    assert wm.get_memory_usage() == {"working_memory": 0, "spike_trains": 0,
                                     "attention_weights": 0, "total": 0}


@needs_redis
def test_flush_leaves_other_keys(wm):
    import redis
    client = redis.Redis(host="127.0.0.1", port=int(PORT), db=3)
    client.set("someone-else", b"x")
    try:
        wm.store_working_memory_pattern("a", np.ones(2), 1.0)
        assert wm.flush_all_data() is True
        assert client.get("someone-else") == b"x"
    finally:
        client.delete("someone-else")


@needs_redis
def test_context_manager_and_errors():
    with RedisStorage(host="127.0.0.1", port=int(PORT), db=3) as store:
        assert isinstance(store, RedisStorage)
        with pytest.raises(RedisConnectionError) as caught:
            store.store_working_memory_pattern("bad/hash", np.ones(2), 1.0)
        assert isinstance(caught.value.__cause__, engram.InvalidArgument)
        with pytest.raises(RedisConnectionError):
            store.retrieve_working_memory_pattern("..")  # malformed, not "not found"
        with pytest.raises(RedisConnectionError):
            store.cache_spike_train(1.0, np.ones(2), ttl=0)
        with pytest.raises(RedisConnectionError):
            store.store_attention_weights("c", np.ones(2), float("nan"))
    with pytest.raises(RedisConnectionError):
        store.retrieve_attention_weights("c")
    store.close()


def test_unreachable_server_is_a_connection_error():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(RedisConnectionError) as caught:
        RedisStorage(host="127.0.0.1", port=port, retry_attempts=1, retry_delay=0.01)
    assert isinstance(caught.value.__cause__, engram.ConnectionError)


@needs_redis
def test_compression_threshold_reaches_the_plugin():
    import redis
    client = redis.Redis(host="127.0.0.1", port=int(PORT), db=3)
    big = np.zeros(10000)
    for threshold, magic in ((10**9, b"\x93NUMPY"), (16, b"\x93ENGZ\x00")):
        with RedisStorage(host="127.0.0.1", port=int(PORT), db=3, password=None,
                          max_connections=2, compression_threshold=threshold,
                          retry_attempts=2, retry_delay=0.05) as store:
            store.flush_all_data()
            store.store_working_memory_pattern("p", big, 1.0)
            keys = [k for k in client.keys("*wm:p") if client.type(k) == b"hash"]
            assert len(keys) == 1
            assert client.hget(keys[0], "pattern")[:len(magic)] == magic
            assert np.array_equal(store.retrieve_working_memory_pattern("p")[0], big)
            store.flush_all_data()


def test_password_with_a_variable_reference_is_refused_unprinted():
    with pytest.raises(RedisConnectionError) as caught:
        RedisStorage(host="127.0.0.1", port=1, password="s3cret${X}")
    assert "s3cret" not in str(caught.value) and isinstance(caught.value.__cause__, ValueError)


@needs_redis
def test_refused_password_is_a_connection_error_unprinted():
    with pytest.raises(RedisConnectionError) as caught:
        RedisStorage(host="127.0.0.1", port=int(PORT), password="hunter2-not-set", retry_attempts=1)
    assert isinstance(caught.value.__cause__, engram.StorageError)
    assert "hunter2" not in str(caught.value)
