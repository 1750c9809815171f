// plugins/redis/redis_options.h — the redis backend's options: one struct
// with the seed's names and defaults, its schema table, and the Settings
// they resolve to (checked, in the units the backend uses).
//
// Errors: settings_of throws ConfigError for an unknown key or a wrong type
// (OptionTable::bind), for a value out of its range ("option 'port' must
// be from 1 to 65535"), and for a Sentinel setup that does not hold
// together: a `sentinels` entry that is not host:port, `sentinels` without
// `master_name`, or `sentinels` with `unix_socket`, or with `host` or
// `port` other than their defaults (with sentinels the master's address is
// theirs to say; host and port are left out), and `master_name` or
// `sentinel_password` without `sentinels`.
//
// Thread safety: option_table() is built once, on first use, and is
// immutable; a Settings is immutable once made.
#ifndef ENGRAM_PLUGINS_REDIS_REDIS_OPTIONS_H_
#define ENGRAM_PLUGINS_REDIS_REDIS_OPTIONS_H_

#include <sys/time.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "engram/compressed_npy.h"
#include "engram/json.h"
#include "engram/options.h"
#include "engram/record_limits.h"
#include "engram/ttl_limits.h"
#include "replica_wait.h"
#include "round_trip.h"
#include "sentinel.h"

namespace engram::redis {

struct RedisOptions {
  std::string host = "localhost";
  std::int64_t port = 6379;
  std::int64_t db = 0;
  std::string password;
  std::string username;
  std::string unix_socket;
  std::string key_prefix = "engram:";
  std::int64_t max_connections = 10;
  std::int64_t compression_threshold = 1024;
  std::string compression = "lz4";
  std::int64_t compression_level = 0;
  std::int64_t retry_attempts = 3;
  double retry_delay = 0.1;
  double connect_timeout = 2.0;
  double command_timeout = 2.0;
  double pattern_ttl = kDefaultPatternTtl;
  double attention_ttl = kDefaultAttentionTtl;
  double spike_ttl = kDefaultSpikeTtl;
  std::int64_t max_reply_bytes = std::int64_t{512} << 20;
  std::int64_t max_record_bytes = kDefaultMaxRecordBytes;
  // Redis Sentinel (sentinel.h): the master is the one these name.
  std::vector<std::string> sentinels;
  std::string master_name;
  std::string sentinel_password;
  // Replication (replica_wait.h): stores wait for this many replicas.
  std::int64_t min_replicas_acked = 0;
  double min_replicas_timeout = 1.0;
};

// The schema rows (key, type, default, doc) of RedisOptions.
const OptionTable<RedisOptions>& option_table();

using Millis = std::chrono::milliseconds;

// The options checked and in the units the backend uses.
struct Settings {
  RedisOptions options;
  Millis pattern_ttl{};
  Millis attention_ttl{};
  Millis spike_ttl{};
  timeval connect_timeout{};
  timeval command_timeout{};
  CompressedNpyFormat value_format;
  // What each round trip obeys (round_trip.h); a store's, when it waits
  // for replicas, has min_replicas_timeout more.
  RoundTripLimits limits;
  RoundTripLimits store_limits;
  // What a store asks of the replicas (WAIT); none when min_replicas_acked
  // is 0.
  ReplicaWait replica_wait;
  // The sentinels, in the order given; empty without Sentinel.
  std::vector<ServerAddress> sentinels;
  // "host:port" or the socket path, for messages; with sentinels,
  // "master `<master_name>` of sentinels <host:port>, ..." (each
  // connection then names the address it reached).
  std::string where;
  // The most bytes a decoded array value may declare.
  std::uint64_t record_limit = 0;
};

// The Settings of backend `backend`'s options. Throws ConfigError as
// above (the Sentinel setup's naming `backend`).
Settings settings_of(const Json& json, const std::string& backend);

}  // namespace engram::redis

#endif  // ENGRAM_PLUGINS_REDIS_REDIS_OPTIONS_H_
