// engram/trace_store.h — the traces role (YAML key `traces`): array traces
// of the running network (the seed's HDF5Storage): network snapshots, spike
// trains (raw and pre-compressed), reservoir states, layer outputs,
// plasticity and homeostatic traces, performance metrics.
//
// Ids are strings in the seed's form, derived from the caller's timestamp:
// "<prefix>_<ms>" with ms = int(timestamp × 1000) — snapshot_, train_,
// compressed_, outputs_, or the reservoir id, plasticity type, mechanism or
// task type. The first store in a millisecond gets that id; later ones get
// "<prefix>_<ms>_1", "_2", ...: ids never collide and nothing is overwritten.
// Reservoir ids, plasticity types, mechanisms, task types, layer and metric
// names and every id passed in must be valid ids (engram/ids.h): a malformed
// one is InvalidArgument on store and on retrieve; a well-formed id that is
// not there is nullopt. Timestamps must be finite; metadata and compression
// parameters JSON objects of finite numbers, kept whole at any size.
//
// Thread safety: every method may be called from several threads at once.
// Every method throws StorageError("closed") after the backend was closed,
// and BackendError (or a more precise kind) when the backend fails.
//
// Backends implement the private do_* functions; the public ones validate.
#ifndef ENGRAM_TRACE_STORE_H_
#define ENGRAM_TRACE_STORE_H_

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engram/array.h"
#include "engram/export.h"
#include "engram/ids.h"
#include "engram/json.h"
#include "engram/maintenance.h"
#include "engram/page.h"

namespace engram {

namespace detail {
struct RoleAccess;
}

// In every trace record, `id` is the record's id. In a batch put, an empty
// id asks for the seed's id from the timestamp; a given id is kept when it
// is free (else the next free suffix is used).

// adjacency_matrix and weight_matrix have the same shape.
template <class ArrayT>
struct BasicNetworkSnapshot {
  std::string id;
  double timestamp = 0.0;
  ArrayT adjacency_matrix;
  ArrayT weight_matrix;
  ArrayT neuron_states;
  Json metadata = Json::object();
};
using NetworkSnapshot = BasicNetworkSnapshot<Array>;
using NetworkSnapshotView = BasicNetworkSnapshot<ArrayView>;

// spike_times, neuron_ids and (if present) spike_amplitudes are 1-d and of
// one length.
template <class ArrayT>
struct BasicSpikeTrainData {
  std::string id;
  double timestamp = 0.0;
  ArrayT spike_times;
  ArrayT neuron_ids;
  std::optional<ArrayT> spike_amplitudes;
  Json metadata = Json::object();
};
using SpikeTrainData = BasicSpikeTrainData<Array>;
using SpikeTrainDataView = BasicSpikeTrainData<ArrayView>;

// Spike data the caller compressed, with the parameters that describe it
// (the seed reads "original_shape" and "compression_ratio" from them).
template <class ArrayT>
struct BasicCompressedSpikeTrain {
  std::string id;
  double timestamp = 0.0;
  ArrayT spike_data;
  Json compression_params = Json::object();
};
using CompressedSpikeTrain = BasicCompressedSpikeTrain<Array>;
using CompressedSpikeTrainView = BasicCompressedSpikeTrain<ArrayView>;

template <class ArrayT>
struct BasicReservoirStates {
  std::string id;
  double timestamp = 0.0;
  ArrayT reservoir_states;
  std::string reservoir_id = "default";
};
using ReservoirStates = BasicReservoirStates<Array>;
using ReservoirStatesView = BasicReservoirStates<ArrayView>;

// One array per layer, by layer name (sorted by name, as HDF5 lists them).
template <class ArrayT>
struct BasicLayerOutputs {
  std::string id;
  double timestamp = 0.0;
  std::map<std::string, ArrayT> layer_outputs;
};
using LayerOutputs = BasicLayerOutputs<Array>;
using LayerOutputsView = BasicLayerOutputs<ArrayView>;

template <class ArrayT>
struct BasicPlasticityTrace {
  std::string id;
  double timestamp = 0.0;
  ArrayT synapse_changes;
  std::string plasticity_type = "stdp";
};
using PlasticityTrace = BasicPlasticityTrace<Array>;
using PlasticityTraceView = BasicPlasticityTrace<ArrayView>;

template <class ArrayT>
struct BasicHomeostaticTrace {
  std::string id;
  double timestamp = 0.0;
  ArrayT homeostatic_changes;
  std::string mechanism = "intrinsic_plasticity";
};
using HomeostaticTrace = BasicHomeostaticTrace<Array>;
using HomeostaticTraceView = BasicHomeostaticTrace<ArrayView>;

// Metric values by name. Values may be any double, NaN included.
struct PerformanceMetrics {
  std::string id;
  double timestamp = 0.0;
  std::map<std::string, double> metrics;
  std::string task_type = "general";
};

// The prefix of the seed's id of each kind of trace, "<prefix>_<ms>":
// fixed for snapshots, trains and outputs; the caller's reservoir id,
// plasticity type, mechanism or task type for the others.
template <class A>
std::string_view seed_id_prefix(const BasicNetworkSnapshot<A>&) { return "snapshot"; }
template <class A>
std::string_view seed_id_prefix(const BasicSpikeTrainData<A>&) { return "train"; }
template <class A>
std::string_view seed_id_prefix(const BasicCompressedSpikeTrain<A>&) { return "compressed"; }
template <class A>
std::string_view seed_id_prefix(const BasicReservoirStates<A>& r) { return r.reservoir_id; }
template <class A>
std::string_view seed_id_prefix(const BasicLayerOutputs<A>&) { return "outputs"; }
template <class A>
std::string_view seed_id_prefix(const BasicPlasticityTrace<A>& r) { return r.plasticity_type; }
template <class A>
std::string_view seed_id_prefix(const BasicHomeostaticTrace<A>& r) { return r.mechanism; }
inline std::string_view seed_id_prefix(const PerformanceMetrics& r) { return r.task_type; }

// Many trace stores applied by TraceStore::store_batch, all or nothing
// against validation and backend errors (against a crash, as far as the
// backend's README says). Arrays are borrowed until store_batch returns.
// Each add validates as the matching store does (InvalidArgument, batch
// unchanged).
class ENGRAM_API TraceBatch {
 public:
  void put(NetworkSnapshotView record);
  void put(SpikeTrainDataView record);
  void put(CompressedSpikeTrainView record);
  void put(ReservoirStatesView record);
  void put(LayerOutputsView record);
  void put(PlasticityTraceView record);
  void put(HomeostaticTraceView record);
  void put(PerformanceMetrics record);
  void put(const NetworkSnapshot& record);
  void put(const SpikeTrainData& record);
  void put(const CompressedSpikeTrain& record);
  void put(const ReservoirStates& record);
  void put(const LayerOutputs& record);
  void put(const PlasticityTrace& record);
  void put(const HomeostaticTrace& record);

