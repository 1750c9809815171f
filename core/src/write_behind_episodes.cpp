// The episodes role under write-behind: episodes and learning events are
// queued with ids from reserved blocks and written by the plugin's
// store_batch as puts carrying those ids.
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "engram/errors.h"
#include "engram/owned_records.h"
#include "id_blocks.h"
#include "record_checks.h"
#include "role_access.h"
#include "write_behind_roles.h"
#include "write_queue.h"

namespace engram::detail {
namespace {

using EpisodeItem = std::variant<Episode, LearningEvent>;

constexpr std::size_t kRecordOverhead = 256;

std::size_t bytes_of(const EpisodeItem& item) {
  if (const auto* episode = std::get_if<Episode>(&item)) {
    if (const auto* array = std::get_if<Array>(&episode->experience_data)) {
      return array->nbytes() + kRecordOverhead;
    }
  }
  return kRecordOverhead;
}

class QueuedEpisodes final : public EpisodeStore, public QueueControl {
 public:
  QueuedEpisodes(EpisodeStore& inner, const QueueSettings& settings)
      : inner_(inner),
        episode_ids_(settings.options.max_pending),
        event_ids_(settings.options.max_pending),
        queue_(settings.options, settings.backend,
               "write-behind of backend `" + settings.backend + "` (episodes)",
               {[this](std::vector<EpisodeItem>& items) { return write(items); },
                [](const EpisodeItem&) {}, &name_of, [this] { top_up(); }}) {
    RoleAccess::set_library(*this, RoleAccess::library(inner));
    RoleAccess::set_clock(*this, RoleAccess::clock(inner));
    RoleAccess::set_maintenance(*this, *settings.maintenance);
  }

  void drain() override { queue_.drain(); }
  void close() override { queue_.close(); }

 private:
  static std::string name_of(const EpisodeItem& item) {
    if (const auto* episode = std::get_if<Episode>(&item)) {
      return "episode " + std::to_string(episode->id);
    }
    return "learning event " + std::to_string(std::get<LearningEvent>(item).id);
  }

  // --- stores: queued

  std::int64_t do_store_episode(const EpisodeView& record) override {
    return enqueue(owned(record), episode_ids_, IdKind::kEpisode);
  }
  std::int64_t do_store_learning_event(const LearningEvent& record) override {
    return enqueue(LearningEvent(record), event_ids_, IdKind::kLearningEvent);
  }

  template <class Record>
  std::int64_t enqueue(Record record, IdBlocks& ids, IdKind kind) {
    EpisodeItem item(std::move(record));
    const std::size_t bytes = bytes_of(item);
    auto lock = queue_.lock();
    queue_.admit(lock, bytes);
    ensure_id(
        ids, lock,
        [&](std::int64_t count) { return RoleAccess::call_do_reserve_ids(inner_, kind, count); },
        [&] { queue_.admit(lock, bytes); });
    const std::int64_t id = *ids.take();
    std::get<Record>(item).id = id;
    queue_.push(lock, std::move(item), bytes);
    return id;
  }

  // The writer, between writes: the next blocks before the stores need them.
  void top_up() {
    for (auto [ids, kind] : {std::pair{&episode_ids_, IdKind::kEpisode},
                             std::pair{&event_ids_, IdKind::kLearningEvent}}) {
      auto lock = queue_.lock();
      if (!ids->low()) continue;
      lock.unlock();
      const std::int64_t first = RoleAccess::call_do_reserve_ids(inner_, kind, ids->block());
      lock.lock();
      ids->add(first, ids->block());
    }
  }

