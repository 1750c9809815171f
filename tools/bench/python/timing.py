"""The timing every entry shares: the Python counterpart of tools/bench/ratio.h.

An entry's work is one callable, `step()`, doing one operation. `run(step,
min_time)` calls it untimed for a short warm-up, then repeatedly until
`min_time` wall-clock seconds have passed (at least once), and returns a
Measurement: the iteration count, the wall-clock and process-CPU seconds,
and the seconds the step spent inside the C library when it measured them
itself (a raw entry adds to a CTimer; see CTimer).

Errors: whatever the step raises propagates; nothing is caught here.
Thread safety: none needed (the benchmark runs its entries one at a time).
"""
import time
from dataclasses import dataclass
from typing import Callable, Optional


class CTimer:
    """Seconds spent inside timed C-library calls, added up by the step:

        with c_timer:
            connection.commit()
    """

    def __init__(self):
        self.seconds = 0.0
        self._start = 0.0

    def __enter__(self):
        self._start = time.perf_counter()
        return self

    def __exit__(self, exc_type, exc, traceback):
        self.seconds += time.perf_counter() - self._start
        return False

    def reset(self):
        self.seconds = 0.0


@dataclass
class Measurement:
    iterations: int
    real_seconds: float
    cpu_seconds: float
    # Seconds inside the timed C calls (the step's CTimer), None when the
    # entry has none.
    c_seconds: Optional[float] = None

    @property
    def seconds_per_op(self) -> float:
        return self.real_seconds / self.iterations

    @property
    def ops_per_second(self) -> float:
        return self.iterations / self.real_seconds if self.real_seconds > 0 else 0.0


def run(step: Callable[[], object], min_time: float,
        c_timer: Optional[CTimer] = None) -> Measurement:
    """Times `step` as the header says. The warm-up (a tenth of min_time, at
    most 0.2 s, at least one call) lets connections, caches and the heap
    settle, as ratio.h's warm_up does, so the order of entries does not tilt
    a ratio."""
    warm_until = time.perf_counter() + min(0.2, min_time / 10)
    step()
    while time.perf_counter() < warm_until:
        step()
    if c_timer is not None:
        c_timer.reset()
    iterations = 0
    cpu_start = time.process_time()
    start = time.perf_counter()
    until = start + min_time
    now = start
    while True:
        step()
        iterations += 1
        now = time.perf_counter()
        if now >= until:
            break
    cpu = time.process_time() - cpu_start
    return Measurement(iterations, now - start, cpu,
                       None if c_timer is None else c_timer.seconds)
