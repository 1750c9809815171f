// The traces role (traces_role.h).
#include "traces_role.h"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engram/cursor.h"
#include "engram/errors.h"
#include "engram/ids.h"
#include "engram/page.h"
#include "records.h"
#include "seed_layout.h"

namespace engram::hdf5 {
namespace {

class Hdf5Traces final : public TraceStore {
 public:
  explicit Hdf5Traces(SharedFile& shared) : shared_(shared) {}

 private:
  template <class View>
  std::string store(const View& record) {
    return shared_.write([&](File&, Records& records, std::vector<Created>& created) {
      return records.put(record, created);
    });
  }

  template <class Record, class Get>
  Page<Record> list(const char* group_path, std::string_view cursor, std::size_t limit, Get get) {
    // A cursor is "after:<id>", the last id a page returned (engram/cursor.h).
    const std::optional<std::string> after = cursor_id(cursor, shared_.name());
    return shared_.read([&](File&, Records& records) {
      const std::vector<std::string>& names = records.names_of(group_path);
      auto it = after ? std::upper_bound(names.begin(), names.end(), *after) : names.begin();
      Page<Record> page;
      for (; it != names.end(); ++it) {
        if (page.items.size() == limit) {
          page.next_cursor = cursor_after(page.items.back().id);
          break;
        }
        auto record = (records.*get)(*it);
        if (record) page.items.push_back(std::move(*record));
      }
      return page;
    });
  }

  template <class Get>
  auto find(std::string_view id, Get get) {
    return shared_.read([&](File&, Records& records) { return (records.*get)(std::string(id)); });
  }

  std::string do_store_network_snapshot(const NetworkSnapshotView& r) override { return store(r); }
  std::optional<NetworkSnapshot> do_retrieve_network_snapshot(std::string_view id) override {
    return find(id, &Records::get_snapshot);
  }
  std::vector<std::string> do_get_network_snapshots_in_range(double start, double end) override {
    return shared_.read(
        [&](File&, Records& records) { return records.snapshots_in_range(start, end); });
  }
  std::string do_store_spike_train(const SpikeTrainDataView& r) override { return store(r); }
  std::optional<SpikeTrainData> do_retrieve_spike_train(std::string_view id) override {
    return find(id, &Records::get_train);
  }
  std::string do_store_compressed_spike_train(const CompressedSpikeTrainView& r) override {
    return store(r);
  }
  std::optional<CompressedSpikeTrain> do_retrieve_compressed_spike_train(
      std::string_view id) override {
    return find(id, &Records::get_compressed);
  }
  std::string do_store_reservoir_states(const ReservoirStatesView& r) override { return store(r); }
  std::optional<ReservoirStates> do_retrieve_reservoir_states(std::string_view id) override {
    return find(id, &Records::get_reservoir);
  }
  std::string do_store_layer_outputs(const LayerOutputsView& r) override { return store(r); }
  std::optional<LayerOutputs> do_retrieve_layer_outputs(std::string_view id) override {
    return find(id, &Records::get_outputs);
  }
  std::string do_store_plasticity_trace(const PlasticityTraceView& r) override { return store(r); }
  std::optional<PlasticityTrace> do_retrieve_plasticity_trace(std::string_view id) override {
    return find(id, &Records::get_plasticity);
  }
  std::string do_store_homeostatic_trace(const HomeostaticTraceView& r) override {
    return store(r);
  }
  std::optional<HomeostaticTrace> do_retrieve_homeostatic_trace(std::string_view id) override {
    return find(id, &Records::get_homeostatic);
  }
  std::string do_store_performance_metrics(const PerformanceMetrics& r) override {
    return store(r);
  }
  std::optional<PerformanceMetrics> do_retrieve_performance_metrics(std::string_view id) override {
    return find(id, &Records::get_metrics);
  }

  // All or nothing against errors (a failing store removes what the batch
  // made so far) and against a process crash (one commit, at the end).
  TraceBatchIds do_store_batch(const TraceBatch& batch) override {
    if (batch.empty()) return {};
    return shared_.write([&](File&, Records& records, std::vector<Created>& created) {
      TraceBatchIds ids;
      const auto all = [&](const auto& items, std::vector<std::string>& out) {
        for (const auto& item : items) out.push_back(records.put(item, created));
      };
      all(batch.network_snapshots(), ids.network_snapshots);
      all(batch.spike_trains(), ids.spike_trains);
      all(batch.compressed_spike_trains(), ids.compressed_spike_trains);
      all(batch.reservoir_states(), ids.reservoir_states);
      all(batch.layer_outputs(), ids.layer_outputs);
      all(batch.plasticity_traces(), ids.plasticity_traces);
      all(batch.homeostatic_traces(), ids.homeostatic_traces);
      all(batch.performance_metrics(), ids.performance_metrics);
      return ids;
    });
  }

  Page<NetworkSnapshot> do_list_network_snapshots(std::string_view c, std::size_t n) override {
    return list<NetworkSnapshot>(kTopology, c, n, &Records::get_snapshot);
  }
  Page<SpikeTrainData> do_list_spike_trains(std::string_view c, std::size_t n) override {
    return list<SpikeTrainData>(kRawTrains, c, n, &Records::get_train);
  }
  Page<CompressedSpikeTrain> do_list_compressed_spike_trains(std::string_view c,
                                                             std::size_t n) override {
    return list<CompressedSpikeTrain>(kCompressed, c, n, &Records::get_compressed);
  }
  Page<ReservoirStates> do_list_reservoir_states(std::string_view c, std::size_t n) override {
    return list<ReservoirStates>(kReservoirs, c, n, &Records::get_reservoir);
  }
  Page<LayerOutputs> do_list_layer_outputs(std::string_view c, std::size_t n) override {
    return list<LayerOutputs>(kLayerOutputs, c, n, &Records::get_outputs);
  }
  Page<PlasticityTrace> do_list_plasticity_traces(std::string_view c, std::size_t n) override {
    return list<PlasticityTrace>(kPlasticity, c, n, &Records::get_plasticity);
  }
  Page<HomeostaticTrace> do_list_homeostatic_traces(std::string_view c, std::size_t n) override {
    return list<HomeostaticTrace>(kHomeostatic, c, n, &Records::get_homeostatic);
  }
  Page<PerformanceMetrics> do_list_performance_metrics(std::string_view c, std::size_t n) override {
    return list<PerformanceMetrics>(kPerformance, c, n, &Records::get_metrics);
  }

  SharedFile& shared_;
};

}  // namespace

std::unique_ptr<TraceStore> make_traces(SharedFile& shared) {
  return std::make_unique<Hdf5Traces>(shared);
}

}  // namespace engram::hdf5
