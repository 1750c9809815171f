#!/usr/bin/python3
"""numpy's side of the npy example plugin: a folder the plugin wrote, read
with numpy.load alone and checked value for value (Debian's python3-numpy
and python3-h5py).

    numpy_interop.py ENGRAM WORKDIR

ENGRAM is the `engram` tool of an engram whose plugin folder holds
libengram-npy.so and libengram-hdf5.so (an installed prefix's bin/engram);
WORKDIR an empty scratch folder. The check:

  1. `engram demo` stores traces of every kind in an HDF5 file (the hdf5
     plugin);
  2. `engram migrate` copies them, through the npy plugin, into a folder;
  3. every record in the folder is read with numpy.load (allow_pickle=False)
     and json, as the README's layout says, and compared with what h5py
     reads from the HDF5 file: same ids, timestamps, dtypes, shapes and
     bytes;
  4. files are then damaged one at a time (a truncated .npy, a .npy whose
     header claims a huge shape, a record.json that is not JSON, one naming
     a file outside its folder, one of a later format): reading the folder
     through engram (a migrate to the memory plugin) must fail, naming the
     file;
  5. an `engram demo` storing into a second folder is killed (SIGKILL)
     mid-run, three times: every record in the folder must still load whole
     with numpy, and the next open (`engram stats`) must remove what the
     killed runs left under .staging.

Exits 0 when all holds, 1 with the reasons otherwise.
"""
import json
import pathlib
import subprocess
import sys
import time

import h5py
import numpy as np

KINDS = ["network_snapshots", "spike_trains", "compressed_spike_trains", "reservoir_states",
         "layer_outputs", "plasticity_traces", "homeostatic_traces", "performance_metrics"]

failures = []


def check(ok, what):
    if not ok:
        failures.append(what)


def run(engram, *args):
    return subprocess.run([engram, *args], capture_output=True, text=True, timeout=300)


def load_record(folder):
    """A record folder: record.json, its arrays and its layers, each loaded
    with numpy.load as the layout says."""
    record = json.loads((folder / "record.json").read_text())
    arrays = {name: np.load(folder / file, allow_pickle=False)
              for name, file in record.get("arrays", {}).items()}
    layers = {name: np.load(folder / file, allow_pickle=False)
              for name, file in record.get("layers", {}).items()}
    return record, arrays, layers


def same(a, b, what):
    a, b = np.asarray(a), np.asarray(b)
    check(a.dtype == b.dtype, f"{what}: dtype {a.dtype} in the folder, {b.dtype} in HDF5")
    check(a.shape == b.shape, f"{what}: shape {a.shape} in the folder, {b.shape} in HDF5")
    if a.dtype == b.dtype and a.shape == b.shape:
        check(a.tobytes() == b.tobytes(), f"{what}: values differ")


def compare(h5, root):
    """Every record of the HDF5 file against its folder."""
    def ids(kind):
        return sorted(p.name for p in (root / kind).iterdir() if p.is_dir())

    def h5_ids(group):
        return sorted(h5[group].keys()) if group in h5 else []

    pairs = {
        "network_snapshots": "network_states/topology",
        "spike_trains": "spike_trains/raw_data",
        "reservoir_states": "activations/reservoir_states",
        "layer_outputs": "activations/layer_outputs",
        "plasticity_traces": "learning_traces/plasticity",
        "homeostatic_traces": "learning_traces/homeostatic",
        "performance_metrics": "learning_traces/performance",
    }
    for kind, group in pairs.items():
        check(ids(kind) == h5_ids(group), f"{kind}: ids {ids(kind)} vs HDF5 {h5_ids(group)}")
        check(len(ids(kind)) > 0, f"{kind}: the demo stored none")
    for id_ in ids("network_snapshots"):
        record, arrays, _ = load_record(root / "network_snapshots" / id_)
        check(record["timestamp"] == h5["network_states/topology"][id_].attrs["timestamp"],
              f"snapshot {id_}: timestamp")
        same(arrays["adjacency_matrix"], h5["network_states/topology"][id_]["adjacency"],
             f"snapshot {id_} adjacency")
        same(arrays["weight_matrix"], h5["network_states/weights"][id_]["weights"],
             f"snapshot {id_} weights")
        same(arrays["neuron_states"], h5["network_states/neuron_states"][id_]["states"],
             f"snapshot {id_} neuron_states")
        check(isinstance(record["metadata"], dict), f"snapshot {id_}: metadata is an object")
    for id_ in ids("spike_trains"):
        record, arrays, _ = load_record(root / "spike_trains" / id_)
        group = h5["spike_trains/raw_data"][id_]
        for field in ("spike_times", "neuron_ids", "spike_amplitudes"):
            check((field in arrays) == (field in group), f"train {id_}: {field} presence")
            if field in arrays and field in group:
                same(arrays[field], group[field], f"train {id_} {field}")
    for kind, group, field, name_key in [
            ("reservoir_states", "activations/reservoir_states", "reservoir_states",
             "reservoir_id"),
            ("plasticity_traces", "learning_traces/plasticity", "synapse_changes",
             "plasticity_type"),
            ("homeostatic_traces", "learning_traces/homeostatic", "homeostatic_changes",
             "mechanism")]:
        for id_ in ids(kind):
            record, arrays, _ = load_record(root / kind / id_)
            dataset = h5[group][id_]
            same(arrays[field], dataset, f"{kind} {id_}")
            stored = dataset.attrs[name_key]
            stored = stored.decode() if isinstance(stored, bytes) else str(stored)
            check(record[name_key] == stored, f"{kind} {id_}: {name_key}")
    for id_ in ids("layer_outputs"):
        _, _, layers = load_record(root / "layer_outputs" / id_)
        group = h5["activations/layer_outputs"][id_]
        check(sorted(layers) == sorted(group.keys()), f"outputs {id_}: layer names")
        for name in layers:
            if name in group:
                same(layers[name], group[name], f"outputs {id_} layer {name}")
    for id_ in ids("performance_metrics"):
        record, arrays, _ = load_record(root / "performance_metrics" / id_)
        group = h5["learning_traces/performance"][id_]
        names = [n.decode() if isinstance(n, bytes) else str(n)
                 for n in group.attrs["metric_names"]]
        got = dict(zip(record["metric_names"], arrays["metrics"].tolist()))
        want = dict(zip(names, np.asarray(group["values"], dtype=np.float64).tolist()))
        check(got == want, f"metrics {id_}: {got} vs {want}")
        check(arrays["metrics"].dtype == np.float64 and arrays["metrics"].ndim == 1,
              f"metrics {id_}: metrics.npy is float64 1-d")


