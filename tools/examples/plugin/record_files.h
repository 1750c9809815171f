// record_files.h — one trace record as the files of its folder: what numpy
// users read.
//
// A record of kind K with id I is the folder <folder>/K/I/ (folder_layout.h)
// holding one .npy per array (numpy's format, written by the core's
// engram/npy.h header encoder, read by its npy::load) and record.json for
// the rest:
//
//   {"format": 1, "kind": "network_snapshots", "timestamp": 1700000000.123,
//    "arrays": {"adjacency_matrix": "adjacency_matrix.npy", ...},
//    "metadata": {...}}
//
//   kind                     arrays (field: file)                   other keys
//   network_snapshots        adjacency_matrix, weight_matrix,       metadata
//                            neuron_states
//   spike_trains             spike_times, neuron_ids,               metadata
//                            [spike_amplitudes]
//   compressed_spike_trains  spike_data                             compression_params
//   reservoir_states         reservoir_states                       reservoir_id
//   layer_outputs            "layers": {layer name: file}           —
//   plasticity_traces        synapse_changes                        plasticity_type
//   homeostatic_traces       homeostatic_changes                    mechanism
//   performance_metrics      metrics (float64, 1-d)                 metric_names
//
// A field's file is "<field>.npy"; a layer's is "<layer>.npy", or
// "layer_<k>.npy" when the name is too long for a file name. Metric values
// go to metrics.npy, in the order of metric_names (JSON cannot hold NaN).
// Readers follow record.json's names and never guess a file.
//
// Errors: writing — AccessDenied or BackendError naming the file;
// reading — CorruptData naming the file for anything this plugin did not
// write (a .npy the core's reader refuses, a missing file, a record.json
// that is not JSON or not this kind's, arrays whose shapes break the
// record's rules), NotSupported for a format newer than 1.
// Thread safety: stateless.
#ifndef ENGRAM_EXAMPLES_NPY_RECORD_FILES_H_
#define ENGRAM_EXAMPLES_NPY_RECORD_FILES_H_

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "engram/trace_store.h"
#include "folder_layout.h"

namespace engram::npy_plugin {

// The kind folder of each record type (and of its view).
template <class Record>
struct KindOf;
#define ENGRAM_NPY_KIND_(Template, folder_name)              \
  template <class A>                                         \
  struct KindOf<Template<A>> {                               \
    static constexpr std::string_view kFolder = folder_name; \
  };
ENGRAM_NPY_KIND_(BasicNetworkSnapshot, "network_snapshots")
ENGRAM_NPY_KIND_(BasicSpikeTrainData, "spike_trains")
ENGRAM_NPY_KIND_(BasicCompressedSpikeTrain, "compressed_spike_trains")
ENGRAM_NPY_KIND_(BasicReservoirStates, "reservoir_states")
ENGRAM_NPY_KIND_(BasicLayerOutputs, "layer_outputs")
ENGRAM_NPY_KIND_(BasicPlasticityTrace, "plasticity_traces")
ENGRAM_NPY_KIND_(BasicHomeostaticTrace, "homeostatic_traces")
#undef ENGRAM_NPY_KIND_
template <>
struct KindOf<PerformanceMetrics> {
  static constexpr std::string_view kFolder = "performance_metrics";
};

inline constexpr std::string_view kRecordJson = "record.json";
inline constexpr int kFormat = 1;

// Writes `record`'s files into `folder` (new and empty; `record.id` is not
// written: the folder's name is the id), each flushed to disk when
// `layout.fsync()`.
void write_record(const FolderLayout& layout, const std::filesystem::path& folder,
                  const NetworkSnapshotView& record);
void write_record(const FolderLayout& layout, const std::filesystem::path& folder,
                  const SpikeTrainDataView& record);
void write_record(const FolderLayout& layout, const std::filesystem::path& folder,
                  const CompressedSpikeTrainView& record);
void write_record(const FolderLayout& layout, const std::filesystem::path& folder,
                  const ReservoirStatesView& record);
void write_record(const FolderLayout& layout, const std::filesystem::path& folder,
                  const LayerOutputsView& record);
void write_record(const FolderLayout& layout, const std::filesystem::path& folder,
                  const PlasticityTraceView& record);
void write_record(const FolderLayout& layout, const std::filesystem::path& folder,
                  const HomeostaticTraceView& record);
void write_record(const FolderLayout& layout, const std::filesystem::path& folder,
                  const PerformanceMetrics& record);

// The record <kind of Record>/<id>, or nullopt when there is no such folder.
// Defined for the eight record types.
template <class Record>
std::optional<Record> read_record(const FolderLayout& layout, std::string_view id);

// The timestamp of the record <kind>/<id> (its record.json only), or
// nullopt when there is no such folder.
std::optional<double> read_timestamp(const FolderLayout& layout, std::string_view kind,
                                     std::string_view id);

}  // namespace engram::npy_plugin

#endif  // ENGRAM_EXAMPLES_NPY_RECORD_FILES_H_
