// engram/working_memory.h — the working-memory role (YAML key
// `working_memory`): short-lived patterns, a spike-train cache and attention
// weights, each kept for a time to live (the seed's RedisStorage).
//
// TTLs are options of every working-memory backend, with the seed's values
// as defaults: `pattern_ttl` 3600 s, `attention_ttl` 600 s, `spike_ttl` 300 s
// (the TTL of cache_spike_train when its `ttl` is nullopt). An expired record
// is invisible at once.
//
// Ids: pattern hashes and attention contexts must be valid ids (engram/ids.h);
// a malformed one is InvalidArgument on store and on retrieve, a well-formed
// one that is not there is nullopt. Timestamps are seconds since the Unix
// epoch and must be finite. Metadata must be a JSON object of finite numbers.
//
// Thread safety: every method may be called from several threads at once.
// Every method throws StorageError("closed") after the backend was closed,
// and ConnectionError / BackendError when the backend fails.
//
// Backends implement the private do_* functions; the public ones validate
// their arguments first, so every backend checks the same way.
#ifndef ENGRAM_WORKING_MEMORY_H_
#define ENGRAM_WORKING_MEMORY_H_

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engram/array.h"
#include "engram/clock.h"
#include "engram/export.h"
#include "engram/json.h"
#include "engram/maintenance.h"
#include "engram/page.h"

namespace engram {

namespace detail {
struct RoleAccess;
}

// A working-memory pattern. As a store (batch put): `ttl` nullopt means the
// backend's pattern_ttl. As returned: `ttl` is the time it has left (nullopt
// if it never expires), `last_accessed` the time of the last
// update_working_memory_access (nullopt if none). The view a store hands
// the backend borrows the caller's pattern and metadata (JsonRef) for the
// call: a backend that keeps them copies them (engram/owned_records.h).
template <class ArrayT, class JsonT = Json>
struct BasicWorkingMemoryPattern {
  std::string pattern_hash;
  ArrayT pattern;
  double timestamp = 0.0;
  JsonT metadata = empty_json_object();
  std::optional<double> last_accessed;
  std::optional<std::chrono::milliseconds> ttl;
};
using WorkingMemoryPattern = BasicWorkingMemoryPattern<Array>;
using WorkingMemoryPatternView = BasicWorkingMemoryPattern<ArrayView, JsonRef>;

// A cached spike train, keyed by the timestamp it was cached with. Several
// trains may share a timestamp: all are kept. `ttl` as above (spike_ttl).
template <class ArrayT>
struct BasicCachedSpikeTrain {
  double timestamp = 0.0;
  ArrayT spike_data;
  std::vector<std::int64_t> neuron_ids;
  std::optional<std::chrono::milliseconds> ttl;
};
using CachedSpikeTrain = BasicCachedSpikeTrain<Array>;
using CachedSpikeTrainView = BasicCachedSpikeTrain<ArrayView>;

// Attention weights for a context. `ttl` as above (attention_ttl).
template <class ArrayT>
struct BasicAttentionWeights {
  std::string context;
  ArrayT weights;
  double timestamp = 0.0;
  std::optional<std::chrono::milliseconds> ttl;
};
using AttentionWeights = BasicAttentionWeights<Array>;
using AttentionWeightsView = BasicAttentionWeights<ArrayView>;

// Many working-memory stores applied at once by WorkingMemory::store_batch,
// all or nothing. Arrays are borrowed: the caller keeps them alive until
// store_batch returns; metadata is copied into the batch, which its
// patterns' views refer to. Each add validates as the matching store does
// and throws InvalidArgument, leaving the batch unchanged.
class ENGRAM_API WorkingMemoryBatch {
 public:
  WorkingMemoryBatch() = default;
  // A copy's patterns refer to the copy's metadata; a move keeps it in place.
  WorkingMemoryBatch(const WorkingMemoryBatch& other);
  WorkingMemoryBatch& operator=(const WorkingMemoryBatch& other);
  WorkingMemoryBatch(WorkingMemoryBatch&& other) = default;
  WorkingMemoryBatch& operator=(WorkingMemoryBatch&& other) = default;
  ~WorkingMemoryBatch() = default;

  void store_working_memory_pattern(std::string_view pattern_hash, ArrayView pattern,
                                    double timestamp, const Json& metadata = Json::object());
  void cache_spike_train(double timestamp, ArrayView spike_data,
                         std::optional<std::vector<std::int64_t>> neuron_ids = std::nullopt,
                         std::optional<std::chrono::milliseconds> ttl = std::nullopt);
  void store_attention_weights(std::string_view context, ArrayView weights, double timestamp);
  // Whole records, e.g. from a listing, with their access time and TTL.
  void put(WorkingMemoryPatternView record);
  void put(CachedSpikeTrainView record);
  void put(AttentionWeightsView record);
  void put(const WorkingMemoryPattern& record);
  void put(const CachedSpikeTrain& record);
  void put(const AttentionWeights& record);

  const std::vector<WorkingMemoryPatternView>& patterns() const noexcept { return patterns_; }
  const std::vector<CachedSpikeTrainView>& spike_trains() const noexcept { return spike_trains_; }
  const std::vector<AttentionWeightsView>& attention_weights() const noexcept {
    return attention_weights_;
  }
  std::size_t size() const noexcept {
    return patterns_.size() + spike_trains_.size() + attention_weights_.size();
  }
  bool empty() const noexcept { return size() == 0; }
  void clear() noexcept;

