"""The Redis workloads: redis/store_working_memory_pattern and
redis/retrieve_working_memory_pattern of a (100, 50) float32 pattern (ReLU
of normal noise, as engram-bench's values), metadata {"source": "bench",
"layer": 3}, cycling over 256 pattern hashes: the work of engram-bench's
pairs of those names (tools/bench/redis_bench.cpp), whose raw entries
(hiredis) give the C library's time. They need the server on --redis-port.

raw: redis-py sending what the redis plugin sends (plugins/redis/key_layout.*,
record_encoding.*, redis_working_memory.cpp): a store is one MULTI / DEL /
HSET {pattern, timestamp, metadata} / PEXPIRE 3600000 / ZADD index / EXEC
pipeline, the pattern in engram/compressed_npy.h's form (the .npy, LZ4-framed
with a content checksum behind engram's 24-byte header, above 1024 bytes),
the timestamp as the shortest exact text and the metadata as compact JSON,
so the server gets the same bytes (checked: the same hash fields, byte for
byte, as the plugin writes); a retrieve is HGETALL + PTTL in one
pipeline, decoded back to the array, timestamp, metadata and TTL.
engram: Storage's working_memory role on the redis plugin (its defaults:
lz4 above 1024 bytes). compat: engram.compat.RedisStorage (the same).

Keys: raw under "pybench:raw:", engram under "pybench:engram:", compat under
the plugin's default prefix "engram:" (compat cannot change it) with hashes
named "pybench_pattern_<n>"; each side deletes exactly its keys before and
after (never FLUSHDB).

Raw CTimer (when engram-bench is absent): the pipeline's execute(): the
round trip, with redis-py's own packing and parsing (redis-py 4.3 is pure
Python), so an upper bound.

Errors: redis-py, engram and compat errors propagate. Thread safety: one
thread.
"""
import contextlib
import io
import json
import struct

import lz4.frame
import numpy as np
import redis

import engram
import engram.compat
from timing import CTimer
from workload import Prepared, Workload

TIME = 1_764_000_000.0
KEYS = 256
THRESHOLD = 1024
TTL_MS = 3_600_000
METADATA = {"source": "bench", "layer": 3}
RAW_PREFIX = "pybench:raw:"
ENGRAM_PREFIX = "pybench:engram:"
COMPAT_PREFIX = "engram:"  # the redis plugin's default key_prefix
HEADER = struct.Struct("<6sBBQQ")
MAGIC = b"\x93ENGZ\x00"


def pattern():
    rng = np.random.default_rng(42)
    return np.maximum(rng.standard_normal((100, 50)), 0).astype(np.float32)


def _hash(i, stem="pattern_"):
    return "%s%d" % (stem, i % KEYS)


# ---- engram/compressed_npy.h, by hand

def encode(array):
    """The value the plugin stores: one LZ4 frame (linked 256 KB blocks,
    content size and checksum) fed the .npy header, then the data, as
    core/src/compressed_npy.cpp feeds it, so the frame is byte for byte the
    plugin's."""
    out = io.BytesIO()
    np.save(out, array, allow_pickle=False)
    npy = out.getvalue()
    if len(npy) <= THRESHOLD:
        return npy
    header_size = 10 + int.from_bytes(npy[8:10], "little")
    compressor = lz4.frame.LZ4FrameCompressor(
        block_size=lz4.frame.BLOCKSIZE_MAX256KB, block_linked=True, content_checksum=True)
    frame = (compressor.begin(len(npy)) + compressor.compress(npy[:header_size])
             + compressor.compress(npy[header_size:]) + compressor.flush())
    if HEADER.size + len(frame) >= len(npy):
        return npy
    return HEADER.pack(MAGIC, 1, 1, len(npy), len(frame)) + frame


def number_text(value):
    """The shortest text that reads back as `value`, as std::to_chars writes
    it (record_encoding.h number_text): fixed unless scientific is shorter."""
    fixed = repr(value)
    if fixed.endswith(".0"):
        fixed = fixed[:-2]
    scientific = np.format_float_scientific(value, unique=True, trim="-", exp_digits=2)
    return scientific if len(scientific) < len(fixed) else fixed


def decode(value):
    if value[:6] == MAGIC:
        _, _, codec, size, frame_size = HEADER.unpack_from(value)
        if codec != 1:
            raise ValueError("not an LZ4 value")
        npy = lz4.frame.decompress(value[HEADER.size:HEADER.size + frame_size])
        if len(npy) != size:
            raise ValueError("LZ4 frame of the wrong size")
    else:
        npy = value
    return np.load(io.BytesIO(npy), allow_pickle=False)


# ---- the server

def _client(setup):
    return redis.Redis(host="127.0.0.1", port=setup.redis_port, socket_timeout=2.0,
                       socket_connect_timeout=2.0)


def _delete_prefix(client, prefix):
    for key in client.scan_iter(match=prefix + "*", count=1000):
        client.unlink(key)


def _delete_compat(client):
    keys = [COMPAT_PREFIX + "wm:" + _hash(i, "pybench_pattern_") for i in range(KEYS)]
    client.unlink(*keys)
    client.zrem(COMPAT_PREFIX + "index:wm", *[_hash(i, "pybench_pattern_") for i in range(KEYS)])


