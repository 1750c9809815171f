// plugins/hdf5/records.h — the traces role's records in the seed's layout
// (seed_layout.h): for each kind of trace, where its record lives, how it
// is written (groups, datasets, the seed's attributes and the JSON ones) and
// read back; the ids a store takes ("<prefix>_<ms>", then _1, _2, ... when
// taken); removing what a failed batch made; the sorted names a listing
// pages through; the latest stamp among a kind's seed ids (write-behind's
// start, engram/write_behind.h), from the link names alone.
//
// Errors: the engram error HDF5's stack gives; CorruptData for a record
// that does not read as its kind. Thread safety: as the File (the backend's
// mutex).
#ifndef ENGRAM_PLUGINS_HDF5_RECORDS_H_
#define ENGRAM_PLUGINS_HDF5_RECORDS_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "attributes.h"
#include "engram/array.h"
#include "engram/json.h"
#include "engram/trace_store.h"
#include "traces_file.h"

namespace engram::hdf5 {

// What a store adds to the file (a link in a group), removed again if a
// batch fails.
struct Created {
  std::string group;
  std::string name;
};

// A record kept as one dataset with a name attribute, as read.
struct NamedArray {
  Array array;
  double timestamp = 0.0;
  std::string name;
};

// The kinds of trace: where each lives, how it is written and read.
class Records {
 public:
  explicit Records(File& file) : file_(file) {}

  // The first free id for a record: `wanted` when given and free in every
  // group of `groups`, else "<prefix>_<ms>", "<prefix>_<ms>_1", ...
  std::string free_id(std::initializer_list<const char*> groups, const std::string& wanted,
                      std::string_view prefix, double timestamp);

  // Each put writes a record of its kind (its id: free_id(its groups,
  // r.id, the seed's prefix, r.timestamp)), adds what it made to `created`
  // and returns the id; each get reads the record `id` back, nullopt when
  // there is none. Throws the engram error HDF5's stack gives, CorruptData
  // for a record that does not read as its kind.
  std::string put(const NetworkSnapshotView& r, std::vector<Created>& created);
  std::optional<NetworkSnapshot> get_snapshot(const std::string& id);
  // The ids of the snapshots whose timestamp is in [start, end].
  std::vector<std::string> snapshots_in_range(double start, double end);

  std::string put(const SpikeTrainDataView& r, std::vector<Created>& created);
  std::optional<SpikeTrainData> get_train(const std::string& id);

  std::string put(const CompressedSpikeTrainView& r, std::vector<Created>& created);
  std::optional<CompressedSpikeTrain> get_compressed(const std::string& id);

  std::string put(const ReservoirStatesView& r, std::vector<Created>& created);
  std::optional<ReservoirStates> get_reservoir(const std::string& id);
  std::string put(const PlasticityTraceView& r, std::vector<Created>& created);
  std::optional<PlasticityTrace> get_plasticity(const std::string& id);
  std::string put(const HomeostaticTraceView& r, std::vector<Created>& created);
  std::optional<HomeostaticTrace> get_homeostatic(const std::string& id);

  std::string put(const LayerOutputsView& r, std::vector<Created>& created);
  std::optional<LayerOutputs> get_outputs(const std::string& id);

  std::string put(const PerformanceMetrics& r, std::vector<Created>& created);
  std::optional<PerformanceMetrics> get_metrics(const std::string& id);

  // The greatest stamp among the names in the groups `group_paths` that
  // read as the seed's ids with `prefix` (seed_id_stamp), or nullopt when
  // none does (or the groups are empty or missing). Reads link names only,
  // no record. Throws what HDF5's stack gives.
  std::optional<std::int64_t> latest_seed_stamp(std::span<const char* const> group_paths,
                                                std::string_view prefix);

  // Removes a link made by a store (a failed batch's, or cleanup's).
  void remove(const std::string& group_path, const std::string& name);

  // Forgets where free_id's suffix searches went on (the file changed
  // under them: reopened, compacted, rotated, cleared).
  void forget_suffixes() { next_suffix_.clear(); }

  // The sorted names in `group_path`, kept between calls so that paging
  // through a large group lists it once. Every change to the file forgets
  // them (forget_names()).
  const std::vector<std::string>& names_of(const char* group_path);
  void forget_names() noexcept { names_.clear(); }

 private:
  // Reservoir states, plasticity and homeostatic traces: one dataset each
  // with a name attribute.
  std::string put_named(const char* group_path, const std::string& wanted, double timestamp,
                        const ArrayView& array, const char* name_attr, const std::string& name,
                        std::vector<Created>& created,
                        const std::function<void(Attributes&)>& more);
  std::optional<NamedArray> get_named(const char* group_path, const std::string& id,
                                      const char* name_attr);

  // Creates the group of record `id` in `group_path`, adds it to `created`
  // and returns it, open. Throws what HDF5's stack gives ("<what><id>").
  Hid create_record(const char* group_path, const std::string& id, const char* what,
                    std::vector<Created>& created);

  // The group of record `id` in `group_path`, open; nullopt when there is
  // no such link. Opened by its path from the root (no handle on the kind's
  // group is opened and closed); the link is looked up only when the open
  // fails. Throws what HDF5's stack gives ("<what><id>").
  std::optional<Hid> open_record(const char* group_path, const std::string& id, const char* what);

  // The record's metadata: the JSON attribute `json_name`, or (a file the
  // seed wrote) its `<prefix><key>` scalar attributes.
  Json object_of(const Attributes& a, const char* prefix, const char* json_name) const;
  // `text` parsed; CorruptData naming `where` when it is not JSON.
  Json parse_json(const std::string& text, const std::string& where) const;

  static constexpr std::size_t kMaxSuffixHints = 1024;

  File& file_;
  std::map<std::string, std::vector<std::string>> names_;
  // Where the suffix search for "<group>/<prefix>_<ms>" goes on (a hint:
  // every candidate is still checked in the file).
  std::map<std::string, unsigned> next_suffix_;
};

}  // namespace engram::hdf5

#endif  // ENGRAM_PLUGINS_HDF5_RECORDS_H_
