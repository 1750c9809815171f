"""Fixtures for the engram module's tests: Storage over real backends.

`open_role(backend, role)` opens a Storage whose `role` is served by
`backend` — "memory", "sqlite" (a file under tmp_path), "hdf5" (likewise)
or "redis" (the test server on ENGRAM_TEST_REDIS_PORT, under a key prefix
of its own; skipped without it) — and closes it after the test.
"""
import os
import uuid

import pytest

import engram

# Which backends serve which role.
BACKENDS = {
    "working_memory": ["memory", "redis"],
    "episodes": ["memory", "sqlite"],
    "concepts": ["memory", "sqlite"],
    "traces": ["memory", "hdf5"],
}


def redis_port():
    port = os.environ.get("ENGRAM_TEST_REDIS_PORT")
    if not port:
        pytest.skip("ENGRAM_TEST_REDIS_PORT is not set (tools/redis-test-server.sh)")
    return int(port)


def backend_yaml(backend, tmp_path, **options):
    if backend == "memory":
        body = {"plugin": "memory"}
    elif backend == "sqlite":
        body = {"plugin": "sqlite", "db_path": str(tmp_path / "engram.db")}
    elif backend == "hdf5":
        body = {"plugin": "hdf5", "file_path": str(tmp_path / "traces.h5")}
    elif backend == "redis":
        body = {"plugin": "redis", "host": "127.0.0.1", "port": redis_port(),
                "key_prefix": f"pytest:{uuid.uuid4().hex}:"}
    else:
        raise ValueError(backend)
    body.update(options)
    items = ", ".join(f"{key}: {value!r}" if isinstance(value, str) else f"{key}: {value}"
                      for key, value in body.items())
    return "{" + items.replace("'", '"') + "}"


def config(backend, roles, tmp_path, **options):
    return ("version: 1\nlog: {level: warn}\nbackends:\n"
            f"  b: {backend_yaml(backend, tmp_path, **options)}\n"
            "roles: {" + ", ".join(f"{role}: b" for role in roles) + "}\n")


@pytest.fixture
def open_role(tmp_path):
    opened = []

    def open_(backend, role, **options):
        storage = engram.Storage.from_yaml(config(backend, [role], tmp_path, **options))
        opened.append(storage)
        return storage

    yield open_
    for storage in opened:
        if storage.has("working_memory"):
            try:
                storage.maintenance("b").clear_all()
            except engram.StorageError:
                pass
        storage.close()
