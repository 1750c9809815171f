// plugins/sqlite/episodes.h — the episodes role on SQLite: episodes and
// learning events in the seed's tables `episodes` and `learning_events`,
// with the seed's queries, batches in one transaction, and keyset listings
// by id (listing.h).
//
// A store keeps the record's id when it is free (a put of a listed record:
// kept_ids.h), else takes a new one (AUTOINCREMENT, past every id ever used
// or reserved: id_blocks.h). Values are encoded by the core
// (engram/record_columns.h); errors are sqlite_errors.h's.
//
// Recall answers from the role's RecallCache (engram/recall_cache.h), which
// every store here keeps in step after its commit, or past
// recall_cache_bytes by streaming the table (streamed_recall.cpp); both give
// the same hits.
//
// Thread safety: any number of threads; each call leases a connection from
// the Database (writes take the one writer, each in a transaction).
#ifndef ENGRAM_PLUGINS_SQLITE_EPISODES_H_
#define ENGRAM_PLUGINS_SQLITE_EPISODES_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "connection.h"
#include "database.h"
#include "engram/embedding_matrix.h"
#include "engram/episode_store.h"
#include "engram/ids.h"
#include "engram/maintenance.h"
#include "engram/page.h"
#include "engram/recall_cache.h"
#include "engram/record_columns.h"
#include "sqlite_errors.h"

namespace engram::sqlite {

class SqliteEpisodes final : public EpisodeStore {
 public:
  SqliteEpisodes(Database& database, RecallCache<EpisodeColumns>& cache)
      : database_(database), cache_(cache) {}

 private:
  const Origin& origin() const noexcept { return database_.origin(); }
  ColumnCodec codec() const noexcept {
    return {database_.column_origin(), database_.settings().record_limit};
  }

  // --- episodes ---

  std::int64_t do_store_episode(const EpisodeView& record) override;

  std::optional<Episode> do_retrieve_episode(std::int64_t episode_id) override;

  std::vector<Episode> do_get_episodes_by_context(std::string_view context_hash, std::size_t limit,
                                                  std::optional<double> min_score) override;

  std::vector<Episode> do_get_episodes_since(double since, std::size_t limit) override;

  // --- learning events ---

  std::int64_t do_store_learning_event(const LearningEvent& record) override;

  std::vector<LearningEvent> do_get_learning_events_by_task(
      std::string_view task_type, std::size_t limit,
      std::optional<double> min_performance_delta) override;

  // The seed's query; the strategy name last, so ties list alike.
  std::vector<StrategyScore> do_get_best_strategies(std::string_view task_type,
                                                    std::size_t limit) override;

  // --- beyond the seed ---

  EpisodeBatchIds do_store_batch(const EpisodeBatch& batch) override;

  // From the cache, refreshed first, or streamed past the bound; the hits
  // are then read back by id (cached_recall.cpp).
  Recall<Episode> do_nearest_episodes(const RecallQuery& query, std::size_t k,
                                      const EpisodeRecallOptions& options) override;

  // The nearest by a scan of every episode through the listing, page by
  // page (streamed_recall.cpp).
  EmbeddingMatrix<EpisodeColumns>::Result stream_nearest(const RecallQuery& query, std::size_t k,
                                                         const EpisodeFilter& filter);

  // Feeds every episode row to `sink`, in one statement on `writer`
  // (cached_recall.cpp). REQUIRES: the writer.
  void load(Connection& writer, const RecallCache<EpisodeColumns>::Sink& sink);

  // Reads the rows `ids` back into the cache, if it is loaded, after a
  // commit (cached_recall.cpp); a failure drops the cache, never throws.
  // REQUIRES: the writer, outside a transaction.
  void keep_in_step(Connection& writer, const std::vector<std::int64_t>& ids) noexcept;

  // --- write-behind ---

  // A block of episode or learning-event ids (id_blocks.h).
  std::int64_t do_reserve_ids(IdKind kind, std::int64_t count) override;

  Page<Episode> do_list_episodes(std::string_view cursor, std::size_t limit,
                                 Undecodable undecodable) override;

  Page<LearningEvent> do_list_learning_events(std::string_view cursor, std::size_t limit,
                                              Undecodable undecodable) override;

  // Inserts with the record's id when it is free (a put), else a new one
  // (NULL: AUTOINCREMENT, past every id ever used). REQUIRES: the writer.
  std::int64_t insert(Connection& writer, const EncodedEpisode& episode);

  std::int64_t insert(Connection& writer, const EncodedEvent& event);

  Database& database_;
  RecallCache<EpisodeColumns>& cache_;
};

}  // namespace engram::sqlite

#endif  // ENGRAM_PLUGINS_SQLITE_EPISODES_H_