  const std::vector<NetworkSnapshotView>& network_snapshots() const noexcept { return snapshots_; }
  const std::vector<SpikeTrainDataView>& spike_trains() const noexcept { return spike_trains_; }
  const std::vector<CompressedSpikeTrainView>& compressed_spike_trains() const noexcept {
    return compressed_;
  }
  const std::vector<ReservoirStatesView>& reservoir_states() const noexcept { return reservoirs_; }
  const std::vector<LayerOutputsView>& layer_outputs() const noexcept { return layer_outputs_; }
  const std::vector<PlasticityTraceView>& plasticity_traces() const noexcept {
    return plasticity_;
  }
  const std::vector<HomeostaticTraceView>& homeostatic_traces() const noexcept {
    return homeostatic_;
  }
  const std::vector<PerformanceMetrics>& performance_metrics() const noexcept { return metrics_; }
  std::size_t size() const noexcept;
  bool empty() const noexcept { return size() == 0; }
  void clear() noexcept;

 private:
  std::vector<NetworkSnapshotView> snapshots_;
  std::vector<SpikeTrainDataView> spike_trains_;
  std::vector<CompressedSpikeTrainView> compressed_;
  std::vector<ReservoirStatesView> reservoirs_;
  std::vector<LayerOutputsView> layer_outputs_;
  std::vector<PlasticityTraceView> plasticity_;
  std::vector<HomeostaticTraceView> homeostatic_;
  std::vector<PerformanceMetrics> metrics_;
};

// The eight kinds of trace, in TraceStore's order.
enum class TraceKind {
  kNetworkSnapshot,
  kSpikeTrain,
  kCompressedSpikeTrain,
  kReservoirStates,
  kLayerOutputs,
  kPlasticityTrace,
  kHomeostaticTrace,
  kPerformanceMetrics,
};
// "network snapshot", "spike train", ... — for messages.
ENGRAM_API std::string_view trace_kind_name(TraceKind kind) noexcept;

// The ids store_batch gave, per kind, in the order the records were added.
struct TraceBatchIds {
  std::vector<std::string> network_snapshots;
  std::vector<std::string> spike_trains;
  std::vector<std::string> compressed_spike_trains;
  std::vector<std::string> reservoir_states;
  std::vector<std::string> layer_outputs;
  std::vector<std::string> plasticity_traces;
  std::vector<std::string> homeostatic_traces;
  std::vector<std::string> performance_metrics;
};

class ENGRAM_API TraceStore {
 public:
  virtual ~TraceStore();

