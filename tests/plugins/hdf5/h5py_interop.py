"""h5py's side of the hdf5 plugin's tests (python3-h5py, python3-numpy).

  describe FILE        prints, as JSON, every group and dataset of FILE: its
                       attributes, and for datasets numpy's dtype string,
                       shape, filters and the bytes (hex)
  write FILE           writes FILE in the seed's layout, as the Python
                       system's HDF5Storage does, with values the C++ test
                       knows
  swmr-read FILE DONE  the reader engram's enable_swmr promises: in a loop,
                       holds a shared flock on FILE.lock, opens FILE
                       read-only, checks every snapshot, closes; after DONE exists, one last round.
                       Prints {"rounds", "last_count", "counts"} as JSON.
  open-default FILE    opens FILE read-only with HDF5's default locking;
                       exit 0 if it opened, 5 if it could not
"""
import fcntl
import json
import os
import sys
import time

import h5py
import numpy as np


def plain(value):
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.ndarray):
        return [plain(v) for v in value.tolist()]
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value


def describe(path):
    out = {}
    with h5py.File(path, "r") as f:
        def visit(name, obj):
            entry = {"attrs": {k: plain(v) for k, v in obj.attrs.items()}}
            if isinstance(obj, h5py.Dataset):
                entry["kind"] = "dataset"
                entry["dtype"] = obj.dtype.str
                entry["shape"] = list(obj.shape)
                entry["chunks"] = list(obj.chunks) if obj.chunks else None
                entry["shuffle"] = bool(obj.shuffle)
                entry["fletcher32"] = bool(obj.fletcher32)
                entry["compression"] = obj.compression
                data = obj[()]
                entry["hex"] = np.ascontiguousarray(data).tobytes().hex()
            else:
                entry["kind"] = "group"
            out[name] = entry
        f.visititems(visit)
        out["/"] = {"kind": "group", "attrs": {k: plain(v) for k, v in f.attrs.items()}}
    print(json.dumps(out))


