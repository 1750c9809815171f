"""The seed's data classes, and engram's records made into them.

Episode, Concept, LearningEvent, NetworkSnapshot and SpikeTrainData have the
seed's fields, types and defaults. Episode.experience_data and
Concept.embedding are bytes as in the seed (blobs.py says which bytes).
`episode(record)`, `concept(record)` and `learning_event(record)` build one
from the engram record of the same name (new objects; the record's arrays
are encoded, its dicts shared).

Thread safety: plain data; the builders are stateless.
"""
from dataclasses import dataclass
from typing import Any, Dict, Optional

import numpy as np

from .blobs import experience_bytes, npy_bytes


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


def episode(record):
    """The Episode of an engram.Episode."""
    return Episode(id=record.id, timestamp=record.timestamp,
                   experience_data=experience_bytes(record.experience_data),
                   performance_score=record.performance_score,
                   context_hash=record.context_hash, metadata=record.metadata)


def concept(record):
    """The Concept of an engram.Concept."""
    return Concept(id=record.id, name=record.name, embedding=npy_bytes(record.embedding),
                   creation_time=record.creation_time, access_count=record.access_count,
                   last_accessed=record.last_accessed, metadata=record.metadata)


def learning_event(record):
    """The LearningEvent of an engram.LearningEvent."""
    return LearningEvent(id=record.id, task_type=record.task_type,
                         performance_delta=record.performance_delta,
                         strategy_used=record.strategy_used, timestamp=record.timestamp,
                         parameters=record.parameters)
