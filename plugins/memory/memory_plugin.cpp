// plugins/memory/memory_plugin.cpp — the `memory` plugin: all four roles,
// held in process, nothing on disk, no dependency.
//
// engram's reference plugin and the model for plugin authors. It reads top to
// bottom as every plugin does: options → handles (none here) → errors → the
// shared state → the role classes → maintenance and backend → the
// descriptor and its entry point, last and the library's only export.
//
// Time is the BackendContext's clock (a ManualClock in tests): TTLs,
// "recent" windows and access times all read it. An expired working-memory
// record is invisible at once; its memory goes at clear_expired(), or when a
// store finds working memory has doubled since the last sweep.
//
// Recall: each of the concepts and episodes roles keeps its embeddings in an
// EmbeddingMatrix (engram/embedding_matrix.h) beside its records, changed
// under the same lock as they are, and answers nearest_* from it. Its byte
// bound is not enforced here: the records themselves are in memory anyway.
//
// Thread safety: one backend's four roles and its maintenance share one
// LifeLock (engram/life_lock.h): lookups share it, stores hold it alone. Arrays are
// copied once on the way in (before the lock is taken) and once on the way
// out. After close() every call throws StorageError("... closed").
#include <algorithm>
#include <boost/dll/alias.hpp>
#include <chrono>
#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "engram/array.h"
#include "engram/clock.h"
#include "engram/concept_store.h"
#include "engram/cursor.h"
#include "engram/embedding_matrix.h"
#include "engram/episode_store.h"
#include "engram/errors.h"
#include "engram/ids.h"
#include "engram/json.h"
#include "engram/life_lock.h"
#include "engram/maintenance.h"
#include "engram/options.h"
#include "engram/owned_records.h"
#include "engram/page.h"
#include "engram/plugin.h"
#include "engram/recall.h"
#include "engram/result_orders.h"
#include "engram/trace_kinds.h"
#include "engram/trace_store.h"
#include "engram/ttl_limits.h"
#include "engram/working_memory.h"

namespace engram::memory {
namespace {

// ---------------------------------------------------------------- options

// The working-memory TTLs, in seconds: the seed's RedisStorage values.
struct MemoryOptions {
  double pattern_ttl = 3600.0;
  double attention_ttl = 600.0;
  double spike_ttl = 300.0;
};

const auto kOptions =
    OptionTable<MemoryOptions>()
        .add("pattern_ttl", &MemoryOptions::pattern_ttl,
             "seconds a working-memory pattern lives after its store",
             in_range(kMinTtlSeconds, kMaxTtlSeconds))
        .add("attention_ttl", &MemoryOptions::attention_ttl,
             "seconds attention weights live after their store",
             in_range(kMinTtlSeconds, kMaxTtlSeconds))
        .add("spike_ttl", &MemoryOptions::spike_ttl,
             "seconds a cached spike train lives when cache_spike_train gives no ttl",
             in_range(kMinTtlSeconds, kMaxTtlSeconds));

// ---------------------------------------------------------------- handles
//
// None: the memory plugin holds no C resource. (A plugin that does gives
// each one a named deleter or handle class here.)

// ---------------------------------------------------------------- errors
//
// Everything this plugin throws, in one place. It has no native codes.

[[noreturn]] void throw_missing_concept(const Relationship& relationship, std::int64_t missing,
                                        const std::string& backend) {
  throw InvalidArgument("cannot relate concept " + std::to_string(relationship.source_id) +
                            " to concept " + std::to_string(relationship.target_id) + " (" +
                            printable(relationship.type) + "): concept " + std::to_string(missing) +
                            " does not exist",
                        backend);
}

// ---------------------------------------------------------------- shared state

using Millis = std::chrono::milliseconds;

// The TTLs as the backend keeps them (their ranges checked where the
// options were bound).
struct Ttls {
  explicit Ttls(const MemoryOptions& o)
      : pattern(millis(o.pattern_ttl)),
        attention(millis(o.attention_ttl)),
        spike(millis(o.spike_ttl)) {}
  static Millis millis(double s) {
    return std::chrono::round<Millis>(std::chrono::duration<double>(s));
  }
  Millis pattern, attention, spike;
};

// What every part of one backend shares: its name, TTLs and clock, the one
// lock, and whether it was closed. Each role keeps its own records.
class Shared {
 public:
  explicit Shared(const BackendContext& context)
      : name_(context.name),
        ttls_(kOptions.bind(context.options)),
        clock_(context.clock ? context.clock : system_clock()) {}

  const std::string& name() const noexcept { return name_; }
  const Ttls& ttls() const noexcept { return ttls_; }
  double now() const { return clock_->now(); }

