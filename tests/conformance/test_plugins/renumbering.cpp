// A test-only plugin that serves episodes and does not keep the ids of the
// records it is given: the memory plugin's episodes (loaded and wrapped),
// except that a batch put of an episode or learning event with a positive
// id stores it under that id + 1000 — allowed by the contract ("a positive
// id is kept when the backend can, else a new one is assigned"), and
// observable, since a fresh store would otherwise number its records as the
// source did.
//
// Built three times (tests/conformance/CMakeLists.txt):
//   libengram-renumbering.so             promises nothing beyond the
//       contract: the suite skips its keeps_ids checks and must pass;
//   libengram-renumbering-claims-ids.so  (ENGRAM_TEST_CLAIMS_KEEPS_IDS)
//       claims keeps_ids, which it does not do: the suite must fail it;
//   libengram-renumbering-claims-reserves.so
//       (ENGRAM_TEST_CLAIMS_RESERVES_IDS) claims reserves_ids without
//       keeps_ids: the suite must fail that promise alone.
// Never installed; no real plugin has such a switch.
//
// Thread safety: as the memory plugin's episodes (thread-safe); the wrapper
// holds no state of its own but the wrapped backend.
#include <boost/dll/alias.hpp>
#include <memory>
#include <span>
#include <vector>

#include "engram/episode_store.h"
#include "engram/plugin.h"
#include "engram/plugin_loader.h"
#include "engram/result_orders.h"

namespace {

using engram::Episode;
using engram::EpisodeBatch;
using engram::EpisodeBatchIds;
using engram::EpisodeView;
using engram::LearningEvent;
using engram::Page;
using engram::Undecodable;

constexpr std::int64_t kShift = 1000;

class RenumberingEpisodes final : public engram::EpisodeStore {
 public:
  explicit RenumberingEpisodes(engram::EpisodeStore& inner) : inner_(inner) {}

 private:
  std::int64_t do_store_episode(const EpisodeView& record) override {
    EpisodeBatch batch;
    batch.put(record);
    return inner_.store_batch(batch).episode_ids.at(0);
  }
  std::optional<Episode> do_retrieve_episode(std::int64_t id) override {
    return inner_.retrieve_episode(id);
  }
  std::vector<Episode> do_get_episodes_by_context(std::string_view context_hash, std::size_t limit,
                                                  std::optional<double> min_score) override {
    return inner_.get_episodes_by_context(context_hash, limit, min_score);
  }
  // From the listing, so the window is exactly `since` (the wrapped store's
  // own clock may read a later now).
  std::vector<Episode> do_get_episodes_since(double since, std::size_t limit) override {
    std::vector<Episode> all;
    std::string cursor;
    do {
      Page<Episode> page = inner_.list_episodes(cursor, 256);
      for (Episode& e : page.items) {
        if (e.timestamp >= since) all.push_back(std::move(e));
      }
      cursor = page.next_cursor;
    } while (!cursor.empty());
    std::vector<const Episode*> found;
    for (const Episode& e : all) found.push_back(&e);
    return engram::top(std::move(found), limit, engram::NewestFirst());
  }
  std::int64_t do_store_learning_event(const LearningEvent& record) override {
    EpisodeBatch batch;
    batch.put(record);
    return inner_.store_batch(batch).learning_event_ids.at(0);
  }
  std::vector<LearningEvent> do_get_learning_events_by_task(
      std::string_view task_type, std::size_t limit,
      std::optional<double> min_performance_delta) override {
    return inner_.get_learning_events_by_task(task_type, limit, min_performance_delta);
  }
  std::vector<engram::StrategyScore> do_get_best_strategies(std::string_view task_type,
                                                            std::size_t limit) override {
    return inner_.get_best_strategies(task_type, limit);
  }
  // The one change: a put record's id moves by kShift.
  EpisodeBatchIds do_store_batch(const EpisodeBatch& batch) override {
    EpisodeBatch moved;
    for (EpisodeView episode : batch.episodes()) {
      if (episode.id > 0) episode.id += kShift;
      moved.put(episode);
    }
    for (LearningEvent event : batch.learning_events()) {
      if (event.id > 0) event.id += kShift;
      moved.put(std::move(event));
    }
    return inner_.store_batch(moved);
  }
  Page<Episode> do_list_episodes(std::string_view cursor, std::size_t limit,
                                 Undecodable undecodable) override {
    return inner_.list_episodes(cursor, limit, undecodable);
  }
  Page<LearningEvent> do_list_learning_events(std::string_view cursor, std::size_t limit,
                                              Undecodable undecodable) override {
    return inner_.list_learning_events(cursor, limit, undecodable);
  }
  engram::Recall<Episode> do_nearest_episodes(
      const engram::RecallQuery& query, std::size_t k,
      const engram::EpisodeRecallOptions& options) override {
    const engram::ArrayView values(std::span<const float>(query.values), query.shape);
    return inner_.nearest_episodes(values, k, options);
  }

  engram::EpisodeStore& inner_;
};

class RenumberingBackend final : public engram::Backend {
 public:
  explicit RenumberingBackend(const engram::BackendContext& context)
      : inner_(memory_backend(context)), episodes_(*inner_->episodes()) {}

  engram::EpisodeStore* episodes() noexcept override { return &episodes_; }
  engram::Maintenance& maintenance() noexcept override { return inner_->maintenance(); }

 private:
  // The memory plugin's backend under the same name, its options defaulted.
  static std::shared_ptr<engram::Backend> memory_backend(const engram::BackendContext& context) {
    const engram::Plugin memory = engram::find_plugin("memory", engram::plugin_search_path());
    engram::BackendContext inner = context;
    inner.options = engram::Json::object();
    for (const engram::OptionSpec& option : memory.descriptor().options) {
      inner.options[option.key] = option.default_value;
    }
    return memory.create(inner);
  }

  std::shared_ptr<engram::Backend> inner_;
  RenumberingEpisodes episodes_;
};

const engram::PluginDescriptor& descriptor() {
  static const engram::PluginDescriptor d = [] {
    engram::PluginDescriptor made = engram::describe_plugin<RenumberingBackend>(
        ENGRAM_TEST_PLUGIN_NAME, "0.0.1", {engram::Role::kEpisodes}, {});
#ifdef ENGRAM_TEST_CLAIMS_KEEPS_IDS
    made.capabilities.keeps_ids = true;  // a false claim, for the suite to catch
#endif
#ifdef ENGRAM_TEST_CLAIMS_RESERVES_IDS
    made.capabilities.reserves_ids = true;  // without keeps_ids, for the suite to catch
#endif
    return made;
  }();
  return d;
}

}  // namespace

BOOST_DLL_ALIAS(descriptor, engram_plugin)
