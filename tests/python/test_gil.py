"""The GIL is released around backend calls: a Python thread keeps running
while another is blocked in a call to a frozen Redis server."""
import os
import pathlib
import signal
import socket
import subprocess
import threading
import time

import numpy as np
import pytest

import engram

SERVER_SCRIPT = pathlib.Path(__file__).resolve().parents[2] / "tools" / "redis-test-server.sh"
TIMEOUT = 2.0  # the redis plugin's command_timeout for the blocked call


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of this test's own, which it may freeze."""
    port = free_port()
    folder = tmp_path / "redis"
    subprocess.run(["bash", str(SERVER_SCRIPT), "start", str(port), str(folder)], check=True)
    pid = int((folder / "redis.pid").read_text())
    yield port, pid
    os.kill(pid, signal.SIGCONT)
    subprocess.run(["bash", str(SERVER_SCRIPT), "stop", str(folder)], check=True)


def test_a_thread_runs_while_another_waits_on_a_frozen_server(own_redis):
    port, pid = own_redis
    storage = engram.Storage.from_yaml(
        f"version: 1\nbackends: {{r: {{plugin: redis, host: 127.0.0.1, port: {port}, "
        f"key_prefix: 'gil:', retry_attempts: 1, command_timeout: {TIMEOUT}}}}}\n"
        "roles: {working_memory: r}\n")
    wm = storage.working_memory
    wm.store_working_memory_pattern("warm", np.ones(4), time.time())  # connected

    ticks, stop = [], threading.Event()

    def ticker():
        while not stop.is_set():
            ticks.append(time.monotonic())
            time.sleep(0.005)

    thread = threading.Thread(target=ticker)
    # Never leave the server stopped, whatever happens to this test.
    thaw = threading.Timer(60.0, os.kill, (pid, signal.SIGCONT))
    thaw.start()
    os.kill(pid, signal.SIGSTOP)
    try:
        thread.start()
        time.sleep(0.1)
        start = time.monotonic()
        with pytest.raises(engram.ConnectionError) as caught:
            wm.retrieve_working_memory_pattern("warm")
        end = time.monotonic()
    finally:
        os.kill(pid, signal.SIGCONT)
        thaw.cancel()
        stop.set()
        thread.join()
    assert caught.value.backend == "r"
    assert end - start >= TIMEOUT * 0.9, "the call did not wait for the frozen server"
    # Ticks well inside the call: none could happen with the GIL held.
    inside = [t for t in ticks if start + 0.3 < t < end - 0.1]
    assert len(inside) >= 20, f"the ticker ran {len(inside)} times during a {end - start:.1f} s call"
    # And the server is usable again.
    wm.store_working_memory_pattern("after", np.ones(1), time.time())
    assert wm.retrieve_working_memory_pattern("after") is not None
    storage.close()