  // The lock for a lookup, and for a change. Each throws StorageError
  // ("closed") once the backend is closed (engram/life_lock.h).
  std::shared_lock<std::shared_mutex> read() const { return life_.enter(); }
  std::unique_lock<std::shared_mutex> write() { return life_.enter_alone(); }
  LifeLock& life() noexcept { return life_; }

 private:
  const std::string name_;
  const Ttls ttls_;
  const std::shared_ptr<const Clock> clock_;
  LifeLock life_{name_};
};

// ---------------------------------------------------------------- records
//
// Stores keep owning records, made by engram::owned (owned_records.h) from
// what a store borrows: the one copy of each array on the way in.

// The id a new record gets: `wanted` when positive and free, else `next`,
// which stays past every id given. (The largest int64 is never kept, so
// `next` cannot overflow.)
template <class Map>
std::int64_t claim_id(const Map& records, std::int64_t wanted, std::int64_t& next) {
  const bool keep =
      wanted > 0 && wanted < std::numeric_limits<std::int64_t>::max() && !records.contains(wanted);
  const std::int64_t id = keep ? wanted : next;
  next = std::max(next, id + 1);
  return id;
}

// ---------------------------------------------------------------- listings
//
// Listings page each map in key order with the core's cursor kit
// (engram/cursor.h): a page's cursor is "after:<key>", the key of the last
// record it returned, so every record present for a whole listing is
// returned exactly once however the records change meanwhile.

// Spike trains in the cache: by timestamp, then in the order cached.
using TrainKey = std::pair<double, std::uint64_t>;
// Relationships: by source, target, type.
using RelationshipKey = std::tuple<std::int64_t, std::int64_t, std::string>;

// The key a cursor of this plugin carries; nullopt for the first page.
// String keys are ids (pattern hashes, contexts, trace ids).
template <class Key>
std::optional<Key> key_after(std::string_view cursor, const std::string& backend) {
  if constexpr (std::is_same_v<Key, std::string>) {
    return cursor_id(cursor, backend);
  } else {
    return cursor_key_as<Key>(cursor, backend);
  }
}

constexpr auto kEveryEntry = [](const auto&) { return true; };
constexpr auto kEntryValue = [](const auto& entry) { return entry.second; };

// One page of `map` after `cursor`, in key order: up to `limit` records made
// by `make` from the entries `visible` keeps. Throws InvalidArgument for a
// cursor this plugin did not make.
template <class Map, class Visible, class Make>
auto list_page(const Map& map, std::string_view cursor, std::size_t limit,
               const std::string& backend, Visible visible, Make make) {
  const auto after = key_after<typename Map::key_type>(cursor, backend);
  std::vector<const typename Map::value_type*> entries;
  for (auto it = after ? map.upper_bound(*after) : map.begin();
       it != map.end() && entries.size() <= limit; ++it) {
    if (visible(*it)) entries.push_back(&*it);
  }
  auto found = page_from(std::move(entries), limit,
                         [](const auto* entry) { return cursor_after_key(entry->first); });
  Page<std::invoke_result_t<Make&, const typename Map::value_type&>> page;
  for (const auto* entry : found.items) page.items.push_back(make(*entry));
  page.next_cursor = std::move(found.next_cursor);
  return page;
}

// ---------------------------------------------------------------- working memory

// When a record stored at `now` for `ttl` expires, in clock seconds. It is
// live until the clock passes that time.
double expiry(double now, Millis ttl) { return now + std::chrono::duration<double>(ttl).count(); }
bool live(double expires_at, double now) { return now <= expires_at; }

template <class Record>
struct Expiring {
  Record record;
  double expires_at = 0.0;
};
// Spelled out for compilers without C++20's aggregate deduction (clang 14,
// which builds the fuzz targets).
template <class Record>
Expiring(Record, double) -> Expiring<Record>;

// A copy of the record with the time it has left (at least a millisecond,
// so that a put of it is a valid store).
template <class Record>
Record with_ttl_left(const Expiring<Record>& entry, double now) {
  const double left = std::min(entry.expires_at - now, kMaxTtlSeconds);
  Record record = entry.record;
  record.ttl = std::max(Millis(1), std::chrono::round<Millis>(std::chrono::duration<double>(left)));
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
    stats["working_memory"] = live_in(patterns_);
    stats["spike_trains"] = live_in(trains_);
    stats["attention_weights"] = live_in(attention_);
  }
  // Removes the expired records; returns how many.
  std::int64_t erase_expired(double now) {
    const auto expired = [now](const auto& entry) { return !live(entry.second.expires_at, now); };
    return static_cast<std::int64_t>(std::erase_if(patterns_, expired) +
                                     std::erase_if(trains_, expired) +
                                     std::erase_if(attention_, expired));
  }
  void clear() {
    patterns_.clear();
    trains_.clear();
    attention_.clear();
  }

