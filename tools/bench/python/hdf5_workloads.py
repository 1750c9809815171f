"""The HDF5 workloads, at the hdf5 plugin's default codec (gzip level 6):
- hdf5_store_network_snapshot_int8_gzip6 / hdf5_retrieve_network_snapshot_int8_gzip6:
  the Python system's snapshot, a (100, 100) int8 adjacency (about 10%
  ones), (100, 100) float64 weights and (100, 5) float64 neuron states
  (random normal), metadata {"source": "bench"}. engram-bench's snapshot
  pairs store an int64 adjacency, so they are not this workload.
- hdf5_store_spike_train_gzip6 / hdf5_retrieve_spike_train_gzip6: 10,000
  float64 spike times and int64 neuron ids, the values of engram-bench's
  pairs of those names (tools/bench/hdf5_bench.cpp), whose raw entries give
  the C library's time (they write the same arrays with the same filters and
  flush; not the three small attributes the plugin adds).
Retrieves cycle over 8 records stored first (workloads.h kArrayReadSet).

raw: h5py writing the plugin's layout (plugins/hdf5/seed_layout.*: the
seed's groups and file attributes, a group per record with the timestamp,
shape / num_spikes / num_neurons attributes, meta_<key> scalars and the
metadata_json text) with the plugin's dataset settings (filters.cpp,
datasets.cpp: chunks min(1024, extent) per dimension, the first dimension
unlimited, shuffle, deflate 6, Fletcher-32, in that order) and its
durability per store (traces_file.cpp File::flush: H5Fflush of the whole
file, no fsync — the journaled driver's journal is written without fsync
too), so f.flush() after each store. A retrieve reads the attributes and
each array whole. num_neurons is len(np.unique(ids)), as the seed computes
it.
engram: Storage's traces role on the hdf5 plugin. compat:
engram.compat.HDF5Storage.

Raw CTimer: each dataset's write (DatasetID.write, H5Dwrite) and the
f.flush() (H5Fflush, where the chunks are shuffled, deflated, checksummed
and written: the datasets stay open until it), or each dataset's read
(DatasetID.read, H5Dread, which reads, verifies and inflates).

Errors: h5py, engram and compat errors propagate. Thread safety: one thread.
"""
import contextlib
import json
import os
import time

import h5py
import numpy as np

import engram
import engram.compat
from timing import CTimer
from workload import Prepared, Workload

TIME = 1_764_000_000.0
READ_SET = 8
NEURONS, STATE_COLUMNS = 100, 5
SPIKES = 10_000
CHUNK = 1024
GZIP = 6
GROUPS = ["network_states", "network_states/topology", "network_states/weights",
          "network_states/neuron_states", "spike_trains", "spike_trains/raw_data",
          "spike_trains/compressed", "spike_trains/metadata", "activations",
          "activations/reservoir_states", "activations/layer_outputs",
          "activations/attention_maps", "learning_traces", "learning_traces/plasticity",
          "learning_traces/homeostatic", "learning_traces/performance"]
SNAPSHOT_META = {"source": "bench"}


def snapshot():
    rng = np.random.default_rng(42)
    adjacency = (rng.random((NEURONS, NEURONS)) < 0.1).astype(np.int8)
    return adjacency, rng.standard_normal((NEURONS, NEURONS)), \
        rng.standard_normal((NEURONS, STATE_COLUMNS))


def spike_train():
    i = np.arange(SPIKES)
    return i * 0.0001, (i * 7919) % 1000


def _engram_yaml(path):
    return ("version: 1\nlog: {level: warn}\nbackends:\n"
            "  arrays: {plugin: hdf5, file_path: %s}\nroles: {traces: arrays}\n"
            % json.dumps(path))


# ---- the raw side

def _raw_file(scratch):
    f = h5py.File(os.path.join(scratch, "raw.h5"), "w")
    f.attrs["created_at"] = time.time()
    f.attrs["version"] = "1.0"
    f.attrs["compression"] = "gzip"
    f.attrs["chunk_size"] = CHUNK
    for group in GROUPS:
        f.create_group(group)
    f.flush()
    return f


def _write(group, name, array, timer):
    """A dataset as the plugin makes it; returned open (see the header)."""
    dataset = group.create_dataset(
        name, shape=array.shape, dtype=array.dtype,
        chunks=tuple(min(CHUNK, d) for d in array.shape),
        maxshape=(None,) + array.shape[1:], shuffle=True, compression="gzip",
        compression_opts=GZIP, fletcher32=True)
    with timer:
        dataset.id.write(h5py.h5s.ALL, h5py.h5s.ALL, array)
    return dataset


