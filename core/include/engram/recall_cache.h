// engram/recall_cache.h — for plugin authors: one role's embeddings held in
// memory for recall, for a backend whose records live in a database: the
// core's EmbeddingMatrix (engram/embedding_matrix.h) loaded from the table
// once, on the first recall, kept in step with the backend's own writes,
// and loaded again when the store changed otherwise.
//
// Staleness is told by a version the backend chooses: an opaque int64, the
// store's change version as of a load (sqlite: the writer connection's
// PRAGMA data_version; postgres: a sum of change counters). Before each
// recall the backend reads it and refresh() reloads when it is not the
// value the rows were loaded at. Writes the version does not show (sqlite's
// own commits leave data_version unchanged) must reach the cache another
// way: each such write path reads the rows it wrote back after its commit
// and apply()s them, still inside the ordering below, so the cache never
// holds a write that rolled back and two writes reach it in the order they
// committed.
//
// A load streams the rows (one query, one snapshot) into the matrix; once
// the matrix passes recall_cache_bytes the load stops, the matrix is
// emptied, and recalls stream the table until the version changes or
// drop() is called. A bound of 0 never caches. set_byte_bound() takes a
// new bound (the live option): the rows are let go and the next recall
// loads them within it. Rows whose bytes do not decode are counted by id
// and added to every recall's skipped count, as a streamed recall counts
// them.
//
// Errors: refresh() passes on what the load throws (the cache is then
// empty, loaded again by the next refresh); apply() never throws: on
// failure it drops the cache.
//
// Thread safety: readers shared, writers exclusive, under the cache's own
// shared mutex; search() never sees a half-applied change or a partial
// load. refresh(), loaded()-then-apply(), drop() and set_byte_bound()
// REQUIRE the backend's ordering: the backend serialises them with one lock
// of its own (sqlite: the database's writer lease), taken before the
// cache's mutex, never after, and reads the version for refresh() and the
// rows for apply() under that same lock.
#ifndef ENGRAM_RECALL_CACHE_H_
#define ENGRAM_RECALL_CACHE_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <unordered_set>
#include <utility>
#include <vector>

#include "engram/array.h"
#include "engram/embedding_matrix.h"
#include "engram/recall.h"

namespace engram {

template <class Columns>
class RecallCache {
 public:
  using Matrix = EmbeddingMatrix<Columns>;

  // A row as the table holds it now.
  struct Row {
    enum class State {
      kCandidate,    // embedding and columns hold its values
      kAbsent,       // no such row, or one that is no candidate (an episode without an array)
      kUndecodable,  // its bytes do not decode (CorruptData or NotSupported)
    };
    std::int64_t id = 0;
    State state = State::kAbsent;
    Array embedding;
    Columns columns;
  };
  // Takes one loaded row; false stops the load.
  using Sink = std::function<bool(Row&&)>;
  // Feeds every row of the table to the sink, until it returns false.
  using Load = std::function<void(const Sink&)>;

  explicit RecallCache(std::size_t byte_bound) : byte_bound_(byte_bound), matrix_(byte_bound) {}

  // False when recall_cache_bytes is 0: every recall streams.
  bool caching() const noexcept { return byte_bound_.load() > 0; }

  // Lets the rows go and takes `byte_bound` for the next load. REQUIRES:
  // the backend's ordering.
  void set_byte_bound(std::size_t byte_bound) {
    std::unique_lock lock(mutex_);
    byte_bound_ = byte_bound;
    matrix_ = Matrix(byte_bound);  // empty: nothing points into it
    clear_locked();
  }

