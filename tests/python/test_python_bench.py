"""Smoke test of the Python benchmark (tools/bench/python/python_bench.py):
every workload runs briefly on all three sides and the JSON it prints is
Google Benchmark's shape, with ratio_vs_raw > 0 on every engram and compat
entry and c_share (and its cross-check c_share_timed_calls) in (0, 1] on
every entry. It never asserts a speed. The Redis workloads run when
ENGRAM_TEST_REDIS_PORT names the test server, and are reported skipped
otherwise.
"""
import json
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
PROGRAM = ROOT / "tools" / "bench" / "python" / "python_bench.py"
sys.path.insert(0, str(PROGRAM.parent))
import python_bench  # noqa: E402  (its workload list: what the run must cover)

FIELDS = {"name": str, "run_name": str, "run_type": str, "iterations": int,
          "real_time": float, "cpu_time": float, "time_unit": str,
          "items_per_second": float}


def run(*options):
    done = subprocess.run([sys.executable, str(PROGRAM), *options],
                          capture_output=True, text=True, timeout=280)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def result():
    options = ["--benchmark_min_time=0.01", "--benchmark_format=json",
               "--benchmark_filter=^(%s)/(raw|engram|compat)$"
               % "|".join(w.name for w in python_bench.WORKLOADS)]
    port = os.environ.get("ENGRAM_TEST_REDIS_PORT")
    if port:
        options.append("--redis-port=" + port)
    return json.loads(run(*options)), bool(port)


def test_every_workload_has_its_three_entries(result):
    out, with_redis = result
    names = [b["name"] for b in out["benchmarks"]]
    assert len(names) == len(set(names))
    for w in python_bench.WORKLOADS:
        expected = [w.entry(side) for side in ("raw", "engram", "compat")]
        if w.backend == "redis" and not with_redis:
            assert not set(expected) & set(names)
            assert any(s.startswith(w.name + ":") for s in out["context"]["skipped"])
        else:
            assert [n for n in names if n in expected] == expected


def test_entries_have_google_benchmarks_fields(result):
    out, _ = result
    assert isinstance(out["context"], dict) and out["benchmarks"]
    for b in out["benchmarks"]:
        for field, kind in FIELDS.items():
            assert isinstance(b[field], kind), (b["name"], field)
        assert b["run_name"] == b["name"] and b["run_type"] == "iteration"
        assert b["iterations"] >= 1 and b["real_time"] > 0 and b["items_per_second"] > 0
        assert b["time_unit"] == "us"


def test_ratios_and_c_shares(result):
    out, _ = result
    methods = out["context"]["c_share_method"]
    for b in out["benchmarks"]:
        if b["name"].endswith("/raw"):
            assert "ratio_vs_raw" not in b
        else:
            assert b["ratio_vs_raw"] > 0, b["name"]
        assert 0 < b["c_share"] <= 1, b["name"]
        assert 0 < b["c_share_timed_calls"] <= 1, b["name"]
        assert methods[b["name"]].split(":")[0] in ("cxx-raw", "timed-calls")


def test_table_mode_names_every_entry():
    table = run("--benchmark_min_time=0.01", "--benchmark_filter=^retrieve_episode/")
    for side in ("raw", "engram", "compat"):
        assert "retrieve_episode/" + side in table
    assert "ratio_vs_raw" in table and "c_share" in table