def _read(dataset, timer):
    out = np.empty(dataset.shape, dataset.dtype)
    with timer:
        dataset.id.read(h5py.h5s.ALL, h5py.h5s.ALL, out)
    return out


def _put_metadata(attrs, metadata):
    for key, value in metadata.items():
        if isinstance(value, (str, int, float, bool)):
            attrs["meta_" + key] = value
    attrs["metadata_json"] = json.dumps(metadata, separators=(",", ":"))


def _raw_store_snapshot(f, ident, t, arrays, timer):
    opened = []
    for (group, name), array in zip((("network_states/topology", "adjacency"),
                                      ("network_states/weights", "weights"),
                                      ("network_states/neuron_states", "states")), arrays):
        g = f[group].create_group(ident)
        g.attrs["timestamp"] = t
        g.attrs["shape"] = np.array(array.shape, dtype=np.int64)
        if name == "adjacency":
            _put_metadata(g.attrs, SNAPSHOT_META)
        opened.append(_write(g, name, array, timer))
    with timer:
        f.flush()
    return ident


def _raw_store_train(f, ident, t, times, ids, timer):
    g = f["spike_trains/raw_data"].create_group(ident)
    opened = [_write(g, "spike_times", times, timer), _write(g, "neuron_ids", ids, timer)]
    g.attrs["timestamp"] = t
    g.attrs["num_spikes"] = len(times)
    g.attrs["num_neurons"] = len(np.unique(ids))
    _put_metadata(g.attrs, {})
    with timer:
        f.flush()
    del opened
    return ident


def _seed_id(prefix, t):
    return "%s_%d" % (prefix, int(t * 1000))


@contextlib.contextmanager
def _raw(setup):
    f = _raw_file(setup.scratch)
    try:
        yield f
    finally:
        f.close()


# ---- hdf5_store_network_snapshot_int8_gzip6

@contextlib.contextmanager
def store_snapshot_raw(setup):
    with _raw(setup) as f:
        timer, arrays, n = CTimer(), snapshot(), [0]

        def step():
            t = TIME + n[0] * 0.001
            n[0] += 1
            return _raw_store_snapshot(f, _seed_id("snapshot", t), t, arrays, timer)
        yield Prepared(step, timer)


@contextlib.contextmanager
def store_snapshot_engram(setup):
    with engram.Storage.from_yaml(_engram_yaml(os.path.join(setup.scratch, "e.h5"))) as s:
        traces, (adjacency, weights, states), n = s.traces, snapshot(), [0]

        def step():
            t = TIME + n[0] * 0.001
            n[0] += 1
            return traces.store_network_snapshot(t, adjacency, weights, states, SNAPSHOT_META)
        yield Prepared(step)


@contextlib.contextmanager
def store_snapshot_compat(setup):
    with engram.compat.HDF5Storage(os.path.join(setup.scratch, "c.h5")) as h5:
        (adjacency, weights, states), n = snapshot(), [0]

        def step():
            t = TIME + n[0] * 0.001
            n[0] += 1
            return h5.store_network_snapshot(t, adjacency, weights, states, SNAPSHOT_META)
        yield Prepared(step)


# ---- hdf5_retrieve_network_snapshot_int8_gzip6

@contextlib.contextmanager
def retrieve_snapshot_raw(setup):
    with _raw(setup) as f:
        timer, arrays = CTimer(), snapshot()
        ids = [_raw_store_snapshot(f, _seed_id("snapshot", TIME + i), TIME + i, arrays, timer)
               for i in range(READ_SET)]
        n = [0]

        def step():
            ident = ids[n[0] % READ_SET]
            n[0] += 1
            top = f["network_states/topology/" + ident]
            timestamp = float(top.attrs["timestamp"])
            metadata = json.loads(top.attrs["metadata_json"])
            return (ident, timestamp, metadata, _read(top["adjacency"], timer),
                    _read(f["network_states/weights/" + ident + "/weights"], timer),
                    _read(f["network_states/neuron_states/" + ident + "/states"], timer))
        yield Prepared(step, timer)


@contextlib.contextmanager
def retrieve_snapshot_engram(setup):
    with engram.Storage.from_yaml(_engram_yaml(os.path.join(setup.scratch, "e.h5"))) as s:
        traces, arrays = s.traces, snapshot()
        ids = [traces.store_network_snapshot(TIME + i, *arrays, SNAPSHOT_META)
               for i in range(READ_SET)]
        n = [0]

        def step():
            n[0] += 1
            return traces.retrieve_network_snapshot(ids[n[0] % READ_SET])
        yield Prepared(step)