  // Makes the cache hold the table as of `version` (the store's change
  // version, read under the same ordering): nothing to do when it was
  // loaded (or found over the bound) at that version, else a load through
  // `load`. REQUIRES: the backend's ordering.
  void refresh(std::int64_t version, const Load& load) {
    {
      std::shared_lock lock(mutex_);
      if (state_ != State::kEmpty && version_ == version) return;
    }
    std::unique_lock lock(mutex_);
    state_ = State::kEmpty;
    matrix_.clear();
    undecodable_.clear();
    bool over = false;
    try {
      load([&](Row&& row) {
        take(std::move(row));
        over = matrix_.over_bound();
        return !over;
      });
    } catch (...) {
      clear_locked();
      throw;
    }
    if (over) {
      matrix_.clear();
      undecodable_.clear();
    }
    state_ = over ? State::kOverBound : State::kLoaded;
    version_ = version;
  }

  // The search over the cached rows, with the undecodable rows counted
  // skipped; nullopt when the caller must stream instead (nothing loaded,
  // or the table is past the bound).
  std::optional<typename Matrix::Result> search(const RecallQuery& query, std::size_t k,
                                                const typename Matrix::Predicate& admits) const {
    std::shared_lock lock(mutex_);
    if (state_ != State::kLoaded) return std::nullopt;
    typename Matrix::Result result = matrix_.search(query, k, admits);
    result.skipped += static_cast<std::int64_t>(undecodable_.size());
    return result;
  }

  // Whether the backend's writes must be apply()d: the rows are loaded.
  // REQUIRES: the backend's ordering (which keeps the answer true until apply).
  bool loaded() const {
    std::shared_lock lock(mutex_);
    return state_ == State::kLoaded;
  }

  // Sets the rows read back after a commit, all at once; past the bound the
  // cache goes over bound. On failure the cache is dropped. REQUIRES: the
  // backend's ordering.
  void apply(std::vector<Row> rows) noexcept {
    std::unique_lock lock(mutex_);
    if (state_ != State::kLoaded) return;
    try {
      for (Row& row : rows) {
        matrix_.erase(row.id);
        undecodable_.erase(row.id);
        take(std::move(row));
      }
      if (matrix_.over_bound()) {
        matrix_.clear();
        undecodable_.clear();
        state_ = State::kOverBound;
      }
    } catch (...) {
      clear_locked();
    }
  }

  // Forgets the rows: the next refresh loads again (after a write that
  // changed rows wholesale). REQUIRES: the backend's ordering.
  void drop() noexcept {
    std::unique_lock lock(mutex_);
    clear_locked();
  }

 private:
  enum class State { kEmpty, kLoaded, kOverBound };

  // REQUIRES: mutex_ held alone.
  void take(Row&& row) {
    switch (row.state) {
      case Row::State::kCandidate:
        matrix_.upsert(row.id, row.embedding, std::move(row.columns));
        break;
      case Row::State::kUndecodable:
        undecodable_.insert(row.id);
        break;
      case Row::State::kAbsent:
        break;
    }
  }

  void clear_locked() noexcept {
    matrix_.clear();
    undecodable_.clear();
    state_ = State::kEmpty;
  }

  std::atomic<std::size_t> byte_bound_;
  mutable std::shared_mutex mutex_;
  State state_ = State::kEmpty;
  std::int64_t version_ = 0;  // the store's change version when loaded
  Matrix matrix_;
  std::unordered_set<std::int64_t> undecodable_;
};

// The two roles' caches, which maintenance drops together.
struct RecallCaches {
  explicit RecallCaches(std::size_t byte_bound) : concepts(byte_bound), episodes(byte_bound) {}
  RecallCache<ConceptColumns> concepts;
  RecallCache<EpisodeColumns> episodes;
  // REQUIRES: the backend's ordering.
  void drop() noexcept {
    concepts.drop();
    episodes.drop();
  }
  // REQUIRES: the backend's ordering.
  void set_byte_bound(std::size_t byte_bound) {
    concepts.set_byte_bound(byte_bound);
    episodes.set_byte_bound(byte_bound);
  }
};

}  // namespace engram

#endif  // ENGRAM_RECALL_CACHE_H_
