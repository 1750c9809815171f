#include "episodes.h"

#include <string>

#include "id_blocks.h"
#include "kept_ids.h"
#include "listing.h"
#include "statement.h"
#include "transaction.h"

namespace engram::sqlite {

std::int64_t SqliteEpisodes::do_store_episode(const EpisodeView& record) {
  const EncodedEpisode encoded = encode(codec(), record);
  auto writer = database_.writer();
  Transaction transaction(*writer);
  const std::int64_t id = insert(*writer, encoded);
  transaction.commit();
  keep_in_step(*writer, {id});
  return id;
}

std::optional<Episode> SqliteEpisodes::do_retrieve_episode(std::int64_t episode_id) {
  auto reader = database_.reader();
  Statement query = reader->prepare(
      "SELECT id, timestamp, experience_data, performance_score, context_hash, metadata, "
      "experience_format FROM episodes WHERE id = ?1",
      "retrieving an episode");
  query.bind(1, episode_id);
  if (!query.step()) return std::nullopt;
  return read_episode(codec(), query);
}

std::vector<Episode> SqliteEpisodes::do_get_episodes_by_context(std::string_view context_hash,
                                                                std::size_t limit,
                                                                std::optional<double> min_score) {
  auto reader = database_.reader();
  Statement query = reader->prepare(
      "SELECT id, timestamp, experience_data, performance_score, context_hash, metadata, "
      "experience_format FROM episodes WHERE context_hash = ?1 "
      "AND (?2 IS NULL OR performance_score >= ?2) "
      "ORDER BY timestamp DESC, id DESC LIMIT ?3",
      "listing episodes by context");
  query.bind_text(1, context_hash);
  if (min_score) query.bind(2, *min_score);
  query.bind_limit(3, limit);
  return read_all(query, [&](const Statement& row) { return read_episode(codec(), row); });
}

std::vector<Episode> SqliteEpisodes::do_get_episodes_since(double since, std::size_t limit) {
  auto reader = database_.reader();
  Statement query = reader->prepare(
      "SELECT id, timestamp, experience_data, performance_score, context_hash, metadata, "
      "experience_format FROM episodes WHERE timestamp >= ?1 "
      "ORDER BY timestamp DESC, id DESC LIMIT ?2",
      "listing recent episodes");
  query.bind(1, since).bind_limit(2, limit);
  return read_all(query, [&](const Statement& row) { return read_episode(codec(), row); });
}

std::int64_t SqliteEpisodes::do_store_learning_event(const LearningEvent& record) {
  const EncodedEvent encoded = encode(codec(), record);
  auto writer = database_.writer();
  Transaction transaction(*writer);
  const std::int64_t id = insert(*writer, encoded);
  transaction.commit();
  return id;
}

std::vector<LearningEvent> SqliteEpisodes::do_get_learning_events_by_task(
    std::string_view task_type, std::size_t limit, std::optional<double> min_performance_delta) {
  auto reader = database_.reader();
  Statement query = reader->prepare(
      "SELECT id, task_type, performance_delta, strategy_used, timestamp, parameters "
      "FROM learning_events WHERE task_type = ?1 "
      "AND (?2 IS NULL OR performance_delta >= ?2) "
      "ORDER BY timestamp DESC, id DESC LIMIT ?3",
      "listing learning events by task");
  query.bind_text(1, task_type);
  if (min_performance_delta) query.bind(2, *min_performance_delta);
  query.bind_limit(3, limit);
  return read_all(query, [&](const Statement& row) { return read_event(codec(), row); });
}

std::vector<StrategyScore> SqliteEpisodes::do_get_best_strategies(std::string_view task_type,
                                                                  std::size_t limit) {
  auto reader = database_.reader();
  Statement query = reader->prepare(
      "SELECT strategy_used, AVG(performance_delta) AS avg_delta, COUNT(*) AS count "
      "FROM learning_events WHERE task_type = ?1 AND performance_delta > 0 "
      "GROUP BY strategy_used ORDER BY avg_delta DESC, count DESC, strategy_used ASC "
      "LIMIT ?2",
      "ranking strategies");
  query.bind_text(1, task_type).bind_limit(2, limit);
  return read_all(query, [](const Statement& row) {
    return StrategyScore{row.text(0), row.real(1), row.int64(2)};
  });
}

EpisodeBatchIds SqliteEpisodes::do_store_batch(const EpisodeBatch& batch) {
  const auto episodes = encode_all(codec(), batch.episodes());
  const auto events = encode_all(codec(), batch.learning_events());
  EpisodeBatchIds ids;
  auto writer = database_.writer();
  Transaction transaction(*writer);
  for (const EncodedEpisode& episode : episodes) {
    ids.episode_ids.push_back(insert(*writer, episode));
  }
  for (const EncodedEvent& event : events) {
    ids.learning_event_ids.push_back(insert(*writer, event));
  }
  transaction.commit();
  keep_in_step(*writer, ids.episode_ids);
  return ids;
}

std::int64_t SqliteEpisodes::do_reserve_ids(IdKind kind, std::int64_t count) {
  if (kind == IdKind::kConcept) throw_foreign_id_kind(origin(), kind);
  auto writer = database_.writer();
  return reserve_id_block(*writer, origin(), kind, count);
}

Page<Episode> SqliteEpisodes::do_list_episodes(std::string_view cursor, std::size_t limit,
                                               Undecodable undecodable) {
  auto reader = database_.reader();
  return page_by_id(
      *reader, origin(), cursor, limit, undecodable,
      "SELECT id, timestamp, experience_data, performance_score, context_hash, metadata, "
      "experience_format FROM episodes WHERE id > ?1 ORDER BY id LIMIT ?2",
      "listing episodes", [&](const Statement& row) { return read_episode(codec(), row); });
}

Page<LearningEvent> SqliteEpisodes::do_list_learning_events(std::string_view cursor,
                                                            std::size_t limit,
                                                            Undecodable undecodable) {
  auto reader = database_.reader();
  return page_by_id(*reader, origin(), cursor, limit, undecodable,
                    "SELECT id, task_type, performance_delta, strategy_used, timestamp, "
                    "parameters FROM learning_events WHERE id > ?1 ORDER BY id LIMIT ?2",
                    "listing learning events",
                    [&](const Statement& row) { return read_event(codec(), row); });
}

std::int64_t SqliteEpisodes::insert(Connection& writer, const EncodedEpisode& episode) {
  const EpisodeView& record = *episode.record;
  const bool keep = id_is_free(writer, "SELECT 1 FROM episodes WHERE id = ?1", record.id);
  Statement statement = writer.prepare(
      "INSERT INTO episodes (id, timestamp, experience_data, performance_score, context_hash, "
      "metadata, experience_format) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
      "storing an episode");
  if (keep) statement.bind(1, record.id);
  // A JSON experience is TEXT, so the sqlite3 shell and Python's sqlite3
  // show it as a string; an array is a .npy BLOB.
  if (episode.experience.format == kFormatJson) {
    statement.bind_text(3, episode.experience.json);
  } else {
    statement.bind_blob(3, episode.experience.npy);
  }
  statement.bind(2, record.timestamp)
      .bind(4, record.performance_score)
      .bind_text(5, record.context_hash)
      .bind_text(6, episode.metadata)
      .bind_text(7, episode.experience.format)
      .run();
  return writer.last_insert_id();
}

std::int64_t SqliteEpisodes::insert(Connection& writer, const EncodedEvent& event) {
  const LearningEvent& record = *event.record;
  const bool keep = id_is_free(writer, "SELECT 1 FROM learning_events WHERE id = ?1", record.id);
  Statement statement = writer.prepare(
      "INSERT INTO learning_events (id, task_type, performance_delta, strategy_used, "
      "timestamp, parameters) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
      "storing a learning event");
  if (keep) statement.bind(1, record.id);
  statement.bind_text(2, record.task_type)
      .bind(3, record.performance_delta)
      .bind_text(4, record.strategy_used)
      .bind(5, record.timestamp)
      .bind_text(6, event.parameters)
      .run();
  return writer.last_insert_id();
}
}  // namespace engram::sqlite