 private:
  // Below this many records, expired ones wait for clear_expired().
  static constexpr std::size_t kSweepFloor = 4096;

  // --- stores: copy outside the lock, then insert under it ---

  void do_store_working_memory_pattern(const WorkingMemoryPatternView& record) override {
    store(record);
  }
  void do_cache_spike_train(const CachedSpikeTrainView& record) override { store(record); }
  void do_store_attention_weights(const AttentionWeightsView& record) override { store(record); }

  template <class View>
  void store(const View& record) {
    auto stored = owned(record);
    auto lock = shared_.write();
    const double now = shared_.now();
    sweep_if_grown(now);
    insert(std::move(stored), now);
  }

  void do_store_batch(const WorkingMemoryBatch& batch) override {
    auto patterns = owned_all(batch.patterns());
    auto trains = owned_all(batch.spike_trains());
    auto weights = owned_all(batch.attention_weights());
    auto lock = shared_.write();
    const double now = shared_.now();
    sweep_if_grown(now);
    for (auto& pattern : patterns) insert(std::move(pattern), now);
    for (auto& train : trains) insert(std::move(train), now);
    for (auto& weight : weights) insert(std::move(weight), now);
  }

  // A store replaces the pattern (and its TTL and last access) whole.
  void insert(WorkingMemoryPattern&& pattern, double now) {
    const double expires_at = expiry(now, pattern.ttl.value_or(shared_.ttls().pattern));
    std::string hash = pattern.pattern_hash;
    patterns_.insert_or_assign(std::move(hash), Expiring{std::move(pattern), expires_at});
  }
  // Every train is kept, after those cached before it.
  void insert(CachedSpikeTrain&& train, double now) {
    const double expires_at = expiry(now, train.ttl.value_or(shared_.ttls().spike));
    const TrainKey key{train.timestamp, next_sequence_++};
    trains_.emplace(key, Expiring{std::move(train), expires_at});
  }
  void insert(AttentionWeights&& weights, double now) {
    const double expires_at = expiry(now, weights.ttl.value_or(shared_.ttls().attention));
    std::string context = weights.context;
    attention_.insert_or_assign(std::move(context), Expiring{std::move(weights), expires_at});
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
    const auto found = patterns_.find(pattern_hash);
    if (found == patterns_.end() || !live(found->second.expires_at, now)) return false;
    found->second.record.last_accessed = now;
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

  template <class Map>
  auto find_live(const Map& map, std::string_view key) const
      -> std::optional<decltype(map.begin()->second.record)> {
    const double now = shared_.now();
    const auto found = map.find(key);
    if (found == map.end() || !live(found->second.expires_at, now)) return std::nullopt;
    return with_ttl_left(found->second, now);
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
    return list_live(patterns_, cursor, limit);
  }
  Page<CachedSpikeTrain> do_list_spike_trains(std::string_view cursor, std::size_t limit) override {
    auto lock = shared_.read();
    return list_live(trains_, cursor, limit);
  }
  Page<AttentionWeights> do_list_attention_weights(std::string_view cursor,
                                                   std::size_t limit) override {
    auto lock = shared_.read();
    return list_live(attention_, cursor, limit);
  }

  Shared& shared_;
  std::map<std::string, Expiring<WorkingMemoryPattern>, std::less<>> patterns_;
  std::map<TrainKey, Expiring<CachedSpikeTrain>> trains_;
  std::map<std::string, Expiring<AttentionWeights>, std::less<>> attention_;
  std::uint64_t next_sequence_ = 0;
  std::size_t sweep_at_ = kSweepFloor;
};

// ---------------------------------------------------------------- episodes

class MemoryEpisodes final : public EpisodeStore {
 public:
  explicit MemoryEpisodes(Shared& shared) : shared_(shared) {}

  // For the maintenance, with the lock held. Ids are not reused after clear().
  void count(Json& stats) const {
    stats["episodes"] = episodes_.size();
    stats["learning_events"] = events_.size();
  }
  void clear() {
    episodes_.clear();
    events_.clear();
    matrix_.clear();
  }

 private:
  // --- episodes ---

  std::int64_t do_store_episode(const EpisodeView& record) override {
    Episode episode = owned(record);
    auto lock = shared_.write();
    return insert(std::move(episode));
  }

  std::optional<Episode> do_retrieve_episode(std::int64_t episode_id) override {
    auto lock = shared_.read();
    const auto found = episodes_.find(episode_id);
    if (found == episodes_.end()) return std::nullopt;
    return found->second;
  }

