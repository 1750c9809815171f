// plugins/memory/episodes.h — the episodes role in memory: episodes and
// learning events by id, with their array experiences in an
// EmbeddingMatrix (engram/embedding_matrix.h) for recall, changed under the
// same lock as the records.
//
// Thread safety: the backend's one lock (shared_state.h): lookups share it,
// stores hold it alone.
#ifndef ENGRAM_PLUGINS_MEMORY_EPISODES_H_
#define ENGRAM_PLUGINS_MEMORY_EPISODES_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "claim_id.h"
#include "engram/embedding_matrix.h"
#include "engram/episode_store.h"
#include "engram/ids.h"
#include "engram/json.h"
#include "engram/owned_records.h"
#include "engram/recall.h"
#include "engram/recall_kernel.h"
#include "engram/result_orders.h"
#include "listing.h"
#include "memory_errors.h"
#include "recall_index.h"
#include "shared_state.h"

namespace engram::memory {

// ---------------------------------------------------------------- episodes

class MemoryEpisodes final : public EpisodeStore {
 public:
  explicit MemoryEpisodes(Shared& shared) : shared_(shared) {}

  // For the maintenance, with the lock held. Ids are not reused after clear().
  void count(Json& stats) const {
    stats["episodes"] = episodes_.size();
    stats["learning_events"] = events_.size();
  }
  void clear() {
    episodes_.clear();
    events_.clear();
    index_.clear();
  }
  // recall_cache_bytes changed: the recall matrix again, within it. With
  // the lock held for writing.
  void set_recall_cache_bytes(std::size_t byte_bound) {
    index_.rebuild(byte_bound, [&](const auto& add) {
      for (const auto& [id, episode] : episodes_) {
        if (const auto* array = std::get_if<Array>(&episode.experience_data)) {
          add(id, *array, {episode.context_hash, episode.performance_score, episode.timestamp});
        }
      }
    });
  }

 private:
  // --- episodes ---

  std::int64_t do_store_episode(const EpisodeView& record) override {
    Episode episode = owned(record);
    auto lock = shared_.write();
    return insert(std::move(episode));
  }

  std::optional<Episode> do_retrieve_episode(std::int64_t episode_id) override {
    auto lock = shared_.read();
    const auto found = episodes_.find(episode_id);
    if (found == episodes_.end()) return std::nullopt;
    return found->second;
  }

  std::vector<Episode> do_get_episodes_by_context(std::string_view context_hash, std::size_t limit,
                                                  std::optional<double> min_score) override {
    auto lock = shared_.read();
    std::vector<const Episode*> found;
    for (const auto& [id, episode] : episodes_) {
      if (episode.context_hash == context_hash &&
          (!min_score || episode.performance_score >= *min_score)) {
        found.push_back(&episode);
      }
    }
    return top(std::move(found), limit, NewestFirst());
  }

  std::vector<Episode> do_get_episodes_since(double since, std::size_t limit) override {
    auto lock = shared_.read();
    std::vector<const Episode*> found;
    for (const auto& [id, episode] : episodes_) {
      if (episode.timestamp >= since) found.push_back(&episode);
    }
    return top(std::move(found), limit, NewestFirst());
  }

  // --- learning events ---

  std::int64_t do_store_learning_event(const LearningEvent& record) override {
    auto lock = shared_.write();
    return insert(LearningEvent(record));
  }

  std::vector<LearningEvent> do_get_learning_events_by_task(
      std::string_view task_type, std::size_t limit,
      std::optional<double> min_performance_delta) override {
    auto lock = shared_.read();
    std::vector<const LearningEvent*> found;
    for (const auto& [id, event] : events_) {
      if (event.task_type == task_type &&
          (!min_performance_delta || event.performance_delta >= *min_performance_delta)) {
        found.push_back(&event);
      }
    }
    return top(std::move(found), limit, NewestFirst());
  }

