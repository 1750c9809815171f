"""HDF5Storage: the seed's traces in one HDF5 file in the seed's layout,
backed by engram's hdf5 plugin (one backend "hdf5" serving traces).

The constructor takes the seed's parameters and defaults and opens (or
creates: an existing empty file is a new store) the file; HDF5StorageError
(chained from the engram error) when it cannot. `max_file_size` may be
changed on a live object and takes effect at once. Every method has the
seed's name, arguments and return shape: a store returns the record's id, a
bool-returning method True or raises HDF5StorageError; a lookup returns None
/ [] only when nothing is there. get_file_info() takes the top-level groups
and the dataset count from the plugin's stats(), which walks the file it
holds open.

Thread safety: every method may be called from several threads at once
(the GIL is released inside engram); close() makes every later call raise.
"""
import os
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from . import arguments
from .closing import Closing
from .config import open_storage
from .errors import FAILURES, HDF5StorageError, raises
from .records import NetworkSnapshot, SpikeTrainData

# The seed's top-level groups, which engram's hdf5 plugin makes in every file.


class HDF5Storage(Closing):
    """Traces in one HDF5 file in the seed's layout: engram's hdf5 plugin
    (backend "hdf5"). `max_file_size` may be changed on a live object."""

    def __init__(self, file_path="godly_ai_data.h5", compression: str = "gzip",
                 compression_opts: int = 6, chunk_size: int = 1024,
                 max_file_size: int = 10 * 1024**3, enable_swmr: bool = True):
        self.file_path = Path(file_path)
        self.compression = compression
        self.compression_opts = compression_opts
        self.chunk_size = chunk_size
        self._max_file_size = max_file_size
        self.enable_swmr = enable_swmr
        try:
            self._storage = open_storage("hdf5", {
                "file_path": os.path.abspath(os.fspath(file_path)),
                "compression": str(compression), "compression_opts": int(compression_opts),
                "chunk_size": int(chunk_size), "max_file_size": int(max_file_size),
                "enable_swmr": bool(enable_swmr),
            }, ["traces"])
            self._traces = self._storage.traces
            self._maintenance = self._storage.maintenance("hdf5")
        except FAILURES as error:
            raise HDF5StorageError("opening %s: %s" % (file_path, error)) from error

    # -- live settings --

    @property
    def max_file_size(self) -> int:
        return self._max_file_size

    @max_file_size.setter
    @raises(HDF5StorageError)
    def max_file_size(self, value: int) -> None:
        self._maintenance.set_option("max_file_size", int(value))
        self._max_file_size = value

    # -- network states --

    @raises(HDF5StorageError)
    def store_network_snapshot(self, timestamp: float, adjacency_matrix, weight_matrix,
                               neuron_states,
                               metadata: Optional[Dict[str, Any]] = None) -> str:
        return self._traces.store_network_snapshot(
            float(timestamp), arguments.array(adjacency_matrix), arguments.array(weight_matrix),
            arguments.array(neuron_states), arguments.json_object(metadata))

    @raises(HDF5StorageError)
    def retrieve_network_snapshot(self, snapshot_id: str) -> Optional[NetworkSnapshot]:
        found = self._traces.retrieve_network_snapshot(snapshot_id)
        if found is None:
            return None
        return NetworkSnapshot(timestamp=found.timestamp, adjacency_matrix=found.adjacency_matrix,
                               weight_matrix=found.weight_matrix,
                               neuron_states=found.neuron_states, metadata=found.metadata)

    @raises(HDF5StorageError)
    def get_network_snapshots_in_range(self, start_time: float, end_time: float) -> List[str]:
        return list(self._traces.get_network_snapshots_in_range(float(start_time),
                                                                float(end_time)))

    # -- spike trains --

    @raises(HDF5StorageError)
    def store_spike_train(self, timestamp: float, spike_times, neuron_ids,
                          spike_amplitudes=None,
                          metadata: Optional[Dict[str, Any]] = None) -> str:
        return self._traces.store_spike_train(
            float(timestamp), arguments.array(spike_times), arguments.array(neuron_ids),
            None if spike_amplitudes is None else arguments.array(spike_amplitudes),
            arguments.json_object(metadata))

    @raises(HDF5StorageError)
    def retrieve_spike_train(self, train_id: str) -> Optional[SpikeTrainData]:
        found = self._traces.retrieve_spike_train(train_id)
        if found is None:
            return None
        return SpikeTrainData(timestamp=found.timestamp, spike_times=found.spike_times,
                              neuron_ids=found.neuron_ids,
                              spike_amplitudes=found.spike_amplitudes, metadata=found.metadata)

    @raises(HDF5StorageError)
    def store_compressed_spike_train(self, timestamp: float, spike_data,
                                     compression_params: Dict[str, Any]) -> str:
        return self._traces.store_compressed_spike_train(
            float(timestamp), arguments.array(spike_data),
            arguments.json_object(compression_params))

    # -- activations --

    @raises(HDF5StorageError)
    def store_reservoir_states(self, timestamp: float, reservoir_states,
                               reservoir_id: str = "default") -> str:
        return self._traces.store_reservoir_states(
            float(timestamp), arguments.array(reservoir_states), reservoir_id)

    @raises(HDF5StorageError)
    def retrieve_reservoir_states(self,
                                  state_id: str) -> Optional[Tuple[np.ndarray, float, str]]:
        found = self._traces.retrieve_reservoir_states(state_id)
        if found is None:
            return None
        return found.reservoir_states, found.timestamp, found.reservoir_id

    @raises(HDF5StorageError)
    def store_layer_outputs(self, timestamp: float, layer_outputs: Dict[str, Any]) -> str:
        return self._traces.store_layer_outputs(
            float(timestamp),
            {str(name): arguments.array(out) for name, out in layer_outputs.items()})

    @raises(HDF5StorageError)
    def retrieve_layer_outputs(
            self, output_id: str) -> Optional[Tuple[Dict[str, np.ndarray], float]]:
        found = self._traces.retrieve_layer_outputs(output_id)
        if found is None:
            return None
        return dict(found.layer_outputs), found.timestamp

    # -- learning traces --

    @raises(HDF5StorageError)
    def store_plasticity_trace(self, timestamp: float, synapse_changes,
                               plasticity_type: str = "stdp") -> str:
        return self._traces.store_plasticity_trace(
            float(timestamp), arguments.array(synapse_changes), plasticity_type)

    @raises(HDF5StorageError)
    def retrieve_plasticity_trace(self,
                                  trace_id: str) -> Optional[Tuple[np.ndarray, float, str]]:
        found = self._traces.retrieve_plasticity_trace(trace_id)
        if found is None:
            return None
        return found.synapse_changes, found.timestamp, found.plasticity_type

    @raises(HDF5StorageError)
    def store_homeostatic_trace(self, timestamp: float, homeostatic_changes,
                                mechanism: str = "intrinsic_plasticity") -> str:
        return self._traces.store_homeostatic_trace(
            float(timestamp), arguments.array(homeostatic_changes), mechanism)

    @raises(HDF5StorageError)
    def store_performance_metrics(self, timestamp: float, metrics: Dict[str, float],
                                  task_type: str = "general") -> str:
        return self._traces.store_performance_metrics(
            float(timestamp), {str(name): float(value) for name, value in metrics.items()},
            task_type)

    @raises(HDF5StorageError)
    def retrieve_performance_metrics(
            self, metrics_id: str) -> Optional[Tuple[Dict[str, float], float, str]]:
        found = self._traces.retrieve_performance_metrics(metrics_id)
        if found is None:
            return None
        return dict(found.metrics), found.timestamp, found.task_type

    # -- file management --

    @raises(HDF5StorageError)
    def get_file_info(self) -> Dict[str, Any]:
        stats = self._maintenance.stats()
        size = int(stats["file_size"])
        return {
            "file_path": str(stats["file_path"]),
            "file_size_bytes": size,
            "file_size_mb": size / (1024 * 1024),
            "compression": stats["compression"],
            "chunk_size": int(stats["chunk_size"]),
            "groups": list(stats["groups"]),
            "total_datasets": int(stats["total_datasets"]),
            "created_at": stats.get("created_at"),
            "version": stats.get("version"),
        }

    @raises(HDF5StorageError)
    def compact_file(self) -> bool:
        self._maintenance.compact()
        return True

    @raises(HDF5StorageError)
    def rotate_file(self) -> Path:
        return Path(self._maintenance.rotate())

    @raises(HDF5StorageError)
    def check_file_size(self) -> bool:
        return bool(self._maintenance.rotate_if_needed())

    @raises(HDF5StorageError)
    def cleanup_old_data(self, retention_days: int = 30) -> int:
        return int(self._maintenance.cleanup(int(retention_days)))

    @raises(HDF5StorageError)
    def close(self) -> None:
        self._storage.close()