def crash_check(engram, work):
    """Records stay whole when the writer is killed mid-store (step 5)."""
    (work / "crash.yaml").write_text(
        "version: 1\nbackends:\n  a: {plugin: npy, folder: crash}\nroles: {traces: a}\n")
    root = work / "crash"
    for delay in (0.7, 1.1, 1.5):
        writer = subprocess.Popen([engram, "demo", "--config", str(work / "crash.yaml"),
                                   "--steps", "1000000"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        writer.kill()
        writer.wait()
    records = 0
    for kind in KINDS:
        for folder in sorted((root / kind).iterdir()):
            try:
                load_record(folder)
                records += 1
            except (OSError, ValueError, KeyError) as e:
                check(False, f"after a kill, {folder} is not whole: {e!r}")
    check(records > 0, "the killed demo stored nothing")
    stats = run(engram, "stats", "--config", str(work / "crash.yaml"))
    check(stats.returncode == 0, f"engram stats after the kills: {stats.stdout}{stats.stderr}")
    left = list((root / ".staging").iterdir())
    check(not left, f"the next open left the killed runs' staging folders: {left}")


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    engram, work = sys.argv[1], pathlib.Path(sys.argv[2]).resolve()
    work.mkdir(parents=True, exist_ok=True)
    (work / "hdf5.yaml").write_text(
        "version: 1\nbackends:\n  a: {plugin: hdf5, file_path: traces.h5}\nroles: {traces: a}\n")
    (work / "npy.yaml").write_text(
        "version: 1\nbackends:\n  a: {plugin: npy, folder: npy}\nroles: {traces: a}\n")
    (work / "memory.yaml").write_text(
        "version: 1\nbackends:\n  a: {plugin: memory}\nroles: {traces: a}\n")

    demo = run(engram, "demo", "--config", str(work / "hdf5.yaml"), "--steps", "4")
    check(demo.returncode == 0, f"engram demo failed: {demo.stdout}{demo.stderr}")
    migrate = run(engram, "migrate", "--from", str(work / "hdf5.yaml"), "--to",
                  str(work / "npy.yaml"), "--roles", "traces")
    check(migrate.returncode == 0, f"engram migrate failed: {migrate.stdout}{migrate.stderr}")
    root = work / "npy"
    if not failures:
        check(sorted(p.name for p in root.iterdir() if not p.name.startswith(".")) ==
              sorted(KINDS), f"kind folders: {sorted(p.name for p in root.iterdir())}")
        with h5py.File(work / "traces.h5", "r") as h5:
            try:
                compare(h5, root)
            except (OSError, ValueError, KeyError) as e:
                check(False, f"numpy cannot read the folder as the layout says: {e!r}")

    if not failures:
        # Damaged and hostile files: engram reads them through the plugin and
        # must fail naming the file (CorruptData, NotSupported), never crash,
        # never read outside the record's folder, never return the bytes.
        record = next((root / "reservoir_states").iterdir())
        npy_file, json_file = record / "reservoir_states.npy", record / "record.json"
        meta = json.loads(json_file.read_text())
        damages = [
            ("a truncated .npy", npy_file, npy_file.read_bytes()[:70]),
            ("a .npy claiming a huge shape", npy_file,
             npy_file.read_bytes().replace(b"'shape': (", b"'shape': (999999999999, ", 1)),
            ("record.json that is not JSON", json_file, b'{"format": 1, "kind":'),
            ("record.json naming a file outside its folder", json_file,
             json.dumps({**meta, "arrays": {"reservoir_states": "../../../hdf5.yaml"}}).encode()),
            ("record.json of a later format", json_file,
             json.dumps({**meta, "format": 2}).encode()),
        ]
        for n, (what, victim, damaged) in enumerate(damages):
            good = victim.read_bytes()
            victim.write_bytes(damaged)
            broken = run(engram, "migrate", "--from", str(work / "npy.yaml"), "--to",
                         str(work / "memory.yaml"), "--roles", "traces",
                         "--state", str(work / f"broken{n}.state.json"))
            victim.write_bytes(good)
            output = broken.stdout + broken.stderr
            check(broken.returncode > 0, f"{what}: exit {broken.returncode}: {output}")
            check(str(victim) in output, f"{what}: the error names no file: {output}")

    if not failures:
        crash_check(engram, work)

    for failure in failures:
        print("FAIL:", failure)
    print("numpy_interop:", "ok" if not failures else f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