def write(path):
    # The seed's HDF5Storage, reduced to what it writes.
    kw = dict(compression="gzip", compression_opts=6, shuffle=True, fletcher32=True)

    def dataset(group, name, data):
        data = np.asarray(data)
        chunks = tuple(min(1024, d) for d in data.shape)
        maxshape = (None,) + data.shape[1:]
        return group.create_dataset(name, data=data, chunks=chunks, maxshape=maxshape, **kw)

    with h5py.File(path, "w") as f:
        f.attrs["created_at"] = time.time()
        f.attrs["version"] = "1.0"
        f.attrs["compression"] = "gzip"
        f.attrs["chunk_size"] = 1024
        for g in ["network_states/topology", "network_states/weights",
                  "network_states/neuron_states", "spike_trains/raw_data",
                  "spike_trains/compressed", "spike_trains/metadata",
                  "activations/reservoir_states", "activations/layer_outputs",
                  "activations/attention_maps", "learning_traces/plasticity",
                  "learning_traces/homeostatic", "learning_traces/performance"]:
            f.create_group(g)
        t = 1700000000.5
        sid = "snapshot_1700000000500"
        adj = (np.arange(36).reshape(6, 6) % 3 == 0).astype(np.int64)
        w = np.arange(36, dtype=np.float64).reshape(6, 6) / 4.0
        st = np.arange(12, dtype=np.float32).reshape(6, 2) - 3.0
        for grp, name, data in [("topology", "adjacency", adj), ("weights", "weights", w),
                                ("neuron_states", "states", st)]:
            g = f["network_states"][grp].create_group(sid)
            dataset(g, name, data)
            g.attrs["timestamp"] = t
            g.attrs["shape"] = data.shape
        top = f["network_states/topology"][sid]
        top.attrs["meta_step"] = 7
        top.attrs["meta_lr"] = 0.125
        top.attrs["meta_phase"] = "eval"

        g = f["spike_trains/raw_data"].create_group("train_1700000000500")
        dataset(g, "spike_times", np.linspace(0.0, 1.0, 9))
        dataset(g, "neuron_ids", np.array([3, 1, 4, 1, 5, 9, 2, 6, 5], dtype=np.int32))
        dataset(g, "spike_amplitudes", np.full(9, 0.5, dtype=np.float32))
        g.attrs["timestamp"] = t
        g.attrs["num_spikes"] = 9
        g.attrs["num_neurons"] = 7
        g.attrs["meta_trial"] = 3

        d = dataset(f["spike_trains/compressed"], "compressed_1700000000500",
                    np.arange(16, dtype=np.uint8))
        d.attrs["timestamp"] = t
        d.attrs["original_shape"] = (4, 32)
        d.attrs["compression_ratio"] = 8.0
        d.attrs["param_codec"] = "bitpack"

        d = dataset(f["activations/reservoir_states"], "lsm_1700000000500",
                    np.arange(20, dtype=np.float32).reshape(4, 5))
        d.attrs["timestamp"] = t
        d.attrs["reservoir_id"] = "lsm"
        d.attrs["shape"] = (4, 5)

        g = f["activations/layer_outputs"].create_group("outputs_1700000000500")
        dataset(g, "hidden", np.ones((2, 3), dtype=np.float32))
        dataset(g, "output", np.array([0.25, 0.75]))
        g.attrs["timestamp"] = t
        g.attrs["num_layers"] = 2

        d = dataset(f["learning_traces/plasticity"], "stdp_1700000000500",
                    np.array([0.5, -0.25, 0.125]))
        d.attrs["timestamp"] = t
        d.attrs["plasticity_type"] = "stdp"
        d.attrs["num_synapses"] = 3
        d.attrs["mean_change"] = 0.125
        d.attrs["std_change"] = 0.3

        d = dataset(f["learning_traces/homeostatic"], "intrinsic_plasticity_1700000000500",
                    np.array([1.0, 2.0]))
        d.attrs["timestamp"] = t
        d.attrs["mechanism"] = "intrinsic_plasticity"
        d.attrs["num_neurons"] = 2

        g = f["learning_traces/performance"].create_group("classification_1700000000500")
        dataset(g, "values", np.array([0.875, 0.5]))
        g.attrs["timestamp"] = t
        g.attrs["task_type"] = "classification"
        g.attrs["metric_names"] = ["accuracy", "loss"]


def swmr_read(path, done):
    counts = []
    rounds = 0
    lock = open(path + ".lock", "a+")
    while True:
        finished = os.path.exists(done)
        fcntl.flock(lock, fcntl.LOCK_SH)
        try:
            with h5py.File(path, "r") as f:
                topo = f["network_states/topology"]
                ids = sorted(topo.keys())
                for sid in ids:
                    i = int(topo[sid].attrs["meta_i"])
                    adj = topo[sid]["adjacency"][()]
                    w = f["network_states/weights"][sid]["weights"][()]
                    if not (adj == i).all() or not (w == i / 2.0).all():
                        print("snapshot %s does not hold %d" % (sid, i), file=sys.stderr)
                        sys.exit(1)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
        if counts and len(ids) < counts[-1]:
            print("snapshots went from %d to %d" % (counts[-1], len(ids)), file=sys.stderr)
            sys.exit(1)
        counts.append(len(ids))
        rounds += 1
        if finished:
            break
        time.sleep(0.01)
    print(json.dumps({"rounds": rounds, "last_count": counts[-1], "counts": counts}))


def open_default(path):
    try:
        with h5py.File(path, "r") as f:
            f.attrs.get("version")
    except OSError as e:
        print(str(e), file=sys.stderr)
        sys.exit(5)


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "describe":
        describe(sys.argv[2])
    elif mode == "write":
        write(sys.argv[2])
    elif mode == "swmr-read":
        swmr_read(sys.argv[2], sys.argv[3])
    elif mode == "open-default":
        open_default(sys.argv[2])
    else:
        sys.exit("unknown mode " + mode)
