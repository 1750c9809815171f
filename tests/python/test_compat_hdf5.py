"""engram.compat.HDF5Storage against real files: every method of the seed's
API with the seed's argument names as keywords, return types, exceptions
(chained from engram's), the context manager, get_file_info's keys, an
existing empty file, and the live max_file_size."""
import inspect
import tempfile
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

import engram
from engram.compat import HDF5Storage, HDF5StorageError, NetworkSnapshot, SpikeTrainData
from seed_signatures import bare

SEED_SIGNATURES = {
    "__init__": "(self, file_path='godly_ai_data.h5', compression='gzip', compression_opts=6, "
                "chunk_size=1024, max_file_size=10737418240, enable_swmr=True)",
    "store_network_snapshot": "(self, timestamp, adjacency_matrix, weight_matrix, neuron_states, "
                              "metadata=None)",
    "retrieve_network_snapshot": "(self, snapshot_id)",
    "get_network_snapshots_in_range": "(self, start_time, end_time)",
    "store_spike_train": "(self, timestamp, spike_times, neuron_ids, spike_amplitudes=None, "
                         "metadata=None)",
    "retrieve_spike_train": "(self, train_id)",
    "store_compressed_spike_train": "(self, timestamp, spike_data, compression_params)",
    "store_reservoir_states": "(self, timestamp, reservoir_states, reservoir_id='default')",
    "retrieve_reservoir_states": "(self, state_id)",
    "store_layer_outputs": "(self, timestamp, layer_outputs)",
    "retrieve_layer_outputs": "(self, output_id)",
    "store_plasticity_trace": "(self, timestamp, synapse_changes, plasticity_type='stdp')",
    "retrieve_plasticity_trace": "(self, trace_id)",
    "store_homeostatic_trace": "(self, timestamp, homeostatic_changes, "
                               "mechanism='intrinsic_plasticity')",
    "store_performance_metrics": "(self, timestamp, metrics, task_type='general')",
    "retrieve_performance_metrics": "(self, metrics_id)",
    "get_file_info": "(self)",
    "compact_file": "(self)",
    "rotate_file": "(self)",
    "check_file_size": "(self)",
    "cleanup_old_data": "(self, retention_days=30)",
    "close": "(self)",
}


@pytest.mark.parametrize("name", sorted(SEED_SIGNATURES))
def test_signatures_are_the_seeds(name):
    assert bare(inspect.signature(getattr(HDF5Storage, name))) == SEED_SIGNATURES[name]


@pytest.fixture
def h5(tmp_path):
    with HDF5Storage(file_path=tmp_path / "traces.h5", compression="lz4") as store:
        yield store


def test_network_snapshots(h5):
    adjacency = (np.arange(16).reshape(4, 4) % 3 == 0).astype(np.int8)
    weights = np.linspace(0, 1, 16).reshape(4, 4)
    states = np.ones((4, 2), dtype=np.float32)
    snap = h5.store_network_snapshot(timestamp=10.0, adjacency_matrix=adjacency,
                                     weight_matrix=weights, neuron_states=states,
                                     metadata={"epoch": 3, "layers": [1, 2]})
    again = h5.store_network_snapshot(timestamp=10.0, adjacency_matrix=adjacency,
                                      weight_matrix=weights, neuron_states=states)
    assert snap == "snapshot_10000" and again == "snapshot_10000_1"  # never overwritten
    got = h5.retrieve_network_snapshot(snapshot_id=snap)
    assert isinstance(got, NetworkSnapshot) and got.timestamp == 10.0
    assert got.adjacency_matrix.dtype == np.int8 and np.array_equal(got.adjacency_matrix,
                                                                     adjacency)
    assert np.array_equal(got.weight_matrix, weights) and np.array_equal(got.neuron_states,
                                                                         states)
    assert got.metadata == {"epoch": 3, "layers": [1, 2]}
    assert h5.retrieve_network_snapshot(snapshot_id="snapshot_1") is None
    assert h5.get_network_snapshots_in_range(start_time=9.0, end_time=10.0) == [snap, again]
    assert h5.get_network_snapshots_in_range(start_time=11.0, end_time=12.0) == []


def test_spike_trains(h5):
    times = np.sort(np.random.default_rng(1).random(100))
    ids = np.arange(100) % 7
    amps = np.full(100, 0.5, dtype=np.float32)
    train = h5.store_spike_train(timestamp=1.5, spike_times=times, neuron_ids=ids,
                                 spike_amplitudes=amps, metadata={"trial": 2})
    bare_train = h5.store_spike_train(timestamp=1.5, spike_times=times, neuron_ids=ids)
    assert train == "train_1500" and bare_train == "train_1500_1"
    got = h5.retrieve_spike_train(train_id=train)
    assert isinstance(got, SpikeTrainData) and got.timestamp == 1.5
    assert np.array_equal(got.spike_times, times) and np.array_equal(got.neuron_ids, ids)
    assert np.array_equal(got.spike_amplitudes, amps) and got.metadata == {"trial": 2}
    assert h5.retrieve_spike_train(train_id=bare_train).spike_amplitudes is None
    assert h5.retrieve_spike_train(train_id="train_9") is None
    compressed = h5.store_compressed_spike_train(timestamp=2.0,
                                                 spike_data=np.arange(10, dtype=np.uint8),
                                                 compression_params={"original_shape": [20],
                                                                     "compression_ratio": 2.0})
    assert compressed == "compressed_2000"


