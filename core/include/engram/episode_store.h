// engram/episode_store.h — the episodes role (YAML key `episodes`):
// episodic memory, and learning events (the seed's meta-memory), from the
// seed's SQLiteStorage.
//
// Ids are positive int64s assigned by the backend. Timestamps are seconds
// since the Unix epoch; a store without one uses now. Scores, deltas and
// timestamps must be finite; metadata and parameters JSON objects of finite
// numbers; context hashes, task types and strategy names non-empty UTF-8
// (task types, which the HDF5 layout makes part of ids, are also checked as
// ids). A bad argument is InvalidArgument and stores nothing.
//
// Thread safety: every method may be called from several threads at once.
// Every method throws StorageError("closed") after the backend was closed,
// and BackendError (or a more precise kind) when the backend fails.
//
// Backends implement the private do_* functions; the public ones validate.
#ifndef ENGRAM_EPISODE_STORE_H_
#define ENGRAM_EPISODE_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "engram/array.h"
#include "engram/clock.h"
#include "engram/export.h"
#include "engram/ids.h"
#include "engram/json.h"
#include "engram/maintenance.h"
#include "engram/page.h"
#include "engram/recall.h"

namespace engram {

namespace detail {
struct RoleAccess;
}

// An episode. `experience_data` is an array or a JSON object and comes back
// as what it was. In a batch put, `id` 0 asks the backend for a new id; a
// positive id is kept when the backend can (else a new one is assigned).
template <class ArrayT>
struct BasicEpisode {
  std::int64_t id = 0;
  double timestamp = 0.0;
  std::variant<ArrayT, Json> experience_data;
  double performance_score = 0.0;
  std::string context_hash;
  Json metadata = Json::object();
};
using Episode = BasicEpisode<Array>;
using EpisodeView = BasicEpisode<ArrayView>;

// A learning event: how a strategy changed performance on a task.
struct LearningEvent {
  std::int64_t id = 0;
  std::string task_type;
  double performance_delta = 0.0;
  std::string strategy_used;
  double timestamp = 0.0;
  Json parameters = Json::object();
};

// get_best_strategies' row: a strategy's mean positive delta and how many
// positive events it had.
struct StrategyScore {
  std::string strategy;
  double avg_delta = 0.0;
  std::int64_t count = 0;
};

// Many episode and learning-event stores applied by EpisodeStore::store_batch,
// all or nothing. Arrays are borrowed until store_batch returns. Each add
// validates as the matching store does (InvalidArgument, batch unchanged).
// A store without a timestamp is stamped when the batch is applied.
class ENGRAM_API EpisodeBatch {
 public:
  void store_episode(ArrayView experience_data, double performance_score,
                     std::string_view context_hash, std::optional<double> timestamp = std::nullopt,
                     const Json& metadata = Json::object());
  void store_episode(const Json& experience_data, double performance_score,
                     std::string_view context_hash, std::optional<double> timestamp = std::nullopt,
                     const Json& metadata = Json::object());
  // A std::vector of elements is an array experience, not a JSON list.
  template <Element T>
  void store_episode(const std::vector<T>& experience_data, double performance_score,
                     std::string_view context_hash, std::optional<double> timestamp = std::nullopt,
                     const Json& metadata = Json::object()) {
    store_episode(ArrayView(experience_data), performance_score, context_hash, timestamp, metadata);
  }
  void store_learning_event(std::string_view task_type, double performance_delta,
                            std::string_view strategy_used, const Json& parameters = Json::object(),
                            std::optional<double> timestamp = std::nullopt);
  // Whole records, e.g. from a listing: id and timestamp kept (see above).
  void put(EpisodeView record);
  void put(const Episode& record);
  void put(LearningEvent record);

  // Records in the order added; a timestamp of NaN stands for "now".
  const std::vector<EpisodeView>& episodes() const noexcept { return episodes_; }
  const std::vector<LearningEvent>& learning_events() const noexcept { return events_; }
  std::size_t size() const noexcept { return episodes_.size() + events_.size(); }
  bool empty() const noexcept { return size() == 0; }
  void clear() noexcept;

 private:
  std::vector<EpisodeView> episodes_;
  std::vector<LearningEvent> events_;
};

// The ids store_batch assigned, in the order the records were added.
struct EpisodeBatchIds {
  std::vector<std::int64_t> episode_ids;
  std::vector<std::int64_t> learning_event_ids;
};

class ENGRAM_API EpisodeStore {
 public:
  virtual ~EpisodeStore();

  // --- episodes ---

  // Stores an episode; returns its new id. `timestamp` defaults to now.
  std::int64_t store_episode(ArrayView experience_data, double performance_score,
                             std::string_view context_hash,
                             std::optional<double> timestamp = std::nullopt,
                             const Json& metadata = Json::object());
  std::int64_t store_episode(const Json& experience_data, double performance_score,
                             std::string_view context_hash,
                             std::optional<double> timestamp = std::nullopt,
                             const Json& metadata = Json::object());
  // A std::vector of elements is an array experience, not a JSON list.
  template <Element T>
  std::int64_t store_episode(const std::vector<T>& experience_data, double performance_score,
                             std::string_view context_hash,
                             std::optional<double> timestamp = std::nullopt,
                             const Json& metadata = Json::object()) {
    return store_episode(ArrayView(experience_data), performance_score, context_hash, timestamp,
                         metadata);
  }
  // The episode; nullopt if there is none with this id. Throws CorruptData
  // when its stored experience does not decode (e.g. a Python pickle).
  std::optional<Episode> retrieve_episode(std::int64_t episode_id);
  // Up to `limit` episodes with this context hash and, if given, a score >=
  // `min_score`, newest first.
  std::vector<Episode> get_episodes_by_context(std::string_view context_hash,
                                               std::size_t limit = 100,
                                               std::optional<double> min_score = std::nullopt);
  // Up to `limit` episodes with timestamp >= now − `time_window`, newest
  // first. Throws InvalidArgument for a negative or non-finite window.
  std::vector<Episode> get_recent_episodes(double time_window = 3600.0,
                                           std::size_t limit = 100);

