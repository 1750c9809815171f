// plugins/postgres/streamed_recall.h — the roles' tables read for recall:
// each row as the recall cache (engram/recall_cache.h) takes it, a scan of
// a whole table row by row (libpq's single-row mode, Connection::stream:
// never the table in one result), and recall past the cache's bound as
// such a scan scored by the core's kernel (engram/recall_kernel.h's
// RecallScan), so its hits are exactly those of the cache and of every
// other backend.
//
// A row whose bytes do not decode (CorruptData or NotSupported, as a
// listing with Undecodable::kSkip skips it) is an undecodable row, counted
// skipped by a recall, never its failure. Only episodes with an array
// experience are candidates.
//
// Errors: the connection's (pg_errors.h). Thread safety: the thread
// holding the connection.
#ifndef ENGRAM_PLUGINS_POSTGRES_STREAMED_RECALL_H_
#define ENGRAM_PLUGINS_POSTGRES_STREAMED_RECALL_H_

#include <cstddef>

#include "connection.h"
#include "engram/embedding_matrix.h"
#include "engram/recall.h"
#include "engram/recall_cache.h"
#include "engram/record_columns.h"

namespace engram::postgres {

using ConceptRow = RecallCache<ConceptColumns>::Row;
using EpisodeRow = RecallCache<EpisodeColumns>::Row;

// The SELECTs of the tables' rows for recall, in record_columns.h's column
// order; append a WHERE clause or nothing.
inline constexpr const char* kConceptRecallSelect =
    "SELECT id, name, embedding, creation_time, access_count, last_accessed, metadata "
    "FROM concepts ";
inline constexpr const char* kEpisodeRecallSelect =
    "SELECT id, timestamp, experience_data, performance_score, context_hash, metadata, "
    "experience_format FROM episodes ";

// A row of either is a cache row through engram/recall_rows.h
// (concept_recall_row, episode_recall_row).

// Feeds every row of the table to `sink` until it returns false, in one
// statement (in the caller's transaction, if any).
void scan_concepts(Connection& connection, const ColumnCodec& codec,
                   const RecallCache<ConceptColumns>::Sink& sink);
void scan_episodes(Connection& connection, const ColumnCodec& codec,
                   const RecallCache<EpisodeColumns>::Sink& sink);

// The k nearest `query` among the rows `filter` admits, by a scan of the
// table; skipped counts the undecodable rows too. REQUIRES: k >= 1.
EmbeddingMatrix<ConceptColumns>::Result stream_nearest(Connection& connection,
                                                       const ColumnCodec& codec,
                                                       const RecallQuery& query, std::size_t k,
                                                       const ConceptFilter& filter);
EmbeddingMatrix<EpisodeColumns>::Result stream_nearest(Connection& connection,
                                                       const ColumnCodec& codec,
                                                       const RecallQuery& query, std::size_t k,
                                                       const EpisodeFilter& filter);

}  // namespace engram::postgres

#endif  // ENGRAM_PLUGINS_POSTGRES_STREAMED_RECALL_H_
