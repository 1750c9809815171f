// The traces role under write-behind. Each store gets the seed's id at
// queue time, checked against both the backend and the queue:
//
// per kind and id prefix the role knows the latest millisecond stamp in use
// (the backend's, read once by do_latest_seed_stamp, then its own). A store
// past it takes "<prefix>_<ms>" without asking anybody; another in that
// millisecond takes the next suffix. A store at or before a stamp the role
// did not hand out itself checks each candidate against the queue and the
// backend (a retrieve), as a backend without write-behind would. Records
// are written by the plugin's store_batch as puts carrying their ids.
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "engram/errors.h"
#include "engram/ids.h"
#include "engram/owned_records.h"
#include "record_checks.h"
#include "role_access.h"
#include "write_behind_roles.h"
#include "write_queue.h"

namespace engram::detail {
namespace {

using TraceItem =
    std::variant<NetworkSnapshot, SpikeTrainData, CompressedSpikeTrain, ReservoirStates,
                 LayerOutputs, PlasticityTrace, HomeostaticTrace, PerformanceMetrics>;

constexpr std::size_t kRecordOverhead = 256;

// The kind, the queued bytes and the batch's ids of each record type.
TraceKind kind_of(const NetworkSnapshot&) { return TraceKind::kNetworkSnapshot; }
TraceKind kind_of(const SpikeTrainData&) { return TraceKind::kSpikeTrain; }
TraceKind kind_of(const CompressedSpikeTrain&) { return TraceKind::kCompressedSpikeTrain; }
TraceKind kind_of(const ReservoirStates&) { return TraceKind::kReservoirStates; }
TraceKind kind_of(const LayerOutputs&) { return TraceKind::kLayerOutputs; }
TraceKind kind_of(const PlasticityTrace&) { return TraceKind::kPlasticityTrace; }
TraceKind kind_of(const HomeostaticTrace&) { return TraceKind::kHomeostaticTrace; }
TraceKind kind_of(const PerformanceMetrics&) { return TraceKind::kPerformanceMetrics; }

std::size_t bytes_of(const NetworkSnapshot& r) {
  return r.adjacency_matrix.nbytes() + r.weight_matrix.nbytes() + r.neuron_states.nbytes();
}
std::size_t bytes_of(const SpikeTrainData& r) {
  return r.spike_times.nbytes() + r.neuron_ids.nbytes() +
         (r.spike_amplitudes ? r.spike_amplitudes->nbytes() : 0);
}
std::size_t bytes_of(const CompressedSpikeTrain& r) { return r.spike_data.nbytes(); }
std::size_t bytes_of(const ReservoirStates& r) { return r.reservoir_states.nbytes(); }
std::size_t bytes_of(const LayerOutputs& r) {
  std::size_t bytes = 0;
  for (const auto& [name, array] : r.layer_outputs) bytes += name.size() + array.nbytes();
  return bytes;
}
std::size_t bytes_of(const PlasticityTrace& r) { return r.synapse_changes.nbytes(); }
std::size_t bytes_of(const HomeostaticTrace& r) { return r.homeostatic_changes.nbytes(); }
std::size_t bytes_of(const PerformanceMetrics& r) { return r.metrics.size() * 48; }

const std::vector<std::string>& ids_of(const TraceBatchIds& ids, TraceKind kind) {
  switch (kind) {
    case TraceKind::kNetworkSnapshot:
      return ids.network_snapshots;
    case TraceKind::kSpikeTrain:
      return ids.spike_trains;
    case TraceKind::kCompressedSpikeTrain:
      return ids.compressed_spike_trains;
    case TraceKind::kReservoirStates:
      return ids.reservoir_states;
    case TraceKind::kLayerOutputs:
      return ids.layer_outputs;
    case TraceKind::kPlasticityTrace:
      return ids.plasticity_traces;
    case TraceKind::kHomeostaticTrace:
      return ids.homeostatic_traces;
    case TraceKind::kPerformanceMetrics:
      return ids.performance_metrics;
  }
  return ids.network_snapshots;
}

void put(TraceBatch& batch, const PerformanceMetrics& record) { batch.put(record); }
template <class Record>
void put(TraceBatch& batch, const Record& record) {
  batch.put(as_view(record));
}

class QueuedTraces final : public TraceStore, public QueueControl {
 public:
  QueuedTraces(TraceStore& inner, const QueueSettings& settings)
      : inner_(inner),
        queue_(settings.options, settings.backend,
               "write-behind of backend `" + settings.backend + "` (traces)",
               {[this](std::vector<TraceItem>& items) { return write(items); },
                [this](const TraceItem& item) { forget(item); },
                &name_of,
                {}}) {
    RoleAccess::set_library(*this, RoleAccess::library(inner));
    RoleAccess::set_maintenance(*this, *settings.maintenance);
  }

