#include "episodes.h"

#include <array>
#include <shared_mutex>
#include <string>

#include "change_counters.h"
#include "id_sequences.h"
#include "listing.h"
#include "pg_errors.h"
#include "transaction.h"

namespace engram::postgres {
namespace {

constexpr const char* kEpisodeColumns =
    "SELECT id, timestamp, experience_data, performance_score, context_hash, metadata, "
    "experience_format FROM episodes ";
constexpr const char* kEventColumns =
    "SELECT id, task_type, performance_delta, strategy_used, timestamp, parameters "
    "FROM learning_events ";

// An episode's columns after its id, as $<first>...$<first + 5>: timestamp,
// experience_data, performance_score, context_hash, metadata,
// experience_format. A JSON experience is stored as its text's bytes.
void add_episode(Params& params, const EncodedEpisode& episode) {
  const EpisodeView& record = *episode.record;
  const EncodedExperience& experience = episode.experience;
  params.float8(record.timestamp);
  if (experience.format == kFormatJson) {
    params.bytea(std::as_bytes(std::span(experience.json)));
  } else {
    params.bytea(experience.npy);
  }
  params.float8(record.performance_score)
      .text(record.context_hash)
      .json(episode.metadata)
      .text(experience.format);
}

void add_event(Params& params, const EncodedEvent& event) {
  const LearningEvent& record = *event.record;
  params.text(record.task_type)
      .float8(record.performance_delta)
      .text(record.strategy_used)
      .float8(record.timestamp)
      .json(event.parameters);
}

constexpr const char* kInsertEpisode =
    "INSERT INTO episodes (id, timestamp, experience_data, performance_score, context_hash, "
    "metadata, experience_format) ";
constexpr const char* kInsertEvent =
    "INSERT INTO learning_events (id, task_type, performance_delta, strategy_used, timestamp, "
    "parameters) ";

// Whether the episode is a recall candidate (its experience an array): its
// store changes the role's embeddings.
bool counted(const EncodedEpisode& episode) { return episode.experience.format == kFormatNpy; }

// A single store's statement: one statement, its own transaction — the id
// lock, the counter (when `counted`, writer $<writer_param>) and the row in
// one round trip.
std::string single_store_sql(std::string_view schema, std::string_view insert,
                             std::string_view sequence, int columns, bool counted) {
  std::string sql = "WITH id_lock AS (" + shared_id_lock(schema) + ")";
  if (counted) sql += ", changed AS (" + bump_sql(Counted::kEpisodes, columns + 1) + ")";
  sql += std::string(" ") + std::string(insert) + "SELECT nextval('" + std::string(sequence) + "')";
  for (int i = 1; i <= columns; ++i) sql += ", $" + std::to_string(i);
  return sql + " FROM id_lock RETURNING id";
}

// Batches of at least this many rows go by COPY; fewer, row by row (a
// COPY's own round trips cost more than a few inserts).
constexpr std::size_t kCopyRows = 8;

bool unique_violation(const StorageError& e) {
  static const auto kCode = sqlstate_code("23505");
  return e.native_code() == kCode;
}

}  // namespace

PgEpisodes::PgEpisodes(Database& database, RecallCache<EpisodeColumns>& cache)
    : database_(database),
      cache_(cache),
      store_counted_sql_(single_store_sql(database.settings().options.schema, kInsertEpisode,
                                          "episodes_id_seq", 6, true)),
      store_uncounted_sql_(single_store_sql(database.settings().options.schema, kInsertEpisode,
                                            "episodes_id_seq", 6, false)),
      store_event_sql_(single_store_sql(database.settings().options.schema, kInsertEvent,
                                        "learning_events_id_seq", 5, false)) {}

std::int64_t PgEpisodes::do_store_episode(const EpisodeView& record) {
  const EncodedEpisode encoded = encode(codec(), record);
  auto connection = database_.lease();
  const std::int64_t bumps = counted(encoded) ? 1 : 0;
  // Held from before the commit to keep_in_step's apply (recall_cache.h):
  // no load's snapshot sees this write and then has it counted again.
  std::shared_lock<std::shared_mutex> writing;
  if (bumps > 0) writing = cache_.writing();
  std::int64_t id = 0;
  if (keepable(record.id)) {
    Transaction transaction(*connection);
    const std::array wanted{WantedIds{IdKind::kEpisode, record.id}};
    lock_ids(*connection, database_.settings().options.schema, wanted);
    id = insert(*connection, encoded);
    if (bumps > 0) bump(*connection, Counted::kEpisodes, connection.writer_id());
    transaction.commit();
  } else {
    Params params;
    add_episode(params, encoded);
    if (bumps > 0) params.text(connection.writer_id());
    const std::string& sql = bumps > 0 ? store_counted_sql_ : store_uncounted_sql_;
    id = connection->run(sql, params, "storing an episode").row(0).int64(0);
  }
  if (bumps > 0) keep_in_step(*connection, {id}, bumps);
  return id;
}

std::optional<Episode> PgEpisodes::do_retrieve_episode(std::int64_t episode_id) {
  auto connection = database_.lease();
  const Result result = connection->run(std::string(kEpisodeColumns) + "WHERE id = $1",
                                        Params().int8(episode_id), "retrieving an episode");
  if (result.rows() == 0) return std::nullopt;
  return read_episode(codec(), result.row(0));
}

std::vector<Episode> PgEpisodes::do_get_episodes_by_context(std::string_view context_hash,
                                                            std::size_t limit,
                                                            std::optional<double> min_score) {
  auto connection = database_.lease();
  const Result result = connection->run(
      std::string(kEpisodeColumns) +
          "WHERE context_hash = $1 AND ($2::float8 IS NULL OR performance_score >= $2) "
          "ORDER BY timestamp DESC, id DESC LIMIT $3",
      Params().text(context_hash).float8_or_null(min_score).int8(limit_value(limit)),
      "listing episodes by context");
  return read_all(result, [&](const ColumnRow& row) { return read_episode(codec(), row); });
}

std::vector<Episode> PgEpisodes::do_get_episodes_since(double since, std::size_t limit) {
  auto connection = database_.lease();
  const Result result =
      connection->run(std::string(kEpisodeColumns) +
                          "WHERE timestamp >= $1 ORDER BY timestamp DESC, id DESC LIMIT $2",
                      Params().float8(since).int8(limit_value(limit)), "listing recent episodes");
  return read_all(result, [&](const ColumnRow& row) { return read_episode(codec(), row); });
}

std::int64_t PgEpisodes::do_store_learning_event(const LearningEvent& record) {
  const EncodedEvent encoded = encode(codec(), record);
  auto connection = database_.lease();
  if (keepable(record.id)) {
    Transaction transaction(*connection);
    const std::array wanted{WantedIds{IdKind::kLearningEvent, record.id}};
    lock_ids(*connection, database_.settings().options.schema, wanted);
    const std::int64_t id = insert(*connection, encoded);
    transaction.commit();
    return id;
  }
  Params params;
  add_event(params, encoded);
  return connection->run(store_event_sql_, params, "storing a learning event").row(0).int64(0);
}

std::vector<LearningEvent> PgEpisodes::do_get_learning_events_by_task(
    std::string_view task_type, std::size_t limit, std::optional<double> min_performance_delta) {
  auto connection = database_.lease();
  const Result result = connection->run(
      std::string(kEventColumns) +
          "WHERE task_type = $1 AND ($2::float8 IS NULL OR performance_delta >= $2) "
          "ORDER BY timestamp DESC, id DESC LIMIT $3",
      Params().text(task_type).float8_or_null(min_performance_delta).int8(limit_value(limit)),
      "listing learning events by task");
  return read_all(result, [&](const ColumnRow& row) { return read_event(codec(), row); });
}

std::vector<StrategyScore> PgEpisodes::do_get_best_strategies(std::string_view task_type,
                                                              std::size_t limit) {
  auto connection = database_.lease();
  // Names compare by their bytes (COLLATE "C"), as SQLite's do, whatever
  // the database's collation.
  const Result result = connection->run(
      "SELECT strategy_used, AVG(performance_delta)::float8 AS avg_delta, "
      "COUNT(*)::int8 AS count FROM learning_events "
      "WHERE task_type = $1 AND performance_delta > 0 GROUP BY strategy_used "
      "ORDER BY avg_delta DESC, count DESC, strategy_used COLLATE \"C\" ASC LIMIT $2",
      Params().text(task_type).int8(limit_value(limit)), "ranking strategies");
  return read_all(result, [](const ColumnRow& row) {
    return StrategyScore{row.text(0), row.real(1), row.int64(2)};
  });
}

EpisodeBatchIds PgEpisodes::do_store_batch(const EpisodeBatch& batch) {
  const auto episodes = encode_all(codec(), batch.episodes());
  const auto events = encode_all(codec(), batch.learning_events());
  std::array wanted{WantedIds{IdKind::kEpisode, 0}, WantedIds{IdKind::kLearningEvent, 0}};
  std::int64_t bumps = 0;
  for (const EncodedEpisode& episode : episodes) {
    if (keepable(episode.record->id)) {
      wanted[0].largest = std::max(wanted[0].largest, episode.record->id);
    }
    if (counted(episode)) bumps = 1;
  }
  for (const EncodedEvent& event : events) {
    if (keepable(event.record->id)) {
      wanted[1].largest = std::max(wanted[1].largest, event.record->id);
    }
  }
  auto connection = database_.lease();
  std::shared_lock<std::shared_mutex> writing;
  if (bumps > 0) writing = cache_.writing();
  std::optional<EpisodeBatchIds> ids;
  if (episodes.size() + events.size() >= kCopyRows) {
    ids = copy_batch(*connection, episodes, events, wanted, bumps, connection.writer_id());
  }
  if (!ids)
    ids = insert_batch(*connection, episodes, events, wanted, bumps, connection.writer_id());
  if (bumps > 0) keep_in_step(*connection, ids->episode_ids, bumps);
  return std::move(*ids);
}

EpisodeBatchIds PgEpisodes::insert_batch(Connection& connection,
                                         const std::vector<EncodedEpisode>& episodes,
                                         const std::vector<EncodedEvent>& events,
                                         std::span<const WantedIds> wanted, std::int64_t bumps,
                                         std::string_view writer_id) {
  EpisodeBatchIds ids;
  ids.episode_ids.reserve(episodes.size());
  ids.learning_event_ids.reserve(events.size());
  Transaction transaction(connection);
  lock_ids(connection, database_.settings().options.schema, wanted);
  for (const EncodedEpisode& episode : episodes)
    ids.episode_ids.push_back(insert(connection, episode));
  for (const EncodedEvent& event : events) {
    ids.learning_event_ids.push_back(insert(connection, event));
  }
  if (bumps > 0) bump(connection, Counted::kEpisodes, writer_id);
  transaction.commit();
  return ids;
}

std::optional<EpisodeBatchIds> PgEpisodes::copy_batch(Connection& connection,
                                                      const std::vector<EncodedEpisode>& episodes,
                                                      const std::vector<EncodedEvent>& events,
                                                      std::span<const WantedIds> wanted,
                                                      std::int64_t bumps,
                                                      std::string_view writer_id) {
  const std::string& schema = database_.settings().options.schema;
  // Each record's id: its own when keepable (free, or the COPY fails and
  // the caller goes row by row), else the next of its table's block.
  const auto assign = [&](const auto& records, const WantedIds& table) {
    std::vector<std::int64_t> ids;
    ids.reserve(records.size());
    std::int64_t fresh = 0;
    for (const auto& record : records) fresh += keepable(record.record->id) ? 0 : 1;
    std::int64_t next =
        fresh > 0 ? reserve_batch_ids(connection, schema, table.kind, fresh, table.largest) : 0;
    for (const auto& record : records) {
      ids.push_back(keepable(record.record->id) ? record.record->id : next++);
    }
    return ids;
  };
  EpisodeBatchIds ids{assign(episodes, wanted[0]), assign(events, wanted[1])};
  try {
    Transaction transaction(connection);
    // The blocks lie past every kept id, and the kept ids below the
    // sequences now: the lock is taken shared.
    lock_ids(connection, schema, wanted);
    if (!episodes.empty()) {
      CopyIn copy = connection.copy_in(
          "COPY episodes (id, timestamp, experience_data, performance_score, context_hash, "
          "metadata, experience_format) FROM STDIN (FORMAT binary)",
          "storing a batch of episodes");
      for (std::size_t i = 0; i < episodes.size(); ++i) {
        const EpisodeView& record = *episodes[i].record;
        const EncodedExperience& experience = episodes[i].experience;
        copy.row(7).int8(ids.episode_ids[i]).float8(record.timestamp);
        if (experience.format == kFormatJson) {
          copy.text(experience.json);
        } else {
          copy.bytes(experience.npy);
        }
        copy.float8(record.performance_score)
            .text(record.context_hash)
            .text(episodes[i].metadata)
            .text(experience.format);
      }
      copy.finish();
    }
    if (!events.empty()) {
      CopyIn copy = connection.copy_in(
          "COPY learning_events (id, task_type, performance_delta, strategy_used, timestamp, "
          "parameters) FROM STDIN (FORMAT binary)",
          "storing a batch of learning events");
      for (std::size_t i = 0; i < events.size(); ++i) {
        const LearningEvent& record = *events[i].record;
        copy.row(6)
            .int8(ids.learning_event_ids[i])
            .text(record.task_type)
            .float8(record.performance_delta)
            .text(record.strategy_used)
            .float8(record.timestamp)
            .text(events[i].parameters);
      }
      copy.finish();
    }
    if (bumps > 0) bump(connection, Counted::kEpisodes, writer_id);
    transaction.commit();
  } catch (const BackendError& e) {
    if (!unique_violation(e)) throw;
    return std::nullopt;
  }
  return ids;
}

std::int64_t PgEpisodes::do_reserve_ids(IdKind kind, std::int64_t count) {
  if (kind == IdKind::kConcept) {
    throw InvalidArgument("reserving ids in " + database_.where() +
                              ": the episodes role reserves episode and learning event ids, not " +
                              std::string(id_kind_name(kind)) + " ids",
                          database_.origin().backend);
  }
  auto connection = database_.lease();
  return reserve_id_block(*connection, database_.settings().options.schema, kind, count);
}

Page<Episode> PgEpisodes::do_list_episodes(std::string_view cursor, std::size_t limit,
                                           Undecodable undecodable) {
  auto connection = database_.lease();
  return page_by_id(*connection, database_.origin().backend, cursor, limit, undecodable,
                    std::string(kEpisodeColumns) + "WHERE id > $1 ORDER BY id LIMIT $2",
                    "listing episodes",
                    [&](const ColumnRow& row) { return read_episode(codec(), row); });
}

Page<LearningEvent> PgEpisodes::do_list_learning_events(std::string_view cursor, std::size_t limit,
                                                        Undecodable undecodable) {
  auto connection = database_.lease();
  return page_by_id(*connection, database_.origin().backend, cursor, limit, undecodable,
                    std::string(kEventColumns) + "WHERE id > $1 ORDER BY id LIMIT $2",
                    "listing learning events",
                    [&](const ColumnRow& row) { return read_event(codec(), row); });
}

std::int64_t PgEpisodes::insert(Connection& connection, const EncodedEpisode& episode) {
  if (keepable(episode.record->id)) {
    Params kept;
    kept.int8(episode.record->id);
    add_episode(kept, episode);
    const Result result = connection.run(
        std::string(kInsertEpisode) +
            "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO NOTHING RETURNING id",
        kept, "storing an episode");
    if (result.rows() > 0) return result.row(0).int64(0);
  }
  Params params;
  add_episode(params, episode);
  return connection
      .run(std::string(kInsertEpisode) +
               "VALUES (nextval('episodes_id_seq'), $1, $2, $3, $4, $5, $6) RETURNING id",
           params, "storing an episode")
      .row(0)
      .int64(0);
}

std::int64_t PgEpisodes::insert(Connection& connection, const EncodedEvent& event) {
  if (keepable(event.record->id)) {
    Params kept;
    kept.int8(event.record->id);
    add_event(kept, event);
    const Result result = connection.run(
        std::string(kInsertEvent) +
            "VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING RETURNING id",
        kept, "storing a learning event");
    if (result.rows() > 0) return result.row(0).int64(0);
  }
  Params params;
  add_event(params, event);
  return connection
      .run(std::string(kInsertEvent) +
               "VALUES (nextval('learning_events_id_seq'), $1, $2, $3, $4, $5) RETURNING id",
           params, "storing a learning event")
      .row(0)
      .int64(0);
}

}  // namespace engram::postgres