@contextlib.contextmanager
def _raw(setup):
    client = _client(setup)
    _delete_prefix(client, RAW_PREFIX)
    try:
        yield client
    finally:
        _delete_prefix(client, RAW_PREFIX)
        client.close()


def _raw_store(client, hash_, array, t, timer=None):
    key = RAW_PREFIX + "wm:" + hash_
    pipe = client.pipeline(transaction=True)
    pipe.delete(key)
    pipe.hset(key, mapping={"pattern": encode(array), "timestamp": number_text(t),
                            "metadata": json.dumps(METADATA, sort_keys=True,
                                                   separators=(",", ":"))})
    pipe.pexpire(key, TTL_MS)
    pipe.zadd(RAW_PREFIX + "index:wm", {hash_: 0})
    if timer is None:
        pipe.execute()
    else:
        with timer:
            pipe.execute()


def _engram_yaml(setup):
    return ("version: 1\nlog: {level: warn}\nbackends:\n"
            "  wm: {plugin: redis, host: 127.0.0.1, port: %d, key_prefix: %s}\n"
            "roles: {working_memory: wm}\n" % (setup.redis_port, json.dumps(ENGRAM_PREFIX)))


@contextlib.contextmanager
def _engram(setup):
    with engram.Storage.from_yaml(_engram_yaml(setup)) as s:
        maintenance = s.maintenance("wm")
        maintenance.clear_all()
        try:
            yield s.working_memory
        finally:
            maintenance.clear_all()


@contextlib.contextmanager
def _compat(setup):
    client = _client(setup)
    _delete_compat(client)
    try:
        with engram.compat.RedisStorage(host="127.0.0.1", port=setup.redis_port) as wm:
            yield wm
    finally:
        _delete_compat(client)
        client.close()


# ---- redis/store_working_memory_pattern

@contextlib.contextmanager
def store_raw(setup):
    with _raw(setup) as client:
        timer, array, n = CTimer(), pattern(), [0]

        def step():
            _raw_store(client, _hash(n[0]), array, TIME + n[0], timer)
            n[0] += 1
        yield Prepared(step, timer)


@contextlib.contextmanager
def store_engram(setup):
    with _engram(setup) as wm:
        array, n = pattern(), [0]

        def step():
            wm.store_working_memory_pattern(_hash(n[0]), array, TIME + n[0], METADATA)
            n[0] += 1
        yield Prepared(step)


@contextlib.contextmanager
def store_compat(setup):
    with _compat(setup) as wm:
        array, n = pattern(), [0]

        def step():
            wm.store_working_memory_pattern(_hash(n[0], "pybench_pattern_"), array,
                                            TIME + n[0], METADATA)
            n[0] += 1
        yield Prepared(step)


# ---- redis/retrieve_working_memory_pattern

@contextlib.contextmanager
def retrieve_raw(setup):
    with _raw(setup) as client:
        array = pattern()
        for i in range(KEYS):
            _raw_store(client, _hash(i), array, TIME)
        timer, n = CTimer(), [0]

        def step():
            hash_ = _hash(n[0])
            n[0] += 1
            key = RAW_PREFIX + "wm:" + hash_
            pipe = client.pipeline(transaction=False)
            pipe.hgetall(key)
            pipe.pttl(key)
            with timer:
                fields, ttl = pipe.execute()
            if not fields or ttl == -2:
                raise KeyError(key)
            last = fields.get(b"last_accessed")
            return (hash_, decode(fields[b"pattern"]), float(fields[b"timestamp"]),
                    json.loads(fields[b"metadata"]), None if last is None else float(last),
                    None if ttl < 0 else max(ttl, 1) / 1000.0)
        yield Prepared(step, timer)


@contextlib.contextmanager
def retrieve_engram(setup):
    with _engram(setup) as wm:
        batch = engram.WorkingMemoryBatch()
        array = pattern()
        for i in range(KEYS):
            batch.store_working_memory_pattern(_hash(i), array, TIME, METADATA)
        wm.store_batch(batch)
        n = [0]

        def step():
            found = wm.retrieve_working_memory_pattern(_hash(n[0]))
            n[0] += 1
            return found.pattern
        yield Prepared(step)


@contextlib.contextmanager
def retrieve_compat(setup):
    with _compat(setup) as wm:
        array = pattern()
        for i in range(KEYS):
            wm.store_working_memory_pattern(_hash(i, "pybench_pattern_"), array, TIME, METADATA)
        n = [0]

        def step():
            found = wm.retrieve_working_memory_pattern(_hash(n[0], "pybench_pattern_"))
            n[0] += 1
            return found[0]
        yield Prepared(step)


_CALLS = "redis-py: pipeline execute() (round trip plus redis-py's Python packing/parsing)"
WORKLOADS = [
    Workload("redis/store_working_memory_pattern", "redis",
             {"raw": store_raw, "engram": store_engram, "compat": store_compat},
             cxx_raw="redis/store_working_memory_pattern/raw", c_calls=_CALLS),
    Workload("redis/retrieve_working_memory_pattern", "redis",
             {"raw": retrieve_raw, "engram": retrieve_engram, "compat": retrieve_compat},
             cxx_raw="redis/retrieve_working_memory_pattern/raw", c_calls=_CALLS),
]
