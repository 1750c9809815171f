// The traces role over a folder of .npy files (npy_traces.h).
#include "npy_traces.h"

#include <algorithm>
#include <exception>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engram/cursor.h"
#include "engram/ids.h"
#include "engram/log.h"
#include "engram/page.h"
#include "engram/trace_kinds.h"
#include "record_files.h"

namespace engram::npy_plugin {
namespace {

// A record written under .staging, waiting for its id.
struct Staged {
  StagedFolder folder;
  std::string_view kind;
  std::string wanted_id;  // the id given in a batch put, or empty
  std::string prefix;     // of the seed's id, "<prefix>_<ms>"
  double timestamp = 0.0;
  std::vector<std::string>* ids = nullptr;  // where the id given goes
};

// The eight kinds alike: TraceStoreByKind (engram/trace_kinds.h) turns the
// role's per-kind calls into store, find and list below.
class NpyTraces final : public TraceStoreByKind<NpyTraces> {
 public:
  explicit NpyTraces(NpyState& state) : state_(state) {}

 private:
  friend TraceStoreByKind<NpyTraces>;

  template <class View>
  std::string store(const View& record) {
    auto held = state_.life.enter();
    Staged staged = stage(record, nullptr);
    return claim(staged);
  }

  template <class Record>
  std::optional<Record> find(std::string_view id) {
    auto held = state_.life.enter();
    return read_record<Record>(state_.layout, id);
  }

  template <class Record>
  Page<Record> list(std::string_view cursor, std::size_t limit) {
    // A cursor is "after:<id>", the last id a page returned.
    const std::optional<std::string> after = cursor_id(cursor, state_.name);
    auto held = state_.life.enter();
    // One id more than the page holds says whether there is a next page
    // (a limit of SIZE_MAX already asks for every id).
    const std::size_t wanted = limit == std::numeric_limits<std::size_t>::max() ? limit : limit + 1;
    Page<std::string> ids =
        page_from(state_.layout.ids_after(KindOf<Record>::kFolder, after, wanted), limit,
                  [](const std::string& id) { return cursor_after(id); });
    Page<Record> page;
    page.next_cursor = std::move(ids.next_cursor);
    for (const std::string& id : ids.items) {
      // nullopt: removed by another process since the folder was read.
      if (auto record = read_record<Record>(state_.layout, id)) {
        page.items.push_back(std::move(*record));
      }
    }
    return page;
  }

  std::vector<std::string> do_get_network_snapshots_in_range(double start_time,
                                                             double end_time) override {
    constexpr std::string_view kKind = KindOf<NetworkSnapshot>::kFolder;
    auto held = state_.life.enter();
    std::vector<std::string> ids;
    state_.layout.for_each_id(kKind, [&](const std::string& id) {
      const std::optional<double> t = read_timestamp(state_.layout, kKind, id);
      if (t && *t >= start_time && *t <= end_time) ids.push_back(id);
    });
    std::sort(ids.begin(), ids.end());
    return ids;
  }

  // Every record written first, under .staging, while other calls run;
  // then all published with the lock held alone, so this backend's calls
  // see the whole batch or none of it. A failure while publishing removes
  // what was published.
  TraceBatchIds do_store_batch(const TraceBatch& batch) override {
    TraceBatchIds ids;
    std::vector<Staged> staged;
    {
      auto held = state_.life.enter();
      stage_all(batch.network_snapshots(), ids.network_snapshots, staged);
      stage_all(batch.spike_trains(), ids.spike_trains, staged);
      stage_all(batch.compressed_spike_trains(), ids.compressed_spike_trains, staged);
      stage_all(batch.reservoir_states(), ids.reservoir_states, staged);
      stage_all(batch.layer_outputs(), ids.layer_outputs, staged);
      stage_all(batch.plasticity_traces(), ids.plasticity_traces, staged);
      stage_all(batch.homeostatic_traces(), ids.homeostatic_traces, staged);
      stage_all(batch.performance_metrics(), ids.performance_metrics, staged);
    }
    auto alone = state_.life.enter_alone();
    std::vector<std::pair<std::string_view, std::string>> published;
    try {
      for (Staged& record : staged) {
        record.ids->push_back(claim(record));
        published.emplace_back(record.kind, record.ids->back());
      }
    } catch (...) {
      for (const auto& [kind, id] : published) {
        try {
          state_.layout.remove(kind, id);
        } catch (const std::exception& e) {
          // The first error is the one to report; this one leaves a whole
          // record of the batch behind, so say which.
          log(LogLevel::kError, "npy backend '" + state_.name + "': cannot take back " +
                                    std::string(kind) + "/" + id +
                                    " of a failed batch: " + e.what());
        }
      }
      throw;
    }
    return ids;
  }

  template <class View>
  Staged stage(const View& record, std::vector<std::string>* ids) {
    Staged staged{state_.layout.stage(),
                  KindOf<View>::kFolder,
                  record.id,
                  std::string(seed_id_prefix(record)),
                  record.timestamp,
                  ids};
    write_record(state_.layout, staged.folder.path(), record);
    return staged;
  }
  template <class View>
  void stage_all(const std::vector<View>& records, std::vector<std::string>& ids,
                 std::vector<Staged>& staged) {
    for (const View& record : records) staged.push_back(stage(record, &ids));
  }

  // Publishes `staged` under its wanted id when given and free, else under
  // the first free of "<prefix>_<ms>", "<prefix>_<ms>_1", ...; returns the id.
  std::string claim(Staged& staged) {
    if (!staged.wanted_id.empty() &&
        state_.layout.publish(staged.folder, staged.kind, staged.wanted_id)) {
      return staged.wanted_id;
    }
    for (unsigned n = 0;; ++n) {
      std::string id = seed_id(staged.prefix, staged.timestamp, n);
      if (state_.layout.publish(staged.folder, staged.kind, id)) return id;
    }
  }

  NpyState& state_;
};

}  // namespace

std::unique_ptr<TraceStore> make_traces(NpyState& state) {
  return std::make_unique<NpyTraces>(state);
}

}  // namespace engram::npy_plugin