  // --- network states ---

  // Stores a snapshot; returns its id ("snapshot_<ms>"). Throws
  // InvalidArgument when the adjacency and weight matrices differ in shape.
  std::string store_network_snapshot(double timestamp, ArrayView adjacency_matrix,
                                     ArrayView weight_matrix, ArrayView neuron_states,
                                     const Json& metadata = Json::object());
  std::optional<NetworkSnapshot> retrieve_network_snapshot(std::string_view snapshot_id);
  // Ids of the snapshots with start_time <= timestamp <= end_time, sorted by
  // id.
  std::vector<std::string> get_network_snapshots_in_range(double start_time, double end_time);

  // --- spike trains ---

  // Stores a spike train; returns its id ("train_<ms>"). Throws
  // InvalidArgument unless the arrays are 1-d and of one length.
  std::string store_spike_train(double timestamp, ArrayView spike_times, ArrayView neuron_ids,
                                std::optional<ArrayView> spike_amplitudes = std::nullopt,
                                const Json& metadata = Json::object());
  std::optional<SpikeTrainData> retrieve_spike_train(std::string_view train_id);
  // Stores pre-compressed spike data; returns its id ("compressed_<ms>").
  std::string store_compressed_spike_train(double timestamp, ArrayView spike_data,
                                           const Json& compression_params);
  std::optional<CompressedSpikeTrain> retrieve_compressed_spike_train(
      std::string_view train_id);

  // --- activations ---

  // Returns the id "<reservoir_id>_<ms>".
  std::string store_reservoir_states(double timestamp, ArrayView reservoir_states,
                                     std::string_view reservoir_id = "default");
  std::optional<ReservoirStates> retrieve_reservoir_states(std::string_view state_id);
  // Returns the id "outputs_<ms>". Layer names must be valid ids.
  std::string store_layer_outputs(double timestamp,
                                  const std::map<std::string, ArrayView>& layer_outputs);
  std::optional<LayerOutputs> retrieve_layer_outputs(std::string_view output_id);

  // --- learning traces ---

  // Returns the id "<plasticity_type>_<ms>".
  std::string store_plasticity_trace(double timestamp, ArrayView synapse_changes,
                                     std::string_view plasticity_type = "stdp");
  std::optional<PlasticityTrace> retrieve_plasticity_trace(std::string_view trace_id);
  // Returns the id "<mechanism>_<ms>".
  std::string store_homeostatic_trace(double timestamp, ArrayView homeostatic_changes,
                                      std::string_view mechanism = "intrinsic_plasticity");
  std::optional<HomeostaticTrace> retrieve_homeostatic_trace(std::string_view trace_id);
  // Returns the id "<task_type>_<ms>". Metric names must be valid ids.
  std::string store_performance_metrics(double timestamp,
                                        const std::map<std::string, double>& metrics,
                                        std::string_view task_type = "general");
  std::optional<PerformanceMetrics> retrieve_performance_metrics(std::string_view metrics_id);

  // --- beyond the seed ---

  // Applies every store of `batch`, or none.
  TraceBatchIds store_batch(const TraceBatch& batch);
  // Pages through every record of each kind, in id order (engram/page.h).
  // Use a small limit for large records: a page holds its records whole.
  Page<NetworkSnapshot> list_network_snapshots(std::string_view cursor = {},
                                               std::size_t limit = 16);
  Page<SpikeTrainData> list_spike_trains(std::string_view cursor = {}, std::size_t limit = 16);
  Page<CompressedSpikeTrain> list_compressed_spike_trains(std::string_view cursor = {},
                                                          std::size_t limit = 16);
  Page<ReservoirStates> list_reservoir_states(std::string_view cursor = {},
                                              std::size_t limit = 16);
  Page<LayerOutputs> list_layer_outputs(std::string_view cursor = {}, std::size_t limit = 16);
  Page<PlasticityTrace> list_plasticity_traces(std::string_view cursor = {},
                                               std::size_t limit = 16);
  Page<HomeostaticTrace> list_homeostatic_traces(std::string_view cursor = {},
                                                 std::size_t limit = 16);
  Page<PerformanceMetrics> list_performance_metrics(std::string_view cursor = {},
                                                    std::size_t limit = 16);