  std::vector<Episode> do_get_episodes_by_context(std::string_view context_hash, std::size_t limit,
                                                  std::optional<double> min_score) override {
    auto lock = shared_.read();
    std::vector<const Episode*> found;
    for (const auto& [id, episode] : episodes_) {
      if (episode.context_hash == context_hash &&
          (!min_score || episode.performance_score >= *min_score)) {
        found.push_back(&episode);
      }
    }
    return top(std::move(found), limit, NewestFirst());
  }

  std::vector<Episode> do_get_episodes_since(double since, std::size_t limit) override {
    auto lock = shared_.read();
    std::vector<const Episode*> found;
    for (const auto& [id, episode] : episodes_) {
      if (episode.timestamp >= since) found.push_back(&episode);
    }
    return top(std::move(found), limit, NewestFirst());
  }

  // --- learning events ---

  std::int64_t do_store_learning_event(const LearningEvent& record) override {
    auto lock = shared_.write();
    return insert(LearningEvent(record));
  }

  std::vector<LearningEvent> do_get_learning_events_by_task(
      std::string_view task_type, std::size_t limit,
      std::optional<double> min_performance_delta) override {
    auto lock = shared_.read();
    std::vector<const LearningEvent*> found;
    for (const auto& [id, event] : events_) {
      if (event.task_type == task_type &&
          (!min_performance_delta || event.performance_delta >= *min_performance_delta)) {
        found.push_back(&event);
      }
    }
    return top(std::move(found), limit, NewestFirst());
  }

  std::vector<StrategyScore> do_get_best_strategies(std::string_view task_type,
                                                    std::size_t limit) override {
    auto lock = shared_.read();
    StrategyTally tally;
    for (const auto& [id, event] : events_) {
      if (event.task_type == task_type) tally.add(event);
    }
    return tally.best(limit);
  }

  // --- beyond the seed ---

  // Nothing here can fail once the copies are made: inserting in order is
  // all or nothing.
  EpisodeBatchIds do_store_batch(const EpisodeBatch& batch) override {
    auto episodes = owned_all(batch.episodes());
    auto events = owned_all(batch.learning_events());
    EpisodeBatchIds ids;
    auto lock = shared_.write();
    for (Episode& episode : episodes) ids.episode_ids.push_back(insert(std::move(episode)));
    for (LearningEvent& event : events) ids.learning_event_ids.push_back(insert(std::move(event)));
    return ids;
  }

  // Records here are always decoded: nothing to skip.
  Page<Episode> do_list_episodes(std::string_view cursor, std::size_t limit,
                                 Undecodable) override {
    auto lock = shared_.read();
    return list_page(episodes_, cursor, limit, shared_.name(), kEveryEntry, kEntryValue);
  }
  Page<LearningEvent> do_list_learning_events(std::string_view cursor, std::size_t limit,
                                              Undecodable) override {
    auto lock = shared_.read();
    return list_page(events_, cursor, limit, shared_.name(), kEveryEntry, kEntryValue);
  }

  // --- recall ---

  Recall<Episode> do_nearest_episodes(const RecallQuery& query, std::size_t k,
                                      const EpisodeRecallOptions& options) override {
    EmbeddingMatrix<EpisodeColumns>::Predicate admits;
    if (!options.filter.empty()) {
      admits = [&filter = options.filter](const EpisodeColumns& c) { return c.passes(filter); };
    }
    auto lock = shared_.read();
    const auto found = matrix_.search(query, k, admits);
    Recall<Episode> recall;
    recall.skipped = found.skipped;
    for (const ScoredId& hit : found.best) {
      recall.hits.push_back({episodes_.at(hit.id), hit.score});
    }
    return recall;
  }

  std::int64_t insert(Episode&& episode) {
    episode.id = claim_id(episodes_, episode.id, next_episode_id_);
    const std::int64_t id = episode.id;
    if (const auto* array = std::get_if<Array>(&episode.experience_data)) {
      matrix_.upsert(id, *array,
                     {episode.context_hash, episode.performance_score, episode.timestamp});
    }
    episodes_.emplace(id, std::move(episode));
    return id;
  }
  std::int64_t insert(LearningEvent&& event) {
    event.id = claim_id(events_, event.id, next_event_id_);
    const std::int64_t id = event.id;
    events_.emplace(id, std::move(event));
    return id;
  }

  Shared& shared_;
  std::map<std::int64_t, Episode> episodes_;
  EmbeddingMatrix<EpisodeColumns> matrix_;  // the array experiences of episodes_
  std::map<std::int64_t, LearningEvent> events_;
  std::int64_t next_episode_id_ = 1;
  std::int64_t next_event_id_ = 1;
};

// ---------------------------------------------------------------- concepts

class MemoryConcepts final : public ConceptStore {
 public:
  explicit MemoryConcepts(Shared& shared) : shared_(shared) {}

