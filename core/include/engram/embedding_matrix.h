// engram/embedding_matrix.h — the in-memory table a backend answers recalls
// from: stored embeddings as contiguous float32 rows, with their ids and the
// columns the recall filters read, searched exactly by the core's kernel
// (engram/recall_kernel.h).
//
// Rows are grouped by shape: all rows of one shape lie in one contiguous
// float32 block (row-major, one row per embedding, its norm beside it), so a
// query scans only the block of its own shape and counts the rest skipped.
// Embeddings of a dtype other than float16/32/64 are kept as ids and
// columns only, and are always skipped. Upserting an id replaces its row;
// erasing moves the block's last row into the hole, so blocks stay
// contiguous. Two instantiations: ConceptColumns and EpisodeColumns.
//
// The byte bound (`recall_cache_bytes`, default 1 GiB) is advisory: upsert
// never refuses, over_bound() tells the owner that the rows (4 × dims bytes
// each, plus norm, id and columns) exceed it and it should answer by
// streaming its records instead (RecallScan).
//
// Thread safety: const methods (search, size, ...) may run in several
// threads at once; upsert, erase, clear and mutable_columns need exclusive
// access — readers shared, writers exclusive, under the owner's lock.
// search() itself may run its scan on several threads, which only read.
#ifndef ENGRAM_EMBEDDING_MATRIX_H_
#define ENGRAM_EMBEDDING_MATRIX_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "engram/array.h"
#include "engram/export.h"
#include "engram/json.h"
#include "engram/recall.h"
#include "engram/recall_kernel.h"

namespace engram {

// What a concept recall's filter reads (ConceptFilter::admits).
struct ENGRAM_API ConceptColumns {
  std::string name;
  double creation_time = 0.0;
  double last_accessed = 0.0;
  Json metadata = Json::object();
  bool passes(const ConceptFilter& filter) const {
    return filter.admits(name, creation_time, last_accessed, metadata);
  }
};

// What an episode recall's filter reads (EpisodeFilter::admits).
struct ENGRAM_API EpisodeColumns {
  std::string context_hash;
  double performance_score = 0.0;
  double timestamp = 0.0;
  bool passes(const EpisodeFilter& filter) const {
    return filter.admits(context_hash, performance_score, timestamp);
  }
};

inline constexpr std::size_t kDefaultRecallCacheBytes = std::size_t{1} << 30;
// A scan splits into threads only when each gets at least this many rows.
inline constexpr std::size_t kMinRowsPerRecallThread = 16384;

template <class Columns>
class ENGRAM_API EmbeddingMatrix {
 public:
  // Admits a row by its columns; an empty function admits every row. Called
  // from several threads at once during one search.
  using Predicate = std::function<bool(const Columns&)>;

  struct Result {
    std::vector<ScoredId> best;  // best first, ties to the lower id
    std::int64_t skipped = 0;    // as Recall::skipped, among admitted rows
  };

  explicit EmbeddingMatrix(std::size_t byte_bound = kDefaultRecallCacheBytes)
      : byte_bound_(byte_bound) {}

  // Stores `embedding` (converted to float32) and `columns` as row `id`,
  // replacing any row of that id.
  void upsert(std::int64_t id, ArrayView embedding, Columns columns);
  // Row `id`'s columns, to change in place (e.g. an access time); null if
  // there is no such row.
  Columns* mutable_columns(std::int64_t id);
  const Columns* columns(std::int64_t id) const;
  // Removes row `id`; false if there was none.
  bool erase(std::int64_t id);
  void clear() noexcept;

  std::size_t size() const noexcept { return where_.size(); }
  // Bytes the rows hold: floats, norms, ids and the columns' fixed part.
  std::size_t bytes() const noexcept;
  std::size_t byte_bound() const noexcept { return byte_bound_; }
  bool over_bound() const noexcept { return bytes() > byte_bound_; }

  // The k rows nearest `query` among those `admits` lets through, scanning
  // the query's block on up to `max_threads` threads, each taking at least
  // kMinRowsPerRecallThread rows. max_threads 0 means the environment
  // variable ENGRAM_RECALL_THREADS when it holds a positive integer (read
  // at each search: how a host, or the benchmark, caps the threads of the
  // plugins' recalls), else the hardware's count. Scores and order do not
  // depend on the thread count. REQUIRES: k >= 1.
  Result search(const RecallQuery& query, std::size_t k, const Predicate& admits,
                unsigned max_threads = 0) const;

 private:
  struct Block {
    std::size_t dims = 0;      // floats per row (0 for unscorable rows)
    std::vector<float> data;   // rows × dims
    std::vector<float> norms;  // per row, recall_norm
    std::vector<std::int64_t> ids;
    std::vector<Columns> columns;
  };
  // (scorable: a float dtype, shape); unscorable rows keep no floats.
  using Key = std::pair<bool, Shape>;
  using Blocks = std::map<Key, Block>;
  struct Location {
    typename Blocks::iterator block;
    std::size_t row = 0;
  };

  std::size_t byte_bound_;
  Blocks blocks_;
  std::unordered_map<std::int64_t, Location> where_;
  std::size_t floats_ = 0;  // Σ data sizes
  std::vector<float> scratch_;
};

extern template class EmbeddingMatrix<ConceptColumns>;
extern template class EmbeddingMatrix<EpisodeColumns>;

}  // namespace engram

#endif  // ENGRAM_EMBEDDING_MATRIX_H_
