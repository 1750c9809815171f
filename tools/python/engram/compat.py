"""engram.compat: the Python system's three storage classes, backed by engram.

A drop-in for `src.storage`: RedisStorage, SQLiteStorage and HDF5Storage with
the seed's constructor parameters and defaults, method names, argument names
and order and return shapes (../shared/seed/storage_api_reference.md), each
opening one engram backend (the redis, sqlite or hdf5 plugin) through
engram.Storage.from_yaml with the constructor's parameters as the plugin's
options. Data classes: Episode, Concept, LearningEvent, NetworkSnapshot,
SpikeTrainData, with the seed's fields. Episode.experience_data and
Concept.embedding are bytes as in the seed: `.npy` bytes for an array, the
UTF-8 text of the tagged JSON form (engram.tagged_json) for a dict
experience; SQLiteStorage._deserialize_array(data) turns either back into the
value stored. The README ("Differences from the seed") lists where engram's behaviour
replaces a defect of the seed's.

Errors: a call that fails raises the class's seed exception
(RedisConnectionError, SQLiteStorageError, HDF5StorageError), chained from
the engram error (or the TypeError / ValueError of a bad argument) that
caused it. A method for which the seed returned a bool for success returns
True or raises. A lookup returns None / [] only when the record is not
there; every other failure raises. Constructors raise the same classes when
the backend cannot open.

Thread safety: as engram's role objects: every method may be called from
several threads at once (the GIL is released inside engram). close() makes
every later call raise.
"""
import functools
import io
import json
import math
import os
import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

import engram
from engram import tagged_json

__all__ = [
    "RedisStorage", "SQLiteStorage", "HDF5Storage",
    "RedisConnectionError", "SQLiteStorageError", "HDF5StorageError",
    "Episode", "Concept", "LearningEvent", "NetworkSnapshot", "SpikeTrainData",
]


# ---- the seed's exceptions --------------------------------------------------

class RedisConnectionError(Exception):
    """Raised when Redis connection fails (and by every failed RedisStorage call)."""


class SQLiteStorageError(Exception):
    """Raised when SQLite storage operations fail."""


class HDF5StorageError(Exception):
    """Raised when HDF5 storage operations fail."""


# ---- the seed's data classes ------------------------------------------------

@dataclass
class Episode:
    id: Optional[int] = None
    timestamp: float = 0.0
    experience_data: bytes = b''
    performance_score: float = 0.0
    context_hash: str = ''
    metadata: Dict[str, Any] = None


@dataclass
class Concept:
    id: Optional[int] = None
    name: str = ''
    embedding: bytes = b''
    creation_time: float = 0.0
    access_count: int = 0
    last_accessed: float = 0.0
    metadata: Dict[str, Any] = None


@dataclass
class LearningEvent:
    id: Optional[int] = None
    task_type: str = ''
    performance_delta: float = 0.0
    strategy_used: str = ''
    timestamp: float = 0.0
    parameters: Dict[str, Any] = None


@dataclass
class NetworkSnapshot:
    timestamp: float
    adjacency_matrix: np.ndarray
    weight_matrix: np.ndarray
    neuron_states: np.ndarray
    metadata: Dict[str, Any]


@dataclass
class SpikeTrainData:
    timestamp: float
    spike_times: np.ndarray
    neuron_ids: np.ndarray
    spike_amplitudes: Optional[np.ndarray] = None
    metadata: Dict[str, Any] = None


# ---- shared mechanics --------------------------------------------------------

# What a failed call raises below compat: engram's errors, and the argument
# errors of the binding and of numpy / json on a value they cannot take.
_FAILURES = (engram.StorageError, TypeError, ValueError, OverflowError)

_NPY_MAGIC = b"\x93NUMPY"
_NPY_ALIGN = 64
_NPY_GROWTH_DIGITS = 21  # numpy.lib.format.GROWTH_AXIS_MAX_DIGITS
_NPY_HEADER = re.compile(
    rb"\{'descr': '([^']+)', 'fortran_order': (True|False), 'shape': \(([0-9, ]*)\), \} *\n")


