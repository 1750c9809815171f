"""The C library's own time for a workload: engram-bench's `<workload>/raw`
entries, which drive the C library (sqlite3 C API, HDF5 C API, hiredis)
directly for the same work, run once in a subprocess with
--benchmark_format=json.

`measure(bench, entries, min_time, redis_port)` returns {entry name: wall
seconds per operation} for those of `entries` the run reported (an entry it
skipped, for one because no Redis server was given, is left out): the
real_time of the entry named `<entry>` or `<entry>/<what it fixes>`
(Google Benchmark's wall-clock time per iteration, in its time_unit; each
of these entries does one operation per iteration).

Errors: a bench that fails to start or exits non-zero raises RuntimeError
with its stderr. Thread safety: none needed.
"""
import json
import os
import re
import subprocess

_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0}


def measure(bench, entries, min_time, redis_port):
    if not entries:
        return {}
    # Google Benchmark appends what an entry fixes ("/iterations:1000",
    # "/real_time") to its name.
    pattern = "^(%s)(/|$)" % "|".join(re.escape(e) for e in sorted(entries))
    env = dict(os.environ)
    env.pop("ENGRAM_BENCH_REDIS_PORT", None)
    if redis_port is not None:
        env["ENGRAM_BENCH_REDIS_PORT"] = str(redis_port)
    command = [bench, "--benchmark_filter=" + pattern, "--benchmark_format=json",
               "--benchmark_min_time=%g" % min_time]
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError("%s exited %d: %s" % (bench, done.returncode, done.stderr[-2000:]))
    seconds = {}
    for b in json.loads(done.stdout).get("benchmarks", []):
        if b.get("error_occurred") or b.get("run_type", "iteration") != "iteration":
            continue
        for e in entries:
            if b["name"] == e or b["name"].startswith(e + "/"):
                seconds[e] = b["real_time"] * _UNIT_SECONDS[b.get("time_unit", "ns")]
    return seconds
