#!/usr/bin/python3
"""The Python system's storage workloads through engram.compat, through engram
directly and through plain Python doing the same work, side by side in one
run: `<workload>/compat`, `<workload>/engram` and `<workload>/raw` entries
(the workloads and what "the same work" means: sqlite_workloads.py,
hdf5_workloads.py, redis_workloads.py).

    PYTHONPATH=build/<tree>/python /usr/bin/python3 tools/bench/python/python_bench.py \\
        [--benchmark_filter=REGEX] [--benchmark_min_time=SECONDS] \\
        [--benchmark_format=console|json] [--benchmark_out=FILE] \\
        [--redis-port N] [--engram-bench PATH] [--scratch-dir DIR]

tools/bench/python-bench.sh runs it with a throwaway redis-server.

The three entries of a workload are set up together and take turns
(timing.run_interleaved), so a shared machine's drifting load falls on each
alike. Each entry reports, as Google Benchmark does, iterations, real_time and
cpu_time per operation and items_per_second (per wall-clock second, as
Google Benchmark's UseRealTime), and user counters:
- ratio_vs_raw (engram and compat entries): its rate ÷ the raw entry's rate
  of the same workload in this run, as tools/bench/ratio.h's pairs do;
- c_share (every entry): the share of its wall time spent inside the C
  library doing the work, measured one of two ways, named per entry in the
  JSON context's c_share_method:
  * "cxx-raw: <entry>": engram-bench (the C++ benchmarks) has a raw entry
    driving the C library directly for exactly this work; it runs once, just
    before the workload's entries, and c_share = its time per operation ÷
    this entry's;
  * "timed-calls: <calls>": the raw entry times its calls into the C
    library (the calls named) and c_share = that time ÷ its wall time; the
    engram and compat entries do the same C work, so theirs = the raw
    entry's C time per operation ÷ their time per operation.
  A share above 1 (timing noise: the C work cannot take longer than the
  whole operation) is reported as 1. c_us_per_op is the C time used.
  Where both are known, c_share_timed_calls is the second way beside the
  first: engram-bench runs at another moment, and on a shared machine an
  fsync's latency can drift tenfold within minutes.

Options: --benchmark_filter runs the entries whose name the regular
expression matches (re.search); --benchmark_min_time is each entry's
measured wall time, in 10 turns (default 0.5 s; "1s" is accepted too); the Redis
workloads run only with --redis-port, the port of a server on 127.0.0.1
(they write only their own keys and delete them); --engram-bench is the
engram-bench binary (default: <build>/tools/bench/engram-bench beside the
engram module's build tree; "" not to use it). Files go to a fresh folder
under --scratch-dir (default: the system's temp folder), removed at the end.

Exit status: 0, or 2 for a bad option; an error in an entry propagates (a
traceback, status 1).
"""
import argparse
import contextlib
import datetime
import os
import platform
import re
import shutil
import sys
import tempfile

import engram

import cxx_raw_time
import hdf5_workloads
import redis_workloads
import report
import sqlite_workloads
import timing
from workload import SIDES, Setup

WORKLOADS = (sqlite_workloads.WORKLOADS + hdf5_workloads.WORKLOADS
             + redis_workloads.WORKLOADS)


def _seconds(text):
    value = float(text[:-1] if text.endswith("s") else text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be > 0")
    return value


def _default_bench():
    # <build>/python/engram/__init__.py -> <build>/tools/bench/engram-bench
    build = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(engram.__file__))))
    return os.path.join(build, "tools", "bench", "engram-bench")


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--benchmark_filter", default=".")
    p.add_argument("--benchmark_min_time", type=_seconds, default=0.5)
    p.add_argument("--benchmark_format", choices=("console", "json"), default="console")
    p.add_argument("--benchmark_out", help="also write the JSON to this file")
    p.add_argument("--redis-port", type=int)
    p.add_argument("--engram-bench", default=None)
    p.add_argument("--scratch-dir", default=None)
    args = p.parse_args(argv)
    try:
        args.filter = re.compile(args.benchmark_filter)
    except re.error as error:
        p.error("--benchmark_filter: %s" % error)
    if args.engram_bench is None:
        args.engram_bench = _default_bench()
    return args