def _raises(error_class):
    """Re-raises a failure of the wrapped method as `error_class`, chained."""
    def wrap(method):
        @functools.wraps(method)
        def call(*args, **kwargs):
            try:
                return method(*args, **kwargs)
            except _FAILURES as error:
                raise error_class("%s: %s" % (method.__name__, error)) from error
        return call
    return wrap


def _yaml_value(value):
    """A scalar as YAML: JSON's quoting, which YAML reads. engram expands
    `${VAR}` inside config values and has no escape for it, so a string
    holding `${` is refused rather than read as a variable."""
    if isinstance(value, str) and "${" in value:
        raise ValueError("a path or password holding '${' cannot be given to engram "
                         "(its config expands ${VAR} and has no escape for it)")
    return json.dumps(value)


def _open(plugin, options, roles):
    """engram.Storage of one backend (named after its plugin) serving `roles`."""
    fields = ", ".join("%s: %s" % (key, _yaml_value(value))
                       for key, value in options.items() if value is not None)
    text = "version: 1\nbackends:\n  %s: {plugin: %s, %s}\nroles: {%s}\n" % (
        plugin, plugin, fields, ", ".join("%s: %s" % (role, plugin) for role in roles))
    return engram.Storage.from_yaml(text)


def _plain_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError("%r is not JSON serializable" % type(value))


def _json_object(value):
    """Metadata or parameters as the seed stored them (json.dumps, numpy
    scalars and arrays as plain numbers and lists); None is {}."""
    if not value:
        return {}
    return json.loads(json.dumps(value, default=_plain_default))


def _array(value):
    """Any array-like (numpy, JAX through __array__, lists) as a numpy array,
    without a copy when it already is one."""
    return np.asarray(value)


def _npy_prefix(array):
    """What numpy.save writes before the data of `array` (format 1.0, C
    order), or None for a dtype numpy.lib.format must write."""
    dtype, shape = array.dtype, array.shape
    header = "{'descr': %r, 'fortran_order': False, 'shape': %r, }" % (dtype.str, shape)
    if shape:  # numpy's room for the first dimension to grow in place
        header += " " * (_NPY_GROWTH_DIGITS - len(repr(shape[0])))
    size = len(header) + 1  # the newline
    if dtype.fields is not None or dtype.subdtype is not None or dtype.hasobject or size > 65000:
        return None
    pad = _NPY_ALIGN - (10 + size) % _NPY_ALIGN  # numpy's padding, to 64 bytes
    return b"".join([_NPY_MAGIC, b"\x01\x00", struct.pack("<H", size + pad),
                     (header + " " * pad + "\n").encode("latin1")])


# Prefixes by (dtype, shape) and parsed headers by their text: the few
# shapes a program stores are formatted and parsed once.
_NPY_PREFIXES = {}
_NPY_HEADERS = {}
_NPY_CACHE_LIMIT = 1024


def _npy_bytes(array):
    """The .npy bytes numpy.save writes for `array`."""
    array = np.asarray(array)
    key = (array.dtype, array.shape)
    prefix = _NPY_PREFIXES.get(key)
    if prefix is None:
        prefix = _npy_prefix(array)
        if prefix is None:
            out = io.BytesIO()
            np.lib.format.write_array(out, array, allow_pickle=False)
            return out.getvalue()
        if len(_NPY_PREFIXES) < _NPY_CACHE_LIMIT:
            _NPY_PREFIXES[key] = prefix
    return prefix + array.tobytes()