 private:
  std::vector<WorkingMemoryPatternView> patterns_;
  std::vector<CachedSpikeTrainView> spike_trains_;
  std::vector<AttentionWeightsView> attention_weights_;
  // patterns_[i].metadata refers to metadata_[i] (a deque: a push moves no
  // element).
  std::deque<Json> metadata_;
};

class ENGRAM_API WorkingMemory {
 public:
  virtual ~WorkingMemory();

  // --- working-memory patterns (TTL pattern_ttl) ---

  // Stores `pattern` under `pattern_hash`, replacing any pattern there, with
  // a fresh TTL. The record and its TTL are written atomically.
  void store_working_memory_pattern(std::string_view pattern_hash, ArrayView pattern,
                                    double timestamp, const Json& metadata = Json::object());
  // The pattern, its timestamp, metadata, last access and TTL left; nullopt
  // if there is none (or it expired).
  std::optional<WorkingMemoryPattern> retrieve_working_memory_pattern(
      std::string_view pattern_hash);
  // Sets the pattern's last-access time to now, leaving its TTL alone.
  // Returns false, creating nothing, when there is no such pattern.
  bool update_working_memory_access(std::string_view pattern_hash);

  // --- spike-train cache (TTL per call, default spike_ttl) ---

  // Caches `spike_data` under `timestamp` for `ttl` (spike_ttl if nullopt).
  // A train cached at a timestamp already used is kept beside the others.
  // Missing `neuron_ids` are stored as an empty list. Throws InvalidArgument
  // for a ttl that is not positive.
  void cache_spike_train(double timestamp, ArrayView spike_data,
                         std::optional<std::vector<std::int64_t>> neuron_ids = std::nullopt,
                         std::optional<std::chrono::milliseconds> ttl = std::nullopt);
  // The train cached last with exactly this `timestamp`; nullopt if none.
  std::optional<CachedSpikeTrain> retrieve_spike_train(double timestamp);
  // Every cached train whose timestamp is >= now − `time_window`, sorted by
  // timestamp (trains of equal timestamp in the order they were cached).
  // Throws InvalidArgument for a negative or non-finite window.
  std::vector<CachedSpikeTrain> get_recent_spike_trains(double time_window = 1.0);

  // --- attention weights (TTL attention_ttl) ---

  // Stores `weights` for `context`, replacing any there, with a fresh TTL.
  void store_attention_weights(std::string_view context, ArrayView weights, double timestamp);
  // The weights and their timestamp; nullopt if none.
  std::optional<AttentionWeights> retrieve_attention_weights(std::string_view context);

  // --- beyond the seed ---

  // Applies every store of `batch` or, on failure, none (one transaction or
  // MULTI/EXEC, as far as the backend can).
  void store_batch(const WorkingMemoryBatch& batch);
  // Pages through every live record of each kind (see engram/page.h).
  // Throws InvalidArgument for a cursor this backend did not give, or a
  // limit of 0.
  Page<WorkingMemoryPattern> list_working_memory_patterns(std::string_view cursor = {},
                                                          std::size_t limit = 100);
  Page<CachedSpikeTrain> list_spike_trains(std::string_view cursor = {},
                                           std::size_t limit = 100);
  Page<AttentionWeights> list_attention_weights(std::string_view cursor = {},
                                                std::size_t limit = 100);

  // The backend instance's maintenance interface (engram/maintenance.h):
  // its Backend::maintenance(), set by the core when it made the backend.
  // Throws StorageError for a role object the core did not make.
  Maintenance& maintenance();

 protected:
  // Now, in seconds since the epoch, by the clock the core handed the
  // backend (BackendContext::clock, from StorageOptions::clock) when it made
  // it — the clock the backend itself reads, so a backend runs on one clock.
  // The system clock for a role object made outside the core.
  double now() const;

 private:
  friend struct detail::RoleAccess;
  // Set by the core for objects a plugin made: what keeps the plugin's
  // library loaded, to which every returned Array is tied.
  std::shared_ptr<const void> library_;
  // Set by the core with library_: what maintenance() returns.
  Maintenance* maintenance_ = nullptr;
  // Set by the core with library_: what now() reads.
  std::shared_ptr<const Clock> clock_;

  // Arguments arrive validated; `record.ttl` is set by the caller or
  // nullopt for the backend's default.
  virtual void do_store_working_memory_pattern(const WorkingMemoryPatternView& record) = 0;
  virtual std::optional<WorkingMemoryPattern> do_retrieve_working_memory_pattern(
      std::string_view pattern_hash) = 0;
  virtual bool do_update_working_memory_access(std::string_view pattern_hash,
                                               double now) = 0;
  virtual void do_cache_spike_train(const CachedSpikeTrainView& record) = 0;
  virtual std::optional<CachedSpikeTrain> do_retrieve_spike_train(double timestamp) = 0;
  // Trains with timestamp >= `since`, sorted as get_recent_spike_trains says.
  virtual std::vector<CachedSpikeTrain> do_get_spike_trains_since(double since) = 0;
  virtual void do_store_attention_weights(const AttentionWeightsView& record) = 0;
  virtual std::optional<AttentionWeights> do_retrieve_attention_weights(
      std::string_view context) = 0;
  virtual void do_store_batch(const WorkingMemoryBatch& batch) = 0;
  virtual Page<WorkingMemoryPattern> do_list_working_memory_patterns(std::string_view cursor,
                                                                     std::size_t limit) = 0;
  virtual Page<CachedSpikeTrain> do_list_spike_trains(std::string_view cursor,
                                                      std::size_t limit) = 0;
  virtual Page<AttentionWeights> do_list_attention_weights(std::string_view cursor,
                                                           std::size_t limit) = 0;
};

}  // namespace engram

#endif  // ENGRAM_WORKING_MEMORY_H_
