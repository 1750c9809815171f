"""TraceStore from Python, on the memory and hdf5 plugins."""
import math

import numpy as np
import pytest

import engram


@pytest.fixture(params=["memory", "hdf5"])
def traces(request, open_role):
    return open_role(request.param, "traces").traces


def test_network_snapshots(traces):
    rng = np.random.default_rng(3)
    adjacency = (rng.random((100, 100)) > 0.5)
    weights = rng.random((100, 100))
    states = rng.random(100).astype(np.float32)
    first = traces.store_network_snapshot(1.5, adjacency, weights, states, {"epoch": 3})
    second = traces.store_network_snapshot(1.5, adjacency, weights, states)
    assert first == "snapshot_1500" and second == "snapshot_1500_1"
    found = traces.retrieve_network_snapshot(first)
    assert isinstance(found, engram.NetworkSnapshot) and found.metadata == {"epoch": 3}
    np.testing.assert_array_equal(found.adjacency_matrix, adjacency)
    np.testing.assert_array_equal(found.weight_matrix, weights)
    np.testing.assert_array_equal(found.neuron_states, states)
    assert traces.get_network_snapshots_in_range(0.0, 2.0) == [first, second]
    assert traces.get_network_snapshots_in_range(2.0, 3.0) == []
    assert traces.retrieve_network_snapshot("snapshot_9") is None
    with pytest.raises(engram.InvalidArgument):
        traces.store_network_snapshot(1.0, np.zeros((2, 2)), np.zeros((3, 3)), np.zeros(2))


def test_spike_trains(traces):
    times = np.sort(np.random.default_rng(4).random(10_000))
    ids = np.arange(10_000, dtype=np.int64) % 100
    plain = traces.store_spike_train(2.0, times, ids)
    amplitudes = np.ones(10_000, dtype=np.float32)
    full = traces.store_spike_train(2.0, times, ids, amplitudes, {"src": "x"})
    assert (plain, full) == ("train_2000", "train_2000_1")
    found = traces.retrieve_spike_train(plain)
    assert found.spike_amplitudes is None
    np.testing.assert_array_equal(found.spike_times, times)
    np.testing.assert_array_equal(found.neuron_ids, ids)
    found = traces.retrieve_spike_train(full)
    np.testing.assert_array_equal(found.spike_amplitudes, amplitudes)
    assert found.metadata == {"src": "x"}
    with pytest.raises(engram.InvalidArgument):
        traces.store_spike_train(2.0, np.zeros(3), np.zeros(4))

    compressed = traces.store_compressed_spike_train(3.0, np.arange(5, dtype=np.uint8),
                                                     {"original_shape": [10], "compression_ratio": 2.0})
    assert compressed == "compressed_3000"
    back = traces.retrieve_compressed_spike_train(compressed)
    assert back.compression_params == {"original_shape": [10], "compression_ratio": 2.0}
    np.testing.assert_array_equal(back.spike_data, np.arange(5, dtype=np.uint8))


def test_activations_and_learning_traces(traces):
    reservoir = traces.store_reservoir_states(1.0, np.ones((4, 4)), reservoir_id="res1")
    assert reservoir == "res1_1000"
    assert traces.retrieve_reservoir_states(reservoir).reservoir_id == "res1"
    assert traces.store_reservoir_states(1.0, np.ones(1)) == "default_1000"

    outputs = traces.store_layer_outputs(1.0, {"l2": np.zeros(3), "l1": np.ones((2, 2))})
    back = traces.retrieve_layer_outputs(outputs)
    assert list(back.layer_outputs) == ["l1", "l2"]
    np.testing.assert_array_equal(back.layer_outputs["l1"], np.ones((2, 2)))

    plasticity = traces.store_plasticity_trace(1.0, np.arange(3.0))
    assert plasticity == "stdp_1000"
    assert traces.retrieve_plasticity_trace(plasticity).plasticity_type == "stdp"
    homeostatic = traces.store_homeostatic_trace(1.0, np.arange(3.0), mechanism="scaling")
    assert traces.retrieve_homeostatic_trace(homeostatic).mechanism == "scaling"
    assert traces.retrieve_homeostatic_trace("intrinsic_plasticity_1000") is None

    metrics = traces.store_performance_metrics(1.0, {"acc": 0.9, "loss": float("nan")})
    assert metrics == "general_1000"
    back = traces.retrieve_performance_metrics(metrics)
    assert back.metrics["acc"] == 0.9 and math.isnan(back.metrics["loss"])
    assert back.task_type == "general"
    with pytest.raises(engram.InvalidArgument):
        traces.retrieve_performance_metrics("bad id/")


def test_batch_and_listings(traces):
    batch = engram.TraceBatch()
    for i in range(3):
        batch.put(engram.PlasticityTrace(timestamp=float(i), synapse_changes=np.full(2, i)))
    batch.put(engram.NetworkSnapshot(id="snap_a", timestamp=1.0, adjacency_matrix=np.eye(2),
                                     weight_matrix=np.eye(2), neuron_states=np.zeros(2)))
    batch.put(engram.SpikeTrainData(timestamp=1.0, spike_times=np.zeros(2), neuron_ids=np.ones(2)))
    batch.put(engram.CompressedSpikeTrain(timestamp=1.0, spike_data=np.zeros(2, dtype=np.uint8)))
    batch.put(engram.ReservoirStates(timestamp=1.0, reservoir_states=np.zeros(2)))
    batch.put(engram.LayerOutputs(timestamp=1.0, layer_outputs={"l": np.zeros(2)}))
    batch.put(engram.HomeostaticTrace(timestamp=1.0, homeostatic_changes=np.zeros(2)))
    batch.put(engram.PerformanceMetrics(timestamp=1.0, metrics={"m": 1.0}))
    assert len(batch) == 10
    ids = traces.store_batch(batch)
    assert ids.plasticity_traces == ["stdp_0", "stdp_1000", "stdp_2000"]
    assert ids.network_snapshots == ["snap_a"]
    assert ids.spike_trains == ["train_1000"] and ids.performance_metrics == ["general_1000"]

    listed, cursor = [], ""
    while True:
        page = traces.list_plasticity_traces(cursor, limit=2)
        listed += [t.id for t in page.items]
        if page.last():
            break
        cursor = page.next_cursor
    assert listed == ids.plasticity_traces
    assert [s.id for s in traces.list_network_snapshots()] == ["snap_a"]
    for listing in ["list_spike_trains", "list_compressed_spike_trains", "list_reservoir_states",
                    "list_layer_outputs", "list_homeostatic_traces", "list_performance_metrics"]:
        assert len(getattr(traces, listing)().items) == 1, listing