  // For the maintenance, with the lock held. Ids are not reused after clear().
  void count(Json& stats) const {
    stats["concepts"] = concepts_.size();
    stats["concept_relationships"] = relationships_.size();
  }
  void clear() {
    concepts_.clear();
    ids_by_name_.clear();
    relationships_.clear();
    matrix_.clear();
  }

 private:
  std::int64_t do_store_concept(const ConceptView& record) override {
    std::vector<Concept> concepts;
    concepts.push_back(owned(record));
    auto lock = shared_.write();
    return apply(std::move(concepts), {false}, {}).front();
  }

  std::optional<Concept> do_retrieve_concept(std::int64_t concept_id) override {
    auto lock = shared_.read();
    const auto found = concepts_.find(concept_id);
    if (found == concepts_.end()) return std::nullopt;
    return found->second;
  }

  std::optional<Concept> do_retrieve_concept_by_name(std::string_view name, double now) override {
    auto lock = shared_.write();
    const auto found = ids_by_name_.find(name);
    if (found == ids_by_name_.end()) return std::nullopt;
    Concept& concept_record = concepts_.at(found->second);
    count_access(concept_record, now);
    return concept_record;
  }

  Recall<Concept> do_nearest_concepts(const RecallQuery& query, std::size_t k,
                                      const ConceptRecallOptions& options, double now) override {
    EmbeddingMatrix<ConceptColumns>::Predicate admits;
    if (!options.filter.empty()) {
      admits = [&filter = options.filter](const ConceptColumns& c) { return c.passes(filter); };
    }
    // Counting accesses changes the records: then the search runs under the
    // write lock, so the hits and their counts are one step.
    std::shared_lock<std::shared_mutex> reading;
    std::unique_lock<std::shared_mutex> writing;
    if (options.count_access) {
      writing = shared_.write();
    } else {
      reading = shared_.read();
    }
    const auto found = matrix_.search(query, k, admits);
    Recall<Concept> recall;
    recall.skipped = found.skipped;
    for (const ScoredId& hit : found.best) {
      Concept& concept_record = concepts_.at(hit.id);
      if (options.count_access) count_access(concept_record, now);
      recall.hits.push_back({concept_record, hit.score});
    }
    return recall;
  }

  // REQUIRES: the lock held for writing.
  void count_access(Concept& concept_record, double now) {
    ++concept_record.access_count;
    concept_record.last_accessed = now;
    matrix_.mutable_columns(concept_record.id)->last_accessed = now;
  }

  std::vector<Concept> do_search_concepts(std::string_view query, std::size_t limit) override {
    const ConceptNameQuery search(query);
    auto lock = shared_.read();
    std::vector<const Concept*> found;
    for (const auto& [id, concept_record] : concepts_) {
      if (search.matches(concept_record.name)) found.push_back(&concept_record);
    }
    return top(std::move(found), limit, MostAccessedFirst());
  }

  void do_add_concept_relationship(const Relationship& relationship) override {
    auto lock = shared_.write();
    apply({}, {}, std::span(&relationship, 1));
  }

  std::vector<Relationship> do_get_concept_relationships(
      std::int64_t concept_id, const std::optional<std::string>& relationship_type) override {
    auto lock = shared_.read();
    std::vector<Relationship> relationships;
    const RelationshipKey from{concept_id, std::numeric_limits<std::int64_t>::min(), ""};
    for (auto it = relationships_.lower_bound(from);
         it != relationships_.end() && std::get<0>(it->first) == concept_id; ++it) {
      const auto& [source, target, type] = it->first;
      if (!relationship_type || type == *relationship_type) {
        relationships.push_back({source, target, type, it->second});
      }
    }
    std::sort(relationships.begin(), relationships.end(), StrongestFirst());
    return relationships;
  }

  std::vector<std::int64_t> do_store_batch(const ConceptBatch& batch) override {
    std::vector<Concept> concepts = owned_all(batch.concepts());
    std::vector<bool> whole(concepts.size());
    for (std::size_t i = 0; i < whole.size(); ++i) whole[i] = batch.is_whole_record(i);
    auto lock = shared_.write();
    return apply(std::move(concepts), whole, batch.relationships());
  }

