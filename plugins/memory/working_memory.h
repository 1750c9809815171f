// plugins/memory/working_memory.h — the working-memory role in memory:
// patterns, spike trains and attention weights with their TTLs, read from
// the backend's clock. An expired record is invisible at once; its memory
// goes at clear_expired(), or when a store finds working memory has doubled
// since the last sweep.
//
// Thread safety: the backend's one lock (shared_state.h): lookups share it,
// stores hold it alone.
#ifndef ENGRAM_PLUGINS_MEMORY_WORKING_MEMORY_H_
#define ENGRAM_PLUGINS_MEMORY_WORKING_MEMORY_H_

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "engram/json.h"
#include "engram/owned_records.h"
#include "engram/ttl_limits.h"
#include "engram/working_memory.h"
#include "id_map.h"
#include "listing.h"
#include "shared_state.h"

namespace engram::memory {

// ---------------------------------------------------------------- working memory

// When a record stored at `now` for `ttl` expires, in clock seconds. It is
// live until the clock passes that time.
inline double expiry(double now, Millis ttl) {
  return now + std::chrono::duration<double>(ttl).count();
}
inline bool live(double expires_at, double now) { return now <= expires_at; }

template <class Record>
struct Expiring {
  Record record;
  double expires_at = 0.0;
};
// Spelled out for compilers without C++20's aggregate deduction (clang 14,
// which builds the fuzz targets).
template <class Record>
Expiring(Record, double) -> Expiring<Record>;

// The time a record has left (at least a millisecond, so that a put of it
// is a valid store).
template <class Record>
Millis ttl_left(const Expiring<Record>& entry, double now) {
  const double left = std::min(entry.expires_at - now, kMaxTtlSeconds);
  return std::max(Millis(1), std::chrono::round<Millis>(std::chrono::duration<double>(left)));
}

// A copy of the record with the time it has left.
template <class Record>
Record with_ttl_left(const Expiring<Record>& entry, double now) {
  Record record = entry.record;
  record.ttl = ttl_left(entry, now);
  return record;
}

class MemoryWorkingMemory final : public WorkingMemory {
 public:
  explicit MemoryWorkingMemory(Shared& shared) : shared_(shared) {}

  // For the maintenance, with the lock held.
  void count(Json& stats, double now) const {
    const auto live_in = [now](const auto& map) {
      return std::count_if(map.begin(), map.end(),
                           [now](const auto& entry) { return live(entry.second.expires_at, now); });
    };
    stats["working_memory"] = live_in(patterns_.ordered());
    stats["spike_trains"] = live_in(trains_);
    stats["attention_weights"] = live_in(attention_.ordered());
  }
  // Removes the expired records; returns how many.
  std::int64_t erase_expired(double now) {
    const auto expired = [now](const auto& entry) { return !live(entry.second.expires_at, now); };
    return static_cast<std::int64_t>(patterns_.erase_if(expired) + std::erase_if(trains_, expired) +
                                     attention_.erase_if(expired));
  }
  void clear() {
    patterns_.clear();
    trains_.clear();
    attention_.clear();
  }

 private:
  // Below this many records, expired ones wait for clear_expired().
  static constexpr std::size_t kSweepFloor = 4096;

  // --- stores: copy and read the clock outside the lock, then insert under it ---
  //
  // The copy is made where it is kept (an Expiring built from owned()'s
  // result, which is not moved) and replaces a stored record by move
  // assignment, so a store allocates the array's bytes, its shape and the
  // metadata's nodes and nothing else. The clock is read before the lock is
  // taken, so that the read overlaps the wait of the lock's atomic
  // instruction for the copy's stores (measured: a store ~3% faster); a TTL
  // runs from the call, not from when the lock came free.

  void do_store_working_memory_pattern(const WorkingMemoryPatternView& record) override {
    store(record);
  }
  void do_cache_spike_train(const CachedSpikeTrainView& record) override { store(record); }
  void do_store_attention_weights(const AttentionWeightsView& record) override { store(record); }

  template <class View>
  void store(const View& record) {
    Expiring<decltype(owned(record))> stored{owned(record), 0.0};
    const double now = shared_.now();
    auto lock = shared_.write();
    sweep_if_grown(now);
    insert(std::move(stored), now);
  }

  void do_store_batch(const WorkingMemoryBatch& batch) override {
    auto patterns = owned_all(batch.patterns());
    auto trains = owned_all(batch.spike_trains());
    auto weights = owned_all(batch.attention_weights());
    const double now = shared_.now();
    auto lock = shared_.write();
    sweep_if_grown(now);
    for (auto& pattern : patterns) insert(Expiring{std::move(pattern), 0.0}, now);
    for (auto& train : trains) insert(Expiring{std::move(train), 0.0}, now);
    for (auto& weight : weights) insert(Expiring{std::move(weight), 0.0}, now);
  }

