// engram/recall_rows.h — for plugin authors: a stored row as a recall
// cache's row (engram/recall_cache.h), and a role's recall filter as the
// matrix's predicate. An SQL backend's loads and scans read their rows
// through these, so every backend makes the same candidates of the same
// records:
//
//   cache.refresh(version, [&](const auto& sink) {
//     for (each row of "SELECT id, name, embedding, ... FROM concepts")
//       if (!sink(engram::concept_recall_row(codec, row))) break;
//   });
//
// A concept is a candidate by its embedding, with its name, times and
// metadata as the filter's columns; an episode is one when its experience
// is an array (a JSON experience is no candidate: State::kAbsent). A row
// whose bytes do not decode (CorruptData or NotSupported from
// record_columns.h's readers) is State::kUndecodable, named by its id
// (column 0), so recalls count it skipped; other errors pass on.
//
// Then the hits of a search become a Recall by reading their records back
// (recall_of_hits).
//
// Thread safety: stateless.
#ifndef ENGRAM_RECALL_ROWS_H_
#define ENGRAM_RECALL_ROWS_H_

#include <optional>
#include <utility>

#include "engram/embedding_matrix.h"
#include "engram/export.h"
#include "engram/recall.h"
#include "engram/recall_cache.h"
#include "engram/record_columns.h"

namespace engram {

// A row of read_concept's columns (record_columns.h) as a cache row.
ENGRAM_API RecallCache<ConceptColumns>::Row concept_recall_row(const ColumnCodec& codec,
                                                               const ColumnRow& row);

// A row of read_episode's columns as a cache row.
ENGRAM_API RecallCache<EpisodeColumns>::Row episode_recall_row(const ColumnCodec& codec,
                                                               const ColumnRow& row);

// The predicate admitting the rows `filter` passes (Columns::passes);
// empty — admit all — for an empty filter. REQUIRES: `filter` outlives the
// predicate.
template <class Columns, class Filter>
typename EmbeddingMatrix<Columns>::Predicate recall_predicate(const Filter& filter) {
  if (filter.empty()) return {};
  return [&filter](const Columns& columns) { return columns.passes(filter); };
}

// The recall of a search's hits (`found`: EmbeddingMatrix<...>::Result),
// each record read back by `read(id)` — an optional record; a hit gone
// since the search is left out — in the search's order, with its skipped
// count.
template <class Record, class Found, class Read>
Recall<Record> recall_of_hits(const Found& found, Read read) {
  Recall<Record> recall;
  recall.skipped = found.skipped;
  for (const ScoredId& hit : found.best) {
    std::optional<Record> record = read(hit.id);
    if (record) recall.hits.push_back({std::move(*record), hit.score});
  }
  return recall;
}

}  // namespace engram

#endif  // ENGRAM_RECALL_ROWS_H_
