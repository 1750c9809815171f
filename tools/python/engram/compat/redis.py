"""RedisStorage: the seed's working-memory class on a Redis server, backed
by engram's redis plugin (one backend "redis" serving working_memory).

The constructor takes the seed's parameters and defaults and connects;
RedisConnectionError (chained from the engram error) when the server cannot
be reached or a parameter is refused. Every method has the seed's name,
arguments and return shape: a store returns True or raises
RedisConnectionError; a lookup returns None only when the key is not there
(or expired). Arrays come back as numpy arrays owning engram's buffer.
flush_all_data() clears engram's keys only (not the whole database).

Thread safety: every method may be called from several threads at once
(the GIL is released inside engram); close() makes every later call raise.
"""
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from . import arguments
from .closing import Closing
from .config import open_storage
from .errors import FAILURES, RedisConnectionError, raises


class RedisStorage(Closing):
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
            self._storage = open_storage("redis", {
                "host": str(host), "port": int(port), "db": int(db),
                "password": None if password is None else str(password),
                "max_connections": int(max_connections),
                "compression_threshold": int(compression_threshold),
                "retry_attempts": int(retry_attempts), "retry_delay": float(retry_delay),
            }, ["working_memory"])
            self._memory = self._storage.working_memory
            self._maintenance = self._storage.maintenance("redis")
        except FAILURES as error:
            raise RedisConnectionError("connecting to Redis at %s:%s: %s"
                                       % (host, port, error)) from error

    # -- working memory --

    @raises(RedisConnectionError)
    def store_working_memory_pattern(self, pattern_hash: str, pattern,
                                     timestamp: float,
                                     metadata: Optional[Dict[str, Any]] = None) -> bool:
        self._memory.store_working_memory_pattern(pattern_hash, arguments.array(pattern),
                                                  float(timestamp), arguments.json_object(metadata))
        return True

    @raises(RedisConnectionError)
    def retrieve_working_memory_pattern(
            self, pattern_hash: str) -> Optional[Tuple[np.ndarray, float, Dict[str, Any]]]:
        found = self._memory.retrieve_working_memory_pattern(pattern_hash)
        if found is None:
            return None
        return found.pattern, found.timestamp, found.metadata

    @raises(RedisConnectionError)
    def update_working_memory_access(self, pattern_hash: str) -> bool:
        return bool(self._memory.update_working_memory_access(pattern_hash))

    # -- spike trains --

    @raises(RedisConnectionError)
    def cache_spike_train(self, timestamp: float, spike_data,
                          neuron_ids: Optional[List[int]] = None, ttl: int = 300) -> bool:
        ids = None if neuron_ids is None else [int(i) for i in neuron_ids]
        self._memory.cache_spike_train(float(timestamp), arguments.array(spike_data), ids,
                                       None if ttl is None else float(ttl))
        return True

    @raises(RedisConnectionError)
    def retrieve_spike_train(self, timestamp: float) -> Optional[Tuple[np.ndarray, List[int]]]:
        found = self._memory.retrieve_spike_train(float(timestamp))
        if found is None:
            return None
        return found.spike_data, list(found.neuron_ids)

    @raises(RedisConnectionError)
    def get_recent_spike_trains(
            self, time_window: float = 1.0) -> List[Tuple[float, np.ndarray, List[int]]]:
        return [(train.timestamp, train.spike_data, list(train.neuron_ids))
                for train in self._memory.get_recent_spike_trains(float(time_window))]

    # -- attention weights --

    @raises(RedisConnectionError)
    def store_attention_weights(self, context: str, weights, timestamp: float) -> bool:
        self._memory.store_attention_weights(context, arguments.array(weights), float(timestamp))
        return True

    @raises(RedisConnectionError)
    def retrieve_attention_weights(self, context: str) -> Optional[Tuple[np.ndarray, float]]:
        found = self._memory.retrieve_attention_weights(context)
        if found is None:
            return None
        return found.weights, found.timestamp

    # -- utility --

    @raises(RedisConnectionError)
    def get_memory_usage(self) -> Dict[str, int]:
        stats = self._maintenance.stats()
        return {key: int(stats[key])
                for key in ("working_memory", "spike_trains", "attention_weights", "total")}

    @raises(RedisConnectionError)
    def clear_expired_data(self) -> int:
        return int(self._maintenance.clear_expired())

    @raises(RedisConnectionError)
    def flush_all_data(self) -> bool:
        self._maintenance.clear_all()
        return True

    @raises(RedisConnectionError)
    def close(self) -> None:
        self._storage.close()