def c_share_counters(share_seconds, per_op):
    """ratio.h-style counters for an entry whose C time per op is share_seconds."""
    if share_seconds is None or per_op <= 0:
        return {}
    return {"c_share": min(1.0, share_seconds / per_op), "c_us_per_op": share_seconds * 1e6}


def main(argv):
    args = parse(argv)
    skipped = []
    selected = []  # (workload, [sides])
    for w in WORKLOADS:
        sides = [s for s in SIDES if args.filter.search(w.entry(s))]
        if not sides:
            continue
        if w.backend == "redis" and args.redis_port is None:
            skipped.append("%s: no --redis-port" % w.name)
            continue
        selected.append((w, sides))

    have_bench = bool(args.engram_bench) and os.access(args.engram_bench, os.X_OK)
    scratch_root = tempfile.mkdtemp(prefix="engram-pybench-", dir=args.scratch_dir)
    benchmarks, methods = [], {}
    try:
        for w, sides in selected:
            # engram-bench's entry runs just before the sides it is set
            # beside, so a machine's drifting load tilts the shares least.
            cxx = {}
            if have_bench and w.cxx_raw:
                cxx = cxx_raw_time.measure(args.engram_bench, [w.cxx_raw],
                                           args.benchmark_min_time, args.redis_port)
            with contextlib.ExitStack() as opened:
                steps = {}
                for side in sides:
                    folder = tempfile.mkdtemp(prefix=side + "-", dir=scratch_root)
                    opened.callback(shutil.rmtree, folder, ignore_errors=True)
                    prepared = opened.enter_context(
                        w.sides[side](Setup(folder, args.redis_port)))
                    steps[side] = (prepared.step, prepared.c_timer)
                measured = timing.run_interleaved(steps, args.benchmark_min_time)
            raw = measured.get("raw")
            for side in sides:
                m = measured[side]
                name = w.entry(side)
                counters = {}
                if side != "raw" and raw is not None:
                    counters["ratio_vs_raw"] = m.ops_per_second / raw.ops_per_second
                if w.cxx_raw in cxx:
                    methods[name] = "cxx-raw: " + w.cxx_raw
                    c_per_op = cxx[w.cxx_raw]
                elif raw is not None and raw.c_seconds is not None:
                    methods[name] = "timed-calls: " + w.c_calls
                    c_per_op = raw.c_seconds / raw.iterations
                else:
                    c_per_op = None
                counters.update(c_share_counters(c_per_op, m.seconds_per_op))
                if raw is not None and raw.c_seconds is not None:
                    # The timed calls beside engram-bench's figure, as a
                    # cross-check from this run's own time window.
                    counters["c_share_timed_calls"] = min(
                        1.0, raw.c_seconds / raw.iterations / m.seconds_per_op)
                benchmarks.append(report.entry(name, len(benchmarks), m, counters))
    finally:
        shutil.rmtree(scratch_root, ignore_errors=True)

    context = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "host_name": platform.node(),
        "executable": os.path.abspath(__file__),
        "num_cpus": os.cpu_count(),
        "python_version": platform.python_version(),
        "python_executable": sys.executable,
        "engram_module": os.path.dirname(os.path.abspath(engram.__file__)),
        "engram_version": getattr(engram, "__version__", ""),
        "engram_bench": os.path.abspath(args.engram_bench) if have_bench else None,
        "min_time": args.benchmark_min_time,
        "redis_port": args.redis_port,
        "rates": "items_per_second and ratio_vs_raw are per wall-clock second",
        "c_share_method": methods,
        "c_share_timed_calls": {w.name: w.c_calls for w, _ in selected},
        "skipped": skipped,
    }
    if args.benchmark_out:
        with open(args.benchmark_out, "w") as out:
            report.write_json(out, context, benchmarks)
    if args.benchmark_format == "json":
        report.write_json(sys.stdout, context, benchmarks)
    else:
        report.write_table(sys.stdout, context, benchmarks)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
