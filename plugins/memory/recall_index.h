// plugins/memory/recall_index.h — one role's embeddings held for recall:
// the core's EmbeddingMatrix (engram/embedding_matrix.h) beside the
// records while it fits recall_cache_bytes; once a store takes it past the
// bound (or with a bound of 0) the matrix is let go and a recall scores the
// records themselves, one at a time, with RecallScan
// (engram/recall_kernel.h) — slower, no second copy of the embeddings, the
// same scores, order and skipped count. Records here are never deleted one
// by one, so a matrix let go comes back only with clear() or rebuild()
// (recall_cache_bytes is live).
//
// Thread safety: as the records': the caller holds the backend's lock,
// shared for search, alone for the rest (shared_state.h).
#ifndef ENGRAM_PLUGINS_MEMORY_RECALL_INDEX_H_
#define ENGRAM_PLUGINS_MEMORY_RECALL_INDEX_H_

#include <cstddef>
#include <cstdint>
#include <utility>

#include "engram/array.h"
#include "engram/embedding_matrix.h"
#include "engram/recall.h"
#include "engram/recall_kernel.h"

namespace engram::memory {

template <class Columns>
class RecallIndex {
 public:
  using Matrix = EmbeddingMatrix<Columns>;

  explicit RecallIndex(std::size_t byte_bound) : matrix_(byte_bound), kept_(byte_bound > 0) {}

  // Whether the matrix holds every embedding (else recalls scan).
  bool kept() const noexcept { return kept_; }

  // (Re)places record `id`'s row, or lets the matrix go past the bound.
  void upsert(std::int64_t id, ArrayView embedding, Columns columns) {
    if (!kept_) return;
    matrix_.upsert(id, embedding, std::move(columns));
    if (matrix_.over_bound()) {
      matrix_.clear();
      kept_ = false;
    }
  }

  // Row `id`'s columns to change in place; null when the matrix is not kept.
  Columns* mutable_columns(std::int64_t id) {
    return kept_ ? matrix_.mutable_columns(id) : nullptr;
  }

  // Takes `byte_bound` and fills the matrix again from `for_each_row`, which
  // calls its argument with (id, embedding, columns) for every record. If
  // that throws, the matrix is let go (recalls scan) and the error passed on.
  template <class ForEachRow>
  void rebuild(std::size_t byte_bound, ForEachRow for_each_row) {
    matrix_ = Matrix(byte_bound);  // empty: nothing points into it
    kept_ = byte_bound > 0;
    try {
      for_each_row([this](std::int64_t id, ArrayView embedding, Columns columns) {
        upsert(id, embedding, std::move(columns));
      });
    } catch (...) {
      matrix_.clear();
      kept_ = false;
      throw;
    }
  }

  // Empties the matrix and keeps it again (when the bound is not 0).
  void clear() noexcept {
    matrix_.clear();
    kept_ = matrix_.byte_bound() > 0;
  }

  // The k nearest: from the matrix, or when it is not kept by `offer_all`,
  // which offers every record the filter admits to the RecallScan it gets.
  template <class OfferAll>
  typename Matrix::Result search(const RecallQuery& query, std::size_t k,
                                 const typename Matrix::Predicate& admits,
                                 OfferAll offer_all) const {
    if (kept_) return matrix_.search(query, k, admits);
    RecallScan scan(query, k);
    offer_all(scan);
    return {scan.best(), scan.skipped()};
  }

 private:
  Matrix matrix_;
  bool kept_;
};

}  // namespace engram::memory

#endif  // ENGRAM_PLUGINS_MEMORY_RECALL_INDEX_H_
