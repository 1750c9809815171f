// plugins/redis/redis_options.cpp — see redis_options.h.
#include "redis_options.h"

#include <string>
#include <string_view>

#include "engram/errors.h"
#include "engram/ttl_limits.h"

namespace engram::redis {
namespace {

// A timeout is whole microseconds (a timeval), at most a day.
constexpr double kMinTimeoutSeconds = 1e-6;
constexpr double kMaxTimeoutSeconds = 86400.0;

Millis millis(double seconds) {
  return std::chrono::round<Millis>(std::chrono::duration<double>(seconds));
}

timeval timeval_of(double seconds) {
  const auto micros =
      std::chrono::round<std::chrono::microseconds>(std::chrono::duration<double>(seconds)).count();
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(micros / 1000000);
  tv.tv_usec = static_cast<suseconds_t>(micros % 1000000);
  return tv;
}

// With sentinels, the master's address is theirs to say: host, port and
// unix_socket must be left out (the config gives them their defaults, so
// a value other than the default was written).
void check_sentinel_setup(const RedisOptions& o, const std::string& backend) {
  const RedisOptions defaults;
  for (std::size_t i = 0; i < o.sentinels.size(); ++i) {
    if (!parse_server_address(o.sentinels[i])) {
      throw ConfigError("option 'sentinels': entry " + std::to_string(i + 1) + ", `" +
                            o.sentinels[i] +
                            "`, is not host:port (e.g. 127.0.0.1:26379, [::1]:26379)",
                        backend);
    }
  }
  if (o.master_name.empty()) {
    throw ConfigError(
        "option 'master_name' is needed with 'sentinels': the name the sentinels monitor the "
        "master by (sentinel monitor <name> ...)",
        backend);
  }
  const auto conflict = [&](const std::string& key) {
    throw ConfigError("option '" + key +
                          "' cannot be given with 'sentinels': the sentinels say where the master "
                          "is; leave '" +
                          key + "' out",
                      backend);
  };
  if (!o.unix_socket.empty()) conflict("unix_socket");
  if (o.host != defaults.host) conflict("host");
  if (o.port != defaults.port) conflict("port");
}

}  // namespace

const OptionTable<RedisOptions>& option_table() {
  static const auto kOptions =
      with_working_memory_ttls(OptionTable<RedisOptions>())
          .add("host", &RedisOptions::host, "server host name or address")
          .add("port", &RedisOptions::port, "server TCP port", in_range(1, 65535))
          .add("db", &RedisOptions::db, "database number (SELECT)", at_least(0))
          .add("password", &RedisOptions::password, "AUTH password; empty for none",
               OptionType::kSecret)
          .add("username", &RedisOptions::username, "ACL user for AUTH; empty for the default user")
          .add("unix_socket", &RedisOptions::unix_socket,
               "Unix socket to connect to instead of host and port; empty for TCP",
               OptionType::kPath)
          .add("key_prefix", &RedisOptions::key_prefix,
               "prefix of every key this backend writes; clear_all deletes only these", non_empty())
          .add("max_connections", &RedisOptions::max_connections,
               "most connections open at once; calls beyond wait for one", in_range(1, 10000))
          .add("compression_threshold", &RedisOptions::compression_threshold,
               "array values whose .npy is larger than this many bytes are compressed", at_least(0))
          .add("compression", &RedisOptions::compression,
               "codec for values above compression_threshold: lz4, zstd, zlib or none",
               one_of({"lz4", "zstd", "zlib", "none"}))
          .add("compression_level", &RedisOptions::compression_level,
               "the codec's level; 0 for its default (lz4: above 2 selects LZ4-HC)",
               in_range(-100, 22))
          .add("retry_attempts", &RedisOptions::retry_attempts,
               "attempts a call makes in all when the connection fails", in_range(1, 100))
          .add("retry_delay", &RedisOptions::retry_delay,
               "seconds before the first retry, doubling for each further one", in_range(0, 60))
          .add("connect_timeout", &RedisOptions::connect_timeout, "seconds a connect may take",
               in_range(kMinTimeoutSeconds, kMaxTimeoutSeconds))
          .add("command_timeout", &RedisOptions::command_timeout,
               "seconds one round trip (commands sent together and all their replies) may take "
               "in all, however the server dribbles its bytes",
               in_range(kMinTimeoutSeconds, kMaxTimeoutSeconds))
          .add("max_reply_bytes", &RedisOptions::max_reply_bytes,
               "largest reply a call accepts; larger is CorruptData before it is buffered",
               at_least(1))
          .add("max_record_bytes", &RedisOptions::max_record_bytes,
               "largest decoded array value a read accepts (never more than the machine's "
               "memory); larger is CorruptData before it is allocated",
               at_least(1))
          .add("sentinels", &RedisOptions::sentinels,
               "Redis Sentinel: host:port of each sentinel, asked in this order for the "
               "master's address, again (from the next sentinel on) whenever a connection to it "
               "fails or it answers READONLY; empty: connect to host and port (with sentinels, "
               "leave host, port and unix_socket out)")
          .add("master_name", &RedisOptions::master_name,
               "the master's name in the sentinels' config (sentinel monitor <name> ...); "
               "needed with sentinels")
          .add("sentinel_password", &RedisOptions::sentinel_password,
               "AUTH password for the sentinels (their requirepass); empty for none",
               OptionType::kSecret)
          .add("min_replicas_acked", &RedisOptions::min_replicas_acked,
               "replicas that must have a store before it returns (WAIT, sent with the store); "
               "fewer within min_replicas_timeout is a ConnectionError (the store is on the "
               "master, retried like a failed connection); 0: do not wait",
               at_least(0))
          .add("min_replicas_timeout", &RedisOptions::min_replicas_timeout,
               "seconds a store waits for min_replicas_acked replicas, on top of "
               "command_timeout",
               in_range(0.001, kMaxTimeoutSeconds));
  return kOptions;
}

// The options' ranges are checked where they are bound (option_table()).
Settings settings_of(const Json& json, const std::string& backend) {
  Settings s;
  s.options = option_table().bind(json);
  const RedisOptions& o = s.options;
  s.value_format.codec = *npy_codec_named(o.compression);
  s.value_format.level = static_cast<int>(o.compression_level);
  s.value_format.threshold = static_cast<std::size_t>(o.compression_threshold);
  s.pattern_ttl = millis(o.pattern_ttl);
  s.attention_ttl = millis(o.attention_ttl);
  s.spike_ttl = millis(o.spike_ttl);
  s.connect_timeout = timeval_of(o.connect_timeout);
  s.command_timeout = timeval_of(o.command_timeout);
  s.limits.command_timeout = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(o.command_timeout));
  s.limits.max_reply_bytes = static_cast<std::uint64_t>(o.max_reply_bytes);
  s.record_limit = effective_record_limit(o.max_record_bytes);
  s.store_limits = s.limits;
  s.replica_wait = replica_wait(o.min_replicas_acked, o.min_replicas_timeout);
  if (o.min_replicas_acked > 0) {
    s.store_limits.command_timeout += std::chrono::milliseconds(s.replica_wait.timeout_ms);
  }
  s.where = o.unix_socket.empty() ? o.host + ":" + std::to_string(o.port) : o.unix_socket;
  if (o.sentinels.empty()) {
    // A Sentinel option alone: the sentinels were most likely forgotten.
    for (const auto& [key, value] : {std::pair{"master_name", &o.master_name},
                                     std::pair{"sentinel_password", &o.sentinel_password}}) {
      if (!value->empty()) {
        throw ConfigError(std::string("option '") + key +
                              "' is given without 'sentinels': give the sentinels too, or leave it "
                              "out",
                          backend);
      }
    }
  } else {
    check_sentinel_setup(o, backend);
    std::string names;
    for (const std::string& text : o.sentinels) {
      s.sentinels.push_back(*parse_server_address(text));
      names += (names.empty() ? "" : ", ") + s.sentinels.back().text();
    }
    s.where = "master `" + o.master_name + "` of sentinels " + names;
  }
  return s;
}

}  // namespace engram::redis
