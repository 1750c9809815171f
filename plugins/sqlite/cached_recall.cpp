// plugins/sqlite/cached_recall.cpp — semantic recall on SQLite: the roles'
// nearest_* answer from their RecallCache (engram/recall_cache.h) —
// refreshed first under the writer lease, from the writer's PRAGMA
// data_version — or, when the cache does not hold the table
// (recall_cache_bytes 0 or passed), by streaming it (streamed_recall.cpp);
// then the hits are read back by id.
// Also how the cache is loaded (one statement over the table on the
// writer, so no write of this backend interleaves) and how a write keeps
// it in step (its rows read back after the commit).
//
// The cache's version is the writer connection's PRAGMA data_version, which
// changes only when another connection (another process, or another
// backend on the same file) commits. This backend's own commits leave it
// unchanged, so each write path reads the rows it wrote back after its
// commit (keep_in_step) and apply()s them, still holding the writer. The
// writer lease is the ordering the cache REQUIRES: every refresh, apply,
// drop and set_byte_bound runs under it (taken before the cache's mutex).
//
// A row whose bytes do not decode (CorruptData or NotSupported, as a
// listing with Undecodable::kSkip skips it) is counted skipped, never
// fails a recall. A hit deleted between the search and its read is left
// out.
//
// Thread safety: as the roles' (concepts.h, episodes.h) and the cache's.
#include <cstdint>
#include <optional>
#include <utility>
#include <variant>
#include <vector>

#include "concepts.h"
#include "connection.h"
#include "engram/errors.h"
#include "engram/recall_rows.h"
#include "episodes.h"
#include "statement.h"

namespace engram::sqlite {
namespace {

// The connection's PRAGMA data_version: a value that changes when another
// connection commits to the database. Throws as Statement does.
std::int64_t data_version(Connection& connection) {
  Statement pragma = connection.prepare("PRAGMA data_version", "reading the data version");
  pragma.step();
  return pragma.int64(0);
}

// The rows `ids` as `writer` reads them now, into `cache` (if it is loaded);
// on any failure the cache is dropped. REQUIRES: the writer.
template <class Columns, class RowOf>
void read_back(RecallCache<Columns>& cache, Connection& writer, std::string_view select,
               const std::vector<std::int64_t>& ids, RowOf row_of_statement) noexcept {
  try {
    if (!cache.loaded()) return;
    std::vector<typename RecallCache<Columns>::Row> rows;
    rows.reserve(ids.size());
    for (const std::int64_t id : ids) {
      Statement query = writer.prepare(select, "reading a record back for recall");
      query.bind(1, id);
      if (query.step()) {
        rows.push_back(row_of_statement(query));
      } else {
        rows.emplace_back().id = id;  // kAbsent
      }
    }
    cache.apply(std::move(rows));
  } catch (...) {
    cache.drop();
  }
}

// Refreshes `cache` from the writer's data version, loading with `load`,
// and searches it; nullopt when the caller must stream.
template <class Columns, class Load>
std::optional<typename EmbeddingMatrix<Columns>::Result> search_cache(
    Database& database, RecallCache<Columns>& cache, Load load, const RecallQuery& query,
    std::size_t k, const typename EmbeddingMatrix<Columns>::Predicate& admits) {
  if (!cache.caching()) return std::nullopt;
  {
    auto writer = database.writer();
    cache.refresh(data_version(*writer),
                  [&](const typename RecallCache<Columns>::Sink& sink) { load(*writer, sink); });
  }
  return cache.search(query, k, admits);
}

constexpr std::string_view kConceptById =
    "SELECT id, name, embedding, creation_time, access_count, last_accessed, metadata "
    "FROM concepts WHERE id = ?1";
constexpr std::string_view kEpisodeById =
    "SELECT id, timestamp, experience_data, performance_score, context_hash, metadata, "
    "experience_format FROM episodes WHERE id = ?1";

}  // namespace

// ---------------------------------------------------------------- concepts

Recall<Concept> SqliteConcepts::do_nearest_concepts(const RecallQuery& query, std::size_t k,
                                                    const ConceptRecallOptions& options,
                                                    double now) {
  auto found = search_cache(
      database_, cache_, [&](Connection& writer, const auto& sink) { load(writer, sink); }, query,
      k, recall_predicate<ConceptColumns>(options.filter));
  if (!found) found = stream_nearest(query, k, options.filter);
  return recall_of_hits<Concept>(*found, [&](std::int64_t id) {
    std::optional<Concept> record = do_retrieve_concept(id);
    if (record && options.count_access) record = do_retrieve_concept_by_name(record->name, now);
    return record;
  });
}

void SqliteConcepts::load(Connection& writer, const RecallCache<ConceptColumns>::Sink& sink) {
  Statement all = writer.prepare(
      "SELECT id, name, embedding, creation_time, access_count, last_accessed, metadata "
      "FROM concepts ORDER BY id",
      "loading concepts for recall");
  while (all.step()) {
    if (!sink(concept_recall_row(codec(), all))) return;
  }
}

void SqliteConcepts::keep_in_step(Connection& writer,
                                  const std::vector<std::int64_t>& ids) noexcept {
  read_back(cache_, writer, kConceptById, ids,
            [&](const Statement& row) { return concept_recall_row(codec(), row); });
}

// ---------------------------------------------------------------- episodes

Recall<Episode> SqliteEpisodes::do_nearest_episodes(const RecallQuery& query, std::size_t k,
                                                    const EpisodeRecallOptions& options) {
  auto found = search_cache(
      database_, cache_, [&](Connection& writer, const auto& sink) { load(writer, sink); }, query,
      k, recall_predicate<EpisodeColumns>(options.filter));
  if (!found) found = stream_nearest(query, k, options.filter);
  return recall_of_hits<Episode>(*found, [&](std::int64_t id) { return do_retrieve_episode(id); });
}

void SqliteEpisodes::load(Connection& writer, const RecallCache<EpisodeColumns>::Sink& sink) {
  Statement all = writer.prepare(
      "SELECT id, timestamp, experience_data, performance_score, context_hash, metadata, "
      "experience_format FROM episodes ORDER BY id",
      "loading episodes for recall");
  while (all.step()) {
    if (!sink(episode_recall_row(codec(), all))) return;
  }
}

void SqliteEpisodes::keep_in_step(Connection& writer,
                                  const std::vector<std::int64_t>& ids) noexcept {
  read_back(cache_, writer, kEpisodeById, ids,
            [&](const Statement& row) { return episode_recall_row(codec(), row); });
}

}  // namespace engram::sqlite