  // Records here are always decoded: nothing to skip.
  Page<Concept> do_list_concepts(std::string_view cursor, std::size_t limit,
                                 Undecodable) override {
    auto lock = shared_.read();
    return list_page(concepts_, cursor, limit, shared_.name(), kEveryEntry, kEntryValue);
  }
  Page<Relationship> do_list_relationships(std::string_view cursor, std::size_t limit,
                                           Undecodable) override {
    auto lock = shared_.read();
    return list_page(relationships_, cursor, limit, shared_.name(), kEveryEntry,
                     [](const auto& entry) {
                       const auto& [source, target, type] = entry.first;
                       return Relationship{source, target, type, entry.second};
                     });
  }

  // Stores `concepts`, then `relationships`, all or nothing: the ids are
  // chosen and every relationship's ends checked before anything changes.
  // Returns the concepts' ids. REQUIRES: the lock held for writing.
  std::vector<std::int64_t> apply(std::vector<Concept> concepts, const std::vector<bool>& whole,
                                  std::span<const Relationship> relationships) {
    const std::vector<std::int64_t> ids = choose_ids(concepts);
    const std::set<std::int64_t> coming(ids.begin(), ids.end());
    for (const Relationship& relationship : relationships) {
      for (const std::int64_t end : {relationship.source_id, relationship.target_id}) {
        if (!concepts_.contains(end) && !coming.contains(end)) {
          throw_missing_concept(relationship, end, shared_.name());
        }
      }
    }
    for (std::size_t i = 0; i < concepts.size(); ++i) {
      commit(std::move(concepts[i]), ids[i], whole[i]);
    }
    for (const Relationship& r : relationships) {
      relationships_.insert_or_assign(RelationshipKey{r.source_id, r.target_id, r.type},
                                      r.strength);
    }
    return ids;
  }

  // The id each concept will have: that of the concept with its name (one
  // stored, or one earlier in `concepts`), else its own id when positive and
  // free, else a new one. Changes nothing.
  std::vector<std::int64_t> choose_ids(const std::vector<Concept>& concepts) const {
    std::map<std::string_view, std::int64_t> named;  // new names, in this call
    std::set<std::int64_t> claimed;
    const auto taken = [&](std::int64_t id) {
      return concepts_.contains(id) || claimed.contains(id);
    };
    std::int64_t next = next_id_;
    std::vector<std::int64_t> ids;
    for (const Concept& concept_record : concepts) {
      if (const auto stored = ids_by_name_.find(concept_record.name);
          stored != ids_by_name_.end()) {
        ids.push_back(stored->second);
      } else if (const auto earlier = named.find(concept_record.name); earlier != named.end()) {
        ids.push_back(earlier->second);
      } else {
        const std::int64_t wanted = concept_record.id;
        const bool keep =
            wanted > 0 && wanted < std::numeric_limits<std::int64_t>::max() && !taken(wanted);
        while (!keep && taken(next)) ++next;
        const std::int64_t id = keep ? wanted : next++;
        named.emplace(concept_record.name, id);
        claimed.insert(id);
        ids.push_back(id);
      }
    }
    return ids;
  }

  // Stores `incoming` as concept `id`. Under a name already stored, the
  // embedding and metadata are replaced and id, creation time and access
  // history kept — unless `incoming` is a `whole` record (a put of a listed
  // concept): then its creation time and access history replace them too.
  void commit(Concept&& incoming, std::int64_t id, bool whole) {
    const auto stored = concepts_.find(id);
    if (stored == concepts_.end()) {
      incoming.id = id;
      next_id_ = std::max(next_id_, id + 1);
      ids_by_name_.emplace(incoming.name, id);
      index(incoming);
      concepts_.emplace(id, std::move(incoming));
      return;
    }
    Concept& kept = stored->second;
    kept.embedding = std::move(incoming.embedding);
    kept.metadata = std::move(incoming.metadata);
    if (whole) {
      kept.creation_time = incoming.creation_time;
      kept.access_count = incoming.access_count;
      kept.last_accessed = incoming.last_accessed;
    }
    index(kept);
  }

  // (Re)places the concept's row in the recall matrix.
  void index(const Concept& concept_record) {
    matrix_.upsert(concept_record.id, concept_record.embedding,
                   {concept_record.name, concept_record.creation_time, concept_record.last_accessed,
                    concept_record.metadata});
  }

  Shared& shared_;
  std::map<std::int64_t, Concept> concepts_;
  EmbeddingMatrix<ConceptColumns> matrix_;  // the embeddings of concepts_
  std::map<std::string, std::int64_t, std::less<>> ids_by_name_;
  std::map<RelationshipKey, double> relationships_;  // strength
  std::int64_t next_id_ = 1;
};

// ---------------------------------------------------------------- traces

// One kind of trace by id, in string order (as HDF5 lists a group). Each
// kind is its own id space. REQUIRES: the caller holds the lock.
template <class Record>
class TraceTable {
 public:
  // Stores `record` under its own id when given and free, else the first
  // free of "<prefix>_<ms>", "<prefix>_<ms>_1", ...; returns the id.
  std::string insert(Record&& record) {
    if (record.id.empty() || records_.contains(record.id)) {
      unsigned n = 0;
      do {
        record.id = seed_id(seed_id_prefix(record), record.timestamp, n++);
      } while (records_.contains(record.id));
    }
    std::string id = record.id;
    records_.emplace(id, std::move(record));
    return id;
  }

