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
// value the rows were loaded at. The backend's own writes reach the cache
// without a reload: each write path reads the rows it wrote back after its
// commit and apply()s them, still inside the ordering below, so the cache
// never holds a write that rolled back and two writes reach it in the order
// they committed. A write the version shows (postgres counts its own
// writes as everyone's) also moves the cache's version by what it added to
// the store's (apply's version_step); one it does not show (sqlite's own
// commits leave data_version unchanged) passes no step.
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
// The cache is never wrongly fresh: its version is always the sum of
// version steps of changes it holds (a load's snapshot counts as the
// changes it saw), so an equal version read after those changes committed
// means it holds every change committed. Two ways to keep that:
// - one lock of the backend's own orders every refresh, write-and-apply,
//   drop and set_byte_bound (sqlite: the writer lease), taken before the
//   cache's mutex, never after; the version for refresh(version, load) and
//   the rows for apply() are read under it.
// - (postgres: any number of writers and refreshing threads) each write
//   that will apply() with a step holds writing() from before its commit
//   until its apply(), and recalls call refresh(read_version, load): the
//   fast check reads the version under the cache's shared lock, so no
//   apply() lands between that read and the comparison (one would count a
//   change committed after the read and could match a foreign change the
//   cache lacks); a load waits for every write between commit and apply()
//   to finish, so no write its snapshot saw adds its step again afterwards,
//   and reads the version in its own snapshot, so a foreign commit between
//   the fast check and the load is either loaded and counted or neither.
//   Writes that commit after the load's snapshot apply() after it (the
//   cache's mutex is held throughout the load) and step from it exactly.
// A write skipped while nothing is loaded moves nothing; the next refresh
// loads. Anything that leaves the version short only costs a reload.
//
// Errors: refresh() passes on what the load (or read_version) throws (the
// cache is then empty, loaded again by the next refresh); apply() never
// throws: on failure it drops the cache.
//
// Thread safety: readers shared, writers exclusive, under the cache's own
// shared mutex; search() never sees a half-applied change or a partial
// load. refresh(version, load), loaded()-then-apply(), drop() and
// set_byte_bound() REQUIRE one of the orderings above. Lock order: the
// backend's lock, then writing() (or refresh's wait for writes), then the
// cache's mutex.
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
  // The store's change version now.
  using ReadVersion = std::function<std::int64_t()>;
  // Feeds every row of one snapshot to the sink, until it returns false,
  // and returns the store's change version in that same snapshot.
  using SnapshotLoad = std::function<std::int64_t(const Sink&)>;

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
    if (at(version)) return;
    std::unique_lock lock(mutex_);
    if (at_locked(version)) return;
    load_locked([&](const Sink& sink) {
      load(sink);
      return version;
    });
  }

  // Makes the cache hold the table as of now, for a backend whose writes
  // hold writing() (above): nothing to do when `read_version()`, read
  // under the cache's shared lock, is the version it stands at; else,
  // once no write is between its commit and its apply() (new ones wait),
  // the version is read again and, when it still differs, the rows and
  // their version loaded through `load`. Several threads may refresh at
  // once: one loads, the others find its version.
  void refresh(const ReadVersion& read_version, const SnapshotLoad& load) {
    {
      std::shared_lock lock(mutex_);
      if (at_locked(read_version())) return;
    }
    std::unique_lock writes(writes_);
    std::unique_lock lock(mutex_);
    if (at_locked(read_version())) return;
    load_locked(load);
  }

  // Held by a write whose apply() will pass a version step, from before its
  // transaction commits until its apply() returns (or it fails): a
  // refresh(read_version, load) does not load meanwhile. Shared: writes
  // never wait for each other here.
  [[nodiscard]] std::shared_lock<std::shared_mutex> writing() const {
    return std::shared_lock(writes_);
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

  // Whether the backend's writes must read their rows back for apply(): the
  // rows are loaded. REQUIRES: the backend's ordering (which keeps the
  // answer true until apply); under writing() alone it is a hint (a load
  // may land or the cache go over bound before apply(), which then does
  // the right thing with the rows or without them).
  bool loaded() const {
    std::shared_lock lock(mutex_);
    return state_ == State::kLoaded;
  }

  // Sets the rows read back after a commit, all at once, and moves the
  // cache's version by `version_step`, what the write added to the store's
  // version (0 when the version does not show the backend's own writes);
  // past the bound the cache goes over bound. Over the bound, only the
  // version moves (`rows` may be empty: none are kept); with nothing
  // loaded, nothing changes. On failure the cache is dropped. REQUIRES: the
  // backend's ordering, or writing() held since before the commit.
  void apply(std::vector<Row> rows, std::int64_t version_step = 0) noexcept {
    std::unique_lock lock(mutex_);
    if (state_ == State::kOverBound) version_ += version_step;
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
      version_ += version_step;
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

  // Whether the rows stand at `version` (loaded or over the bound).
  bool at(std::int64_t version) const {
    std::shared_lock lock(mutex_);
    return at_locked(version);
  }
  // REQUIRES: mutex_ held.
  bool at_locked(std::int64_t version) const noexcept {
    return state_ != State::kEmpty && version_ == version;
  }

  // Loads the rows `load` feeds, at the version it returns. REQUIRES:
  // mutex_ held alone.
  void load_locked(const SnapshotLoad& load) {
    state_ = State::kEmpty;
    matrix_.clear();
    undecodable_.clear();
    bool over = false;
    std::int64_t version = 0;
    try {
      version = load([&](Row&& row) {
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
  // Held shared by writes between their commit and their apply(), alone by
  // a refresh(read_version, load) about to load (writing()).
  mutable std::shared_mutex writes_;
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
