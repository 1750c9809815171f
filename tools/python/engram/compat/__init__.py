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
value stored. The README ("Differences from the seed") lists where engram's
behaviour replaces a defect of the seed's.

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

The package, one idea a module: errors (the exceptions and the decorator
raising them), records (the data classes), arguments (the seed's values as
engram takes them), blobs (the bytes fields), config (the engram Storage
behind a class), closing (the context-manager protocol), and one module per
class: redis, sqlite, hdf5.
"""
from .errors import HDF5StorageError, RedisConnectionError, SQLiteStorageError
from .hdf5 import HDF5Storage
from .records import Concept, Episode, LearningEvent, NetworkSnapshot, SpikeTrainData
from .redis import RedisStorage
from .sqlite import SQLiteStorage

__all__ = [
    "RedisStorage", "SQLiteStorage", "HDF5Storage",
    "RedisConnectionError", "SQLiteStorageError", "HDF5StorageError",
    "Episode", "Concept", "LearningEvent", "NetworkSnapshot", "SpikeTrainData",
]
