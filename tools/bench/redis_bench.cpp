// The redis plugin through Storage beside the same work done with hiredis
// directly: the same commands in the same round trips (a store is one
// MULTI/DEL/HSET/PEXPIRE/ZADD/EXEC pipeline, a retrieve HGETALL+PTTL, a
// spike train INCR then MULTI/HSET/PEXPIRE/ZADD/EXEC), the same key layout
// (plugins/redis/key_layout.h) under another prefix, and the same value
// bytes: the raw side encodes with the core's engram/compressed_npy.h, as
// the plugin does, in the format the engram config asks for (lz4 above
// 1024 bytes). So the server does equal work and
// the ratio measures what the plugin adds on the client.
//
// The server is the one at 127.0.0.1:$ENGRAM_BENCH_REDIS_PORT
// (tools/bench/redis-bench.sh starts a throwaway one); without it these
// benchmarks skip, and the others still run. Keys are written under
// bench:raw: and bench:engram: only, and cleared before each benchmark.
//
// Google Benchmark's items_per_second and bytes_per_second are per CPU
// second of this thread, blind to the wait for the server: the
// wall_items_per_s and wall_MB_per_s counters are per wall-clock second,
// as ratio_vs_raw is. The thread-scaling entries (<workload>/engram_threads
// on one Storage, and <workload>/raw_threads, one hiredis context per
// thread, as the control) use real time throughout.
#include <hiredis/hiredis.h>
#include <stdlib.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "engram/array.h"
#include "engram/compressed_npy.h"
#include "engram/json.h"
#include "engram/storage.h"
#include "engram/working_memory.h"
#include "ratio.h"