@contextlib.contextmanager
def retrieve_snapshot_compat(setup):
    with engram.compat.HDF5Storage(os.path.join(setup.scratch, "c.h5")) as h5:
        arrays = snapshot()
        ids = [h5.store_network_snapshot(TIME + i, *arrays, SNAPSHOT_META)
               for i in range(READ_SET)]
        n = [0]

        def step():
            n[0] += 1
            return h5.retrieve_network_snapshot(ids[n[0] % READ_SET])
        yield Prepared(step)


# ---- hdf5_store_spike_train_gzip6

@contextlib.contextmanager
def store_train_raw(setup):
    with _raw(setup) as f:
        timer, (times, ids), n = CTimer(), spike_train(), [0]

        def step():
            t = TIME + n[0] * 0.001
            n[0] += 1
            return _raw_store_train(f, _seed_id("train", t), t, times, ids, timer)
        yield Prepared(step, timer)


@contextlib.contextmanager
def store_train_engram(setup):
    with engram.Storage.from_yaml(_engram_yaml(os.path.join(setup.scratch, "e.h5"))) as s:
        traces, (times, ids), n = s.traces, spike_train(), [0]

        def step():
            t = TIME + n[0] * 0.001
            n[0] += 1
            return traces.store_spike_train(t, times, ids)
        yield Prepared(step)


@contextlib.contextmanager
def store_train_compat(setup):
    with engram.compat.HDF5Storage(os.path.join(setup.scratch, "c.h5")) as h5:
        (times, ids), n = spike_train(), [0]

        def step():
            t = TIME + n[0] * 0.001
            n[0] += 1
            return h5.store_spike_train(t, times, ids)
        yield Prepared(step)


# ---- hdf5_retrieve_spike_train_gzip6

@contextlib.contextmanager
def retrieve_train_raw(setup):
    with _raw(setup) as f:
        timer, (times, ids) = CTimer(), spike_train()
        stored = [_raw_store_train(f, _seed_id("train", TIME + i), TIME + i, times, ids, timer)
                  for i in range(READ_SET)]
        n = [0]

        def step():
            g = f["spike_trains/raw_data/" + stored[n[0] % READ_SET]]
            n[0] += 1
            timestamp = float(g.attrs["timestamp"])
            metadata = json.loads(g.attrs["metadata_json"])
            amplitudes = _read(g["spike_amplitudes"], timer) if "spike_amplitudes" in g else None
            return (timestamp, metadata, _read(g["spike_times"], timer),
                    _read(g["neuron_ids"], timer), amplitudes)
        yield Prepared(step, timer)


@contextlib.contextmanager
def retrieve_train_engram(setup):
    with engram.Storage.from_yaml(_engram_yaml(os.path.join(setup.scratch, "e.h5"))) as s:
        traces, (times, ids) = s.traces, spike_train()
        stored = [traces.store_spike_train(TIME + i, times, ids) for i in range(READ_SET)]
        n = [0]

        def step():
            n[0] += 1
            return traces.retrieve_spike_train(stored[n[0] % READ_SET])
        yield Prepared(step)


@contextlib.contextmanager
def retrieve_train_compat(setup):
    with engram.compat.HDF5Storage(os.path.join(setup.scratch, "c.h5")) as h5:
        times, ids = spike_train()
        stored = [h5.store_spike_train(TIME + i, times, ids) for i in range(READ_SET)]
        n = [0]

        def step():
            n[0] += 1
            return h5.retrieve_spike_train(stored[n[0] % READ_SET])
        yield Prepared(step)


_WRITE = "h5py: DatasetID.write (H5Dwrite) of each array + File.flush (H5Fflush)"
_READ = "h5py: DatasetID.read (H5Dread) of each array"
WORKLOADS = [
    Workload("hdf5_store_network_snapshot_int8_gzip6", "hdf5",
             {"raw": store_snapshot_raw, "engram": store_snapshot_engram,
              "compat": store_snapshot_compat}, cxx_raw=None, c_calls=_WRITE),
    Workload("hdf5_retrieve_network_snapshot_int8_gzip6", "hdf5",
             {"raw": retrieve_snapshot_raw, "engram": retrieve_snapshot_engram,
              "compat": retrieve_snapshot_compat}, cxx_raw=None, c_calls=_READ),
    Workload("hdf5_store_spike_train_gzip6", "hdf5",
             {"raw": store_train_raw, "engram": store_train_engram,
              "compat": store_train_compat},
             cxx_raw="hdf5_store_spike_train_gzip6/raw", c_calls=_WRITE),
    Workload("hdf5_retrieve_spike_train_gzip6", "hdf5",
             {"raw": retrieve_train_raw, "engram": retrieve_train_engram,
              "compat": retrieve_train_compat},
             cxx_raw="hdf5_retrieve_spike_train_gzip6/raw", c_calls=_READ),
]