  void drain() override { queue_.drain(); }
  void close() override { queue_.close(); }
  void forget_ids() override {
    auto lock = queue_.lock();
    stamps_.clear();
  }

 private:
  static std::string name_of(const TraceItem& item) {
    return std::visit(
        [](const auto& record) {
          return std::string(trace_kind_name(kind_of(record))) + " " + record.id;
        },
        item);
  }

  // --- stores: queued

  template <class Record>
  std::string enqueue(Record record) {
    const std::size_t bytes = bytes_of(record) + kRecordOverhead;
    auto lock = queue_.lock();
    queue_.admit(lock, bytes);
    record.id = choose_id(kind_of(record), seed_id_prefix(record), record.timestamp, record.id);
    std::string id = record.id;
    queued_ids_.emplace(kind_of(record), id);
    queue_.push(lock, TraceItem(std::move(record)), bytes);
    return id;
  }

  std::string do_store_network_snapshot(const NetworkSnapshotView& r) override {
    return enqueue(owned(r));
  }
  std::string do_store_spike_train(const SpikeTrainDataView& r) override {
    return enqueue(owned(r));
  }
  std::string do_store_compressed_spike_train(const CompressedSpikeTrainView& r) override {
    return enqueue(owned(r));
  }
  std::string do_store_reservoir_states(const ReservoirStatesView& r) override {
    return enqueue(owned(r));
  }
  std::string do_store_layer_outputs(const LayerOutputsView& r) override {
    return enqueue(owned(r));
  }
  std::string do_store_plasticity_trace(const PlasticityTraceView& r) override {
    return enqueue(owned(r));
  }
  std::string do_store_homeostatic_trace(const HomeostaticTraceView& r) override {
    return enqueue(owned(r));
  }
  std::string do_store_performance_metrics(const PerformanceMetrics& r) override {
    return enqueue(PerformanceMetrics(r));
  }

  // With the queue's lock held: the id a store of `kind` at `timestamp`
  // gets — `wanted` when given and free (a store never gives one today,
  // but the contract allows it), else the seed's first free id.
  std::string choose_id(TraceKind kind, std::string_view prefix, double timestamp,
                        const std::string& wanted) {
    if (!wanted.empty() && is_free(kind, wanted)) return wanted;
    const std::int64_t ms = seed_millis(timestamp);
    auto stamp = stamps_.find(std::pair(kind, std::string(prefix)));
    if (stamp == stamps_.end()) {
      Stamp latest{RoleAccess::call_do_latest_seed_stamp(inner_, kind, prefix)};
      stamp = stamps_.emplace(std::pair(kind, std::string(prefix)), latest).first;
    }
    Stamp& known = stamp->second;
    // (The queue is still asked: another prefix's id can read as this
    // one's — "a_5_3" is prefix "a_5" at 3 and prefix "a" at 5, suffix 3.)
    if (!known.latest || ms > *known.latest) known = {ms, true, 0};
    if (ms == *known.latest && known.own) {
      while (true) {
        std::string id = seed_id(prefix, timestamp, known.next_suffix++);
        if (queued_ids_.count(std::pair(kind, id)) == 0) return id;
      }
    }
    for (unsigned n = 0;; ++n) {
      std::string id = seed_id(prefix, timestamp, n);
      if (is_free(kind, id)) return id;
    }
  }

  // With the queue's lock held: neither queued nor in the backend.
  bool is_free(TraceKind kind, const std::string& id) {
    if (queued_ids_.count(std::pair(kind, id)) != 0) return false;
    switch (kind) {
      case TraceKind::kNetworkSnapshot:
        return !RoleAccess::call_do_retrieve_network_snapshot(inner_, id);
      case TraceKind::kSpikeTrain:
        return !RoleAccess::call_do_retrieve_spike_train(inner_, id);
      case TraceKind::kCompressedSpikeTrain:
        return !RoleAccess::call_do_retrieve_compressed_spike_train(inner_, id);
      case TraceKind::kReservoirStates:
        return !RoleAccess::call_do_retrieve_reservoir_states(inner_, id);
      case TraceKind::kLayerOutputs:
        return !RoleAccess::call_do_retrieve_layer_outputs(inner_, id);
      case TraceKind::kPlasticityTrace:
        return !RoleAccess::call_do_retrieve_plasticity_trace(inner_, id);
      case TraceKind::kHomeostaticTrace:
        return !RoleAccess::call_do_retrieve_homeostatic_trace(inner_, id);
      case TraceKind::kPerformanceMetrics:
        return !RoleAccess::call_do_retrieve_performance_metrics(inner_, id);
    }
    return false;
  }

  void forget(const TraceItem& item) {
    std::visit(
        [&](const auto& record) { queued_ids_.erase(std::pair(kind_of(record), record.id)); },
        item);
  }

