"""The timing every entry shares: the Python counterpart of tools/bench/ratio.h.

An entry's work is one callable, `step()`, doing one operation.
`run_interleaved({name: (step, c_timer)}, min_time)` times the entries of
one workload together: each step is first called untimed for a short
warm-up, then the entries take turns, in `ROUNDS` rounds, each running its
step repeatedly for min_time / ROUNDS wall-clock seconds (at least once) per
turn. Taking turns exposes every entry to the same drift of a shared
machine's load (another process's fsyncs, a busy Redis server), which would
otherwise tilt the ratio towards whichever entry ran in the quieter moment.
It returns {name: Measurement}: the iteration count, the wall-clock and
process-CPU seconds summed over its turns, and the seconds the step spent
inside the C library when it measured them itself (a raw entry adds to a
CTimer; see CTimer).

Errors: whatever the step raises propagates; nothing is caught here.
Thread safety: none needed (the benchmark runs its entries one at a time).
"""
import time
from dataclasses import dataclass
from typing import Callable, Dict, Optional, Tuple


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


ROUNDS = 10


def _warm_up(step, min_time):
    """Untimed calls (a tenth of min_time, at most 0.2 s, at least one) let
    connections, caches and the heap settle, as ratio.h's warm_up does."""
    until = time.perf_counter() + min(0.2, min_time / 10)
    step()
    while time.perf_counter() < until:
        step()


def _turn(step, seconds):
    """Runs `step` for `seconds` (at least once): (iterations, wall, cpu)."""
    iterations = 0
    cpu_start = time.process_time()
    start = time.perf_counter()
    until = start + seconds
    while True:
        step()
        iterations += 1
        now = time.perf_counter()
        if now >= until:
            break
    return iterations, now - start, time.process_time() - cpu_start


def run_interleaved(entries: Dict[str, Tuple[Callable[[], object], Optional[CTimer]]],
                    min_time: float) -> Dict[str, Measurement]:
    for step, c_timer in entries.values():
        _warm_up(step, min_time)
        if c_timer is not None:
            c_timer.reset()
    totals = {name: [0, 0.0, 0.0] for name in entries}
    for _ in range(ROUNDS):
        for name, (step, _) in entries.items():
            iterations, wall, cpu = _turn(step, min_time / ROUNDS)
            total = totals[name]
            total[0] += iterations
            total[1] += wall
            total[2] += cpu
    return {name: Measurement(total[0], total[1], total[2],
                              None if entries[name][1] is None else entries[name][1].seconds)
            for name, total in totals.items()}
