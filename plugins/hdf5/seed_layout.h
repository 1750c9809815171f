// plugins/hdf5/seed_layout.h — the Python system's layout of the traces file
// (SEED_FORMATS.md), which h5py users and the seed's reader share with
// engram: its groups, the file's attributes, the attribute names records
// carry, and their ids.
//
// Groups: one per kind of trace, under four top groups. A network snapshot
// is a group of the same id in each of topology, weights and neuron_states
// (datasets adjacency, weights, states); a spike train or layer outputs a
// group of datasets; a compressed spike train, reservoir states, a
// plasticity or homeostatic trace a dataset; performance metrics a group
// holding a `values` dataset. Every record has a `timestamp` attribute.
//
// Metadata and compression parameters: the seed's scalar attributes
// (`meta_<key>`, `param_<key>`, at most kMaxScalarAttributes of them) and,
// beside them, the whole object as JSON text in one variable-length string
// attribute (`metadata_json`, `params_json`): the text lives in the global
// heap, so it has no size limit and the object header stays small. Files
// the seed wrote have no JSON attribute: their metadata is rebuilt from the
// scalar attributes.
//
// Errors: write_file_attributes throws the engram error HDF5's stack
// gives. Thread safety: constants, and a function over the caller's file.
#ifndef ENGRAM_PLUGINS_HDF5_SEED_LAYOUT_H_
#define ENGRAM_PLUGINS_HDF5_SEED_LAYOUT_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "engram/trace_store.h"

namespace engram::hdf5 {

class Attributes;

// The groups of each kind of trace.
constexpr const char* kTopology = "network_states/topology";
constexpr const char* kWeights = "network_states/weights";
constexpr const char* kNeuronStates = "network_states/neuron_states";
constexpr const char* kRawTrains = "spike_trains/raw_data";
constexpr const char* kCompressed = "spike_trains/compressed";
constexpr const char* kReservoirs = "activations/reservoir_states";
constexpr const char* kLayerOutputs = "activations/layer_outputs";
constexpr const char* kPlasticity = "learning_traces/plasticity";
constexpr const char* kHomeostatic = "learning_traces/homeostatic";
constexpr const char* kPerformance = "learning_traces/performance";
// Every group of the layout, each after its parent (a new file has them
// all, empty ones included).
constexpr const char* kAllGroups[] = {
    "network_states",  kTopology,   kWeights,      kNeuronStates,
    "spike_trains",    kRawTrains,  kCompressed,   "spike_trains/metadata",
    "activations",     kReservoirs, kLayerOutputs, "activations/attention_maps",
    "learning_traces", kPlasticity, kHomeostatic,  kPerformance};
// The groups in which a record of `kind` has a link named by its id: a
// snapshot's three (its id is free only when free in all), one for every
// other kind.
std::span<const char* const> groups_of(TraceKind kind) noexcept;
// The top groups: a file with one of them is in the layout.
constexpr const char* kTopGroups[] = {"network_states", "spike_trains", "activations",
                                      "learning_traces"};

// The attributes of a record's metadata (snapshots, spike trains) and of a
// compressed spike train's parameters: scalar `<prefix><key>` ones as the
// seed writes them, and the whole object as JSON text.
constexpr const char* kMetaPrefix = "meta_";
constexpr const char* kMetadataJson = "metadata_json";
constexpr const char* kParamPrefix = "param_";
constexpr const char* kParamsJson = "params_json";

// Record ids: the caller's id when given and free, else the seed's
// "<prefix>_<ms>" (then "_1", "_2", ... when taken; seed_id in
// engram/ids.h), chosen by Records::free_id. Each kind's prefix is the
// core's seed_id_prefix (engram/trace_store.h): "snapshot", "train",
// "compressed", "outputs", or the record's reservoir_id, plasticity_type,
// mechanism or task_type.

// At most this many scalar metadata items become `meta_<key>` attributes
// (the JSON attribute keeps them all).
constexpr std::size_t kMaxScalarAttributes = 64;

// Writes the seed's file attributes on the root group `root`: created_at
// (seconds since the epoch), version "1.0", compression (the codec's name)
// and chunk_size.
void write_file_attributes(const Attributes& root, double created_at,
                           const std::string& compression, std::int64_t chunk_size);

}  // namespace engram::hdf5

#endif  // ENGRAM_PLUGINS_HDF5_SEED_LAYOUT_H_