  std::vector<StrategyScore> do_get_best_strategies(std::string_view task_type,
                                                    std::size_t limit) override {
    auto lock = shared_.read();
    StrategyTally tally;
    for (const auto& [id, event] : events_) {
      if (event.task_type == task_type) tally.add(event);
    }
    return tally.best(limit);
  }

  // --- beyond the seed ---

  // Nothing here can fail once the copies are made: inserting in order is
  // all or nothing.
  EpisodeBatchIds do_store_batch(const EpisodeBatch& batch) override {
    auto episodes = owned_all(batch.episodes());
    auto events = owned_all(batch.learning_events());
    EpisodeBatchIds ids;
    auto lock = shared_.write();
    for (Episode& episode : episodes) ids.episode_ids.push_back(insert(std::move(episode)));
    for (LearningEvent& event : events) ids.learning_event_ids.push_back(insert(std::move(event)));
    return ids;
  }

  // Records here are always decoded: nothing to skip.
  Page<Episode> do_list_episodes(std::string_view cursor, std::size_t limit, Undecodable) override {
    auto lock = shared_.read();
    return list_page(episodes_, cursor, limit, shared_.name(), kEveryEntry, kEntryValue);
  }
  Page<LearningEvent> do_list_learning_events(std::string_view cursor, std::size_t limit,
                                              Undecodable) override {
    auto lock = shared_.read();
    return list_page(events_, cursor, limit, shared_.name(), kEveryEntry, kEntryValue);
  }

  // --- write-behind ---

  // The block comes off the kind's next-id counter (claim_id.h).
  std::int64_t do_reserve_ids(IdKind kind, std::int64_t count) override {
    auto lock = shared_.write();
    switch (kind) {
      case IdKind::kEpisode:
        return reserve_ids(next_episode_id_, count, kind, shared_.name());
      case IdKind::kLearningEvent:
        return reserve_ids(next_event_id_, count, kind, shared_.name());
      case IdKind::kConcept:
        break;
    }
    throw_foreign_id_kind(kind, shared_.name());
  }

  // --- recall ---

  Recall<Episode> do_nearest_episodes(const RecallQuery& query, std::size_t k,
                                      const EpisodeRecallOptions& options) override {
    EmbeddingMatrix<EpisodeColumns>::Predicate admits;
    if (!options.filter.empty()) {
      admits = [&filter = options.filter](const EpisodeColumns& c) { return c.passes(filter); };
    }
    auto lock = shared_.read();
    const auto found = index_.search(query, k, admits, [&](RecallScan& scan) {
      for (const auto& [id, episode] : episodes_) {
        const auto* array = std::get_if<Array>(&episode.experience_data);
        if (array != nullptr &&
            options.filter.admits(episode.context_hash, episode.performance_score,
                                  episode.timestamp)) {
          scan.offer(id, *array);
        }
      }
    });
    Recall<Episode> recall;
    recall.skipped = found.skipped;
    for (const ScoredId& hit : found.best) {
      recall.hits.push_back({episodes_.at(hit.id), hit.score});
    }
    return recall;
  }

  std::int64_t insert(Episode&& episode) {
    episode.id = claim_id(episodes_, episode.id, next_episode_id_);
    const std::int64_t id = episode.id;
    if (const auto* array = std::get_if<Array>(&episode.experience_data)) {
      index_.upsert(id, *array,
                    {episode.context_hash, episode.performance_score, episode.timestamp});
    }
    episodes_.emplace(id, std::move(episode));
    return id;
  }
  std::int64_t insert(LearningEvent&& event) {
    event.id = claim_id(events_, event.id, next_event_id_);
    const std::int64_t id = event.id;
    events_.emplace(id, std::move(event));
    return id;
  }

  Shared& shared_;
  std::map<std::int64_t, Episode> episodes_;
  RecallIndex<EpisodeColumns> index_{shared_.recall_cache_bytes()};  // array experiences
  std::map<std::int64_t, LearningEvent> events_;
  std::int64_t next_episode_id_ = 1;
  std::int64_t next_event_id_ = 1;
};

}  // namespace engram::memory

#endif  // ENGRAM_PLUGINS_MEMORY_EPISODES_H_
