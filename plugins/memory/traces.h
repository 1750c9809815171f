// plugins/memory/traces.h — the traces role in memory: the eight kinds of
// trace, each its own table of records by id (in string order, as HDF5
// lists a group).
//
// Thread safety: the backend's one lock (shared_state.h): lookups share it,
// stores hold it alone.
#ifndef ENGRAM_PLUGINS_MEMORY_TRACES_H_
#define ENGRAM_PLUGINS_MEMORY_TRACES_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "engram/ids.h"
#include "engram/json.h"
#include "engram/owned_records.h"
#include "engram/trace_kinds.h"
#include "engram/trace_store.h"
#include "listing.h"
#include "shared_state.h"

namespace engram::memory {

// ---------------------------------------------------------------- traces

// One kind of trace by id, in string order (as HDF5 lists a group). Each
// kind is its own id space. REQUIRES: the caller holds the lock.
template <class Record>
class TraceTable {
 public:
  // Stores `record` under its own id when given and free, else the first
  // free of "<prefix>_<ms>", "<prefix>_<ms>_1", ...; returns the id.
  std::string insert(Record&& record) {
    if (record.id.empty() || records_.contains(record.id)) {
      unsigned n = 0;
      do {
        record.id = seed_id(seed_id_prefix(record), record.timestamp, n++);
      } while (records_.contains(record.id));
    }
    std::string id = record.id;
    records_.emplace(id, std::move(record));
    return id;
  }

  std::optional<Record> find(std::string_view id) const {
    const auto found = records_.find(id);
    if (found == records_.end()) return std::nullopt;
    return found->second;
  }

  Page<Record> list(std::string_view cursor, std::size_t limit, const std::string& backend) const {
    return list_page(records_, cursor, limit, backend, kEveryEntry, kEntryValue);
  }

  // The greatest stamp among the ids that read as the seed's ids with
  // `prefix` (seed_id_stamp), or nullopt when none does; reads the keys only.
  std::optional<std::int64_t> latest_seed_stamp(std::string_view prefix) const {
    std::optional<std::int64_t> latest;
    for (const auto& entry : records_) {
      const std::optional<std::int64_t> stamp = seed_id_stamp(entry.first, prefix);
      if (stamp && (!latest || *stamp > *latest)) latest = stamp;
    }
    return latest;
  }

  // Removes the records with timestamp < `cutoff`; returns how many.
  std::int64_t erase_older_than(double cutoff) {
    return static_cast<std::int64_t>(std::erase_if(
        records_, [cutoff](const auto& entry) { return entry.second.timestamp < cutoff; }));
  }

  const std::map<std::string, Record, std::less<>>& records() const noexcept { return records_; }
  std::size_t size() const noexcept { return records_.size(); }
  void clear() noexcept { records_.clear(); }

 private:
  std::map<std::string, Record, std::less<>> records_;
};

// The eight kinds alike: TraceStoreByKind (engram/trace_kinds.h) turns the
// role's per-kind calls into store, find and list below.
class MemoryTraces final : public TraceStoreByKind<MemoryTraces> {
 public:
  explicit MemoryTraces(Shared& shared) : shared_(shared) {}

  // For the maintenance, with the lock held.
  void count(Json& stats) const {
    stats["network_snapshots"] = table<NetworkSnapshot>().size();
    stats["raw_spike_trains"] = table<SpikeTrainData>().size();
    stats["compressed_spike_trains"] = table<CompressedSpikeTrain>().size();
    stats["reservoir_states"] = table<ReservoirStates>().size();
    stats["layer_outputs"] = table<LayerOutputs>().size();
    stats["plasticity_traces"] = table<PlasticityTrace>().size();
    stats["homeostatic_traces"] = table<HomeostaticTrace>().size();
    stats["performance_metrics"] = table<PerformanceMetrics>().size();
  }
  // What the seed's cleanup_old_data removes: snapshots and raw spike
  // trains with timestamp < `cutoff`. Returns how many.
  std::int64_t erase_older_than(double cutoff) {
    return table<NetworkSnapshot>().erase_older_than(cutoff) +
           table<SpikeTrainData>().erase_older_than(cutoff);
  }
  void clear() {
    std::apply([](auto&... tables) { (tables.clear(), ...); }, tables_);
  }