def _experience_bytes(experience):
    """An episode's experience as the seed's bytes field: .npy, or the UTF-8
    text of a dict's tagged JSON form."""
    if isinstance(experience, dict):
        return json.dumps(experience, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return _npy_bytes(experience)


def _parse_npy_header(text):
    """(dtype, shape, fortran_order) of a header in numpy's own form, or None."""
    header = _NPY_HEADER.fullmatch(text)
    if header is None:
        return None
    dtype = np.dtype(header[1].decode("latin1"))
    if dtype.hasobject:
        return None
    return dtype, tuple(int(n) for n in header[3].split(b",") if n.strip()), header[2] == b"True"


def _read_npy(data):
    """The array in .npy bytes (a fresh, writable one); headers of numpy's
    own form are read here, without numpy.lib.format's slower parser (which
    reads the others)."""
    version = data[6] if len(data) >= 12 else 0
    if version in (1, 2, 3):
        start = 10 if version == 1 else 12
        end = start + int.from_bytes(data[8:start], "little")
        text = data[start:end]
        parsed = _NPY_HEADERS.get(text)
        if parsed is None:
            parsed = _parse_npy_header(text)
            if parsed is not None and len(_NPY_HEADERS) < _NPY_CACHE_LIMIT:
                _NPY_HEADERS[text] = parsed
        if parsed is not None:
            dtype, shape, fortran_order = parsed
            count = math.prod(shape)
            if len(data) - end != count * dtype.itemsize:
                raise ValueError(".npy of %d bytes holds %d bytes of data, not %d"
                                 % (len(data), len(data) - end, count * dtype.itemsize))
            flat = np.frombuffer(data, dtype=dtype, count=count, offset=end)
            if fortran_order:
                return flat.reshape(shape[::-1]).T.copy()
            return flat.reshape(shape).copy()
    return np.lib.format.read_array(io.BytesIO(data), allow_pickle=False)


def _deserialize(data):
    data = bytes(data)
    if data[:6] == _NPY_MAGIC:
        return _read_npy(data)
    return tagged_json.decode(json.loads(data.decode("utf-8")))


class _Closing:
    """The seed's context-manager protocol: `with X(...) as s:` closes s."""

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, traceback):
        self.close()
        return False


# ---- RedisStorage ----------------------------------------------------------------

class RedisStorage(_Closing):
    """Working memory on a Redis server: engram's redis plugin (backend "redis")."""

    def __init__(self, host: str = 'localhost', port: int = 6379, db: int = 0,
                 password: Optional[str] = None, max_connections: int = 10,
                 compression_threshold: int = 1024, retry_attempts: int = 3,
                 retry_delay: float = 0.1):
        self.host = host
        self.port = port
        self.db = db
        self.max_connections = max_connections
        self.compression_threshold = compression_threshold
        self.retry_attempts = retry_attempts
        self.retry_delay = retry_delay
        try:
            self._storage = _open("redis", {
                "host": str(host), "port": int(port), "db": int(db),
                "password": None if password is None else str(password),
                "max_connections": int(max_connections),
                "compression_threshold": int(compression_threshold),
                "retry_attempts": int(retry_attempts), "retry_delay": float(retry_delay),
            }, ["working_memory"])
            self._memory = self._storage.working_memory
            self._maintenance = self._storage.maintenance("redis")
        except _FAILURES as error:
            raise RedisConnectionError("connecting to Redis at %s:%s: %s"
                                       % (host, port, error)) from error

    # -- working memory --

    @_raises(RedisConnectionError)
    def store_working_memory_pattern(self, pattern_hash: str, pattern,
                                     timestamp: float,
                                     metadata: Optional[Dict[str, Any]] = None) -> bool:
        self._memory.store_working_memory_pattern(pattern_hash, _array(pattern),
                                                  float(timestamp), _json_object(metadata))
        return True

    @_raises(RedisConnectionError)
    def retrieve_working_memory_pattern(
            self, pattern_hash: str) -> Optional[Tuple[np.ndarray, float, Dict[str, Any]]]:
        found = self._memory.retrieve_working_memory_pattern(pattern_hash)
        if found is None:
            return None
        return found.pattern, found.timestamp, found.metadata

    @_raises(RedisConnectionError)
    def update_working_memory_access(self, pattern_hash: str) -> bool:
        return bool(self._memory.update_working_memory_access(pattern_hash))

    # -- spike trains --

    @_raises(RedisConnectionError)
    def cache_spike_train(self, timestamp: float, spike_data,
                          neuron_ids: Optional[List[int]] = None, ttl: int = 300) -> bool:
        ids = None if neuron_ids is None else [int(i) for i in neuron_ids]
        self._memory.cache_spike_train(float(timestamp), _array(spike_data), ids,
                                       None if ttl is None else float(ttl))
        return True

    @_raises(RedisConnectionError)
    def retrieve_spike_train(self, timestamp: float) -> Optional[Tuple[np.ndarray, List[int]]]:
        found = self._memory.retrieve_spike_train(float(timestamp))
        if found is None:
            return None
        return found.spike_data, list(found.neuron_ids)

    @_raises(RedisConnectionError)
    def get_recent_spike_trains(
            self, time_window: float = 1.0) -> List[Tuple[float, np.ndarray, List[int]]]:
        return [(train.timestamp, train.spike_data, list(train.neuron_ids))
                for train in self._memory.get_recent_spike_trains(float(time_window))]

    # -- attention weights --

    @_raises(RedisConnectionError)
    def store_attention_weights(self, context: str, weights, timestamp: float) -> bool:
        self._memory.store_attention_weights(context, _array(weights), float(timestamp))
        return True

    @_raises(RedisConnectionError)
    def retrieve_attention_weights(self, context: str) -> Optional[Tuple[np.ndarray, float]]:
        found = self._memory.retrieve_attention_weights(context)
        if found is None:
            return None
        return found.weights, found.timestamp

    # -- utility --

    @_raises(RedisConnectionError)
    def get_memory_usage(self) -> Dict[str, int]:
        stats = self._maintenance.stats()
        return {key: int(stats[key])
                for key in ("working_memory", "spike_trains", "attention_weights", "total")}

    @_raises(RedisConnectionError)
    def clear_expired_data(self) -> int:
        return int(self._maintenance.clear_expired())

    @_raises(RedisConnectionError)
    def flush_all_data(self) -> bool:
        self._maintenance.clear_all()
        return True

    @_raises(RedisConnectionError)
    def close(self) -> None:
        self._storage.close()


