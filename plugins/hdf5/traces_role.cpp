// The traces role (traces_role.h).
#include "traces_role.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engram/cursor.h"
#include "engram/errors.h"
#include "engram/ids.h"
#include "engram/page.h"
#include "engram/trace_kinds.h"
#include "records.h"
#include "seed_layout.h"

namespace engram::hdf5 {
namespace {

// Each kind's group, whose names list it, and its reader: one row per kind
// of TraceStore, which is why this table has the shape of trace_kinds.h's
// (that one maps the kinds to calls, this one to the file's layout).
template <class Record>
struct Kind;
#define ENGRAM_HDF5_KIND_(Record, group_path, reader)                           \
  template <>                                                                   \
  struct Kind<Record> {                                                         \
    static const char* group() { return group_path; }                           \
    static std::optional<Record> get(Records& records, const std::string& id) { \
      return records.reader(id);                                                \
    }                                                                           \
  };
ENGRAM_HDF5_KIND_(NetworkSnapshot, kTopology, get_snapshot)
ENGRAM_HDF5_KIND_(SpikeTrainData, kRawTrains, get_train)
ENGRAM_HDF5_KIND_(CompressedSpikeTrain, kCompressed, get_compressed)
ENGRAM_HDF5_KIND_(ReservoirStates, kReservoirs, get_reservoir)
ENGRAM_HDF5_KIND_(LayerOutputs, kLayerOutputs, get_outputs)
ENGRAM_HDF5_KIND_(PlasticityTrace, kPlasticity, get_plasticity)
ENGRAM_HDF5_KIND_(HomeostaticTrace, kHomeostatic, get_homeostatic)
ENGRAM_HDF5_KIND_(PerformanceMetrics, kPerformance, get_metrics)
#undef ENGRAM_HDF5_KIND_

// The eight kinds alike: TraceStoreByKind (engram/trace_kinds.h) turns the
// role's per-kind calls into store, find and list below.
class Hdf5Traces final : public TraceStoreByKind<Hdf5Traces> {
 public:
  explicit Hdf5Traces(SharedFile& shared) : shared_(shared) {}

 private:
  friend TraceStoreByKind<Hdf5Traces>;

  template <class View>
  std::string store(const View& record) {
    return shared_.write([&](File&, Records& records, std::vector<Created>& created) {
      return records.put(record, created);
    });
  }

  template <class Record>
  std::optional<Record> find(std::string_view id) {
    return shared_.read(
        [&](File&, Records& records) { return Kind<Record>::get(records, std::string(id)); });
  }

  template <class Record>
  Page<Record> list(std::string_view cursor, std::size_t limit) {
    // A cursor is "after:<id>", the last id a page returned (engram/cursor.h).
    const std::optional<std::string> after = cursor_id(cursor, shared_.name());
    return shared_.read([&](File&, Records& records) {
      const std::vector<std::string>& names = records.names_of(Kind<Record>::group());
      auto it = after ? std::upper_bound(names.begin(), names.end(), *after) : names.begin();
      Page<Record> page;
      for (; it != names.end(); ++it) {
        if (page.items.size() == limit) {
          page.next_cursor = cursor_after(page.items.back().id);
          break;
        }
        auto record = Kind<Record>::get(records, *it);
        if (record) page.items.push_back(std::move(*record));
      }
      return page;
    });
  }

  // From the link names of the kind's groups: no record is read.
  std::optional<std::int64_t> do_latest_seed_stamp(TraceKind kind,
                                                   std::string_view prefix) override {
    return shared_.read([&](File&, Records& records) {
      return records.latest_seed_stamp(groups_of(kind), prefix);
    });
  }

  std::vector<std::string> do_get_network_snapshots_in_range(double start, double end) override {
    return shared_.read(
        [&](File&, Records& records) { return records.snapshots_in_range(start, end); });
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

  SharedFile& shared_;
};

}  // namespace

std::unique_ptr<TraceStore> make_traces(SharedFile& shared) {
  return std::make_unique<Hdf5Traces>(shared);
}

}  // namespace engram::hdf5