  std::optional<Record> find(std::string_view id) const {
    const auto found = records_.find(id);
    if (found == records_.end()) return std::nullopt;
    return found->second;
  }

  Page<Record> list(std::string_view cursor, std::size_t limit, const std::string& backend) const {
    return list_page(records_, cursor, limit, backend, kEveryEntry, kEntryValue);
  }

  // Removes the records with timestamp < `cutoff`; returns how many.
  std::int64_t erase_older_than(double cutoff) {
    return static_cast<std::int64_t>(std::erase_if(
        records_, [cutoff](const auto& entry) { return entry.second.timestamp < cutoff; }));
  }

  const std::map<std::string, Record, std::less<>>& records() const noexcept { return records_; }
  std::size_t size() const noexcept { return records_.size(); }
  void clear() noexcept { records_.clear(); }

 private:
  std::map<std::string, Record, std::less<>> records_;
};

// The eight kinds alike: TraceStoreByKind (engram/trace_kinds.h) turns the
// role's per-kind calls into store, find and list below.
class MemoryTraces final : public TraceStoreByKind<MemoryTraces> {
 public:
  explicit MemoryTraces(Shared& shared) : shared_(shared) {}

  // For the maintenance, with the lock held.
  void count(Json& stats) const {
    stats["network_snapshots"] = table<NetworkSnapshot>().size();
    stats["raw_spike_trains"] = table<SpikeTrainData>().size();
    stats["compressed_spike_trains"] = table<CompressedSpikeTrain>().size();
    stats["reservoir_states"] = table<ReservoirStates>().size();
    stats["layer_outputs"] = table<LayerOutputs>().size();
    stats["plasticity_traces"] = table<PlasticityTrace>().size();
    stats["homeostatic_traces"] = table<HomeostaticTrace>().size();
    stats["performance_metrics"] = table<PerformanceMetrics>().size();
  }
  // What the seed's cleanup_old_data removes: snapshots and raw spike
  // trains with timestamp < `cutoff`. Returns how many.
  std::int64_t erase_older_than(double cutoff) {
    return table<NetworkSnapshot>().erase_older_than(cutoff) +
           table<SpikeTrainData>().erase_older_than(cutoff);
  }
  void clear() {
    std::apply([](auto&... tables) { (tables.clear(), ...); }, tables_);
  }

 private:
  friend TraceStoreByKind<MemoryTraces>;

  // Each kind's table, found by its record type.
  template <class Record>
  TraceTable<Record>& table() {
    return std::get<TraceTable<Record>>(tables_);
  }
  template <class Record>
  const TraceTable<Record>& table() const {
    return std::get<TraceTable<Record>>(tables_);
  }

  template <class View>
  std::string store(const View& view) {
    auto record = owned(view);
    auto lock = shared_.write();
    return table<decltype(record)>().insert(std::move(record));
  }
  template <class Record>
  std::optional<Record> find(std::string_view id) const {
    auto lock = shared_.read();
    return table<Record>().find(id);
  }
  template <class Record>
  Page<Record> list(std::string_view cursor, std::size_t limit) const {
    auto lock = shared_.read();
    return table<Record>().list(cursor, limit, shared_.name());
  }

  std::vector<std::string> do_get_network_snapshots_in_range(double start_time,
                                                             double end_time) override {
    auto lock = shared_.read();
    std::vector<std::string> ids;
    for (const auto& [id, snapshot] : table<NetworkSnapshot>().records()) {
      if (snapshot.timestamp >= start_time && snapshot.timestamp <= end_time) ids.push_back(id);
    }
    return ids;
  }

