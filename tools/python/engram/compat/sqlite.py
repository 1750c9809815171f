"""SQLiteStorage: the seed's episodes, concepts and learning events in one
SQLite file, backed by engram's sqlite plugin (one backend "sqlite" serving
episodes and concepts).

The constructor takes the seed's parameters and defaults and opens (or
creates: an existing empty file is a new store) the database;
SQLiteStorageError (chained from the engram error) when it cannot.
`backup_interval` and `max_backups` may be changed on a live object and take
effect at once. Every method has the seed's name, arguments and return
shape: a store returns the new id, a bool-returning method True or raises
SQLiteStorageError; a lookup returns None / [] only when nothing is there.
Episode.experience_data and Concept.embedding are bytes (blobs.py);
`SQLiteStorage._deserialize_array(data)` turns them back into the value
stored, raising SQLiteStorageError for bytes that are neither.

Thread safety: every method may be called from several threads at once
(the GIL is released inside engram); close() makes every later call raise.
"""
import os
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import engram
from engram import tagged_json

from . import arguments, records
from .blobs import deserialize
from .closing import Closing
from .config import open_storage
from .errors import FAILURES, SQLiteStorageError, raises
from .records import Concept, Episode, LearningEvent

_TABLES = ("episodes", "concepts", "learning_events", "concept_relationships")