  // The writer: items[first, last) as one batch of puts.
  std::vector<WriteFailure> write(std::vector<EpisodeItem>& items) {
    return write_isolating(items.size(), [&](std::size_t first, std::size_t last) {
      EpisodeBatch batch;
      for (std::size_t i = first; i < last; ++i) {
        if (const auto* episode = std::get_if<Episode>(&items[i])) {
          batch.put(as_view(*episode));
        } else {
          batch.put(std::get<LearningEvent>(items[i]));
        }
      }
      const EpisodeBatchIds ids = RoleAccess::call_do_store_batch(inner_, batch);
      std::vector<WriteFailure> failures;
      std::size_t episode = 0;
      std::size_t event = 0;
      for (std::size_t i = first; i < last; ++i) {
        const bool is_episode = std::holds_alternative<Episode>(items[i]);
        const auto& got = is_episode ? ids.episode_ids : ids.learning_event_ids;
        const std::size_t at = is_episode ? episode++ : event++;
        const std::int64_t wanted =
            is_episode ? std::get<Episode>(items[i]).id : std::get<LearningEvent>(items[i]).id;
        check_same_id(failures, i, got, at, wanted);
      }
      return failures;
    });
  }

  // --- everything else: after the queue, as without write-behind

  std::optional<Episode> do_retrieve_episode(std::int64_t episode_id) override {
    queue_.drain();
    return RoleAccess::call_do_retrieve_episode(inner_, episode_id);
  }
  std::vector<Episode> do_get_episodes_by_context(std::string_view context_hash, std::size_t limit,
                                                  std::optional<double> min_score) override {
    queue_.drain();
    return RoleAccess::call_do_get_episodes_by_context(inner_, context_hash, limit, min_score);
  }
  std::vector<Episode> do_get_episodes_since(double since, std::size_t limit) override {
    queue_.drain();
    return RoleAccess::call_do_get_episodes_since(inner_, since, limit);
  }
  std::vector<LearningEvent> do_get_learning_events_by_task(
      std::string_view task_type, std::size_t limit,
      std::optional<double> min_performance_delta) override {
    queue_.drain();
    return RoleAccess::call_do_get_learning_events_by_task(inner_, task_type, limit,
                                                           min_performance_delta);
  }
  std::vector<StrategyScore> do_get_best_strategies(std::string_view task_type,
                                                    std::size_t limit) override {
    queue_.drain();
    return RoleAccess::call_do_get_best_strategies(inner_, task_type, limit);
  }
  EpisodeBatchIds do_store_batch(const EpisodeBatch& batch) override {
    queue_.drain();
    EpisodeBatchIds ids = RoleAccess::call_do_store_batch(inner_, batch);
    auto lock = queue_.lock();
    episode_ids_.drop_holding(ids.episode_ids);
    event_ids_.drop_holding(ids.learning_event_ids);
    return ids;
  }
  Page<Episode> do_list_episodes(std::string_view cursor, std::size_t limit,
                                 Undecodable undecodable) override {
    queue_.drain();
    return RoleAccess::call_do_list_episodes(inner_, cursor, limit, undecodable);
  }
  Page<LearningEvent> do_list_learning_events(std::string_view cursor, std::size_t limit,
                                              Undecodable undecodable) override {
    queue_.drain();
    return RoleAccess::call_do_list_learning_events(inner_, cursor, limit, undecodable);
  }
  Recall<Episode> do_nearest_episodes(const RecallQuery& query, std::size_t k,
                                      const EpisodeRecallOptions& options) override {
    queue_.drain();
    return RoleAccess::call_do_nearest_episodes(inner_, query, k, options);
  }
  std::int64_t do_reserve_ids(IdKind kind, std::int64_t count) override {
    return RoleAccess::call_do_reserve_ids(inner_, kind, count);
  }

  EpisodeStore& inner_;
  IdBlocks episode_ids_;
  IdBlocks event_ids_;
  // Last: its writer runs from construction and calls the members above.
  WriteQueue<EpisodeItem> queue_;
};

}  // namespace

Queued<EpisodeStore> queued(EpisodeStore& inner, const QueueSettings& settings) {
  auto role = std::make_unique<QueuedEpisodes>(inner, settings);
  QueueControl* control = role.get();
  return {std::move(role), control};
}

}  // namespace engram::detail
