// plugins/sqlite/streamed_recall.cpp — semantic recall on SQLite, first
// step: a brute-force scan through the role's own listing. Every record is
// read page by page, filtered, and scored with the core's kernel
// (engram/recall_kernel.h's RecallScan), so the results are exactly those
// of every other backend; the hits are then read back by id.
//
// TEMPORARY (issue 17): the next step keeps the embeddings in the core's
// EmbeddingMatrix (engram/embedding_matrix.h), loaded once, kept in step
// with this process's writes and refreshed when PRAGMA data_version changes,
// streaming as here only past recall_cache_bytes. Until then a recall reads
// the whole table, and pages are separate reads: a write between two pages
// may or may not be seen.
//
// Thread safety: as the listing's (concepts.h, episodes.h).
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "concepts.h"
#include "engram/recall_kernel.h"
#include "episodes.h"

namespace engram::sqlite {
namespace {

// Records per listing page while scanning.
constexpr std::size_t kScanPage = 512;

// Feeds every record `list` pages through to `offer`; counts in
// `undecodable` the records that do not decode.
template <class Record, class List, class Offer>
void stream(std::int64_t& undecodable, List list, Offer offer) {
  std::string cursor;
  do {
    Page<Record> page = list(cursor, kScanPage);
    for (const Record& record : page.items) offer(record);
    undecodable += static_cast<std::int64_t>(page.skipped.size());
    cursor = std::move(page.next_cursor);
  } while (!cursor.empty());
}

}  // namespace

Recall<Concept> SqliteConcepts::do_nearest_concepts(const RecallQuery& query, std::size_t k,
                                                    const ConceptRecallOptions& options,
                                                    double now) {
  RecallScan scan(query, k);
  std::int64_t undecodable = 0;
  stream<Concept>(
      undecodable,
      [&](std::string_view cursor, std::size_t limit) {
        return do_list_concepts(cursor, limit, Undecodable::kSkip);
      },
      [&](const Concept& c) {
        if (options.filter.admits(c.name, c.creation_time, c.last_accessed, c.metadata)) {
          scan.offer(c.id, c.embedding);
        }
      });
  Recall<Concept> recall;
  recall.skipped = scan.skipped() + undecodable;
  for (const ScoredId& hit : scan.best()) {
    std::optional<Concept> record = do_retrieve_concept(hit.id);
    if (record && options.count_access) {
      record = do_retrieve_concept_by_name(record->name, now);
    }
    if (record) recall.hits.push_back({std::move(*record), hit.score});
  }
  return recall;
}

Recall<Episode> SqliteEpisodes::do_nearest_episodes(const RecallQuery& query, std::size_t k,
                                                    const EpisodeRecallOptions& options) {
  RecallScan scan(query, k);
  std::int64_t undecodable = 0;
  stream<Episode>(
      undecodable,
      [&](std::string_view cursor, std::size_t limit) {
        return do_list_episodes(cursor, limit, Undecodable::kSkip);
      },
      [&](const Episode& e) {
        const auto* array = std::get_if<Array>(&e.experience_data);
        if (array != nullptr &&
            options.filter.admits(e.context_hash, e.performance_score, e.timestamp)) {
          scan.offer(e.id, *array);
        }
      });
  Recall<Episode> recall;
  recall.skipped = scan.skipped() + undecodable;
  for (const ScoredId& hit : scan.best()) {
    std::optional<Episode> record = do_retrieve_episode(hit.id);
    if (record) recall.hits.push_back({std::move(*record), hit.score});
  }
  return recall;
}

}  // namespace engram::sqlite