class SQLiteStorage(Closing):
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
            self._storage = open_storage("sqlite", {
                "db_path": os.path.abspath(os.fspath(db_path)),
                "backup_interval": int(backup_interval), "max_backups": int(max_backups),
                "enable_wal": bool(enable_wal), "connection_timeout": float(connection_timeout),
            }, ["episodes", "concepts"])
            self._episodes = self._storage.episodes
            self._concepts = self._storage.concepts
            self._maintenance = self._storage.maintenance("sqlite")
        except FAILURES as error:
            raise SQLiteStorageError("opening %s: %s" % (db_path, error)) from error

    # -- live settings --

    @property
    def backup_interval(self) -> int:
        return self._backup_interval

    @backup_interval.setter
    @raises(SQLiteStorageError)
    def backup_interval(self, value: int) -> None:
        self._maintenance.set_option("backup_interval", int(value))
        self._backup_interval = value

    @property
    def max_backups(self) -> int:
        return self._max_backups

    @max_backups.setter
    @raises(SQLiteStorageError)
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
            return deserialize(data)
        except (engram.StorageError, ValueError, TypeError, KeyError) as error:
            raise SQLiteStorageError("_deserialize_array: neither .npy nor tagged JSON: %s"
                                     % error) from error

    # -- episodes --

    @raises(SQLiteStorageError)
    def store_episode(self, experience_data, performance_score: float, context_hash: str,
                      timestamp: Optional[float] = None,
                      metadata: Optional[Dict[str, Any]] = None) -> int:
        if isinstance(experience_data, dict):
            experience = tagged_json.encode(experience_data)
        else:
            experience = arguments.array(experience_data)
        return self._episodes.store_episode(
            experience, float(performance_score), context_hash,
            None if timestamp is None else float(timestamp), arguments.json_object(metadata))

    @raises(SQLiteStorageError)
    def retrieve_episode(self, episode_id: int) -> Optional[Episode]:
        found = self._episodes.retrieve_episode(int(episode_id))
        return None if found is None else records.episode(found)

    @raises(SQLiteStorageError)
    def get_episodes_by_context(self, context_hash: str, limit: int = 100,
                                min_score: Optional[float] = None) -> List[Episode]:
        return [records.episode(e) for e in self._episodes.get_episodes_by_context(
            context_hash, int(limit), None if min_score is None else float(min_score))]

    @raises(SQLiteStorageError)
    def get_recent_episodes(self, time_window: float = 3600.0,
                            limit: int = 100) -> List[Episode]:
        return [records.episode(e) for e in self._episodes.get_recent_episodes(
            float(time_window), int(limit))]

    # -- concepts --

    @raises(SQLiteStorageError)
    def store_concept(self, name: str, embedding, metadata: Optional[Dict[str, Any]] = None,
                      creation_time: Optional[float] = None) -> int:
        return self._concepts.store_concept(
            name, arguments.array(embedding), arguments.json_object(metadata),
            None if creation_time is None else float(creation_time))

    @raises(SQLiteStorageError)
    def retrieve_concept(self, concept_id: int) -> Optional[Concept]:
        found = self._concepts.retrieve_concept(int(concept_id))
        return None if found is None else records.concept(found)

    @raises(SQLiteStorageError)
    def retrieve_concept_by_name(self, name: str) -> Optional[Concept]:
        found = self._concepts.retrieve_concept_by_name(name)
        return None if found is None else records.concept(found)

    @raises(SQLiteStorageError)
    def search_concepts(self, query: str, limit: int = 10) -> List[Concept]:
        return [records.concept(c) for c in self._concepts.search_concepts(query, int(limit))]

    @raises(SQLiteStorageError)
    def add_concept_relationship(self, source_id: int, target_id: int,
                                 relationship_type: str, strength: float = 1.0) -> bool:
        self._concepts.add_concept_relationship(int(source_id), int(target_id),
                                                relationship_type, float(strength))
        return True

    @raises(SQLiteStorageError)
    def get_concept_relationships(self, concept_id: int,
                                  relationship_type: Optional[str] = None
                                  ) -> List[Tuple[int, str, float]]:
        return [(r.target_id, r.type, r.strength)
                for r in self._concepts.get_concept_relationships(int(concept_id),
                                                                  relationship_type)]

    # -- learning events --

    @raises(SQLiteStorageError)
    def store_learning_event(self, task_type: str, performance_delta: float,
                             strategy_used: str, parameters: Optional[Dict[str, Any]] = None,
                             timestamp: Optional[float] = None) -> int:
        return self._episodes.store_learning_event(
            task_type, float(performance_delta), strategy_used, arguments.json_object(parameters),
            None if timestamp is None else float(timestamp))

    @raises(SQLiteStorageError)
    def get_learning_events_by_task(self, task_type: str, limit: int = 100,
                                    min_performance_delta: Optional[float] = None
                                    ) -> List[LearningEvent]:
        return [records.learning_event(e) for e in self._episodes.get_learning_events_by_task(
            task_type, int(limit),
            None if min_performance_delta is None else float(min_performance_delta))]

    @raises(SQLiteStorageError)
    def get_best_strategies(self, task_type: str, limit: int = 5) -> List[Tuple[str, float, int]]:
        return [(s.strategy, s.avg_delta, s.count)
                for s in self._episodes.get_best_strategies(task_type, int(limit))]

    # -- database management --

    @raises(SQLiteStorageError)
    def create_backup(self, backup_path=None) -> Path:
        return Path(self._maintenance.backup(
            None if backup_path is None else os.path.abspath(os.fspath(backup_path))))

    @raises(SQLiteStorageError)
    def vacuum_database(self) -> bool:
        self._maintenance.compact()
        return True

    @raises(SQLiteStorageError)
    def get_database_stats(self) -> Dict[str, Any]:
        stats = self._maintenance.stats()
        out = {"%s_count" % table: int(stats[table]) for table in _TABLES}
        size = int(stats["file_size_bytes"])
        out.update(db_size_bytes=size, db_size_mb=size / (1024 * 1024),
                   schema_version=int(stats["schema_version"]),
                   total_pages=int(stats["page_count"]), page_size=int(stats["page_size"]))
        return out

    @raises(SQLiteStorageError)
    def auto_backup_if_needed(self) -> Optional[Path]:
        written = self._maintenance.backup_if_due()
        return None if written is None else Path(written)

    @raises(SQLiteStorageError)
    def close(self) -> None:
        self._storage.close()