  // --- learning events ---

  // Stores a learning event; returns its new id. `timestamp` defaults to now.
  std::int64_t store_learning_event(std::string_view task_type, double performance_delta,
                                    std::string_view strategy_used,
                                    const Json& parameters = Json::object(),
                                    std::optional<double> timestamp = std::nullopt);
  // Up to `limit` events of `task_type` with, if given, a delta >=
  // `min_performance_delta`, newest first.
  std::vector<LearningEvent> get_learning_events_by_task(
      std::string_view task_type, std::size_t limit = 100,
      std::optional<double> min_performance_delta = std::nullopt);
  // Up to `limit` strategies for `task_type`, counting only events with a
  // positive delta, by average delta then count, both descending.
  std::vector<StrategyScore> get_best_strategies(std::string_view task_type,
                                                 std::size_t limit = 5);

  // --- beyond the seed ---

  // Applies every store of `batch` in one transaction, or none.
  EpisodeBatchIds store_batch(const EpisodeBatch& batch);
  // Pages through every record (engram/page.h), in id order. With
  // Undecodable::kSkip a record the backend cannot decode (an episode whose
  // experience another program wrote in a form engram does not read) is
  // named in Page::skipped instead of failing the page.
  Page<Episode> list_episodes(std::string_view cursor = {}, std::size_t limit = 100,
                              Undecodable undecodable = Undecodable::kFail);
  Page<LearningEvent> list_learning_events(std::string_view cursor = {}, std::size_t limit = 100,
                                           Undecodable undecodable = Undecodable::kFail);

  // The k episodes whose array experiences are nearest `query` under
  // options.metric, among those options.filter admits, best first (ties:
  // lower id), and how many admitted array experiences were skipped
  // (engram/recall.h). JSON experiences never match and are not counted.
  // Throws InvalidArgument as ConceptStore::nearest_concepts does, for an
  // invalid context hash, a NaN min_score, and for options.count_access
  // (episodes keep no access count).
  Recall<Episode> nearest_episodes(ArrayView query, std::size_t k,
                                   const EpisodeRecallOptions& options = {});

  // The backend instance's maintenance interface (engram/maintenance.h):
  // its Backend::maintenance(), set by the core when it made the backend.
  // Throws StorageError for a role object the core did not make.
  Maintenance& maintenance();

 protected:
  // Now, in seconds since the epoch (see WorkingMemory::now).
  double now() const;

 private:
  friend struct detail::RoleAccess;
  // Set by the core for objects a plugin made: what keeps the plugin's
  // library loaded, to which every returned Array is tied.
  std::shared_ptr<const void> library_;
  // Set by the core with library_: what maintenance() returns.
  Maintenance* maintenance_ = nullptr;
  // Set by the core with library_: what now() reads.
  std::shared_ptr<const Clock> clock_;

  // `record.id` is 0 and `record.timestamp` resolved.
  virtual std::int64_t do_store_episode(const EpisodeView& record) = 0;
  virtual std::optional<Episode> do_retrieve_episode(std::int64_t episode_id) = 0;
  virtual std::vector<Episode> do_get_episodes_by_context(std::string_view context_hash,
                                                          std::size_t limit,
                                                          std::optional<double> min_score) = 0;
  virtual std::vector<Episode> do_get_episodes_since(double since, std::size_t limit) = 0;
  // `record.id` is 0 and `record.timestamp` resolved.
  virtual std::int64_t do_store_learning_event(const LearningEvent& record) = 0;
  virtual std::vector<LearningEvent> do_get_learning_events_by_task(
      std::string_view task_type, std::size_t limit,
      std::optional<double> min_performance_delta) = 0;
  virtual std::vector<StrategyScore> do_get_best_strategies(std::string_view task_type,
                                                            std::size_t limit) = 0;
  // Every timestamp in `batch` is resolved (no NaN).
  virtual EpisodeBatchIds do_store_batch(const EpisodeBatch& batch) = 0;
  // A backend whose records always decode (they live in memory as
  // records) may ignore `undecodable`.
  virtual Page<Episode> do_list_episodes(std::string_view cursor, std::size_t limit,
                                         Undecodable undecodable) = 0;
  virtual Page<LearningEvent> do_list_learning_events(std::string_view cursor, std::size_t limit,
                                                      Undecodable undecodable) = 0;
  // `query` validated and float32 (its metric options.metric), k >= 1,
  // `options` checked. Score with the core's kernel (engram/recall_kernel.h).
  virtual Recall<Episode> do_nearest_episodes(const RecallQuery& query, std::size_t k,
                                              const EpisodeRecallOptions& options) = 0;
  // Reserves `count` (>= 1) consecutive new ids of `kind` (kEpisode or
  // kLearningEvent) and returns the first. Afterwards no store, in this
  // process or another, is handed any of them, even before a record has
  // one, and a batch put of a record carrying one keeps it. The core's
  // write-behind (engram/write_behind.h) takes its ids from these blocks. A
  // plugin whose descriptor sets capabilities.reserves_ids implements it;
  // the default throws NotSupported.
  virtual std::int64_t do_reserve_ids(IdKind kind, std::int64_t count);
};

}  // namespace engram

#endif  // ENGRAM_EPISODE_STORE_H_