def test_activations_and_learning_traces(h5):
    states = np.random.default_rng(2).standard_normal((5, 7))
    rid = h5.store_reservoir_states(timestamp=3.0, reservoir_states=states, reservoir_id="lsm")
    assert rid == "lsm_3000"
    got = h5.retrieve_reservoir_states(state_id=rid)
    assert isinstance(got, tuple) and len(got) == 3
    assert np.array_equal(got[0], states) and got[1:] == (3.0, "lsm")
    assert h5.store_reservoir_states(3.0, states) == "default_3000"
    assert h5.retrieve_reservoir_states(state_id="lsm_1") is None

    outputs = {"l1": np.ones(3), "l2": np.zeros((2, 2), dtype=np.int32)}
    oid = h5.store_layer_outputs(timestamp=4.0, layer_outputs=outputs)
    layers, ts = h5.retrieve_layer_outputs(output_id=oid)
    assert oid == "outputs_4000" and ts == 4.0 and isinstance(layers, dict)
    assert layers.keys() == outputs.keys()
    assert all(np.array_equal(layers[k], outputs[k]) for k in outputs)
    assert h5.retrieve_layer_outputs(output_id="outputs_1") is None

    changes = np.array([0.1, -0.2, 0.3])
    pid = h5.store_plasticity_trace(timestamp=5.0, synapse_changes=changes,
                                    plasticity_type="bcm")
    trace = h5.retrieve_plasticity_trace(trace_id=pid)
    assert pid == "bcm_5000" and np.array_equal(trace[0], changes) and trace[1:] == (5.0, "bcm")
    assert h5.store_plasticity_trace(5.0, changes) == "stdp_5000"
    assert h5.retrieve_plasticity_trace(trace_id="stdp_1") is None

    hid = h5.store_homeostatic_trace(timestamp=6.0, homeostatic_changes=changes,
                                     mechanism="scaling")
    assert hid == "scaling_6000"
    assert h5.store_homeostatic_trace(6.0, changes) == "intrinsic_plasticity_6000"

    mid = h5.store_performance_metrics(timestamp=7.0, metrics={"accuracy": 0.9, "loss": 0.1},
                                       task_type="nav")
    metrics, ts, task = h5.retrieve_performance_metrics(metrics_id=mid)
    assert mid == "nav_7000" and metrics == {"accuracy": 0.9, "loss": 0.1}
    assert (ts, task) == (7.0, "nav")
    assert h5.store_performance_metrics(7.0, {"a": 1}) == "general_7000"
    assert h5.retrieve_performance_metrics(metrics_id="nav_1") is None


# enable_swmr=True: counted with h5py, as the seed did; False: HDF5's lock
# keeps h5py out, counted from engram's records.
@pytest.mark.parametrize("enable_swmr", [True, False])
def test_file_info_and_management(tmp_path, enable_swmr):
    path = tmp_path / "info.h5"
    with HDF5Storage(file_path=path, compression="gzip", chunk_size=64,
                     enable_swmr=enable_swmr) as h5:
        info = h5.get_file_info()
        assert set(info) == {"file_path", "file_size_bytes", "file_size_mb", "compression",
                             "chunk_size", "groups", "total_datasets", "created_at", "version"}
        assert info["file_path"] == str(path) and info["compression"] == "gzip"
        assert info["chunk_size"] == 64 and info["version"] == "1.0"
        assert abs(info["created_at"] - time.time()) < 60
        assert info["total_datasets"] == 0 and info["file_size_bytes"] > 0
        assert info["file_size_mb"] == info["file_size_bytes"] / (1024 * 1024)

        old = time.time() - 40 * 86400
        h5.store_network_snapshot(old, np.eye(2), np.eye(2), np.ones(2))
        h5.store_spike_train(old, np.arange(3.0), np.arange(3), np.ones(3))
        h5.store_spike_train(time.time(), np.arange(3.0), np.arange(3))
        h5.store_layer_outputs(1.0, {"a": np.ones(1), "b": np.ones(1), "c": np.ones(1)})
        h5.store_performance_metrics(1.0, {"x": 1.0})
        info = h5.get_file_info()
        assert info["total_datasets"] == 3 + 3 + 2 + 3 + 1
        assert info["groups"] == ["activations", "learning_traces", "network_states",
                                  "spike_trains"]

        assert h5.cleanup_old_data(retention_days=30) == 2
        assert h5.get_file_info()["total_datasets"] == 2 + 3 + 1
        assert h5.compact_file() is True
        assert h5.check_file_size() is False
        rotated = h5.rotate_file()
        assert isinstance(rotated, Path) and rotated.exists() and rotated != path
        assert h5.get_file_info()["total_datasets"] == 0
        h5.store_reservoir_states(1.0, np.ones(2))
    with h5py.File(path, "r") as f:
        found = []
        f.visititems(lambda name, obj: found.append(name) if isinstance(obj, h5py.Dataset)
                     else None)
        assert sorted(f.keys()) == ["activations", "learning_traces", "network_states",
                                    "spike_trains"]
        assert len(found) == 1
    with h5py.File(rotated, "r") as f:
        found = []
        f.visititems(lambda name, obj: found.append(name) if isinstance(obj, h5py.Dataset)
                     else None)
        assert len(found) == 6


