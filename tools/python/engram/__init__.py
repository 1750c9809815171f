"""engram from Python: plugin-based storage for a neuromorphic AI system's memory.

The API is engram's C++ API (core/include/engram/*.h): the same classes,
methods, parameter names and defaults. Arrays go in as numpy arrays or
anything numpy can view (no copy when C-contiguous) and come back as numpy
arrays owning engram's buffer; metadata is a dict; timestamps and TTLs are
float seconds; "not found" is None.

    import engram, numpy as np
    with engram.Storage.open("config/engram.yaml") as storage:
        episode_id = storage.episodes.store_episode(np.zeros((100, 50)), 0.9, "maze")
        episode = storage.episodes.retrieve_episode(episode_id)
"""

from ._engram import *  # noqa: F401,F403  (the extension's names are the package's)
from ._engram import __version__  # noqa: F401