  // A store replaces the pattern (and its TTL and last access) whole.
  void insert(Expiring<WorkingMemoryPattern>&& entry, double now) {
    entry.expires_at = expiry(now, entry.record.ttl.value_or(shared_.ttls().pattern));
    patterns_.put(entry.record.pattern_hash, std::move(entry));
  }
  // Every train is kept, after those cached before it.
  void insert(Expiring<CachedSpikeTrain>&& entry, double now) {
    entry.expires_at = expiry(now, entry.record.ttl.value_or(shared_.ttls().spike));
    const TrainKey key{entry.record.timestamp, next_sequence_++};
    trains_.emplace(key, std::move(entry));
  }
  void insert(Expiring<AttentionWeights>&& entry, double now) {
    entry.expires_at = expiry(now, entry.record.ttl.value_or(shared_.ttls().attention));
    attention_.put(entry.record.context, std::move(entry));
  }

  // Drops expired records once working memory has doubled since the last
  // sweep, so a cache fed forever stays as large as its TTLs make it.
  void sweep_if_grown(double now) {
    if (patterns_.size() + trains_.size() + attention_.size() < sweep_at_) return;
    erase_expired(now);
    sweep_at_ = std::max(kSweepFloor, 2 * (patterns_.size() + trains_.size() + attention_.size()));
  }

  // --- lookups: the record, if live, with its TTL left ---

  std::optional<WorkingMemoryPattern> do_retrieve_working_memory_pattern(
      std::string_view pattern_hash) override {
    auto lock = shared_.read();
    return find_live(patterns_, pattern_hash);
  }

  bool do_update_working_memory_access(std::string_view pattern_hash, double now) override {
    auto lock = shared_.write();
    auto* const found = patterns_.find(pattern_hash);
    if (found == nullptr || !live(found->expires_at, now)) return false;
    found->record.last_accessed = now;
    return true;
  }

  std::optional<CachedSpikeTrain> do_retrieve_spike_train(double timestamp) override {
    auto lock = shared_.read();
    const double now = shared_.now();
    // Back from the last train cached at `timestamp`.
    auto it = trains_.upper_bound(TrainKey{timestamp, std::numeric_limits<std::uint64_t>::max()});
    while (it != trains_.begin() && (--it)->first.first == timestamp) {
      if (live(it->second.expires_at, now)) return with_ttl_left(it->second, now);
    }
    return std::nullopt;
  }

  std::vector<CachedSpikeTrain> do_get_spike_trains_since(double since) override {
    auto lock = shared_.read();
    const double now = shared_.now();
    std::vector<CachedSpikeTrain> trains;
    for (auto it = trains_.lower_bound(TrainKey{since, 0}); it != trains_.end(); ++it) {
      if (live(it->second.expires_at, now)) trains.push_back(with_ttl_left(it->second, now));
    }
    return trains;
  }

  std::optional<AttentionWeights> do_retrieve_attention_weights(std::string_view context) override {
    auto lock = shared_.read();
    return find_live(attention_, context);
  }

  template <class Record>
  std::optional<Record> find_live(const IdMap<Expiring<Record>>& map, std::string_view key) const {
    const double now = shared_.now();
    const auto* const found = map.find(key);
    // One named result, so that it is returned without a move.
    std::optional<Record> record;
    if (found != nullptr && live(found->expires_at, now)) {
      record.emplace(found->record);
      record->ttl = ttl_left(*found, now);
    }
    return record;
  }

  // --- listings: live records only ---

  template <class Map>
  auto list_live(const Map& map, std::string_view cursor, std::size_t limit) const {
    const double now = shared_.now();
    return list_page(
        map, cursor, limit, shared_.name(),
        [now](const auto& entry) { return live(entry.second.expires_at, now); },
        [now](const auto& entry) { return with_ttl_left(entry.second, now); });
  }

  Page<WorkingMemoryPattern> do_list_working_memory_patterns(std::string_view cursor,
                                                             std::size_t limit) override {
    auto lock = shared_.read();
    return list_live(patterns_.ordered(), cursor, limit);
  }
  Page<CachedSpikeTrain> do_list_spike_trains(std::string_view cursor, std::size_t limit) override {
    auto lock = shared_.read();
    return list_live(trains_, cursor, limit);
  }
  Page<AttentionWeights> do_list_attention_weights(std::string_view cursor,
                                                   std::size_t limit) override {
    auto lock = shared_.read();
    return list_live(attention_.ordered(), cursor, limit);
  }

  Shared& shared_;
  IdMap<Expiring<WorkingMemoryPattern>> patterns_;
  std::map<TrainKey, Expiring<CachedSpikeTrain>> trains_;
  IdMap<Expiring<AttentionWeights>> attention_;
  std::uint64_t next_sequence_ = 0;
  std::size_t sweep_at_ = kSweepFloor;
};

}  // namespace engram::memory

#endif  // ENGRAM_PLUGINS_MEMORY_WORKING_MEMORY_H_
