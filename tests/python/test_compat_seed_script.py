"""The Python system's user script (../shared/examples/seed_user_script.py)
runs on engram.compat unchanged except for its three import lines, with
/usr/bin/python3 and the build tree's engram; working memory too when the
test redis-server runs (ENGRAM_TEST_REDIS_PORT)."""
import os
import subprocess

import pytest

import engram

# ../shared beside the source tree, as the CMake fixtures folder defaults to.
_SHARED = [os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared"),
           "/work/shared"]
SCRIPT = os.environ.get("ENGRAM_SEED_USER_SCRIPT") or next(
    (os.path.realpath(os.path.join(d, "examples", "seed_user_script.py")) for d in _SHARED
     if os.path.exists(os.path.join(d, "examples", "seed_user_script.py"))),
    "seed_user_script.py (not found)")
SEED_IMPORTS = [
    "from src.storage.sqlite_storage import SQLiteStorage\n",
    "from src.storage.hdf5_storage import HDF5Storage\n",
    "from src.storage.redis_storage import RedisStorage\n",
]
COMPAT_IMPORTS = [
    "from engram.compat import SQLiteStorage\n",
    "from engram.compat import HDF5Storage\n",
    "from engram.compat import RedisStorage\n",
]


@pytest.mark.skipif(not os.path.exists(SCRIPT), reason="no seed user script at " + SCRIPT)
def test_seed_user_script_runs_on_compat(tmp_path):
    with open(SCRIPT) as source:
        lines = source.readlines()
    for seed, compat in zip(SEED_IMPORTS, COMPAT_IMPORTS):
        assert lines.count(seed) == 1, "the script's IMPORTS block changed: " + seed
        lines[lines.index(seed)] = compat
    script = tmp_path / "seed_user_script.py"
    script.write_text("".join(lines))
    changed = [a for a, b in zip(open(SCRIPT).readlines(), lines) if a != b]
    assert changed == SEED_IMPORTS

    env = dict(os.environ)
    env["PYTHONPATH"] = os.path.dirname(os.path.dirname(os.path.abspath(engram.__file__)))
    env["TMPDIR"] = str(tmp_path)  # the script's mkdtemp lands here
    env.pop("REDIS_PORT", None)
    if os.environ.get("ENGRAM_TEST_REDIS_PORT"):
        env["REDIS_PORT"] = os.environ["ENGRAM_TEST_REDIS_PORT"]
    run = subprocess.run(["/usr/bin/python3", str(script)], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1] == "ok"
