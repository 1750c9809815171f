"""What a workload is: its name, its three sides, and how its C-library time
is known.

A Workload names one operation of the Python system (store or retrieve of
one kind of record) and gives, for each side, a context manager that sets
the side up in a scratch folder and yields a Prepared: the step doing one
operation, and for the raw side the CTimer its timed C calls add to. Leaving
the context closes and removes what the side made. The sides:
  raw     plain Python (sqlite3 / h5py / redis-py) doing the same work with
          the same codec and durability as engram's plugin;
  engram  the engram module directly;
  compat  engram.compat, the seed's classes.
Entries are named `<workload>/<side>`.

`cxx_raw` is the name of engram-bench's `<workload>/raw` entry that does
exactly this work through the C library (same arrays, codec, durability),
or None when engram-bench has none; `c_calls` says which calls the raw
side's CTimer times (the other way of measuring the C share).

Thread safety: immutable.
"""
from dataclasses import dataclass
from typing import Callable, ContextManager, Dict, Optional

from timing import CTimer

SIDES = ("raw", "engram", "compat")


@dataclass
class Prepared:
    step: Callable[[], object]
    c_timer: Optional[CTimer] = None


@dataclass
class Setup:
    """What a side's setup gets: a fresh scratch folder and the run's options."""
    scratch: str
    redis_port: Optional[int]


@dataclass(frozen=True)
class Workload:
    name: str
    backend: str  # "sqlite", "hdf5" or "redis"
    sides: Dict[str, Callable[[Setup], ContextManager[Prepared]]]
    cxx_raw: Optional[str]
    c_calls: str

    def entry(self, side: str) -> str:
        return "%s/%s" % (self.name, side)