 private:
  friend TraceStoreByKind<MemoryTraces>;

  // Each kind's table, found by its record type.
  template <class Record>
  TraceTable<Record>& table() {
    return std::get<TraceTable<Record>>(tables_);
  }
  template <class Record>
  const TraceTable<Record>& table() const {
    return std::get<TraceTable<Record>>(tables_);
  }

  template <class View>
  std::string store(const View& view) {
    auto record = owned(view);
    auto lock = shared_.write();
    return table<decltype(record)>().insert(std::move(record));
  }
  template <class Record>
  std::optional<Record> find(std::string_view id) const {
    auto lock = shared_.read();
    return table<Record>().find(id);
  }
  template <class Record>
  Page<Record> list(std::string_view cursor, std::size_t limit) const {
    auto lock = shared_.read();
    return table<Record>().list(cursor, limit, shared_.name());
  }

  std::vector<std::string> do_get_network_snapshots_in_range(double start_time,
                                                             double end_time) override {
    auto lock = shared_.read();
    std::vector<std::string> ids;
    for (const auto& [id, snapshot] : table<NetworkSnapshot>().records()) {
      if (snapshot.timestamp >= start_time && snapshot.timestamp <= end_time) ids.push_back(id);
    }
    return ids;
  }

  std::optional<std::int64_t> do_latest_seed_stamp(TraceKind kind,
                                                   std::string_view prefix) override {
    auto lock = shared_.read();
    switch (kind) {
      case TraceKind::kNetworkSnapshot:
        return table<NetworkSnapshot>().latest_seed_stamp(prefix);
      case TraceKind::kSpikeTrain:
        return table<SpikeTrainData>().latest_seed_stamp(prefix);
      case TraceKind::kCompressedSpikeTrain:
        return table<CompressedSpikeTrain>().latest_seed_stamp(prefix);
      case TraceKind::kReservoirStates:
        return table<ReservoirStates>().latest_seed_stamp(prefix);
      case TraceKind::kLayerOutputs:
        return table<LayerOutputs>().latest_seed_stamp(prefix);
      case TraceKind::kPlasticityTrace:
        return table<PlasticityTrace>().latest_seed_stamp(prefix);
      case TraceKind::kHomeostaticTrace:
        return table<HomeostaticTrace>().latest_seed_stamp(prefix);
      case TraceKind::kPerformanceMetrics:
        return table<PerformanceMetrics>().latest_seed_stamp(prefix);
    }
    return std::nullopt;
  }

  // Timestamps arrive checked, so no id can fail once the copies are made:
  // inserting in order is all or nothing.
  TraceBatchIds do_store_batch(const TraceBatch& batch) override {
    auto snapshots = owned_all(batch.network_snapshots());
    auto spike_trains = owned_all(batch.spike_trains());
    auto compressed = owned_all(batch.compressed_spike_trains());
    auto reservoirs = owned_all(batch.reservoir_states());
    auto layer_outputs = owned_all(batch.layer_outputs());
    auto plasticity = owned_all(batch.plasticity_traces());
    auto homeostatic = owned_all(batch.homeostatic_traces());
    auto metrics = owned_all(batch.performance_metrics());
    auto lock = shared_.write();
    return {insert_all(std::move(snapshots)),     insert_all(std::move(spike_trains)),
            insert_all(std::move(compressed)),    insert_all(std::move(reservoirs)),
            insert_all(std::move(layer_outputs)), insert_all(std::move(plasticity)),
            insert_all(std::move(homeostatic)),   insert_all(std::move(metrics))};
  }
  template <class Record>
  std::vector<std::string> insert_all(std::vector<Record>&& records) {
    std::vector<std::string> ids;
    for (Record& record : records) ids.push_back(table<Record>().insert(std::move(record)));
    return ids;
  }

  Shared& shared_;
  std::tuple<TraceTable<NetworkSnapshot>, TraceTable<SpikeTrainData>,
             TraceTable<CompressedSpikeTrain>, TraceTable<ReservoirStates>,
             TraceTable<LayerOutputs>, TraceTable<PlasticityTrace>, TraceTable<HomeostaticTrace>,
             TraceTable<PerformanceMetrics>>
      tables_;
};

}  // namespace engram::memory

#endif  // ENGRAM_PLUGINS_MEMORY_TRACES_H_
