#include "streamed_recall.h"

#include <cstdint>
#include <string>
#include <utility>
#include <variant>

#include "engram/errors.h"
#include "engram/recall_kernel.h"
#include "engram/recall_rows.h"

namespace engram::postgres {
namespace {

// Feeds every row of `select` to `sink`, made rows by `row_of`, until the
// sink returns false.
template <class Row, class RowOf>
void scan(Connection& connection, const char* select, std::string_view doing, RowOf row_of,
          const std::function<bool(Row&&)>& sink) {
  connection.stream(select, Params(), doing,
                    [&](const Result::Row& row) { return sink(row_of(row)); });
}

// A scan of `select`'s rows scored by RecallScan: the candidates `admits`
// lets through are offered, undecodable rows counted.
template <class Columns, class RowOf, class Admits>
typename EmbeddingMatrix<Columns>::Result scan_nearest(Connection& connection, const char* select,
                                                       RowOf row_of, const RecallQuery& query,
                                                       std::size_t k, Admits admits) {
  RecallScan scan(query, k);
  std::int64_t undecodable = 0;
  connection.stream(select, Params(), "scanning for recall", [&](const Result::Row& row) {
    auto cached = row_of(row);
    using State = typename RecallCache<Columns>::Row::State;
    if (cached.state == State::kUndecodable) {
      ++undecodable;
    } else if (cached.state == State::kCandidate && admits(cached.columns)) {
      scan.offer(cached.id, cached.embedding);
    }
    return true;
  });
  return {scan.best(), scan.skipped() + undecodable};
}

}  // namespace

void scan_concepts(Connection& connection, const ColumnCodec& codec,
                   const RecallCache<ConceptColumns>::Sink& sink) {
  scan<ConceptRow>(
      connection, kConceptRecallSelect, "loading concepts for recall",
      [&](const ColumnRow& row) { return concept_recall_row(codec, row); }, sink);
}

void scan_episodes(Connection& connection, const ColumnCodec& codec,
                   const RecallCache<EpisodeColumns>::Sink& sink) {
  scan<EpisodeRow>(
      connection, kEpisodeRecallSelect, "loading episodes for recall",
      [&](const ColumnRow& row) { return episode_recall_row(codec, row); }, sink);
}

EmbeddingMatrix<ConceptColumns>::Result stream_nearest(Connection& connection,
                                                       const ColumnCodec& codec,
                                                       const RecallQuery& query, std::size_t k,
                                                       const ConceptFilter& filter) {
  return scan_nearest<ConceptColumns>(
      connection, kConceptRecallSelect,
      [&](const ColumnRow& row) { return concept_recall_row(codec, row); }, query, k,
      [&](const ConceptColumns& c) { return c.passes(filter); });
}

EmbeddingMatrix<EpisodeColumns>::Result stream_nearest(Connection& connection,
                                                       const ColumnCodec& codec,
                                                       const RecallQuery& query, std::size_t k,
                                                       const EpisodeFilter& filter) {
  return scan_nearest<EpisodeColumns>(
      connection, kEpisodeRecallSelect,
      [&](const ColumnRow& row) { return episode_recall_row(codec, row); }, query, k,
      [&](const EpisodeColumns& e) { return e.passes(filter); });
}

}  // namespace engram::postgres