def test_context_manager_closes(tmp_path):
    with HDF5Storage(file_path=str(tmp_path / "c.h5")) as store:
        assert isinstance(store, HDF5Storage)
    with pytest.raises(HDF5StorageError):
        store.store_reservoir_states(1.0, np.ones(2))
    store.close()


def test_existing_empty_file_is_a_new_store():
    with tempfile.NamedTemporaryFile(suffix=".h5") as empty:
        with HDF5Storage(file_path=empty.name) as store:
            rid = store.store_reservoir_states(1.0, np.ones(2))
            assert store.retrieve_reservoir_states(rid)[2] == "default"


def test_errors_are_the_seeds_class_chained(tmp_path):
    not_h5 = tmp_path / "notes.h5"
    not_h5.write_text("not HDF5 " * 100)
    with pytest.raises(HDF5StorageError) as caught:
        HDF5Storage(file_path=not_h5)
    assert isinstance(caught.value.__cause__, engram.CorruptData)
    with pytest.raises(HDF5StorageError):
        HDF5Storage(file_path=tmp_path / "x.h5", compression="no-such-codec")

    with HDF5Storage(file_path=tmp_path / "ok.h5") as h5:
        with pytest.raises(HDF5StorageError) as caught:
            h5.store_spike_train(1.0, np.arange(3.0), np.arange(4))  # lengths differ
        assert isinstance(caught.value.__cause__, engram.InvalidArgument)
        with pytest.raises(HDF5StorageError):
            h5.store_plasticity_trace(1.0, np.ones(2), plasticity_type="a/b")
        with pytest.raises(HDF5StorageError):
            h5.retrieve_reservoir_states(state_id="../x")  # malformed, not "not found"
        with pytest.raises(HDF5StorageError):
            h5.store_network_snapshot(float("inf"), np.eye(2), np.eye(2), np.ones(2))
        with pytest.raises(HDF5StorageError):
            h5.cleanup_old_data(retention_days=-1)
        assert h5.get_file_info()["total_datasets"] == 0


def test_max_file_size_is_live(tmp_path):
    with HDF5Storage(file_path=tmp_path / "live.h5") as h5:
        assert h5.check_file_size() is False
        h5.max_file_size = 1
        assert h5.max_file_size == 1
        assert h5.check_file_size() is True
        with pytest.raises(HDF5StorageError):
            h5.max_file_size = -1
        assert h5.max_file_size == 1


def test_constructor_options_reach_the_plugin(tmp_path):
    path = tmp_path / "opts.h5"
    with HDF5Storage(file_path=str(path), compression="gzip", compression_opts=1, chunk_size=8,
                     max_file_size=1, enable_swmr=True) as h5:
        assert (h5.file_path, h5.max_file_size) == (path, 1)
        h5.store_reservoir_states(1.0, np.zeros((20, 20)), reservoir_id="r")
        info = h5.get_file_info()
        assert (info["compression"], info["chunk_size"]) == ("gzip", 8)
        # enable_swmr: another reader may open the file while engram has it open.
        with h5py.File(path, "r") as f:
            dataset = f["activations/reservoir_states/r_1000"]
            assert dataset.chunks == (8, 8) and dataset.compression == "gzip"
            assert dataset.compression_opts == 1
        assert h5.check_file_size() is True  # past max_file_size: rotated


def test_paths_reach_the_plugin_exactly(tmp_path, monkeypatch):
    odd = tmp_path / "we: 'ird' #1 ü.h5"
    with HDF5Storage(file_path=odd) as h5:
        assert h5.get_file_info()["file_path"] == str(odd)
    assert odd.exists()
    monkeypatch.chdir(tmp_path)
    with HDF5Storage() as h5:  # the seed's default, relative to the working folder
        h5.store_reservoir_states(1.0, np.ones(2))
    assert (tmp_path / "godly_ai_data.h5").exists()
