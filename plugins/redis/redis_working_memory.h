// plugins/redis/redis_working_memory.h — the working-memory role on a Redis
// server: the seed's RedisStorage, over the key layout of key_layout.h.
//
// Every store is one MULTI/EXEC (a record with its expiry and index entry,
// or a whole batch) and idempotent: a spike train's sequence number is
// drawn before its transaction, so a store the pool retries after the
// server ran it writes the same record again, never a second copy. Redis
// expires the records; index members whose record is gone are dropped
// lazily (by listings, get_spike_trains_since, and the maintenance's stats
// and clear_expired), each by a script that removes it only if the key is
// still missing.
//
// Listings page through the index sorted sets, never SCAN (which may return
// a key twice): a cursor is "after:<member>", so every record present for a
// whole listing is returned exactly once; a cursor this backend did not give
// is InvalidArgument. A record whose fields do not read back is CorruptData
// (record_encoding.h); connection and server errors are the mapper's
// (redis_errors.h).
//
// Thread safety: every method may be called from several threads at once
// (each call checks out its own connection from the pool).
#ifndef ENGRAM_PLUGINS_REDIS_REDIS_WORKING_MEMORY_H_
#define ENGRAM_PLUGINS_REDIS_REDIS_WORKING_MEMORY_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "command_buffer.h"
#include "commands.h"
#include "connection_pool.h"
#include "engram/json.h"
#include "engram/maintenance.h"
#include "engram/page.h"
#include "engram/working_memory.h"
#include "key_layout.h"
#include "record_encoding.h"
#include "redis_options.h"

namespace engram::redis {

class RedisWorkingMemory final : public WorkingMemory {
 public:
  // Keeps references to all three; REQUIRES: they outlive it.
  RedisWorkingMemory(const Settings& settings, Pool& pool);


  // For the maintenance: drops index members of expired records; returns
  // how many.
  std::int64_t prune_indexes(Link c);
  // The live record counts ("working_memory", "spike_trains",
  // "attention_weights") into `stats`, after prune_indexes.
  void count(Link c, Json& stats);

 private:
  const std::string& name() const noexcept { return pool_.backend(); }
  std::string value_of(const ArrayView& array) const;

  // The commands that store one record, appended to `out`.
  void store_commands(const WorkingMemoryPatternView& record, CommandBuffer& out) const;
  void store_commands(const AttentionWeightsView& record, CommandBuffer& out) const;
  void store_commands(const CachedSpikeTrainView& record, std::int64_t seq, double cached_at,
                      CommandBuffer& out) const;

  void do_store_working_memory_pattern(const WorkingMemoryPatternView& record) override;
  void do_store_attention_weights(const AttentionWeightsView& record) override;
  void do_cache_spike_train(const CachedSpikeTrainView& record) override;
  void do_store_batch(const WorkingMemoryBatch& batch) override;

  // The record stored at `key`; throws CorruptData when it does not read.
  WorkingMemoryPattern pattern_of(std::string hash, const Stored& stored,
                                  const std::string& key) const;
  AttentionWeights attention_of(std::string context, const Stored& stored,
                                const std::string& key) const;
  CachedSpikeTrain train_of(const Stored& stored, const std::string& key) const;

  std::optional<WorkingMemoryPattern> do_retrieve_working_memory_pattern(
      std::string_view pattern_hash) override;
  std::optional<AttentionWeights> do_retrieve_attention_weights(std::string_view context) override;
  bool do_update_working_memory_access(std::string_view pattern_hash, double now) override;
  // The spike-index members in [min, max] by score, in (timestamp,
  // sequence) order.
  std::vector<std::string> spike_members(Link c, const std::string& min,
                                         const std::string& max) const;
  std::optional<CachedSpikeTrain> do_retrieve_spike_train(double timestamp) override;
  std::vector<CachedSpikeTrain> do_get_spike_trains_since(double since) override;

  // One page of a lex index (patterns, attention) of `kind`.
  template <class Record, class Make>
  Page<Record> list_lex(const std::string& index, std::string_view kind, std::string_view cursor,
                        std::size_t limit, Make make);
  Page<WorkingMemoryPattern> do_list_working_memory_patterns(std::string_view cursor,
                                                             std::size_t limit) override;
  Page<AttentionWeights> do_list_attention_weights(std::string_view cursor,
                                                   std::size_t limit) override;
  Page<CachedSpikeTrain> do_list_spike_trains(std::string_view cursor, std::size_t limit) override;

  // Drop the members of an index whose record is gone; return how many.
  std::int64_t prune_lex_index(Link c, const std::string& index, std::string_view kind);
  std::int64_t prune_spike_index(Link c);

  const Settings& settings_;
  Pool& pool_;
  const KeyLayout layout_;
};

}  // namespace engram::redis

#endif  // ENGRAM_PLUGINS_REDIS_REDIS_WORKING_MEMORY_H_
