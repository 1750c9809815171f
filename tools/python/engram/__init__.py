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
import sys as _sys

from ._engram import *  # noqa: F401,F403  (the extension's names are the package's)
from ._engram import __version__  # noqa: F401
from ._engram import npy

# The extension's submodule npy is engram.npy, so `import engram.npy` and
# `from engram.npy import decode` find it too.
_sys.modules[__name__ + ".npy"] = npy


def _field_repr(value):
    shape = getattr(value, "shape", None)
    if shape is not None and hasattr(value, "dtype"):
        return f"<{value.dtype} array {tuple(shape)}>"
    if isinstance(value, dict) and any(hasattr(v, "shape") for v in value.values()):
        return "{" + ", ".join(f"{k!r}: {_field_repr(v)}" for k, v in value.items()) + "}"
    return repr(value)


def _record_repr(self):
    """Name(field=value, ...), arrays shown by dtype and shape."""
    cls = type(self)
    fields = [name for name in dir(cls)
              if not name.startswith("_") and isinstance(getattr(cls, name), property)]
    return f"{cls.__name__}(" + ", ".join(
        f"{name}={_field_repr(getattr(self, name))}" for name in fields) + ")"


for _record in (WorkingMemoryPattern, CachedSpikeTrain, AttentionWeights, Episode,  # noqa: F405
                LearningEvent, Concept, NetworkSnapshot, SpikeTrainData,  # noqa: F405
                CompressedSpikeTrain, ReservoirStates, LayerOutputs, PlasticityTrace,  # noqa: F405
                HomeostaticTrace, PerformanceMetrics):  # noqa: F405
    _record.__repr__ = _record_repr
del _record