# ---- SQLiteStorage ---------------------------------------------------------------

_TABLES = ("episodes", "concepts", "learning_events", "concept_relationships")


def _episode(record):
    return Episode(id=record.id, timestamp=record.timestamp,
                   experience_data=_experience_bytes(record.experience_data),
                   performance_score=record.performance_score,
                   context_hash=record.context_hash, metadata=record.metadata)


def _concept(record):
    return Concept(id=record.id, name=record.name, embedding=_npy_bytes(record.embedding),
                   creation_time=record.creation_time, access_count=record.access_count,
                   last_accessed=record.last_accessed, metadata=record.metadata)


def _learning_event(record):
    return LearningEvent(id=record.id, task_type=record.task_type,
                         performance_delta=record.performance_delta,
                         strategy_used=record.strategy_used, timestamp=record.timestamp,
                         parameters=record.parameters)


class SQLiteStorage(_Closing):
    """Episodes, concepts and learning events in one SQLite file: engram's
    sqlite plugin (backend "sqlite"). `backup_interval` and `max_backups`
    may be changed on a live object."""

    def __init__(self, db_path="godly_ai.db", backup_interval: int = 3600,
                 max_backups: int = 10, enable_wal: bool = True,
                 connection_timeout: float = 30.0):
        self.db_path = Path(db_path)
        self._backup_interval = backup_interval
        self._max_backups = max_backups
        self.enable_wal = enable_wal
        self.connection_timeout = connection_timeout
        try:
            self._storage = _open("sqlite", {
                "db_path": os.path.abspath(os.fspath(db_path)),
                "backup_interval": int(backup_interval), "max_backups": int(max_backups),
                "enable_wal": bool(enable_wal), "connection_timeout": float(connection_timeout),
            }, ["episodes", "concepts"])
            self._episodes = self._storage.episodes
            self._concepts = self._storage.concepts
            self._maintenance = self._storage.maintenance("sqlite")
        except _FAILURES as error:
            raise SQLiteStorageError("opening %s: %s" % (db_path, error)) from error

    # -- live settings --

    @property
    def backup_interval(self) -> int:
        return self._backup_interval

    @backup_interval.setter
    @_raises(SQLiteStorageError)
    def backup_interval(self, value: int) -> None:
        self._maintenance.set_option("backup_interval", int(value))
        self._backup_interval = value

    @property
    def max_backups(self) -> int:
        return self._max_backups

    @max_backups.setter
    @_raises(SQLiteStorageError)
    def max_backups(self, value: int) -> None:
        self._maintenance.set_option("max_backups", int(value))
        self._max_backups = value

    # -- the seed's blob helper --

    @staticmethod
    def _deserialize_array(data: bytes):
        """An Episode.experience_data or Concept.embedding back as the value
        stored: a numpy array from .npy bytes, a dict (numpy arrays, tuples
        and other values inside as they were) from tagged JSON text."""
        try:
            return _deserialize(data)
        except (ValueError, TypeError, KeyError) as error:
            raise SQLiteStorageError("_deserialize_array: neither .npy nor tagged JSON: %s"
                                     % error) from error

    # -- episodes --

    @_raises(SQLiteStorageError)
    def store_episode(self, experience_data, performance_score: float, context_hash: str,
                      timestamp: Optional[float] = None,
                      metadata: Optional[Dict[str, Any]] = None) -> int:
        if isinstance(experience_data, dict):
            experience = tagged_json.encode(experience_data)
        else:
            experience = _array(experience_data)
        return self._episodes.store_episode(
            experience, float(performance_score), context_hash,
            None if timestamp is None else float(timestamp), _json_object(metadata))

    @_raises(SQLiteStorageError)
    def retrieve_episode(self, episode_id: int) -> Optional[Episode]:
        found = self._episodes.retrieve_episode(int(episode_id))
        return None if found is None else _episode(found)

    @_raises(SQLiteStorageError)
    def get_episodes_by_context(self, context_hash: str, limit: int = 100,
                                min_score: Optional[float] = None) -> List[Episode]:
        return [_episode(e) for e in self._episodes.get_episodes_by_context(
            context_hash, int(limit), None if min_score is None else float(min_score))]

    @_raises(SQLiteStorageError)
    def get_recent_episodes(self, time_window: float = 3600.0,
                            limit: int = 100) -> List[Episode]:
        return [_episode(e) for e in self._episodes.get_recent_episodes(float(time_window),
                                                                        int(limit))]

    # -- concepts --

    @_raises(SQLiteStorageError)
    def store_concept(self, name: str, embedding, metadata: Optional[Dict[str, Any]] = None,
                      creation_time: Optional[float] = None) -> int:
        return self._concepts.store_concept(
            name, _array(embedding), _json_object(metadata),
            None if creation_time is None else float(creation_time))

    @_raises(SQLiteStorageError)
    def retrieve_concept(self, concept_id: int) -> Optional[Concept]:
        found = self._concepts.retrieve_concept(int(concept_id))
        return None if found is None else _concept(found)

    @_raises(SQLiteStorageError)
    def retrieve_concept_by_name(self, name: str) -> Optional[Concept]:
        found = self._concepts.retrieve_concept_by_name(name)
        return None if found is None else _concept(found)

    @_raises(SQLiteStorageError)
    def search_concepts(self, query: str, limit: int = 10) -> List[Concept]:
        return [_concept(c) for c in self._concepts.search_concepts(query, int(limit))]

    @_raises(SQLiteStorageError)
    def add_concept_relationship(self, source_id: int, target_id: int,
                                 relationship_type: str, strength: float = 1.0) -> bool:
        self._concepts.add_concept_relationship(int(source_id), int(target_id),
                                                relationship_type, float(strength))
        return True

    @_raises(SQLiteStorageError)
    def get_concept_relationships(self, concept_id: int,
                                  relationship_type: Optional[str] = None
                                  ) -> List[Tuple[int, str, float]]:
        return [(r.target_id, r.type, r.strength)
                for r in self._concepts.get_concept_relationships(int(concept_id),
                                                                  relationship_type)]

    # -- learning events --

    @_raises(SQLiteStorageError)
    def store_learning_event(self, task_type: str, performance_delta: float,
                             strategy_used: str, parameters: Optional[Dict[str, Any]] = None,
                             timestamp: Optional[float] = None) -> int:
        return self._episodes.store_learning_event(
            task_type, float(performance_delta), strategy_used, _json_object(parameters),
            None if timestamp is None else float(timestamp))

    @_raises(SQLiteStorageError)
    def get_learning_events_by_task(self, task_type: str, limit: int = 100,
                                    min_performance_delta: Optional[float] = None
                                    ) -> List[LearningEvent]:
        return [_learning_event(e) for e in self._episodes.get_learning_events_by_task(
            task_type, int(limit),
            None if min_performance_delta is None else float(min_performance_delta))]

    @_raises(SQLiteStorageError)
    def get_best_strategies(self, task_type: str, limit: int = 5) -> List[Tuple[str, float, int]]:
        return [(s.strategy, s.avg_delta, s.count)
                for s in self._episodes.get_best_strategies(task_type, int(limit))]

    # -- database management --

    @_raises(SQLiteStorageError)
    def create_backup(self, backup_path=None) -> Path:
        return Path(self._maintenance.backup(
            None if backup_path is None else os.path.abspath(os.fspath(backup_path))))

    @_raises(SQLiteStorageError)
    def vacuum_database(self) -> bool:
        self._maintenance.compact()
        return True

    @_raises(SQLiteStorageError)
    def get_database_stats(self) -> Dict[str, Any]:
        stats = self._maintenance.stats()
        out = {"%s_count" % table: int(stats[table]) for table in _TABLES}
        size = int(stats["file_size_bytes"])
        out.update(db_size_bytes=size, db_size_mb=size / (1024 * 1024),
                   schema_version=int(stats["schema_version"]),
                   total_pages=int(stats["page_count"]), page_size=int(stats["page_size"]))
        return out

    @_raises(SQLiteStorageError)
    def auto_backup_if_needed(self) -> Optional[Path]:
        written = self._maintenance.backup_if_due()
        return None if written is None else Path(written)

    @_raises(SQLiteStorageError)
    def close(self) -> None:
        self._storage.close()