  // Timestamps arrive checked, so no id can fail once the copies are made:
  // inserting in order is all or nothing.
  TraceBatchIds do_store_batch(const TraceBatch& batch) override {
    auto snapshots = owned_all(batch.network_snapshots());
    auto spike_trains = owned_all(batch.spike_trains());
    auto compressed = owned_all(batch.compressed_spike_trains());
    auto reservoirs = owned_all(batch.reservoir_states());
    auto layer_outputs = owned_all(batch.layer_outputs());
    auto plasticity = owned_all(batch.plasticity_traces());
    auto homeostatic = owned_all(batch.homeostatic_traces());
    auto metrics = owned_all(batch.performance_metrics());
    auto lock = shared_.write();
    return {insert_all(std::move(snapshots)),     insert_all(std::move(spike_trains)),
            insert_all(std::move(compressed)),    insert_all(std::move(reservoirs)),
            insert_all(std::move(layer_outputs)), insert_all(std::move(plasticity)),
            insert_all(std::move(homeostatic)),   insert_all(std::move(metrics))};
  }
  template <class Record>
  std::vector<std::string> insert_all(std::vector<Record>&& records) {
    std::vector<std::string> ids;
    for (Record& record : records) ids.push_back(table<Record>().insert(std::move(record)));
    return ids;
  }

  Shared& shared_;
  std::tuple<TraceTable<NetworkSnapshot>, TraceTable<SpikeTrainData>,
             TraceTable<CompressedSpikeTrain>, TraceTable<ReservoirStates>,
             TraceTable<LayerOutputs>, TraceTable<PlasticityTrace>, TraceTable<HomeostaticTrace>,
             TraceTable<PerformanceMetrics>>
      tables_;
};

// ---------------------------------------------------------------- maintenance

// backup, backup_if_due, compact, rotate and rotate_if_needed are not
// overridden: memory has no file, so they throw NotSupported.
class MemoryMaintenance final : public Maintenance {
 public:
  MemoryMaintenance(Shared& shared, MemoryWorkingMemory& working_memory, MemoryEpisodes& episodes,
                    MemoryConcepts& concepts, MemoryTraces& traces)
      : shared_(shared),
        working_memory_(working_memory),
        episodes_(episodes),
        concepts_(concepts),
        traces_(traces) {}

  std::string_view backend_name() const noexcept override { return shared_.name(); }

  // Live records per kind, and "total".
  Json stats() override {
    auto lock = shared_.read();
    Json stats = Json::object();
    working_memory_.count(stats, shared_.now());
    episodes_.count(stats);
    concepts_.count(stats);
    traces_.count(stats);
    std::size_t total = 0;
    for (const auto& item : stats.items()) total += item.value().get<std::size_t>();
    stats["total"] = total;
    return stats;
  }

  std::int64_t cleanup(int retention_days) override {
    const double cutoff = retention_cutoff(retention_days, shared_.now());
    auto lock = shared_.write();
    return traces_.erase_older_than(cutoff);
  }

  std::int64_t clear_expired() override {
    auto lock = shared_.write();
    return working_memory_.erase_expired(shared_.now());
  }

  void clear_all() override {
    auto lock = shared_.write();
    release();
  }

  // Nothing to flush: every completed store is already as durable as memory is.
  void sync() override { auto lock = shared_.read(); }

  void close() override {
    shared_.life().close([this] { release(); });
  }

 private:
  void release() {
    working_memory_.clear();
    episodes_.clear();
    concepts_.clear();
    traces_.clear();
  }

  Shared& shared_;
  MemoryWorkingMemory& working_memory_;
  MemoryEpisodes& episodes_;
  MemoryConcepts& concepts_;
  MemoryTraces& traces_;
};

// ---------------------------------------------------------------- backend

// The Backend interface's accessors over the parts: every plugin's backend
// has this shape (engram/plugin.h), only the parts differ.
class MemoryBackend final : public Backend {
 public:
  explicit MemoryBackend(const BackendContext& context) : shared_(context) {}

  WorkingMemory* working_memory() noexcept override { return &working_memory_; }
  EpisodeStore* episodes() noexcept override { return &episodes_; }
  ConceptStore* concepts() noexcept override { return &concepts_; }
  TraceStore* traces() noexcept override { return &traces_; }
  Maintenance& maintenance() noexcept override { return maintenance_; }

 private:
  Shared shared_;
  MemoryWorkingMemory working_memory_{shared_};
  MemoryEpisodes episodes_{shared_};
  MemoryConcepts concepts_{shared_};
  MemoryTraces traces_{shared_};
  MemoryMaintenance maintenance_{shared_, working_memory_, episodes_, concepts_, traces_};
};

}  // namespace

// ---------------------------------------------------------------- descriptor

const PluginDescriptor& descriptor() {
  static const PluginDescriptor kDescriptor = [] {
    PluginDescriptor d = describe_plugin<MemoryBackend>(
        "memory", "1.0.0", {std::begin(kAllRoles), std::end(kAllRoles)}, kOptions.schema());
    // A put record keeps its id when free.
    d.capabilities.keeps_ids = true;
    return d;
  }();
  return kDescriptor;
}

}  // namespace engram::memory

BOOST_DLL_ALIAS(engram::memory::descriptor, engram_plugin)
