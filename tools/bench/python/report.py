"""The results in Google Benchmark's formats: its JSON (--benchmark_format=json,
what tools read) and a console table (the default, for people).

An entry's result is a dict of Google Benchmark's fields ("name",
"run_name", "run_type", "iterations", "real_time", "cpu_time", "time_unit",
"items_per_second", ...) plus its user counters ("ratio_vs_raw",
"c_share", "c_us_per_op", "c_share_timed_calls") at the top level, as Google Benchmark writes
them. `entry(...)` makes one; `write_json` and `write_table` print a run.

Errors: none of its own (I/O errors of the stream propagate).
Thread safety: stateless.
"""
import json

TIME_UNIT = "us"
_PER_UNIT = 1e6


def entry(name, index, measurement, counters):
    per_op = measurement.real_seconds / measurement.iterations
    result = {
        "name": name,
        "family_index": index,
        "per_family_instance_index": 0,
        "run_name": name,
        "run_type": "iteration",
        "repetitions": 1,
        "repetition_index": 0,
        "threads": 1,
        "iterations": measurement.iterations,
        "real_time": per_op * _PER_UNIT,
        "cpu_time": measurement.cpu_seconds / measurement.iterations * _PER_UNIT,
        "time_unit": TIME_UNIT,
        # Per wall-clock second (Google Benchmark's UseRealTime), as the
        # ratios are: a CPU-second rate is blind to fsync and network waits.
        "items_per_second": measurement.ops_per_second,
    }
    result.update(counters)
    return result


def write_json(stream, context, benchmarks):
    json.dump({"context": context, "benchmarks": benchmarks}, stream, indent=2)
    stream.write("\n")


def _number(value, digits):
    return "-" if value is None else "%.*f" % (digits, value)


def write_table(stream, context, benchmarks):
    stream.write("%s  (python %s, min_time %g s per entry)\n" % (
        context["date"], context["python_version"], context["min_time"]))
    width = max([len("name")] + [len(b["name"]) for b in benchmarks])
    header = "%-*s %12s %10s %12s %8s %-15s %13s" % (
        width, "name", "time/op us", "ops/s", "ratio_vs_raw", "c_share", "  (method)",
        "c_timed_calls")
    stream.write(header + "\n" + "-" * len(header) + "\n")
    methods = context.get("c_share_method", {})
    for b in benchmarks:
        method = methods.get(b["name"], "").split(":")[0]
        stream.write("%-*s %12.1f %10.1f %12s %8s %-15s %13s\n" % (
            width, b["name"], b["real_time"], b["items_per_second"],
            _number(b.get("ratio_vs_raw"), 2), _number(b.get("c_share"), 2),
            "  (%s)" % method if method else "", _number(b.get("c_share_timed_calls"), 2)))
    stream.write("c_share methods and the calls timed: the JSON context "
                 "(--benchmark_format=json)\n")
    for line in context.get("skipped", []):
        stream.write("skipped: %s\n" % line)
