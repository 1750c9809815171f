// plugins/sqlite/streamed_recall.cpp — semantic recall on SQLite without
// the cache: a scan through the role's own listing, for a table past
// recall_cache_bytes (or a bound of 0). Every record is read page by page,
// in bounded memory, filtered, and scored with the core's kernel
// (engram/recall_kernel.h's RecallScan), so the results are exactly those
// of the cache and of every other backend; records that do not decode are
// counted skipped. Pages are separate reads: a write between two pages may
// or may not be seen.
//
// Thread safety: as the listing's (concepts.h, episodes.h).
#include <cstdint>
#include <string>
#include <utility>
#include <variant>

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

EmbeddingMatrix<ConceptColumns>::Result SqliteConcepts::stream_nearest(
    const RecallQuery& query, std::size_t k, const ConceptFilter& filter) {
  RecallScan scan(query, k);
  std::int64_t undecodable = 0;
  stream<Concept>(
      undecodable,
      [&](std::string_view cursor, std::size_t limit) {
        return do_list_concepts(cursor, limit, Undecodable::kSkip);
      },
      [&](const Concept& c) {
        if (filter.admits(c.name, c.creation_time, c.last_accessed, c.metadata)) {
          scan.offer(c.id, c.embedding);
        }
      });
  return {scan.best(), scan.skipped() + undecodable};
}

EmbeddingMatrix<EpisodeColumns>::Result SqliteEpisodes::stream_nearest(
    const RecallQuery& query, std::size_t k, const EpisodeFilter& filter) {
  RecallScan scan(query, k);
  std::int64_t undecodable = 0;
  stream<Episode>(
      undecodable,
      [&](std::string_view cursor, std::size_t limit) {
        return do_list_episodes(cursor, limit, Undecodable::kSkip);
      },
      [&](const Episode& e) {
        const auto* array = std::get_if<Array>(&e.experience_data);
        if (array != nullptr && filter.admits(e.context_hash, e.performance_score, e.timestamp)) {
          scan.offer(e.id, *array);
        }
      });
  return {scan.best(), scan.skipped() + undecodable};
}

}  // namespace engram::sqlite