  // The backend instance's maintenance interface (engram/maintenance.h):
  // its Backend::maintenance(), set by the core when it made the backend.
  // Throws StorageError for a role object the core did not make.
  Maintenance& maintenance();

 private:
  friend struct detail::RoleAccess;
  // Set by the core for objects a plugin made: what keeps the plugin's
  // library loaded, to which every returned Array is tied.
  std::shared_ptr<const void> library_;
  // Set by the core with library_: what maintenance() returns.
  Maintenance* maintenance_ = nullptr;

  // Each store gets a validated record whose `id` is empty (derive the
  // seed's id) or a valid id to keep if free; it returns the id used.
  virtual std::string do_store_network_snapshot(const NetworkSnapshotView& record) = 0;
  virtual std::optional<NetworkSnapshot> do_retrieve_network_snapshot(std::string_view id) = 0;
  virtual std::vector<std::string> do_get_network_snapshots_in_range(double start_time,
                                                                     double end_time) = 0;
  virtual std::string do_store_spike_train(const SpikeTrainDataView& record) = 0;
  virtual std::optional<SpikeTrainData> do_retrieve_spike_train(std::string_view id) = 0;
  virtual std::string do_store_compressed_spike_train(const CompressedSpikeTrainView& record) = 0;
  virtual std::optional<CompressedSpikeTrain> do_retrieve_compressed_spike_train(
      std::string_view id) = 0;
  virtual std::string do_store_reservoir_states(const ReservoirStatesView& record) = 0;
  virtual std::optional<ReservoirStates> do_retrieve_reservoir_states(std::string_view id) = 0;
  virtual std::string do_store_layer_outputs(const LayerOutputsView& record) = 0;
  virtual std::optional<LayerOutputs> do_retrieve_layer_outputs(std::string_view id) = 0;
  virtual std::string do_store_plasticity_trace(const PlasticityTraceView& record) = 0;
  virtual std::optional<PlasticityTrace> do_retrieve_plasticity_trace(std::string_view id) = 0;
  virtual std::string do_store_homeostatic_trace(const HomeostaticTraceView& record) = 0;
  virtual std::optional<HomeostaticTrace> do_retrieve_homeostatic_trace(
      std::string_view id) = 0;
  virtual std::string do_store_performance_metrics(const PerformanceMetrics& record) = 0;
  virtual std::optional<PerformanceMetrics> do_retrieve_performance_metrics(
      std::string_view id) = 0;
  virtual TraceBatchIds do_store_batch(const TraceBatch& batch) = 0;
  virtual Page<NetworkSnapshot> do_list_network_snapshots(std::string_view cursor,
                                                          std::size_t limit) = 0;
  virtual Page<SpikeTrainData> do_list_spike_trains(std::string_view cursor,
                                                    std::size_t limit) = 0;
  virtual Page<CompressedSpikeTrain> do_list_compressed_spike_trains(std::string_view cursor,
                                                                     std::size_t limit) = 0;
  virtual Page<ReservoirStates> do_list_reservoir_states(std::string_view cursor,
                                                         std::size_t limit) = 0;
  virtual Page<LayerOutputs> do_list_layer_outputs(std::string_view cursor,
                                                   std::size_t limit) = 0;
  virtual Page<PlasticityTrace> do_list_plasticity_traces(std::string_view cursor,
                                                          std::size_t limit) = 0;
  virtual Page<HomeostaticTrace> do_list_homeostatic_traces(std::string_view cursor,
                                                            std::size_t limit) = 0;
  virtual Page<PerformanceMetrics> do_list_performance_metrics(std::string_view cursor,
                                                               std::size_t limit) = 0;
  // The greatest millisecond stamp among the ids of `kind` that read as the
  // seed's ids with `prefix` ("<prefix>_<ms>" or "<prefix>_<ms>_<n>", as
  // seed_id_stamp reads them), or nullopt when none does. The core's
  // write-behind reads it once per kind and prefix to hand out ids at queue
  // time without asking the backend again while timestamps rise. The
  // default pages through the kind's listing (reading every record); a
  // backend that can list ids alone overrides it.
  virtual std::optional<std::int64_t> do_latest_seed_stamp(TraceKind kind,
                                                           std::string_view prefix);
};

}  // namespace engram

#endif  // ENGRAM_TRACE_STORE_H_