  std::vector<WriteFailure> write(std::vector<TraceItem>& items) {
    return write_isolating(items.size(), [&](std::size_t first, std::size_t last) {
      TraceBatch batch;
      for (std::size_t i = first; i < last; ++i) {
        std::visit([&](const auto& record) { put(batch, record); }, items[i]);
      }
      const TraceBatchIds ids = RoleAccess::call_do_store_batch(inner_, batch);
      std::vector<WriteFailure> failures;
      std::map<TraceKind, std::size_t> at;
      for (std::size_t i = first; i < last; ++i) {
        std::visit(
            [&](const auto& record) {
              const std::vector<std::string>& got = ids_of(ids, kind_of(record));
              const std::size_t n = at[kind_of(record)]++;
              check_same_id(failures, i, got, n, record.id);
            },
            items[i]);
      }
      return failures;
    });
  }

  // --- everything else: after the queue, as without write-behind

#define ENGRAM_QUEUED_RETRIEVE_(Kind, Record)                              \
  std::optional<Record> do_retrieve_##Kind(std::string_view id) override { \
    queue_.drain();                                                        \
    return RoleAccess::call_do_retrieve_##Kind(inner_, id);                \
  }
  ENGRAM_QUEUED_RETRIEVE_(network_snapshot, NetworkSnapshot)
  ENGRAM_QUEUED_RETRIEVE_(spike_train, SpikeTrainData)
  ENGRAM_QUEUED_RETRIEVE_(compressed_spike_train, CompressedSpikeTrain)
  ENGRAM_QUEUED_RETRIEVE_(reservoir_states, ReservoirStates)
  ENGRAM_QUEUED_RETRIEVE_(layer_outputs, LayerOutputs)
  ENGRAM_QUEUED_RETRIEVE_(plasticity_trace, PlasticityTrace)
  ENGRAM_QUEUED_RETRIEVE_(homeostatic_trace, HomeostaticTrace)
  ENGRAM_QUEUED_RETRIEVE_(performance_metrics, PerformanceMetrics)
#undef ENGRAM_QUEUED_RETRIEVE_

#define ENGRAM_QUEUED_LIST_(Kinds, Record)                                            \
  Page<Record> do_list_##Kinds(std::string_view cursor, std::size_t limit) override { \
    queue_.drain();                                                                   \
    return RoleAccess::call_do_list_##Kinds(inner_, cursor, limit);                   \
  }
  ENGRAM_QUEUED_LIST_(network_snapshots, NetworkSnapshot)
  ENGRAM_QUEUED_LIST_(spike_trains, SpikeTrainData)
  ENGRAM_QUEUED_LIST_(compressed_spike_trains, CompressedSpikeTrain)
  ENGRAM_QUEUED_LIST_(reservoir_states, ReservoirStates)
  ENGRAM_QUEUED_LIST_(layer_outputs, LayerOutputs)
  ENGRAM_QUEUED_LIST_(plasticity_traces, PlasticityTrace)
  ENGRAM_QUEUED_LIST_(homeostatic_traces, HomeostaticTrace)
  ENGRAM_QUEUED_LIST_(performance_metrics, PerformanceMetrics)
#undef ENGRAM_QUEUED_LIST_

  std::vector<std::string> do_get_network_snapshots_in_range(double start_time,
                                                             double end_time) override {
    queue_.drain();
    return RoleAccess::call_do_get_network_snapshots_in_range(inner_, start_time, end_time);
  }
  TraceBatchIds do_store_batch(const TraceBatch& batch) override {
    queue_.drain();
    TraceBatchIds ids = RoleAccess::call_do_store_batch(inner_, batch);
    forget_ids();  // the batch's ids may be past the stamps known
    return ids;
  }
  std::optional<std::int64_t> do_latest_seed_stamp(TraceKind kind,
                                                   std::string_view prefix) override {
    queue_.drain();
    return RoleAccess::call_do_latest_seed_stamp(inner_, kind, prefix);
  }

  // What the role knows of a kind and prefix's stamps.
  struct Stamp {
    std::optional<std::int64_t> latest;  // the latest stamp in use
    bool own = false;          // the role handed out the ids at `latest`: suffixes 0..next-1
    unsigned next_suffix = 0;  // with own
  };

  TraceStore& inner_;
  std::map<std::pair<TraceKind, std::string>, Stamp> stamps_;
  std::set<std::pair<TraceKind, std::string>> queued_ids_;
  // Last: its writer runs from construction and calls the members above.
  WriteQueue<TraceItem> queue_;
};

}  // namespace

Queued<TraceStore> queued(TraceStore& inner, const QueueSettings& settings) {
  auto role = std::make_unique<QueuedTraces>(inner, settings);
  QueueControl* control = role.get();
  return {std::move(role), control};
}

}  // namespace engram::detail
