// plugins/postgres/cached_recall.cpp — semantic recall on PostgreSQL: the
// roles' nearest_* answer from their RecallCache (engram/recall_cache.h),
// refreshed first from the change counters (change_counters.h), or, when
// the cache does not hold the table (recall_cache_bytes 0 or passed), by a
// scan of it (streamed_recall.h); then the hits are read back by id. Also
// how the cache is loaded and how a write keeps it in step.
//
// Staleness (recall_cache.h's second ordering): a recall reads the version
// (one cheap query) under the cache's shared lock and reloads when it
// differs. A load runs in a REPEATABLE READ READ ONLY transaction: the
// version is read first, in the snapshot the rows are then streamed from,
// so rows and version always agree, whoever commits meanwhile. A write of
// this backend holds the cache's writing() from before its commit to its
// apply(), reads its rows back after the commit and apply()s them with the
// bumps it made, so the cache follows it without a reload; a load waits
// for such writes to be applied, so none counts twice.
//
// A row whose bytes do not decode is counted skipped, never fails a recall
// (streamed_recall.h). A hit deleted between the search and its read is
// left out.
//
// Thread safety: as the roles' (concepts.h, episodes.h) and the cache's.
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "change_counters.h"
#include "concepts.h"
#include "engram/recall_rows.h"
#include "episodes.h"
#include "streamed_recall.h"
#include "transaction.h"

namespace engram::postgres {
namespace {

// `ids` as an int8[] literal, for "= ANY($1::int8[])" (a text parameter).
std::string id_array(const std::vector<std::int64_t>& ids) {
  std::string text = "{";
  for (const std::int64_t id : ids) {
    if (text.size() > 1) text += ',';
    text += std::to_string(id);
  }
  return text + "}";
}

// Loads `cache`'s rows through `scan`, and their version, in one snapshot.
template <class Columns, class Scan>
std::int64_t load(Connection& connection, Counted counted,
                  const typename RecallCache<Columns>::Sink& sink, Scan scan) {
  Transaction transaction(connection, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
  const std::int64_t at = version(connection, counted);
  scan(connection, sink);
  transaction.commit();
  return at;
}

// Refreshes `cache` (loading through `scan`) and searches it; nullopt when
// the caller must scan the table instead.
template <class Columns, class Scan>
std::optional<typename EmbeddingMatrix<Columns>::Result> search_cache(
    Connection& connection, RecallCache<Columns>& cache, Counted counted, Scan scan,
    const RecallQuery& query, std::size_t k,
    const typename EmbeddingMatrix<Columns>::Predicate& admits) {
  if (!cache.caching()) return std::nullopt;
  cache.refresh([&] { return version(connection, counted); },
                [&](const typename RecallCache<Columns>::Sink& sink) {
                  return load<Columns>(connection, counted, sink, scan);
                });
  return cache.search(query, k, admits);
}

// Puts the rows `ids` into `cache` as `connection` reads them now (every
// row when the cache is loaded, none when it is over the bound), moving
// its version by `bumps`; drops the cache on any failure. REQUIRES: the
// cache's writing() held since before the write's commit; outside a
// transaction.
template <class Columns, class RowOf>
void read_back(RecallCache<Columns>& cache, Connection& connection, const char* select,
               const std::vector<std::int64_t>& ids, std::int64_t bumps, RowOf row_of) noexcept {
  using Row = typename RecallCache<Columns>::Row;
  try {
    std::vector<Row> rows;
    if (cache.loaded() && !ids.empty()) {
      const Result result =
          connection.run(std::string(select) + "WHERE id = ANY($1::text::int8[])",
                         Params().text(id_array(ids)), "reading records back for recall");
      std::unordered_map<std::int64_t, Row> found;
      for (int i = 0; i < result.rows(); ++i) {
        Row row = row_of(result.row(i));
        found.insert_or_assign(row.id, std::move(row));
      }
      rows.reserve(ids.size());
      for (const std::int64_t id : ids) {
        auto it = found.find(id);
        if (it == found.end()) {
          rows.emplace_back().id = id;  // kAbsent: gone, or never stored
        } else {
          rows.push_back(std::move(it->second));
          found.erase(it);  // an id twice in `ids` is applied once
        }
      }
    }
    cache.apply(std::move(rows), bumps);
  } catch (...) {
    cache.drop();
  }
}

}  // namespace

// ---------------------------------------------------------------- concepts

Recall<Concept> PgConcepts::do_nearest_concepts(const RecallQuery& query, std::size_t k,
                                                const ConceptRecallOptions& options, double now) {
  std::optional<EmbeddingMatrix<ConceptColumns>::Result> found;
  {
    auto connection = database_.lease();
    const auto scan = [&](Connection& c, const RecallCache<ConceptColumns>::Sink& sink) {
      scan_concepts(c, codec(), sink);
    };
    found = search_cache(*connection, cache_, Counted::kConcepts, scan, query, k,
                         recall_predicate<ConceptColumns>(options.filter));
    if (!found) found = stream_nearest(*connection, codec(), query, k, options.filter);
  }
  return recall_of_hits<Concept>(*found, [&](std::int64_t id) {
    std::optional<Concept> record = do_retrieve_concept(id);
    if (record && options.count_access) record = do_retrieve_concept_by_name(record->name, now);
    return record;
  });
}

void PgConcepts::keep_in_step(Connection& connection, const std::vector<std::int64_t>& ids,
                              std::int64_t bumps) noexcept {
  read_back(cache_, connection, kConceptRecallSelect, ids, bumps,
            [&](const ColumnRow& row) { return concept_recall_row(codec(), row); });
}

// ---------------------------------------------------------------- episodes

Recall<Episode> PgEpisodes::do_nearest_episodes(const RecallQuery& query, std::size_t k,
                                                const EpisodeRecallOptions& options) {
  std::optional<EmbeddingMatrix<EpisodeColumns>::Result> found;
  {
    auto connection = database_.lease();
    const auto scan = [&](Connection& c, const RecallCache<EpisodeColumns>::Sink& sink) {
      scan_episodes(c, codec(), sink);
    };
    found = search_cache(*connection, cache_, Counted::kEpisodes, scan, query, k,
                         recall_predicate<EpisodeColumns>(options.filter));
    if (!found) found = stream_nearest(*connection, codec(), query, k, options.filter);
  }
  return recall_of_hits<Episode>(*found, [&](std::int64_t id) { return do_retrieve_episode(id); });
}

void PgEpisodes::keep_in_step(Connection& connection, const std::vector<std::int64_t>& ids,
                              std::int64_t bumps) noexcept {
  read_back(cache_, connection, kEpisodeRecallSelect, ids, bumps,
            [&](const ColumnRow& row) { return episode_recall_row(codec(), row); });
}

}  // namespace engram::postgres