namespace engram::bench {
namespace {

using Millis = std::chrono::milliseconds;

constexpr const char* kRawPrefix = "bench:raw:";
constexpr const char* kEngramPrefix = "bench:engram:";
constexpr const char* kNoServer = "set ENGRAM_BENCH_REDIS_PORT (tools/bench/redis-bench.sh starts a server)";

// What the engram config below asks the plugin for; the raw side encodes
// with the same.
const CompressedNpyFormat kFormat{NpyCodec::kLz4, 0, 1024};
// The plugin's defaults (pattern_ttl 3600 s, spike_ttl 300 s), in the
// milliseconds PEXPIRE takes.
constexpr Millis kPatternTtl{3'600'000};
constexpr Millis kSpikeTtl{300'000};
// get_recent_spike_trains: every prefilled train stays for the whole run
// and inside the window.
constexpr Millis kLongSpikeTtl{3'600'000};
constexpr double kRecentWindow = 86'400.0;

constexpr int kKeys = static_cast<int>(workloads::kReadSet);
constexpr int kSpikes = static_cast<int>(workloads::kCachedSpikes);
constexpr int kRecentTrains = static_cast<int>(workloads::kRecentTrains);
constexpr int kBatchPatterns = static_cast<int>(workloads::kBatchPatterns);
constexpr int kMaxThreads = 4;

std::optional<int> bench_port() {
  const char* text = std::getenv("ENGRAM_BENCH_REDIS_PORT");
  if (text == nullptr || *text == '\0') return std::nullopt;
  int port = 0;
  const char* end = text + std::char_traits<char>::length(text);
  const auto [stop, error] = std::from_chars(text, end, port);
  if (error != std::errc() || stop != end || port < 1 || port > 65535) return std::nullopt;
  return port;
}

double wall_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The plugin's spelling of a double: the shortest exact text.
std::string number_text(double value) {
  char buffer[64];
  const auto stop = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
  return std::string(buffer, stop);
}

// --- the values: random-ish, so lz4 finds what it would in real data ---

// A (100, 50) float32 activation pattern: ReLU of a normal variable, so
// about half are zeros and the rest full-precision noise.
const std::vector<float>& pattern_values() {
  static const std::vector<float> values = [] {
    std::mt19937 random(42);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> v(workloads::kPatternRows * workloads::kPatternCols);
    for (float& x : v) x = std::max(0.0f, normal(random));
    return v;
  }();
  return values;
}
ArrayView pattern() {
  return ArrayView(pattern_values(), Shape{workloads::kPatternRows, workloads::kPatternCols});
}

// 1,000 spike times in seconds (sorted, float32) and the neuron of each.
const std::vector<float>& spike_values() {
  static const std::vector<float> values = [] {
    std::mt19937 random(7);
    std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
    std::vector<float> v(kSpikes);
    for (float& x : v) x = uniform(random);
    std::sort(v.begin(), v.end());
    return v;
  }();
  return values;
}
ArrayView spikes() { return ArrayView(spike_values()); }

const std::vector<std::int64_t>& neuron_ids() {
  static const std::vector<std::int64_t> ids = [] {
    std::mt19937 random(11);
    std::uniform_int_distribution<std::int64_t> uniform(0, 9999);
    std::vector<std::int64_t> v(kSpikes);
    for (auto& id : v) id = uniform(random);
    return v;
  }();
  return ids;
}

const Json& metadata() {
  static const Json value{{"source", "bench"}, {"layer", 3}};
  return value;
}

// Built by appending: GCC 12 at -O3 warns (-Wrestrict) on string + string
// temporaries.
std::string id_of(const char* stem, std::int64_t n) {
  std::string id = stem;
  id += std::to_string(n);
  return id;
}
std::string hash_of(std::int64_t i) { return id_of("pattern_", i % kKeys); }
std::string batch_hash_of(int i) { return id_of("batch_", i); }

// --- the raw side: one hiredis context ---

struct ReplyDeleter {
  void operator()(redisReply* reply) const noexcept { freeReplyObject(reply); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

std::string_view view_of(const redisReply& reply) {
  return reply.str ? std::string_view(reply.str, reply.len) : std::string_view();
}

class RawRedis {
 public:
  explicit RawRedis(int port) {
    // The plugin's defaults: 2 s to connect, 2 s per reply.
    const timeval two_seconds{2, 0};
    context_ = redisConnectWithTimeout("127.0.0.1", port, two_seconds);
    if (context_ == nullptr || context_->err != 0) fail("connect");
    if (redisSetTimeout(context_, two_seconds) != REDIS_OK) fail("set timeout");
  }
  ~RawRedis() { redisFree(context_); }
  RawRedis(const RawRedis&) = delete;
  RawRedis& operator=(const RawRedis&) = delete;

  // Queues one command; hiredis copies the arguments into its output
  // buffer at once, so they may be temporaries.
  void append(std::initializer_list<std::string_view> args) {
    const char* argv[16];
    std::size_t lengths[16];
    std::size_t n = 0;
    for (const std::string_view arg : args) {
      argv[n] = arg.data();
      lengths[n] = arg.size();
      ++n;
    }
    append(n, argv, lengths);
  }
  void append(std::size_t n, const char** argv, const std::size_t* lengths) {
    if (redisAppendCommandArgv(context_, static_cast<int>(n), argv, lengths) != REDIS_OK) {
      fail("append");
    }
  }

  // The next reply (the first call sends what was queued); throws for an
  // error reply.
  Reply reply() {
    void* raw = nullptr;
    if (redisGetReply(context_, &raw) != REDIS_OK || raw == nullptr) fail("reply");
    Reply reply(static_cast<redisReply*>(raw));
    if (reply->type == REDIS_REPLY_ERROR) {
      throw std::runtime_error(std::string("redis: ") + std::string(view_of(*reply)));
    }
    return reply;
  }

  Reply command(std::initializer_list<std::string_view> args) {
    append(args);
    return reply();
  }

  // Reads the replies of a queued MULTI, `commands` commands and EXEC,
  // checking each as the plugin does.
  void finish_transaction(std::size_t commands) {
    for (std::size_t i = 0; i <= commands; ++i) reply();  // +OK, then QUEUED each
    const Reply exec = reply();
    if (exec->type != REDIS_REPLY_ARRAY) throw std::runtime_error("EXEC: not applied");
    for (std::size_t i = 0; i < exec->elements; ++i) {
      if (exec->element[i]->type == REDIS_REPLY_ERROR) throw std::runtime_error("EXEC: a command failed");
    }
  }

 private:
  [[noreturn]] void fail(const char* doing) {
    throw std::runtime_error(std::string("hiredis ") + doing + ": " +
                             (context_ ? context_->errstr : "out of memory"));
  }

  redisContext* context_ = nullptr;
};

// Deletes every key under `prefix` (SCAN + UNLINK: never FLUSHDB, the
// server may hold other data).
void clear_prefix(RawRedis& redis, const std::string& prefix) {
  const std::string match = prefix + "*";
  std::string cursor = "0";
  do {
    const Reply reply = redis.command({"SCAN", cursor, "MATCH", match, "COUNT", "1000"});
    cursor = std::string(view_of(*reply->element[0]));
    const redisReply& keys = *reply->element[1];
    if (keys.elements == 0) continue;
    std::vector<const char*> argv{"UNLINK"};
    std::vector<std::size_t> lengths{6};
    for (std::size_t i = 0; i < keys.elements; ++i) {
      argv.push_back(keys.element[i]->str);
      lengths.push_back(keys.element[i]->len);
    }
    redis.append(argv.size(), argv.data(), lengths.data());
    redis.reply();
  } while (cursor != "0");
}

// Both sides' keys go before each benchmark, so each starts on the same
// server state.
void clear_both(RawRedis& redis) {
  clear_prefix(redis, kRawPrefix);
  clear_prefix(redis, kEngramPrefix);
}

Storage open_engram(int port, int max_connections = 1) {
  return Storage::from_yaml(
      std::string("version: 1\nbackends:\n  wm: {plugin: redis, host: 127.0.0.1, port: ") +
      std::to_string(port) + ", key_prefix: \"" + kEngramPrefix +
      "\", compression: lz4, compression_threshold: 1024, max_connections: " +
      std::to_string(max_connections) + "}\nroles: {working_memory: wm}\n");
}

using workloads::kCacheSpikeTrain;
using workloads::kGetRecentSpikeTrains;
using workloads::kRetrieveWorkingMemoryPattern;
using workloads::kStoreBatch;
using workloads::kStoreWorkingMemoryPattern;

// A pair's workload name: redis/<workload>.
std::string redis_workload(const workloads::Workload& workload) {
  return "redis/" + std::string(workload.name);
}

// The work runs untimed this long first, on both sides alike: the server
// settles after the previous benchmark's clear (its allocator returns the
// freed values) and the connection and client heap warm up, so the order of
// the pairs does not tilt the ratio.
constexpr Millis kWarmUp{100};
constexpr Millis kNoWarmUp{0};

// The wall-clock rates beside Google Benchmark's CPU-time ones, for
// `items` items of `bytes` bytes per iteration.
Rates rates(double items, double bytes, Millis warm_up = kWarmUp) {
  return Rates{
      .items = items, .bytes = bytes, .wall_items = true, .wall_mb = true, .warm_up = warm_up};
}

// --- the raw side's operations: the plugin's commands, by hand ---

// Queues DEL, HSET, PEXPIRE and ZADD of one pattern (the plugin's
// store_commands); 4 commands.
void queue_pattern(RawRedis& redis, const std::string& prefix, const std::string& index,
                   std::string_view hash, const ArrayView& array, double timestamp,
                   const Json& meta) {
  const std::string key = prefix + "wm:" + std::string(hash);
  redis.append({"DEL", key});
  redis.append({"HSET", key, "pattern", encode_compressed_npy(array, kFormat), "timestamp",
                number_text(timestamp), "metadata", meta.dump()});
  redis.append({"PEXPIRE", key, std::to_string(kPatternTtl.count())});
  redis.append({"ZADD", index, "0", hash});
}

void raw_store_pattern(RawRedis& redis, const std::string& prefix, const std::string& index,
                       std::string_view hash, const ArrayView& array, double timestamp,
                       const Json& meta) {
  redis.append({"MULTI"});
  queue_pattern(redis, prefix, index, hash, array, timestamp, meta);
  redis.append({"EXEC"});
  redis.finish_transaction(4);
}

// HGETALL and PTTL pipelined, decoded into what the plugin returns.
std::optional<WorkingMemoryPattern> raw_retrieve_pattern(RawRedis& redis, const std::string& prefix,
                                                         std::string_view hash) {
  const std::string key = prefix + "wm:" + std::string(hash);
  redis.append({"HGETALL", key});
  redis.append({"PTTL", key});
  const Reply fields = redis.reply();
  const Reply pttl = redis.reply();
  if (fields->elements == 0 || pttl->integer == -2) return std::nullopt;
  WorkingMemoryPattern record;
  record.pattern_hash = std::string(hash);
  for (std::size_t f = 0; f + 1 < fields->elements; f += 2) {
    const std::string_view name = view_of(*fields->element[f]);
    const std::string_view value = view_of(*fields->element[f + 1]);
    if (name == "pattern") {
      record.pattern = decode_compressed_npy(value);
    } else if (name == "timestamp") {
      std::from_chars(value.data(), value.data() + value.size(), record.timestamp);
    } else if (name == "metadata") {
      record.metadata = Json::parse(value);
    } else if (name == "last_accessed") {
      double at = 0;
      std::from_chars(value.data(), value.data() + value.size(), at);
      record.last_accessed = at;
    }
  }
  if (pttl->integer >= 0) record.ttl = std::max(Millis(1), Millis(pttl->integer));
  return record;
}

// Neuron ids as the JSON list the plugin writes ("[1,2,3]"), formatted and
// parsed with to_chars/from_chars as a careful hand-written client would
// (the plugin does the same), so the pair compares like with like.
std::string raw_id_list(const std::vector<std::int64_t>& ids) {
  std::string text = "[";
  char buffer[24];
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i != 0) text += ',';
    text.append(buffer, std::to_chars(buffer, buffer + sizeof buffer, ids[i]).ptr);
  }
  return text + "]";
}

std::vector<std::int64_t> raw_parse_ids(std::string_view text) {
  std::vector<std::int64_t> ids;
  const char* at = text.data() + 1;
  const char* const end = text.data() + text.size() - 1;
  while (at < end) {
    std::int64_t id = 0;
    at = std::from_chars(at, end, id).ptr;
    ids.push_back(id);
    if (at < end) ++at;  // the comma
  }
  return ids;
}

// INCR for the sequence number, then the train's MULTI/EXEC (the plugin's
// do_cache_spike_train).
void raw_cache_spike_train(RawRedis& redis, const std::string& prefix, double timestamp,
                           const ArrayView& data, const std::vector<std::int64_t>& ids, Millis ttl) {
  const std::int64_t seq = redis.command({"INCR", prefix + "spikes:seq"})->integer;
  char digits[32];
  std::snprintf(digits, sizeof digits, "%020lld", static_cast<long long>(seq));
  const std::string ts = number_text(timestamp);
  const std::string member = std::string("spikes:") + ts + ":" + digits;
  const std::string key = prefix + member;
  redis.append({"MULTI"});
  redis.append({"HSET", key, "spikes", encode_compressed_npy(data, kFormat), "neuron_ids",
                raw_id_list(ids), "timestamp", ts, "cached_at", number_text(wall_now())});
  redis.append({"PEXPIRE", key, std::to_string(ttl.count())});
  redis.append({"ZADD", prefix + "spikes:index", ts, member});
  redis.append({"EXEC"});
  redis.finish_transaction(3);
}

CachedSpikeTrain train_of(const redisReply& fields, const redisReply& pttl) {
  CachedSpikeTrain train;
  for (std::size_t f = 0; f + 1 < fields.elements; f += 2) {
    const std::string_view name = view_of(*fields.element[f]);
    const std::string_view value = view_of(*fields.element[f + 1]);
    if (name == "spikes") {
      train.spike_data = decode_compressed_npy(value);
    } else if (name == "timestamp") {
      std::from_chars(value.data(), value.data() + value.size(), train.timestamp);
    } else if (name == "neuron_ids") {
      train.neuron_ids = raw_parse_ids(value);
    }
  }
  if (pttl.integer >= 0) train.ttl = std::max(Millis(1), Millis(pttl.integer));
  return train;
}

// ZRANGEBYSCORE on the index, then HGETALL+PTTL of every member in one
// pipeline (the plugin's do_get_spike_trains_since; nothing has expired, so
// its pruning sends nothing).
std::vector<CachedSpikeTrain> raw_recent_spike_trains(RawRedis& redis, const std::string& prefix,
                                                      double window) {
  const Reply members =
      redis.command({"ZRANGEBYSCORE", prefix + "spikes:index", number_text(wall_now() - window), "+inf"});
  std::vector<std::string> keys;
  keys.reserve(members->elements);
  for (std::size_t i = 0; i < members->elements; ++i) {
    keys.push_back(prefix + std::string(view_of(*members->element[i])));
  }
  for (const std::string& key : keys) {
    redis.append({"HGETALL", key});
    redis.append({"PTTL", key});
  }
  std::vector<CachedSpikeTrain> trains;
  trains.reserve(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const Reply fields = redis.reply();
    const Reply pttl = redis.reply();
    if (fields->elements == 0 || pttl->integer == -2) continue;
    trains.push_back(train_of(*fields, *pttl));
  }
  return trains;
}

constexpr double kBaseTime = 1'764'000'000.0;
constexpr double kPatternBytes = workloads::kPatternRows * workloads::kPatternCols * sizeof(float);
constexpr double kSpikeBytes = kSpikes * 4.0;

// Each benchmark: no server → skip; else a clean server.
#define ENGRAM_REDIS_BENCH_PORT(state)             \
  const std::optional<int> port = bench_port();     \
  if (!port) {                                      \
    (state).SkipWithError(kNoServer);               \
    return;                                         \
  }

// --- store_working_memory_pattern: (100, 50) float32 ---

void store_pattern_raw(benchmark::State& state) {
  ENGRAM_REDIS_BENCH_PORT(state)
  RawRedis redis(*port);
  clear_both(redis);
  const std::string prefix = kRawPrefix;
  const std::string index = prefix + "index:wm";
  std::int64_t i = 0;
  const auto store = [&] {
    raw_store_pattern(redis, prefix, index, hash_of(i), pattern(), kBaseTime + static_cast<double>(i),
                      metadata());
    ++i;
  };
  time_loop(state, Compare::kRawBaseline, redis_workload(kStoreWorkingMemoryPattern),
            rates(1, kPatternBytes), store);
}

void store_pattern_engram(benchmark::State& state) {
  ENGRAM_REDIS_BENCH_PORT(state)
  {
    RawRedis redis(*port);
    clear_both(redis);
  }
  Storage storage = open_engram(*port);
  auto wm = storage.working_memory();
  std::int64_t i = 0;
  const auto store = [&] {
    wm->store_working_memory_pattern(hash_of(i), pattern(), kBaseTime + static_cast<double>(i),
                                     metadata());
    ++i;
  };
  time_loop(state, Compare::kVsRaw, redis_workload(kStoreWorkingMemoryPattern),
            rates(1, kPatternBytes), store);
}

// --- retrieve_working_memory_pattern ---

void retrieve_pattern_raw(benchmark::State& state) {
  ENGRAM_REDIS_BENCH_PORT(state)
  RawRedis redis(*port);
  clear_both(redis);
  const std::string prefix = kRawPrefix;
  const std::string index = prefix + "index:wm";
  for (int k = 0; k < kKeys; ++k) raw_store_pattern(redis, prefix, index, hash_of(k), pattern(), kBaseTime, metadata());
  std::int64_t i = 0;
  const auto retrieve = [&] {
    auto record = raw_retrieve_pattern(redis, prefix, hash_of(i++));
    benchmark::DoNotOptimize(record->pattern.data());
  };
  time_loop(state, Compare::kRawBaseline, redis_workload(kRetrieveWorkingMemoryPattern),
            rates(1, kPatternBytes), retrieve);
}

void prefill_patterns(WorkingMemory& wm) {
  WorkingMemoryBatch batch;
  for (int k = 0; k < kKeys; ++k) batch.store_working_memory_pattern(hash_of(k), pattern(), kBaseTime, metadata());
  wm.store_batch(batch);
}

void retrieve_pattern_engram(benchmark::State& state) {
  ENGRAM_REDIS_BENCH_PORT(state)
  {
    RawRedis redis(*port);
    clear_both(redis);
  }
  Storage storage = open_engram(*port);
  auto wm = storage.working_memory();
  prefill_patterns(*wm);
  std::int64_t i = 0;
  const auto retrieve = [&] {
    auto record = wm->retrieve_working_memory_pattern(hash_of(i++));
    benchmark::DoNotOptimize(record->pattern.data());
  };
  time_loop(state, Compare::kVsRaw, redis_workload(kRetrieveWorkingMemoryPattern),
            rates(1, kPatternBytes), retrieve);
}

// --- cache_spike_train: 1,000 float32 spikes + neuron ids ---

void cache_spike_train_raw(benchmark::State& state) {
  ENGRAM_REDIS_BENCH_PORT(state)
  RawRedis redis(*port);
  clear_both(redis);
  const std::string prefix = kRawPrefix;
  std::int64_t i = 0;
  const auto cache = [&] {
    raw_cache_spike_train(redis, prefix, kBaseTime + static_cast<double>(i++) * 0.001, spikes(),
                          neuron_ids(), kSpikeTtl);
  };
  time_loop(state, Compare::kRawBaseline, redis_workload(kCacheSpikeTrain),
            rates(1, kSpikeBytes), cache);
}

void cache_spike_train_engram(benchmark::State& state) {
  ENGRAM_REDIS_BENCH_PORT(state)
  {
    RawRedis redis(*port);
    clear_both(redis);
  }
  Storage storage = open_engram(*port);
  auto wm = storage.working_memory();
  std::int64_t i = 0;
  const auto cache = [&] {
    wm->cache_spike_train(kBaseTime + static_cast<double>(i++) * 0.001, spikes(), neuron_ids());
  };
  time_loop(state, Compare::kVsRaw, redis_workload(kCacheSpikeTrain), rates(1, kSpikeBytes), cache);
}

// --- get_recent_spike_trains over 5,000 cached trains ---
//
// Google Benchmark calls a benchmark several times while it sizes the
// iteration count: the 5,000 trains are cached once and kept while the
// index still counts them.

bool has_recent_trains(RawRedis& redis, const std::string& prefix) {
  return redis.command({"ZCARD", prefix + "spikes:index"})->integer == kRecentTrains;
}

void recent_spike_trains_raw(benchmark::State& state) {
  ENGRAM_REDIS_BENCH_PORT(state)
  RawRedis redis(*port);
  const std::string prefix = kRawPrefix;
  if (!has_recent_trains(redis, prefix)) {
    clear_both(redis);
    const double now = wall_now();
    for (int k = 0; k < kRecentTrains; ++k) {
      raw_cache_spike_train(redis, prefix, now - k * 0.001, spikes(), neuron_ids(), kLongSpikeTtl);
    }
  }
  time_loop(state, Compare::kRawBaseline, redis_workload(kGetRecentSpikeTrains),
            rates(kRecentTrains, kRecentTrains * kSpikeBytes, kNoWarmUp), [&] {
              auto trains = raw_recent_spike_trains(redis, prefix, kRecentWindow);
              if (trains.size() != static_cast<std::size_t>(kRecentTrains)) {
                state.SkipWithError("raw: not every cached train came back");
                return false;
              }
              benchmark::DoNotOptimize(trains.data());
              return true;
            });
}

void recent_spike_trains_engram(benchmark::State& state) {
  ENGRAM_REDIS_BENCH_PORT(state)
  bool prefill = false;
  {
    RawRedis redis(*port);
    if (!has_recent_trains(redis, kEngramPrefix)) {
      clear_both(redis);
      prefill = true;
    }
  }
  Storage storage = open_engram(*port);
  auto wm = storage.working_memory();
  if (prefill) {
    // In batches, so no single transaction holds 20 MB.
    const double now = wall_now();
    for (int k = 0; k < kRecentTrains;) {
      WorkingMemoryBatch batch;
      for (int n = 0; n < 500 && k < kRecentTrains; ++n, ++k) {
        batch.cache_spike_train(now - k * 0.001, spikes(), neuron_ids(), kLongSpikeTtl);
      }
      wm->store_batch(batch);
    }
  }
  time_loop(state, Compare::kVsRaw, redis_workload(kGetRecentSpikeTrains),
            rates(kRecentTrains, kRecentTrains * kSpikeBytes, kNoWarmUp), [&] {
              auto trains = wm->get_recent_spike_trains(kRecentWindow);
              if (trains.size() != static_cast<std::size_t>(kRecentTrains)) {
                state.SkipWithError("engram: not every cached train came back");
                return false;
              }
              benchmark::DoNotOptimize(trains.data());
              return true;
            });
}

// --- store_batch: 100 patterns in one MULTI/EXEC, one round trip ---

void store_batch_raw(benchmark::State& state) {
  ENGRAM_REDIS_BENCH_PORT(state)
  RawRedis redis(*port);
  clear_both(redis);
  const std::string prefix = kRawPrefix;
  const std::string index = prefix + "index:wm";
  std::vector<std::string> hashes;
  for (int k = 0; k < kBatchPatterns; ++k) hashes.push_back(batch_hash_of(k));
  std::int64_t i = 0;
  const auto store = [&] {
    const double timestamp = kBaseTime + static_cast<double>(i++);
    redis.append({"MULTI"});
    for (const std::string& hash : hashes) queue_pattern(redis, prefix, index, hash, pattern(), timestamp, metadata());
    redis.append({"EXEC"});
    redis.finish_transaction(4 * kBatchPatterns);
  };
  time_loop(state, Compare::kRawBaseline, redis_workload(kStoreBatch),
            rates(kBatchPatterns, kBatchPatterns * kPatternBytes), store);
}

void store_batch_engram(benchmark::State& state) {
  ENGRAM_REDIS_BENCH_PORT(state)
  {
    RawRedis redis(*port);
    clear_both(redis);
  }
  Storage storage = open_engram(*port);
  auto wm = storage.working_memory();
  std::vector<std::string> hashes;
  for (int k = 0; k < kBatchPatterns; ++k) hashes.push_back(batch_hash_of(k));
  std::int64_t i = 0;
  const auto store = [&] {
    const double timestamp = kBaseTime + static_cast<double>(i++);
    WorkingMemoryBatch batch;
    for (const std::string& hash : hashes) batch.store_working_memory_pattern(hash, pattern(), timestamp, metadata());
    wm->store_batch(batch);
  };
  time_loop(state, Compare::kVsRaw, redis_workload(kStoreBatch),
            rates(kBatchPatterns, kBatchPatterns * kPatternBytes), store);
}

// --- thread scaling: 1 and 4 threads on one Storage ---
//
// Setup opens the Storage (a pool of kMaxThreads connections) once per
// thread count, before the threads start; Teardown closes it. The 1-thread
// run records its wall rate, and the 4-thread run reports
// speedup_vs_1_thread = its items_per_second ÷ that.

std::optional<Storage>& shared_storage() {
  static std::optional<Storage> storage;
  return storage;
}

void open_shared(bool with_patterns) {
  const std::optional<int> port = bench_port();
  if (!port) return;
  {
    RawRedis redis(*port);
    clear_both(redis);
  }
  shared_storage().emplace(open_engram(*port, kMaxThreads));
  if (with_patterns) prefill_patterns(*shared_storage()->working_memory());
}
void open_shared_empty(const benchmark::State&) { open_shared(false); }
void open_shared_prefilled(const benchmark::State&) { open_shared(true); }
void close_shared(const benchmark::State&) { shared_storage().reset(); }

// A thread-scaling entry's name: redis/<workload>/<side>.
std::string threads_entry(const workloads::Workload& workload, const char* side) {
  return redis_workload(workload) + "/" + side;
}

// CPU-time rates only, per thread.
constexpr Rates kScalingRates{.bytes = kPatternBytes, .warm_up = kWarmUp};

// The control: the same with raw hiredis, one context per thread; shows
// what the machine allows, and so whether the plugin's pool holds threads
// back.
void prefill_raw_patterns(const benchmark::State&) {
  const std::optional<int> port = bench_port();
  if (!port) return;
  RawRedis redis(*port);
  clear_both(redis);
  const std::string prefix = kRawPrefix;
  const std::string index = prefix + "index:wm";
  for (int k = 0; k < kKeys; ++k) raw_store_pattern(redis, prefix, index, hash_of(k), pattern(), kBaseTime, metadata());
}

void store_pattern_raw_threads(benchmark::State& state) {
  const std::optional<int> port = bench_port();
  if (!port) {
    state.SkipWithError(kNoServer);
    return;
  }
  RawRedis redis(*port);
  const std::string prefix = kRawPrefix;
  const std::string index = prefix + "index:wm";
  const std::int64_t first = static_cast<std::int64_t>(state.thread_index()) * kKeys;
  std::int64_t i = 0;
  const auto store = [&] {
    raw_store_pattern(redis, prefix, index, id_of("thread_pattern_", first + i % kKeys), pattern(),
                      kBaseTime + static_cast<double>(i), metadata());
    ++i;
  };
  time_loop(state, Compare::kVsOneThread,
            threads_entry(kStoreWorkingMemoryPattern, "raw_threads"), kScalingRates,
            store);
}

void retrieve_pattern_raw_threads(benchmark::State& state) {
  const std::optional<int> port = bench_port();
  if (!port) {
    state.SkipWithError(kNoServer);
    return;
  }
  RawRedis redis(*port);
  const std::string prefix = kRawPrefix;
  std::int64_t i = static_cast<std::int64_t>(state.thread_index()) * 61;
  const auto retrieve = [&] {
    auto record = raw_retrieve_pattern(redis, prefix, hash_of(i++));
    benchmark::DoNotOptimize(record->pattern.data());
  };
  time_loop(state, Compare::kVsOneThread,
            threads_entry(kRetrieveWorkingMemoryPattern, "raw_threads"), kScalingRates,
            retrieve);
}

void store_pattern_threads(benchmark::State& state) {
  if (!shared_storage()) {
    state.SkipWithError(kNoServer);
    return;
  }
  auto wm = shared_storage()->working_memory();
  // Each thread its own kKeys keys, as separate callers would have.
  const std::int64_t first = static_cast<std::int64_t>(state.thread_index()) * kKeys;
  std::int64_t i = 0;
  const auto store = [&] {
    wm->store_working_memory_pattern(id_of("thread_pattern_", first + i % kKeys), pattern(),
                                     kBaseTime + static_cast<double>(i), metadata());
    ++i;
  };
  time_loop(state, Compare::kVsOneThread,
            threads_entry(kStoreWorkingMemoryPattern, "engram_threads"), kScalingRates,
            store);
}

void retrieve_pattern_threads(benchmark::State& state) {
  if (!shared_storage()) {
    state.SkipWithError(kNoServer);
    return;
  }
  auto wm = shared_storage()->working_memory();
  std::int64_t i = static_cast<std::int64_t>(state.thread_index()) * 61;
  const auto retrieve = [&] {
    auto record = wm->retrieve_working_memory_pattern(hash_of(i++));
    benchmark::DoNotOptimize(record->pattern.data());
  };
  time_loop(state, Compare::kVsOneThread,
            threads_entry(kRetrieveWorkingMemoryPattern, "engram_threads"), kScalingRates,
            retrieve);
}

#undef ENGRAM_REDIS_BENCH_PORT

}  // namespace

BENCHMARK(store_pattern_raw)->Name(raw_entry(redis_workload(kStoreWorkingMemoryPattern)));
BENCHMARK(store_pattern_engram)->Name(engram_entry(redis_workload(kStoreWorkingMemoryPattern)));
BENCHMARK(retrieve_pattern_raw)->Name(raw_entry(redis_workload(kRetrieveWorkingMemoryPattern)));
BENCHMARK(retrieve_pattern_engram)
    ->Name(engram_entry(redis_workload(kRetrieveWorkingMemoryPattern)));
BENCHMARK(cache_spike_train_raw)->Name(raw_entry(redis_workload(kCacheSpikeTrain)));
BENCHMARK(cache_spike_train_engram)->Name(engram_entry(redis_workload(kCacheSpikeTrain)));
BENCHMARK(recent_spike_trains_raw)
    ->Name(raw_entry(redis_workload(kGetRecentSpikeTrains)))
    ->Unit(benchmark::kMillisecond);
BENCHMARK(recent_spike_trains_engram)
    ->Name(engram_entry(redis_workload(kGetRecentSpikeTrains)))
    ->Unit(benchmark::kMillisecond);
BENCHMARK(store_batch_raw)
    ->Name(raw_entry(redis_workload(kStoreBatch)))
    ->Unit(benchmark::kMillisecond);
BENCHMARK(store_batch_engram)
    ->Name(engram_entry(redis_workload(kStoreBatch)))
    ->Unit(benchmark::kMillisecond);
BENCHMARK(store_pattern_raw_threads)
    ->Name(threads_entry(kStoreWorkingMemoryPattern, "raw_threads"))
    ->Setup(prefill_raw_patterns)
    ->Threads(1)
    ->Threads(kMaxThreads)
    ->UseRealTime();
BENCHMARK(store_pattern_threads)
    ->Name(threads_entry(kStoreWorkingMemoryPattern, "engram_threads"))
    ->Setup(open_shared_empty)
    ->Teardown(close_shared)
    ->Threads(1)
    ->Threads(kMaxThreads)
    ->UseRealTime();
BENCHMARK(retrieve_pattern_raw_threads)
    ->Name(threads_entry(kRetrieveWorkingMemoryPattern, "raw_threads"))
    ->Setup(prefill_raw_patterns)
    ->Threads(1)
    ->Threads(kMaxThreads)
    ->UseRealTime();
BENCHMARK(retrieve_pattern_threads)
    ->Name(threads_entry(kRetrieveWorkingMemoryPattern, "engram_threads"))
    ->Setup(open_shared_prefilled)
    ->Teardown(close_shared)
    ->Threads(1)
    ->Threads(kMaxThreads)
    ->UseRealTime();

}  // namespace engram::bench