# ---- HDF5Storage -----------------------------------------------------------------

# The seed's top-level groups, which engram's hdf5 plugin makes in every file.
_HDF5_GROUPS = ["activations", "learning_traces", "network_states", "spike_trains"]


class HDF5Storage(_Closing):
    """Traces in one HDF5 file in the seed's layout: engram's hdf5 plugin
    (backend "hdf5"). `max_file_size` may be changed on a live object."""

    def __init__(self, file_path="godly_ai_data.h5", compression: str = "gzip",
                 compression_opts: int = 6, chunk_size: int = 1024,
                 max_file_size: int = 10 * 1024**3, enable_swmr: bool = True):
        self.file_path = Path(file_path)
        self.compression = compression
        self.compression_opts = compression_opts
        self.chunk_size = chunk_size
        self._max_file_size = max_file_size
        self.enable_swmr = enable_swmr
        try:
            self._storage = _open("hdf5", {
                "file_path": os.path.abspath(os.fspath(file_path)),
                "compression": str(compression), "compression_opts": int(compression_opts),
                "chunk_size": int(chunk_size), "max_file_size": int(max_file_size),
                "enable_swmr": bool(enable_swmr),
            }, ["traces"])
            self._traces = self._storage.traces
            self._maintenance = self._storage.maintenance("hdf5")
        except _FAILURES as error:
            raise HDF5StorageError("opening %s: %s" % (file_path, error)) from error

    # -- live settings --

    @property
    def max_file_size(self) -> int:
        return self._max_file_size

    @max_file_size.setter
    @_raises(HDF5StorageError)
    def max_file_size(self, value: int) -> None:
        self._maintenance.set_option("max_file_size", int(value))
        self._max_file_size = value

    # -- network states --

    @_raises(HDF5StorageError)
    def store_network_snapshot(self, timestamp: float, adjacency_matrix, weight_matrix,
                               neuron_states,
                               metadata: Optional[Dict[str, Any]] = None) -> str:
        return self._traces.store_network_snapshot(
            float(timestamp), _array(adjacency_matrix), _array(weight_matrix),
            _array(neuron_states), _json_object(metadata))

    @_raises(HDF5StorageError)
    def retrieve_network_snapshot(self, snapshot_id: str) -> Optional[NetworkSnapshot]:
        found = self._traces.retrieve_network_snapshot(snapshot_id)
        if found is None:
            return None
        return NetworkSnapshot(timestamp=found.timestamp, adjacency_matrix=found.adjacency_matrix,
                               weight_matrix=found.weight_matrix,
                               neuron_states=found.neuron_states, metadata=found.metadata)

    @_raises(HDF5StorageError)
    def get_network_snapshots_in_range(self, start_time: float, end_time: float) -> List[str]:
        return list(self._traces.get_network_snapshots_in_range(float(start_time),
                                                                float(end_time)))

    # -- spike trains --

    @_raises(HDF5StorageError)
    def store_spike_train(self, timestamp: float, spike_times, neuron_ids,
                          spike_amplitudes=None,
                          metadata: Optional[Dict[str, Any]] = None) -> str:
        return self._traces.store_spike_train(
            float(timestamp), _array(spike_times), _array(neuron_ids),
            None if spike_amplitudes is None else _array(spike_amplitudes),
            _json_object(metadata))

    @_raises(HDF5StorageError)
    def retrieve_spike_train(self, train_id: str) -> Optional[SpikeTrainData]:
        found = self._traces.retrieve_spike_train(train_id)
        if found is None:
            return None
        return SpikeTrainData(timestamp=found.timestamp, spike_times=found.spike_times,
                              neuron_ids=found.neuron_ids,
                              spike_amplitudes=found.spike_amplitudes, metadata=found.metadata)

    @_raises(HDF5StorageError)
    def store_compressed_spike_train(self, timestamp: float, spike_data,
                                     compression_params: Dict[str, Any]) -> str:
        return self._traces.store_compressed_spike_train(
            float(timestamp), _array(spike_data), _json_object(compression_params))

    # -- activations --

    @_raises(HDF5StorageError)
    def store_reservoir_states(self, timestamp: float, reservoir_states,
                               reservoir_id: str = "default") -> str:
        return self._traces.store_reservoir_states(float(timestamp), _array(reservoir_states),
                                                   reservoir_id)

    @_raises(HDF5StorageError)
    def retrieve_reservoir_states(self,
                                  state_id: str) -> Optional[Tuple[np.ndarray, float, str]]:
        found = self._traces.retrieve_reservoir_states(state_id)
        if found is None:
            return None
        return found.reservoir_states, found.timestamp, found.reservoir_id

    @_raises(HDF5StorageError)
    def store_layer_outputs(self, timestamp: float, layer_outputs: Dict[str, Any]) -> str:
        return self._traces.store_layer_outputs(
            float(timestamp), {str(name): _array(out) for name, out in layer_outputs.items()})

    @_raises(HDF5StorageError)
    def retrieve_layer_outputs(
            self, output_id: str) -> Optional[Tuple[Dict[str, np.ndarray], float]]:
        found = self._traces.retrieve_layer_outputs(output_id)
        if found is None:
            return None
        return dict(found.layer_outputs), found.timestamp

    # -- learning traces --

    @_raises(HDF5StorageError)
    def store_plasticity_trace(self, timestamp: float, synapse_changes,
                               plasticity_type: str = "stdp") -> str:
        return self._traces.store_plasticity_trace(float(timestamp), _array(synapse_changes),
                                                   plasticity_type)

    @_raises(HDF5StorageError)
    def retrieve_plasticity_trace(self,
                                  trace_id: str) -> Optional[Tuple[np.ndarray, float, str]]:
        found = self._traces.retrieve_plasticity_trace(trace_id)
        if found is None:
            return None
        return found.synapse_changes, found.timestamp, found.plasticity_type

    @_raises(HDF5StorageError)
    def store_homeostatic_trace(self, timestamp: float, homeostatic_changes,
                                mechanism: str = "intrinsic_plasticity") -> str:
        return self._traces.store_homeostatic_trace(float(timestamp),
                                                    _array(homeostatic_changes), mechanism)

    @_raises(HDF5StorageError)
    def store_performance_metrics(self, timestamp: float, metrics: Dict[str, float],
                                  task_type: str = "general") -> str:
        return self._traces.store_performance_metrics(
            float(timestamp), {str(name): float(value) for name, value in metrics.items()},
            task_type)

    @_raises(HDF5StorageError)
    def retrieve_performance_metrics(
            self, metrics_id: str) -> Optional[Tuple[Dict[str, float], float, str]]:
        found = self._traces.retrieve_performance_metrics(metrics_id)
        if found is None:
            return None
        return dict(found.metrics), found.timestamp, found.task_type

    # -- file management --

    def _counted_by_h5py(self, path):
        """(top-level group names, datasets) read from the file with h5py, as
        the seed counted them, under the reader's lock the plugin documents
        (a shared flock on <file>.lock); None when h5py is absent or cannot
        open the file (enable_swmr=False: HDF5's lock keeps readers out)."""
        try:
            import fcntl

            import h5py
        except ImportError:
            return None
        datasets = 0

        def visit(_name, item):
            nonlocal datasets
            datasets += isinstance(item, h5py.Dataset)

        try:
            with open(path + ".lock", "a+") as lock:
                fcntl.flock(lock, fcntl.LOCK_SH)
                with h5py.File(path, "r") as f:
                    f.visititems(visit)
                    return sorted(f.keys()), datasets
        except OSError:
            return None

    def _counted_from_records(self, stats):
        """(the layout's top-level groups, datasets) from engram's counts:
        one dataset per snapshot group (three), compressed train, reservoir,
        trace and metrics record; two or three per raw train and one per
        layer, read from listings (which hold the records' arrays: slower)."""
        total = 3 * int(stats["network_snapshots"])
        for kind in ("compressed_spike_trains", "reservoir_states", "plasticity_traces",
                     "homeostatic_traces", "performance_metrics"):
            total += int(stats[kind])
        for lister, count in ((self._traces.list_spike_trains,
                               lambda t: 2 + (t.spike_amplitudes is not None)),
                              (self._traces.list_layer_outputs,
                               lambda o: len(o.layer_outputs))):
            cursor = ""
            while True:
                page = lister(cursor, 16)
                total += sum(count(item) for item in page.items)
                if not page.next_cursor:
                    break
                cursor = page.next_cursor
        return list(_HDF5_GROUPS), total

    @_raises(HDF5StorageError)
    def get_file_info(self) -> Dict[str, Any]:
        stats = self._maintenance.stats()
        size = int(stats["file_size"])
        groups, datasets = (self._counted_by_h5py(str(stats["file_path"]))
                            or self._counted_from_records(stats))
        return {
            "file_path": str(stats["file_path"]),
            "file_size_bytes": size,
            "file_size_mb": size / (1024 * 1024),
            "compression": stats["compression"],
            "chunk_size": int(stats["chunk_size"]),
            "groups": groups,
            "total_datasets": datasets,
            "created_at": stats.get("created_at"),
            "version": stats.get("version"),
        }

    @_raises(HDF5StorageError)
    def compact_file(self) -> bool:
        self._maintenance.compact()
        return True

    @_raises(HDF5StorageError)
    def rotate_file(self) -> Path:
        return Path(self._maintenance.rotate())

    @_raises(HDF5StorageError)
    def check_file_size(self) -> bool:
        return bool(self._maintenance.rotate_if_needed())

    @_raises(HDF5StorageError)
    def cleanup_old_data(self, retention_days: int = 30) -> int:
        return int(self._maintenance.cleanup(int(retention_days)))

    @_raises(HDF5StorageError)
    def close(self) -> None:
        self._storage.close()
