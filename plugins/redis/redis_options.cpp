// plugins/redis/redis_options.cpp — see redis_options.h.
#include "redis_options.h"

#include <string>
#include <string_view>

#include "engram/errors.h"
#include "engram/ids.h"

namespace engram::redis {
namespace {

constexpr double kMaxTtlSeconds = 1e12;

[[noreturn]] void throw_bad_option(std::string_view key, const std::string& why) {
  throw ConfigError("option '" + std::string(key) + "' " + why);
}

Millis ttl_option(std::string_view key, double seconds) {
  if (!(seconds >= 0.001 && seconds <= kMaxTtlSeconds)) {
    throw_bad_option(
        key, "must be a number of seconds from 0.001 to 1e12, got " + std::to_string(seconds));
  }
  return std::chrono::round<Millis>(std::chrono::duration<double>(seconds));
}

timeval timeout_option(std::string_view key, double seconds) {
  if (!(seconds > 0.0 && seconds <= 86400.0)) {
    throw_bad_option(key, "must be a number of seconds above 0 and at most 86400, got " +
                              std::to_string(seconds));
  }
  const auto micros =
      std::chrono::round<std::chrono::microseconds>(std::chrono::duration<double>(seconds)).count();
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(micros / 1000000);
  tv.tv_usec = static_cast<suseconds_t>(micros % 1000000);
  return tv;
}

}  // namespace

const OptionTable<RedisOptions>& option_table() {
  static const auto kOptions =
      OptionTable<RedisOptions>()
          .add("host", &RedisOptions::host, "server host name or address")
          .add("port", &RedisOptions::port, "server TCP port")
          .add("db", &RedisOptions::db, "database number (SELECT)")
          .add("password", &RedisOptions::password, "AUTH password; empty for none",
               OptionType::kSecret)
          .add("username", &RedisOptions::username, "ACL user for AUTH; empty for the default user")
          .add("unix_socket", &RedisOptions::unix_socket,
               "Unix socket to connect to instead of host and port; empty for TCP",
               OptionType::kPath)
          .add("key_prefix", &RedisOptions::key_prefix,
               "prefix of every key this backend writes; clear_all deletes only these")
          .add("max_connections", &RedisOptions::max_connections,
               "most connections open at once; calls beyond wait for one")
          .add("compression_threshold", &RedisOptions::compression_threshold,
               "array values whose .npy is larger than this many bytes are compressed")
          .add("compression", &RedisOptions::compression,
               "codec for values above compression_threshold: lz4, zstd, zlib or none")
          .add("compression_level", &RedisOptions::compression_level,
               "the codec's level; 0 for its default (lz4: above 2 selects LZ4-HC)")
          .add("retry_attempts", &RedisOptions::retry_attempts,
               "attempts a call makes in all when the connection fails")
          .add("retry_delay", &RedisOptions::retry_delay,
               "seconds before the first retry, doubling for each further one")
          .add("connect_timeout", &RedisOptions::connect_timeout, "seconds a connect may take")
          .add("command_timeout", &RedisOptions::command_timeout,
               "seconds one round trip (commands sent together and all their replies) may take "
               "in all, however the server dribbles its bytes")
          .add("pattern_ttl", &RedisOptions::pattern_ttl,
               "seconds a working-memory pattern lives after its store")
          .add("attention_ttl", &RedisOptions::attention_ttl,
               "seconds attention weights live after their store")
          .add("spike_ttl", &RedisOptions::spike_ttl,
               "seconds a cached spike train lives when cache_spike_train gives no ttl")
          .add("max_reply_bytes", &RedisOptions::max_reply_bytes,
               "largest reply a call accepts; larger is CorruptData before it is buffered")
          .add("max_record_bytes", &RedisOptions::max_record_bytes,
               "largest decoded array value a read accepts (never more than the machine's "
               "memory); larger is CorruptData before it is allocated");
  return kOptions;
}

Settings settings_of(const Json& json) {
  Settings s;
  s.options = option_table().bind(json);
  const RedisOptions& o = s.options;
  if (o.port < 1 || o.port > 65535) throw_bad_option("port", "must be from 1 to 65535");
  if (o.db < 0) throw_bad_option("db", "must not be negative");
  if (o.max_connections < 1 || o.max_connections > 10000) {
    throw_bad_option("max_connections", "must be from 1 to 10000");
  }
  if (o.retry_attempts < 1 || o.retry_attempts > 100) {
    throw_bad_option("retry_attempts", "must be from 1 to 100");
  }
  if (!(o.retry_delay >= 0.0 && o.retry_delay <= 60.0)) {
    throw_bad_option("retry_delay", "must be from 0 to 60 seconds");
  }
  if (o.compression_threshold < 0) {
    throw_bad_option("compression_threshold", "must not be negative");
  }
  if (o.key_prefix.empty()) throw_bad_option("key_prefix", "must not be empty");
  const auto codec = npy_codec_named(o.compression);
  if (!codec) {
    throw_bad_option("compression",
                     "must be lz4, zstd, zlib or none, got \"" + printable(o.compression) + "\"");
  }
  if (o.compression_level < -100 || o.compression_level > 22) {
    throw_bad_option("compression_level", "must be from -100 to 22");
  }
  s.value_format.codec = *codec;
  s.value_format.level = static_cast<int>(o.compression_level);
  s.value_format.threshold = static_cast<std::size_t>(o.compression_threshold);
  s.pattern_ttl = ttl_option("pattern_ttl", o.pattern_ttl);
  s.attention_ttl = ttl_option("attention_ttl", o.attention_ttl);
  s.spike_ttl = ttl_option("spike_ttl", o.spike_ttl);
  s.connect_timeout = timeout_option("connect_timeout", o.connect_timeout);
  s.command_timeout = timeout_option("command_timeout", o.command_timeout);
  if (o.max_reply_bytes < 1) throw_bad_option("max_reply_bytes", "must be at least 1");
  if (o.max_record_bytes < 0) throw_bad_option("max_record_bytes", "must not be negative");
  s.limits.command_timeout = std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      std::chrono::duration<double>(o.command_timeout));
  s.limits.max_reply_bytes = static_cast<std::uint64_t>(o.max_reply_bytes);
  s.record_limit = effective_record_limit(o.max_record_bytes);
  s.where = o.unix_socket.empty() ? o.host + ":" + std::to_string(o.port) : o.unix_socket;
  return s;
}

}  // namespace engram::redis
