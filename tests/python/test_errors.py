"""engram's error kinds as Python exceptions, with .backend and .native_code."""
import socket

import numpy as np
import pytest

import engram

KINDS = ["ConfigError", "PluginError", "InvalidArgument", "NotSupported", "ConnectionError",
         "AccessDenied", "CorruptData", "BackendError"]


def test_hierarchy_matches_errors_h():
    assert issubclass(engram.StorageError, Exception)
    for kind in KINDS:
        cls = getattr(engram, kind)
        assert cls.__bases__ == (engram.StorageError,), kind
        assert cls.__module__ == "engram"
    error = engram.InvalidArgument("raised from Python")
    assert error.backend == "" and error.native_code is None and str(error) == "raised from Python"


def test_config_error():
    with pytest.raises(engram.ConfigError, match="unknown option `nope`") as caught:
        engram.Storage.from_yaml(
            "version: 1\nbackends: {b: {plugin: memory, nope: 1}}\nroles: {episodes: b}\n")
    assert caught.value.backend == "" and caught.value.native_code is None
    with pytest.raises(engram.ConfigError):
        engram.Storage.from_yaml("version: [")
    storage = engram.Storage.from_yaml(
        "version: 1\nbackends: {b: {plugin: memory}}\nroles: {episodes: b}\n")
    with pytest.raises(engram.ConfigError, match="concepts"):
        storage.concepts
    with pytest.raises(engram.ConfigError):
        storage.maintenance("nosuch")


def test_plugin_error():
    with pytest.raises(engram.PluginError, match="no plugin `nosuch`"):
        engram.Storage.from_yaml(
            "version: 1\nbackends: {b: {plugin: nosuch}}\nroles: {episodes: b}\n")


def test_corrupt_data_names_backend_and_native_code(tmp_path):
    (tmp_path / "bad.db").write_bytes(b"not a database" * 500)
    with pytest.raises(engram.CorruptData) as caught:
        engram.Storage.from_yaml(
            f"version: 1\nbackends: {{db: {{plugin: sqlite, db_path: {tmp_path}/bad.db}}}}\n"
            "roles: {episodes: db}\n")
    assert caught.value.backend == "db"
    assert caught.value.native_code == 26  # SQLITE_NOTADB
    assert isinstance(caught.value, engram.StorageError)


def test_connection_error():
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(engram.ConnectionError) as caught:
        engram.Storage.from_yaml(
            f"version: 1\nbackends: {{r: {{plugin: redis, host: 127.0.0.1, port: {port}, "
            "retry_attempts: 1}}\nroles: {working_memory: r}\n")
    assert caught.value.backend == "r"
    assert caught.value.native_code is not None


def test_not_supported_and_invalid_argument(open_role):
    storage = open_role("memory", "episodes")
    with pytest.raises(engram.NotSupported) as caught:
        storage.maintenance("b").rotate()
    assert caught.value.backend == "b"
    with pytest.raises(engram.InvalidArgument):
        storage.episodes.store_episode(np.zeros(2), float("nan"), "ctx")


def test_a_closed_backend_raises_storage_error(open_role):
    storage = open_role("sqlite", "episodes")
    episodes = storage.episodes
    storage.close()
    with pytest.raises(engram.StorageError, match="closed") as caught:
        episodes.list_episodes()
    assert type(caught.value) is engram.StorageError
    assert caught.value.backend == "b"
