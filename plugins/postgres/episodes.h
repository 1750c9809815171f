// plugins/postgres/episodes.h — the episodes role on PostgreSQL: episodes
// and learning events in the seed's tables `episodes` and
// `learning_events` (schema_text.h), with the seed's queries, batches in
// one transaction, and keyset listings by id (listing.h).
//
// A store keeps the record's id when it is free, else takes the next value
// of the table's sequence (id_sequences.h). Values are encoded by the
// core's record_columns.h before a connection is leased; errors are
// pg_errors.h's.
//
// Recall answers from the role's RecallCache (engram/recall_cache.h): each
// store of an episode with an array experience bumps the episodes change
// counter in its own transaction (change_counters.h) and, after its commit,
// puts the rows it wrote into the cache (keep_in_step); a recall that finds
// the counters moved by someone else reloads it. Past recall_cache_bytes,
// recall streams the table (streamed_recall.h); both give the same hits.
//
// Thread safety: any number of threads; each call leases a connection from
// the Database's pool.
#ifndef ENGRAM_PLUGINS_POSTGRES_EPISODES_H_
#define ENGRAM_PLUGINS_POSTGRES_EPISODES_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "database.h"
#include "engram/embedding_matrix.h"
#include "engram/episode_store.h"
#include "engram/ids.h"
#include "engram/page.h"
#include "engram/recall_cache.h"
#include "engram/record_columns.h"
#include "id_sequences.h"

namespace engram::postgres {

class PgEpisodes final : public EpisodeStore {
 public:
  PgEpisodes(Database& database, RecallCache<EpisodeColumns>& cache);

 private:
  ColumnCodec codec() const noexcept { return database_.codec(); }

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

  // Puts the rows `ids` (just committed, with `bumps` bumps of the episodes
  // counter) into the cache if it is loaded, moving its version by `bumps`
  // (cached_recall.cpp); a failure drops the cache, never throws.
  // REQUIRES: outside a transaction.
  void keep_in_step(Connection& connection, const std::vector<std::int64_t>& ids,
                    std::int64_t bumps) noexcept;

  // --- write-behind ---

  // A block of episode or learning-event ids (id_sequences.h).
  std::int64_t do_reserve_ids(IdKind kind, std::int64_t count) override;

  Page<Episode> do_list_episodes(std::string_view cursor, std::size_t limit,
                                 Undecodable undecodable) override;

  Page<LearningEvent> do_list_learning_events(std::string_view cursor, std::size_t limit,
                                              Undecodable undecodable) override;

  // Inserts with the record's id when it is free, else the sequence's next
  // value, and returns the id. REQUIRES: in a transaction holding the id
  // lock (id_sequences.h).
  std::int64_t insert(Connection& connection, const EncodedEpisode& episode);
  std::int64_t insert(Connection& connection, const EncodedEvent& event);

  // A batch row by row (insert()), in one transaction.
  EpisodeBatchIds insert_batch(Connection& connection, const std::vector<EncodedEpisode>& episodes,
                               const std::vector<EncodedEvent>& events,
                               std::span<const WantedIds> wanted, std::int64_t bumps,
                               std::string_view writer_id);

  // A batch by COPY, in one transaction: new rows take ids of blocks
  // reserved first (reserve_batch_ids), kept rows their own. Returns
  // nullopt, with nothing written, when a kept id turned out taken (the
  // COPY's unique violation rolled it back): then insert_batch() decides
  // row by row.
  std::optional<EpisodeBatchIds> copy_batch(Connection& connection,
                                            const std::vector<EncodedEpisode>& episodes,
                                            const std::vector<EncodedEvent>& events,
                                            std::span<const WantedIds> wanted, std::int64_t bumps,
                                            std::string_view writer_id);

  Database& database_;
  RecallCache<EpisodeColumns>& cache_;
  // The single stores' statements, made once (the schema names their id
  // lock): an episode with an array experience (its counter bumped, writer
  // $7), one with a JSON experience, a learning event.
  const std::string store_counted_sql_;
  const std::string store_uncounted_sql_;
  const std::string store_event_sql_;
};

}  // namespace engram::postgres

#endif  // ENGRAM_PLUGINS_POSTGRES_EPISODES_H_
