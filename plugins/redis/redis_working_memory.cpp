// plugins/redis/redis_working_memory.cpp — see redis_working_memory.h.
#include "redis_working_memory.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "engram/compressed_npy.h"
#include "engram/cursor.h"
#include "engram/errors.h"
#include "engram/ids.h"
#include "record_fetch.h"
#include "redis_errors.h"

namespace engram::redis {
namespace {

// What a record's commands take in a CommandBuffer beyond its array value:
// an estimate, so that a batch's buffer is allocated once. (An encoded
// value is never larger than its .npy: a preamble and the data.)
constexpr std::size_t kRecordOverhead = 512;

std::size_t wire_size(const ArrayView& array) { return array.nbytes() + kRecordOverhead; }

// Removes from index `index` each member whose record key (prefix +
// `key_of(member)`) is gone, atomically per member so that a record stored
// meanwhile keeps its entry. Returns how many went.
constexpr const char* kPruneScript =
    "if redis.call('EXISTS', KEYS[1]) == 0 then "
    "return redis.call('ZREM', KEYS[2], ARGV[1]) end return 0";

std::int64_t prune(Link link, const std::string& index,
                   const std::vector<std::pair<std::string, std::string>>& members_and_keys,
                   const std::string& backend) {
  if (members_and_keys.empty()) return 0;
  std::vector<Command> commands;
  for (const auto& [member, key] : members_and_keys) {
    commands.push_back({"EVAL", kPruneScript, "2", key, index, member});
  }
  std::int64_t removed = 0;
  for (const auto& reply : pipeline(link, commands, backend)) {
    removed += checked(reply, "EVAL (prune)", backend).integer;
  }
  return removed;
}

}  // namespace

RedisWorkingMemory::RedisWorkingMemory(const Settings& settings, Pool& pool)
    : settings_(settings),
      pool_(pool),
      layout_(settings.options.key_prefix) {}

std::int64_t RedisWorkingMemory::prune_indexes(Link c) {
  return prune_lex_index(c, layout_.pattern_index(), kPatternKind) +
         prune_lex_index(c, layout_.attention_index(), kAttentionKind) + prune_spike_index(c);
}

void RedisWorkingMemory::count(Link c, Json& stats) {
  const std::vector<Command> commands{{"ZCARD", layout_.pattern_index()},
                                      {"ZCARD", layout_.spike_index()},
                                      {"ZCARD", layout_.attention_index()}};
  const auto replies = pipeline(c, commands, name());
  stats["working_memory"] = checked(replies[0], "ZCARD", name()).integer;
  stats["spike_trains"] = checked(replies[1], "ZCARD", name()).integer;
  stats["attention_weights"] = checked(replies[2], "ZCARD", name()).integer;
}

std::string RedisWorkingMemory::value_of(const ArrayView& array) const {
  return encode_compressed_npy(array, settings_.value_format);
}

// --- stores: one MULTI/EXEC per record or batch ---

void RedisWorkingMemory::store_commands(const WorkingMemoryPatternView& record,
                                        CommandBuffer& out) const {
  const std::string key = layout_.pattern_key(record.pattern_hash);
  out.command("DEL", 2).arg(key);
  out.command("HSET", record.last_accessed ? 10 : 8)
      .arg(key)
      .arg("pattern")
      .arg(value_of(record.pattern))
      .arg("timestamp")
      .arg(number_text(record.timestamp))
      .arg("metadata")
      .arg(record.metadata.get().dump());
  if (record.last_accessed) out.arg("last_accessed").arg(number_text(*record.last_accessed));
  out.command("PEXPIRE", 3).arg(key).arg(millis_text(record.ttl.value_or(settings_.pattern_ttl)));
  out.command("ZADD", 4).arg(layout_.pattern_index()).arg("0").arg(record.pattern_hash);
}

void RedisWorkingMemory::store_commands(const AttentionWeightsView& record,
                                        CommandBuffer& out) const {
  const std::string key = layout_.attention_key(record.context);
  out.command("DEL", 2).arg(key);
  out.command("HSET", 6)
      .arg(key)
      .arg("weights")
      .arg(value_of(record.weights))
      .arg("timestamp")
      .arg(number_text(record.timestamp));
  out.command("PEXPIRE", 3).arg(key).arg(millis_text(record.ttl.value_or(settings_.attention_ttl)));
  out.command("ZADD", 4).arg(layout_.attention_index()).arg("0").arg(record.context);
}

void RedisWorkingMemory::store_commands(const CachedSpikeTrainView& record, std::int64_t seq,
                                        double cached_at, CommandBuffer& out) const {
  const std::string ts = number_text(record.timestamp);
  const std::string member = KeyLayout::spike_member(ts, seq);
  const std::string key = layout_.spike_key(member);
  out.command("HSET", 10)
      .arg(key)
      .arg("spikes")
      .arg(value_of(record.spike_data))
      .arg("neuron_ids")
      .arg(id_list_text(record.neuron_ids))
      .arg("timestamp")
      .arg(ts)
      .arg("cached_at")
      .arg(number_text(cached_at));
  out.command("PEXPIRE", 3).arg(key).arg(millis_text(record.ttl.value_or(settings_.spike_ttl)));
  out.command("ZADD", 4).arg(layout_.spike_index()).arg(ts).arg(member);
}

void RedisWorkingMemory::do_store_working_memory_pattern(const WorkingMemoryPatternView& record) {
  CommandBuffer commands;
  commands.reserve(wire_size(record.pattern));
  store_commands(record, commands);
  pool_.run([&](Link c) { transaction(c, commands, name()); });
}

void RedisWorkingMemory::do_store_attention_weights(const AttentionWeightsView& record) {
  CommandBuffer commands;
  commands.reserve(wire_size(record.weights));
  store_commands(record, commands);
  pool_.run([&](Link c) { transaction(c, commands, name()); });
}

// A train's sequence number is drawn before, and apart from, the
// transaction that writes it: a retried transaction rewrites the same key
// instead of caching the train twice. (A retried INCR only skips a number.)
void RedisWorkingMemory::do_cache_spike_train(const CachedSpikeTrainView& record) {
  const double cached_at = now();
  const std::int64_t seq = pool_.run([&](Link c) {
    return command(c, {"INCR", layout_.spike_seq()}, name())->integer;
  });
  CommandBuffer commands;
  commands.reserve(wire_size(record.spike_data) + record.neuron_ids.size() * 8);
  store_commands(record, seq, cached_at, commands);
  pool_.run([&](Link c) { transaction(c, commands, name()); });
}

void RedisWorkingMemory::do_store_batch(const WorkingMemoryBatch& batch) {
  std::size_t size = 0;
  for (const auto& record : batch.patterns()) size += wire_size(record.pattern);
  for (const auto& record : batch.attention_weights()) size += wire_size(record.weights);
  for (const auto& record : batch.spike_trains()) {
    size += wire_size(record.spike_data) + record.neuron_ids.size() * 8;
  }
  CommandBuffer commands;
  commands.reserve(size);
  for (const auto& record : batch.patterns()) store_commands(record, commands);
  for (const auto& record : batch.attention_weights()) store_commands(record, commands);
  const auto& trains = batch.spike_trains();
  if (!trains.empty()) {
    const double cached_at = now();
    // Sequence numbers last-n+1..last are this batch's, in order.
    const std::int64_t last = pool_.run([&](Link c) {
      return command(c, {"INCRBY", layout_.spike_seq(), std::to_string(trains.size())}, name())
          ->integer;
    });
    std::int64_t seq = last - static_cast<std::int64_t>(trains.size());
    for (const auto& train : trains) store_commands(train, ++seq, cached_at, commands);
  }
  if (commands.empty()) return;
  pool_.run([&](Link c) { transaction(c, commands, name()); });
}

// --- lookups ---

WorkingMemoryPattern RedisWorkingMemory::pattern_of(std::string hash, const Stored& stored,
                                                    const std::string& key) const {
  WorkingMemoryPattern record;
  record.pattern_hash = std::move(hash);
  record.pattern = array_field(stored, "pattern", key, settings_.record_limit, name());
  record.timestamp = number_field(stored, "timestamp", key, name());
  record.metadata = json_field(stored, "metadata", key, name());
  if (stored.find("last_accessed")) {
    record.last_accessed = number_field(stored, "last_accessed", key, name());
  }
  record.ttl = stored.ttl;
  return record;
}

AttentionWeights RedisWorkingMemory::attention_of(std::string context, const Stored& stored,
                                                  const std::string& key) const {
  AttentionWeights record;
  record.context = std::move(context);
  record.weights = array_field(stored, "weights", key, settings_.record_limit, name());
  record.timestamp = number_field(stored, "timestamp", key, name());
  record.ttl = stored.ttl;
  return record;
}

CachedSpikeTrain RedisWorkingMemory::train_of(const Stored& stored, const std::string& key) const {
  CachedSpikeTrain record;
  record.spike_data = array_field(stored, "spikes", key, settings_.record_limit, name());
  record.timestamp = number_field(stored, "timestamp", key, name());
  if (!parse_id_list(field(stored, "neuron_ids", key, name()), record.neuron_ids)) {
    const Json ids = json_field(stored, "neuron_ids", key, name());
    try {
      record.neuron_ids = ids.get<std::vector<std::int64_t>>();
    } catch (const Json::exception& e) {
      throw_corrupt(key, std::string("neuron_ids is not a list of integers: ") + e.what(), name());
    }
  }
  record.ttl = stored.ttl;
  return record;
}

std::optional<WorkingMemoryPattern> RedisWorkingMemory::do_retrieve_working_memory_pattern(
    std::string_view pattern_hash) {
  const std::string key = layout_.pattern_key(pattern_hash);
  const auto stored = pool_.run([&](Link c) { return fetch_one(c, key, name()); });
  if (!stored) return std::nullopt;
  return pattern_of(std::string(pattern_hash), *stored, key);
}

std::optional<AttentionWeights> RedisWorkingMemory::do_retrieve_attention_weights(
    std::string_view context) {
  const std::string key = layout_.attention_key(context);
  const auto stored = pool_.run([&](Link c) { return fetch_one(c, key, name()); });
  if (!stored) return std::nullopt;
  return attention_of(std::string(context), *stored, key);
}

// Sets last_accessed only if the pattern exists, leaving its TTL alone.
bool RedisWorkingMemory::do_update_working_memory_access(std::string_view pattern_hash,
                                                         double now) {
  static constexpr const char* kScript =
      "if redis.call('EXISTS', KEYS[1]) == 1 then "
      "redis.call('HSET', KEYS[1], 'last_accessed', ARGV[1]) return 1 end return 0";
  const std::string key = layout_.pattern_key(pattern_hash);
  return pool_.run([&](Link c) {
    return command(c, {"EVAL", kScript, "1", key, number_text(now)}, name())->integer == 1;
  });
}

// The index members in [min, max] by score, in (timestamp, sequence) order.
std::vector<std::string> RedisWorkingMemory::spike_members(Link c, const std::string& min,
                                                           const std::string& max) const {
  const auto reply = command(c, {"ZRANGEBYSCORE", layout_.spike_index(), min, max}, name());
  std::vector<std::string> members;
  for (std::size_t i = 0; i < reply->elements; ++i) members.push_back(text_of(*reply->element[i]));
  return members;
}

std::optional<CachedSpikeTrain> RedisWorkingMemory::do_retrieve_spike_train(double timestamp) {
  const std::string ts = number_text(timestamp);
  return pool_.run([&](Link c) -> std::optional<CachedSpikeTrain> {
    const auto members = spike_members(c, ts, ts);
    const auto keys = layout_.spike_keys(members);
    const auto stored = fetch(c, keys, name());
    for (std::size_t i = stored.size(); i-- > 0;) {
      if (stored[i]) return train_of(*stored[i], keys[i]);
    }
    return std::nullopt;
  });
}

std::vector<CachedSpikeTrain> RedisWorkingMemory::do_get_spike_trains_since(double since) {
  return pool_.run([&](Link c) {
    const auto members = spike_members(c, number_text(since), "+inf");
    const auto keys = layout_.spike_keys(members);
    std::vector<CachedSpikeTrain> trains;
    trains.reserve(keys.size());
    std::vector<std::pair<std::string, std::string>> gone;
    fetch_each(c, keys, name(), [&](std::size_t i, std::optional<Stored>&& stored) {
      if (stored) {
        trains.push_back(train_of(*stored, keys[i]));
      } else {
        gone.emplace_back(members[i], keys[i]);
      }
    });
    prune(c, layout_.spike_index(), gone, name());
    return trains;
  });
}

// --- listings ---

// One page of a lex index (patterns, attention): members after the
// cursor's, skipping (and pruning) those whose record is gone.
template <class Record, class Make>
Page<Record> RedisWorkingMemory::list_lex(const std::string& index, std::string_view kind,
                                          std::string_view cursor, std::size_t limit, Make make) {
  // A cursor is "after:<member>", the last member a page returned
  // (engram/cursor.h); a lex index's members are ids.
  const std::optional<std::string> after = cursor_id(cursor, name());
  const std::string from = after ? "(" + *after : std::string("-");
  const std::size_t batch = std::min<std::size_t>(limit + 1, 1000);
  return pool_.run([&](Link c) {
    Page<Record> page;
    std::string start = from;
    std::string last;
    for (;;) {
      const auto reply = command(
          c, {"ZRANGEBYLEX", index, start, "+", "LIMIT", "0", std::to_string(batch)}, name());
      std::vector<std::string> members;
      std::vector<std::string> keys;
      for (std::size_t i = 0; i < reply->elements; ++i) {
        members.push_back(text_of(*reply->element[i]));
        keys.push_back(layout_.record_key(kind, members.back()));
      }
      const auto stored = fetch(c, keys, name());
      std::vector<std::pair<std::string, std::string>> gone;
      for (std::size_t i = 0; i < stored.size(); ++i) {
        if (!stored[i]) {
          gone.emplace_back(members[i], keys[i]);
          continue;
        }
        if (page.items.size() == limit) {
          page.next_cursor = cursor_after(last);
          prune(c, index, gone, name());
          return page;
        }
        page.items.push_back(make(members[i], *stored[i], keys[i]));
        last = members[i];
      }
      prune(c, index, gone, name());
      if (members.size() < batch) return page;
      start = "(" + members.back();
    }
  });
}

Page<WorkingMemoryPattern> RedisWorkingMemory::do_list_working_memory_patterns(
    std::string_view cursor, std::size_t limit) {
  return list_lex<WorkingMemoryPattern>(
      layout_.pattern_index(), kPatternKind, cursor, limit,
      [this](const std::string& member, const Stored& stored, const std::string& key) {
        return pattern_of(member, stored, key);
      });
}

Page<AttentionWeights> RedisWorkingMemory::do_list_attention_weights(std::string_view cursor,
                                                                     std::size_t limit) {
  return list_lex<AttentionWeights>(
      layout_.attention_index(), kAttentionKind, cursor, limit,
      [this](const std::string& member, const Stored& stored, const std::string& key) {
        return attention_of(member, stored, key);
      });
}

// Spike trains by (score, member) after the cursor's. Each batch starts
// at the last score seen, inclusive, skipping what was already passed;
// when a whole batch is passed (many trains at one score) it grows.
Page<CachedSpikeTrain> RedisWorkingMemory::do_list_spike_trains(std::string_view cursor,
                                                                std::size_t limit) {
  std::optional<std::pair<double, std::string>> after;
  if (auto member = cursor_key<std::string>(cursor, name())) {
    const auto score = KeyLayout::spike_member_score(*member);
    if (!score) throw_bad_cursor(cursor, name());
    after.emplace(*score, std::move(*member));
  }
  return pool_.run([&](Link c) {
    Page<CachedSpikeTrain> page;
    auto passed = after;
    std::string last;
    std::size_t batch = std::min<std::size_t>(limit + 1, 1000);
    for (;;) {
      const std::string min = passed ? number_text(passed->first) : std::string("-inf");
      const auto reply = command(c,
                                 {"ZRANGEBYSCORE", layout_.spike_index(), min, "+inf", "WITHSCORES",
                                  "LIMIT", "0", std::to_string(batch)},
                                 name());
      const std::size_t returned = reply->elements / 2;
      std::vector<std::pair<double, std::string>> fresh;
      for (std::size_t i = 0; i < returned; ++i) {
        std::pair<double, std::string> entry;
        entry.second = text_of(*reply->element[2 * i]);
        if (!parse_number(text_of(*reply->element[2 * i + 1]), entry.first)) {
          throw_corrupt(layout_.spike_index(), "a score is not a number", name());
        }
        if (!passed || entry > *passed) fresh.push_back(std::move(entry));
      }
      if (fresh.empty()) {
        if (returned < batch) return page;
        batch *= 2;
        continue;
      }
      std::vector<std::string> members;
      for (const auto& entry : fresh) members.push_back(entry.second);
      const auto keys = layout_.spike_keys(members);
      const auto stored = fetch(c, keys, name());
      for (std::size_t i = 0; i < stored.size(); ++i) {
        if (!stored[i]) continue;
        if (page.items.size() == limit) {
          page.next_cursor = cursor_after(last);
          return page;
        }
        page.items.push_back(train_of(*stored[i], keys[i]));
        last = members[i];
      }
      passed = fresh.back();
      if (returned < batch) return page;
    }
  });
}

// Drops members of a lex index whose record is gone.
std::int64_t RedisWorkingMemory::prune_lex_index(Link c, const std::string& index,
                                                 std::string_view kind) {
  std::int64_t removed = 0;
  std::string start = "-";
  for (;;) {
    const auto reply = command(c, {"ZRANGEBYLEX", index, start, "+", "LIMIT", "0", "500"}, name());
    std::vector<std::pair<std::string, std::string>> members;
    for (std::size_t i = 0; i < reply->elements; ++i) {
      std::string member = text_of(*reply->element[i]);
      std::string key = layout_.record_key(kind, member);
      members.emplace_back(std::move(member), std::move(key));
    }
    removed += prune(c, index, members, name());
    if (members.size() < 500) return removed;
    start = "(" + members.back().first;
  }
}

std::int64_t RedisWorkingMemory::prune_spike_index(Link c) {
  std::int64_t removed = 0;
  std::int64_t offset = 0;
  for (;;) {
    const auto reply = command(
        c, {"ZRANGE", layout_.spike_index(), std::to_string(offset), std::to_string(offset + 499)},
        name());
    std::vector<std::pair<std::string, std::string>> members;
    for (std::size_t i = 0; i < reply->elements; ++i) {
      std::string member = text_of(*reply->element[i]);
      std::string key = layout_.spike_key(member);
      members.emplace_back(std::move(member), std::move(key));
    }
    const std::int64_t went = prune(c, layout_.spike_index(), members, name());
    removed += went;
    if (members.size() < 500) return removed;
    offset += 500 - went;  // the removed ones no longer shift the rest
  }
}

}  // namespace engram::redis
