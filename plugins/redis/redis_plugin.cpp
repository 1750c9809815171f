// plugins/redis/redis_plugin.cpp — the `redis` plugin: the working-memory
// role on a Redis server, through hiredis (the seed's RedisStorage).
//
// It reads top to bottom: options → handles (context, reply, pool checkout)
// → the one error mapper → commands and transactions → the role class →
// maintenance and backend → the descriptor and its entry point.
//
// Keys, all under `key_prefix` (P), keep the seed's names after it:
//   P wm:<pattern_hash>          hash {pattern (.npy), timestamp, metadata
//                                (JSON), last_accessed (when set)}
//   P attention:<context>        hash {weights (.npy), timestamp}
//   P spikes:<ts>:<seq>          hash {spikes (.npy), neuron_ids (JSON list),
//                                timestamp, cached_at}; <ts> is the shortest
//                                exact text of the double, <seq> 20 zero-padded
//                                digits from INCR P spikes:seq
//   P spikes:index               sorted set: score timestamp, member the key
//                                without P ("spikes:<ts>:<seq>")
//   P index:wm, P index:attention sorted sets, score 0, member the hash or
//                                context: what listings page through
// Every record, its expiry and its index entry are written in one MULTI/EXEC.
// Redis expires the records; index members whose key is gone are dropped
// lazily (by listings, get_recent_spike_trains, stats and clear_expired),
// each by a script that removes it only if the key is still missing.
//
// Listings page through the index sorted sets, never SCAN (which may return
// a key twice): a cursor is "after:<member>", so every record present for a
// whole listing is returned exactly once. Array values are .npy, compressed
// above compression_threshold with the codec `compression` names, behind the
// header engram/compressed_npy.h documents.
//
// Hostile or broken servers: hiredis only encodes commands and parses
// replies; the plugin does the I/O itself (round_trip.h), so each round
// trip has command_timeout in all however slowly the server sends, and a
// reply declaring more than max_reply_bytes (reply_budget.h) or that is not
// RESP is CorruptData before hiredis buffers it. Pool::run states the bound
// a whole call obeys. A decoded array value is checked against
// max_record_bytes before it is allocated (engram/compressed_npy.h).
//
// Thread safety: a pool of up to max_connections contexts, each used by one
// call at a time. A call whose connection fails is retried on a reconnected
// context retry_attempts times in all, with exponential backoff from
// retry_delay. Every store is idempotent (a spike train's sequence number
// is drawn before its transaction), so a store retried after the server ran
// it writes the same record again, never a second copy. After close() every
// call throws StorageError("... closed").
#include <hiredis/hiredis.h>

#include <algorithm>
#include <boost/dll/alias.hpp>
#include <charconv>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <span>
#include <string_view>
#include <sys/time.h>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "engram/array.h"
#include "engram/compressed_npy.h"
#include "engram/errors.h"
#include "engram/ids.h"
#include "engram/json.h"
#include "engram/maintenance.h"
#include "engram/npy.h"
#include "engram/options.h"
#include "engram/page.h"
#include "engram/plugin.h"
#include "engram/record_limits.h"
#include "engram/working_memory.h"
#include "round_trip.h"

namespace engram::redis {
namespace {

// ---------------------------------------------------------------- options

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
  double pattern_ttl = 3600.0;
  double attention_ttl = 600.0;
  double spike_ttl = 300.0;
  std::int64_t max_reply_bytes = std::int64_t{512} << 20;
  std::int64_t max_record_bytes = kDefaultMaxRecordBytes;
};

const auto kOptions =
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

using Millis = std::chrono::milliseconds;
constexpr double kMaxTtlSeconds = 1e12;

// The options checked and in the units the backend uses.
struct Settings {
  RedisOptions options;
  Millis pattern_ttl{};
  Millis attention_ttl{};
  Millis spike_ttl{};
  timeval connect_timeout{};
  timeval command_timeout{};
  CompressedNpyFormat value_format;
  // What each round trip obeys (round_trip.h).
  RoundTripLimits limits;
  // "host:port" or the socket path, for messages.
  std::string where;
  // The most bytes a decoded array value may declare.
  std::uint64_t record_limit = 0;
};

[[noreturn]] void throw_bad_option(std::string_view key, const std::string& why) {
  throw ConfigError("option '" + std::string(key) + "' " + why);
}

Millis ttl_option(std::string_view key, double seconds) {
  if (!(seconds >= 0.001 && seconds <= kMaxTtlSeconds)) {
    throw_bad_option(key, "must be a number of seconds from 0.001 to 1e12, got " +
                              std::to_string(seconds));
  }
  return std::chrono::round<Millis>(std::chrono::duration<double>(seconds));
}

timeval timeout_option(std::string_view key, double seconds) {
  if (!(seconds > 0.0 && seconds <= 86400.0)) {
    throw_bad_option(key, "must be a number of seconds above 0 and at most 86400, got " +
                              std::to_string(seconds));
  }
  const auto micros = std::chrono::round<std::chrono::microseconds>(
      std::chrono::duration<double>(seconds)).count();
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(micros / 1000000);
  tv.tv_usec = static_cast<suseconds_t>(micros % 1000000);
  return tv;
}

Settings settings_of(const Json& json) {
  Settings s;
  s.options = kOptions.bind(json);
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
    throw_bad_option("compression", "must be lz4, zstd, zlib or none, got \"" +
                                        printable(o.compression) + "\"");
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

// ---------------------------------------------------------------- handles
//
// ContextPtr and ReplyPtr are round_trip.h's. A Link is a checked-out
// context with what its round trips obey.

struct Link {
  redisContext* context;
  const Settings* settings;
};

// ---------------------------------------------------------------- errors
//
// The one mapper: a failed context (hiredis's err) or an error reply.

[[noreturn]] void throw_closed(const std::string& backend) {
  throw StorageError("the backend is closed", backend);
}

// A context whose `err` is set: I/O, EOF and timeouts are ConnectionError,
// a reply that is not RESP CorruptData, anything else BackendError.
[[noreturn]] void throw_context_error(const redisContext* context, std::string_view doing,
                                      const std::string& backend) {
  const int code = context ? context->err : REDIS_ERR_OOM;
  const std::string why = context ? std::string(context->errstr) : std::string("out of memory");
  const std::string message = std::string(doing) + ": " + why;
  if (code == REDIS_ERR_IO || code == REDIS_ERR_EOF) {
    throw ConnectionError(message, backend, code);
  }
  if (code == REDIS_ERR_PROTOCOL) throw CorruptData(message, backend, code);
  throw BackendError(message, backend, code);
}

std::string seconds_text(double seconds) {
  char buffer[32];
  return std::string(buffer, std::to_chars(buffer, buffer + sizeof buffer, seconds).ptr);
}

// A round trip that failed (round_trip.h) while sending, or reading the
// reply to `command`: the deadline passed or the connection failed
// (ConnectionError), or the reply declared more than max_reply_bytes or was
// not RESP (CorruptData). The context is marked failed either way.
[[noreturn]] void throw_trip_error(Link link, const RoundTrip& trip, RoundTrip::Status status,
                                   bool sending, std::string_view command,
                                   const std::string& backend) {
  const Settings& settings = *link.settings;
  const std::string doing = (sending ? "sending " : "reading reply to ") + std::string(command) +
                            (sending ? " to " : " from ") + settings.where;
  switch (status) {
    case RoundTrip::Status::kTimedOut:
      throw ConnectionError(doing + ": " + link.context->errstr + " (" +
                                seconds_text(settings.options.command_timeout) + " s)",
                            backend, REDIS_ERR_IO);
    case RoundTrip::Status::kTooLarge:
      throw CorruptData(doing + ": reply declares " + std::to_string(trip.budget().declared()) +
                            " bytes, more than max_reply_bytes (" +
                            std::to_string(trip.budget().max_reply_bytes()) + ")",
                        backend);
    case RoundTrip::Status::kNotResp:
      // Refused by the budget's scan, else by hiredis's reader.
      if (trip.budget().verdict() == ReplyBudget::Verdict::kNotResp) {
        throw CorruptData(doing + ": " + trip.budget().why(), backend, REDIS_ERR_PROTOCOL);
      }
      break;
    case RoundTrip::Status::kOk:
    case RoundTrip::Status::kFailed:
      break;
  }
  throw_context_error(link.context, doing, backend);
}

// An error reply: NOAUTH, WRONGPASS, NOPERM, a pre-6 server's invalid
// password and a password given to a server that has none are AccessDenied;
// WRONGTYPE (another client put a key of another type under one of engram's
// names) is CorruptData; anything else BackendError.
[[noreturn]] void throw_reply_error(const redisReply& reply, std::string_view doing,
                                    const std::string& backend) {
  const std::string text(reply.str ? reply.str : "", reply.str ? reply.len : 0);
  const std::string message = std::string(doing) + ": " + text;
  if (text.starts_with("NOAUTH") || text.starts_with("WRONGPASS") ||
      text.starts_with("NOPERM") || text.find("invalid password") != std::string::npos ||
      text.find("invalid username-password") != std::string::npos ||
      text.find("without any password configured") != std::string::npos) {
    throw AccessDenied(message, backend);
  }
  if (text.starts_with("WRONGTYPE")) throw CorruptData(message, backend);
  throw BackendError(message, backend);
}

[[noreturn]] void throw_corrupt(std::string_view key, std::string_view why,
                                const std::string& backend) {
  throw CorruptData(std::string("reading ") + printable(key) + ": " + std::string(why), backend);
}

[[noreturn]] void throw_bad_cursor(std::string_view cursor, const std::string& backend) {
  throw InvalidArgument("cursor \"" + printable(cursor) + "\" was not given by this backend",
                        backend);
}

// ---------------------------------------------------------------- commands

using Command = std::vector<std::string>;

// A command built from its arguments, moving those given as rvalues (an
// initializer list would copy an array value once more).
template <class... Args>
Command make_command(Args&&... args) {
  Command command;
  command.reserve(sizeof...(args));
  (command.emplace_back(std::forward<Args>(args)), ...);
  return command;
}

// Sends `commands` in one pipeline, one round trip, and returns their
// replies, error replies included. Throws through the mapper when the
// context fails or the round trip passes its limits.
std::vector<ReplyPtr> pipeline(Link link, const std::vector<const Command*>& commands,
                               const std::string& backend) {
  redisContext* const context = link.context;
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  for (const Command* command_pointer : commands) {
    const Command& command = *command_pointer;
    argv.clear();
    lengths.clear();
    for (const std::string& arg : command) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    if (redisAppendCommandArgv(context, static_cast<int>(argv.size()), argv.data(),
                               lengths.data()) != REDIS_OK) {
      throw_context_error(context, "sending " + command.front(), backend);
    }
  }
  RoundTrip trip(context, link.settings->limits);
  if (const auto status = trip.send(); status != RoundTrip::Status::kOk) {
    throw_trip_error(link, trip, status, true, commands.front()->front(), backend);
  }
  std::vector<ReplyPtr> replies;
  replies.reserve(commands.size());
  for (std::size_t i = 0; i < commands.size(); ++i) {
    ReplyPtr& reply = replies.emplace_back();
    if (const auto status = trip.next(reply); status != RoundTrip::Status::kOk) {
      // The budget may have refused a later reply than the one awaited.
      const std::size_t failed = std::max(i, trip.budget().replies_done());
      throw_trip_error(link, trip, status, false,
                       failed < commands.size() ? commands[failed]->front() : "(unasked)",
                       backend);
    }
  }
  trip.finish();
  return replies;
}

std::vector<ReplyPtr> pipeline(Link link, const std::vector<Command>& commands,
                               const std::string& backend) {
  std::vector<const Command*> pointers;
  pointers.reserve(commands.size());
  for (const Command& command : commands) pointers.push_back(&command);
  return pipeline(link, pointers, backend);
}

// The reply, or a throw for an error reply.
const redisReply& checked(const ReplyPtr& reply, std::string_view doing,
                          const std::string& backend) {
  if (reply->type == REDIS_REPLY_ERROR) throw_reply_error(*reply, doing, backend);
  return *reply;
}

ReplyPtr command(Link link, Command args, const std::string& backend) {
  std::vector<Command> one;
  one.push_back(std::move(args));
  auto replies = pipeline(link, one, backend);
  checked(replies.front(), one.front().front(), backend);
  return std::move(replies.front());
}

// Runs the commands of `parts`, in order, as one MULTI/EXEC: all applied or
// none. The commands are sent from where they are (a retry sends them again
// without copying a payload).
void transaction(Link link, std::initializer_list<const std::vector<Command>*> parts,
                 const std::string& backend) {
  static const Command kMulti{"MULTI"};
  static const Command kExec{"EXEC"};
  std::vector<const Command*> all{&kMulti};
  for (const auto* part : parts) {
    for (const Command& command : *part) all.push_back(&command);
  }
  all.push_back(&kExec);
  const auto replies = pipeline(link, all, backend);
  for (std::size_t i = 0; i + 1 < replies.size(); ++i) {
    checked(replies[i], "queueing " + all[i]->front(), backend);
  }
  const redisReply& exec = checked(replies.back(), "EXEC", backend);
  if (exec.type != REDIS_REPLY_ARRAY) {
    throw BackendError("EXEC: the transaction was not applied", backend);
  }
  for (std::size_t i = 0; i < exec.elements; ++i) {
    if (exec.element[i]->type == REDIS_REPLY_ERROR) {
      throw_reply_error(*exec.element[i], "running " + all[i + 1]->front(), backend);
    }
  }
}

void transaction(Link link, const std::vector<Command>& commands, const std::string& backend) {
  transaction(link, {&commands}, backend);
}

std::string text_of(const redisReply& reply) {
  if (reply.str == nullptr) return {};
  return std::string(reply.str, reply.len);
}

// ---------------------------------------------------------------- connection pool

// Up to max_connections contexts. checkout() waits for a free one; the
// Checkout hands it back when destroyed. A context is made, or remade after
// a failure, lazily by run().
class Pool {
 public:
  Pool(const Settings& settings, std::string backend)
      : settings_(settings), backend_(std::move(backend)) {}

  class Checkout {
   public:
    Checkout(Pool& pool, ContextPtr context) : pool_(pool), context_(std::move(context)) {}
    Checkout(const Checkout&) = delete;
    Checkout& operator=(const Checkout&) = delete;
    ~Checkout() { pool_.give_back(std::move(context_)); }
    ContextPtr& context() noexcept { return context_; }

   private:
    Pool& pool_;
    ContextPtr context_;
  };

  // Runs `work(link)` on a live context, retrying on ConnectionError as the
  // options say; returns what it returns.
  //
  // What a call may take, once it holds a context (waiting for one of the
  // pool's max_connections is not counted): at most retry_attempts
  // attempts; an attempt that must (re)connect waits up to connect_timeout
  // for the connection and then, when password or db is set, one round
  // trip for AUTH and SELECT; each round trip (the commands sent together
  // and all their replies) has command_timeout in all; between attempts it
  // sleeps retry_delay, doubling. A call of one round trip (every store,
  // retrieve and delete, and the open's PING) therefore returns within
  //   retry_attempts × (connect_timeout + 2 × command_timeout)
  //     + retry_delay × (2^(retry_attempts−1) − 1),
  // and against a server that accepts connections at once but answers
  // slowly, without password or db, within about
  //   retry_attempts × command_timeout + retry_delay × (2^(retry_attempts−1) − 1)
  // (6.3 s with the defaults). Calls that page (listings, stats, clear_all)
  // take one command_timeout per round trip.
  template <class Work>
  auto run(Work&& work) {
    Checkout checkout = take();
    ContextPtr& context = checkout.context();
    const auto attempts = settings_.options.retry_attempts;
    double delay = settings_.options.retry_delay;
    for (std::int64_t attempt = 1;; ++attempt) {
      try {
        if (!context) {
          context = connect();
        } else if (context->err != 0) {
          reconnect(context.get());
        }
        return work(Link{context.get(), &settings_});
      } catch (const ConnectionError&) {
        if (attempt >= attempts) throw;
        std::this_thread::sleep_for(std::chrono::duration<double>(delay));
        delay *= 2.0;
        if (context && context->err == 0) context->err = REDIS_ERR_IO;  // remake it
      }
    }
  }

  void close() {
    std::vector<ContextPtr> idle;
    {
      std::lock_guard lock(mutex_);
      closed_ = true;
      idle.swap(idle_);
    }
    available_.notify_all();
  }

  bool closed() const {
    std::lock_guard lock(mutex_);
    return closed_;
  }

  const std::string& backend() const noexcept { return backend_; }

 private:
  Checkout take() {
    std::unique_lock lock(mutex_);
    available_.wait(lock, [this] {
      return closed_ || !idle_.empty() ||
             open_ < static_cast<std::size_t>(settings_.options.max_connections);
    });
    if (closed_) throw_closed(backend_);
    if (!idle_.empty()) {
      ContextPtr context = std::move(idle_.back());
      idle_.pop_back();
      return Checkout(*this, std::move(context));
    }
    ++open_;
    return Checkout(*this, nullptr);
  }

  void give_back(ContextPtr context) noexcept {
    {
      std::lock_guard lock(mutex_);
      if (context && !closed_) {
        idle_.push_back(std::move(context));
      } else {
        --open_;
      }
    }
    available_.notify_one();
  }

  ContextPtr connect() {
    const RedisOptions& o = settings_.options;
    ContextPtr context(o.unix_socket.empty()
                           ? redisConnectWithTimeout(o.host.c_str(), static_cast<int>(o.port),
                                                     settings_.connect_timeout)
                           : redisConnectUnixWithTimeout(o.unix_socket.c_str(),
                                                         settings_.connect_timeout));
    if (!context || context->err != 0) {
      throw_context_error(context.get(), "connecting to " + settings_.where, backend_);
    }
    handshake(context.get());
    return context;
  }

  // hiredis's reconnect drops the command timeout: set it again, and
  // authenticate and select again.
  void reconnect(redisContext* context) {
    if (redisReconnect(context) != REDIS_OK) {
      throw_context_error(context, "reconnecting to " + settings_.where, backend_);
    }
    handshake(context);
  }

  // AUTH and SELECT, when set, in one round trip.
  void handshake(redisContext* context) {
    const RedisOptions& o = settings_.options;
    if (redisSetTimeout(context, settings_.command_timeout) != REDIS_OK) {
      throw_context_error(context, "setting the command timeout", backend_);
    }
    std::vector<Command> commands;
    if (!o.password.empty()) {
      Command auth{"AUTH"};
      if (!o.username.empty()) auth.push_back(o.username);
      auth.push_back(o.password);
      commands.push_back(std::move(auth));
    }
    if (o.db != 0) commands.push_back({"SELECT", std::to_string(o.db)});
    if (commands.empty()) return;
    const auto replies = pipeline(Link{context, &settings_}, commands, backend_);
    for (std::size_t i = 0; i < replies.size(); ++i) {
      checked(replies[i], commands[i].front(), backend_);
    }
  }

  const Settings& settings_;
  const std::string backend_;
  mutable std::mutex mutex_;
  std::condition_variable available_;
  std::vector<ContextPtr> idle_;
  std::size_t open_ = 0;  // contexts checked out or idle
  bool closed_ = false;
};

// ---------------------------------------------------------------- values

std::string number_text(double value) {
  char buffer[64];
  const auto stop = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
  return std::string(buffer, stop);
}

template <class Number>
bool parse_number(std::string_view text, Number& value) {
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  return !text.empty() && error == std::errc() && stop == end;
}

std::string millis_text(Millis ttl) { return std::to_string(ttl.count()); }

// A neuron id list as JSON ("[1,2,3]"), written and read without a JSON
// library: for a train of a thousand spikes it is most of the work.
std::string id_list_text(std::span<const std::int64_t> ids) {
  std::string text;
  text.reserve(2 + ids.size() * 8);
  text += '[';
  char buffer[24];
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i != 0) text += ',';
    text.append(buffer, std::to_chars(buffer, buffer + sizeof buffer, ids[i]).ptr);
  }
  text += ']';
  return text;
}

// Parses exactly what id_list_text writes; false for anything else (other
// spacing included), which the caller then hands to the JSON parser.
bool parse_id_list(std::string_view text, std::vector<std::int64_t>& ids) {
  if (text.size() < 2 || text.front() != '[' || text.back() != ']') return false;
  const char* at = text.data() + 1;
  const char* const end = text.data() + text.size() - 1;
  ids.clear();
  while (at < end) {
    std::int64_t id = 0;
    const auto [stop, error] = std::from_chars(at, end, id);
    if (error != std::errc()) return false;
    ids.push_back(id);
    at = stop;
    if (at < end) {
      if (*at != ',') return false;
      if (++at == end) return false;
    }
  }
  return true;
}

// A record's hash fields, as HGETALL gives them: views into the reply.
using Fields = std::map<std::string_view, std::string_view, std::less<>>;

// The fields and the TTL left of one key; nullopt when it is gone. The
// fields point into `reply`, so an array value is copied once, when decoded.
struct Stored {
  ReplyPtr reply;
  Fields fields;
  std::optional<Millis> ttl;
};

std::string_view view_of(const redisReply& reply) {
  if (reply.str == nullptr) return {};
  return std::string_view(reply.str, reply.len);
}

// The record of one key from its HGETALL and PTTL replies; nullopt when the
// key is gone.
std::optional<Stored> stored_of(ReplyPtr hash_reply, const ReplyPtr& pttl_reply,
                                const std::string& backend) {
  const redisReply& hash = checked(hash_reply, "HGETALL", backend);
  const redisReply& pttl = checked(pttl_reply, "PTTL", backend);
  if (hash.type != REDIS_REPLY_ARRAY || hash.elements == 0 || pttl.integer == -2) {
    return std::nullopt;
  }
  Stored stored;
  for (std::size_t f = 0; f + 1 < hash.elements; f += 2) {
    stored.fields.emplace(view_of(*hash.element[f]), view_of(*hash.element[f + 1]));
  }
  if (pttl.integer >= 0) stored.ttl = std::max(Millis(1), Millis(pttl.integer));
  stored.reply = std::move(hash_reply);
  return stored;
}

// Keys whose HGETALL and PTTL are in flight at once: enough to keep the
// server busy, few enough that a long read holds little in memory.
constexpr std::size_t kFetchChunk = 256;

// HGETALL and PTTL for each of `keys`, pipelined a chunk at a time; calls
// `visit(i, std::optional<Stored>&&)` for each key in order as its replies
// arrive, so only one record's reply is held at a time. Should `visit`
// throw, the context is marked failed (its remaining replies are unread)
// and the pool remakes it.
template <class Visit>
void fetch_each(Link link, const std::vector<std::string>& keys, const std::string& backend,
                Visit&& visit) {
  redisContext* const context = link.context;
  static const std::string kHgetall = "HGETALL";
  static const std::string kPttl = "PTTL";
  for (std::size_t begin = 0; begin < keys.size(); begin += kFetchChunk) {
    const std::size_t end = std::min(keys.size(), begin + kFetchChunk);
    for (std::size_t i = begin; i < end; ++i) {
      for (const std::string* verb : {&kHgetall, &kPttl}) {
        const char* argv[2] = {verb->data(), keys[i].data()};
        const std::size_t lengths[2] = {verb->size(), keys[i].size()};
        if (redisAppendCommandArgv(context, 2, argv, lengths) != REDIS_OK) {
          throw_context_error(context, "sending " + *verb, backend);
        }
      }
    }
    RoundTrip trip(context, link.settings->limits);
    if (const auto status = trip.send(); status != RoundTrip::Status::kOk) {
      throw_trip_error(link, trip, status, true, kHgetall, backend);
    }
    for (std::size_t i = begin; i < end; ++i) {
      ReplyPtr replies[2];
      for (ReplyPtr& reply : replies) {
        if (const auto status = trip.next(reply); status != RoundTrip::Status::kOk) {
          // Replies alternate HGETALL, PTTL; the budget may have refused a
          // later one than awaited.
          throw_trip_error(link, trip, status, false,
                           trip.budget().replies_done() % 2 == 0 ? kHgetall : kPttl, backend);
        }
      }
      try {
        visit(i, stored_of(std::move(replies[0]), replies[1], backend));
      } catch (...) {
        if (i + 1 < end) {
          context->err = REDIS_ERR_IO;
          std::snprintf(context->errstr, sizeof context->errstr, "replies left unread");
        }
        throw;
      }
    }
    trip.finish();
  }
}

// HGETALL and PTTL for each of `keys`, all held.
std::vector<std::optional<Stored>> fetch(Link link, const std::vector<std::string>& keys,
                                         const std::string& backend) {
  std::vector<std::optional<Stored>> found;
  found.reserve(keys.size());
  fetch_each(link, keys, backend, [&](std::size_t, std::optional<Stored>&& stored) {
    found.push_back(std::move(stored));
  });
  return found;
}

std::string_view field(const Stored& stored, std::string_view name, std::string_view key,
                         const std::string& backend) {
  const auto found = stored.fields.find(name);
  if (found == stored.fields.end()) throw_corrupt(key, "no field " + std::string(name), backend);
  return found->second;
}

double number_field(const Stored& stored, std::string_view name, std::string_view key,
                    const std::string& backend) {
  double value = 0.0;
  if (!parse_number(field(stored, name, key, backend), value)) {
    throw_corrupt(key, "field " + std::string(name) + " is not a number", backend);
  }
  return value;
}

Json json_field(const Stored& stored, std::string_view name, std::string_view key,
                const std::string& backend) {
  try {
    return Json::parse(field(stored, name, key, backend));
  } catch (const Json::exception& e) {
    throw_corrupt(key, "field " + std::string(name) + " is not JSON: " + e.what(), backend);
  }
}

// An array field (.npy or compressed, engram/compressed_npy.h). A value this build
// cannot read stays NotSupported, anything undecodable is CorruptData; both
// name the key.
Array array_field(const Stored& stored, std::string_view name, std::string_view key,
                  std::uint64_t record_limit, const std::string& backend) {
  const std::string_view value = field(stored, name, key, backend);
  const std::string where =
      std::string("reading ") + printable(key) + " field " + std::string(name) + ": ";
  try {
    return decode_compressed_npy(value, record_limit);
  } catch (const NotSupported& e) {
    throw NotSupported(where + e.what(), backend);
  } catch (const CorruptData& e) {
    throw CorruptData(where + e.what(), backend);
  }
}

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

// ---------------------------------------------------------------- working memory

constexpr std::string_view kCursorPrefix = "after:";
constexpr std::string_view kSpikePrefix = "spikes:";

class RedisWorkingMemory final : public WorkingMemory {
 public:
  RedisWorkingMemory(const Settings& settings, Pool& pool, Maintenance& maintenance)
      : settings_(settings),
        pool_(pool),
        maintenance_(maintenance),
        prefix_(settings.options.key_prefix),
        pattern_index_(prefix_ + "index:wm"),
        attention_index_(prefix_ + "index:attention"),
        spike_index_(prefix_ + "spikes:index"),
        spike_seq_(prefix_ + "spikes:seq") {}

  Maintenance& maintenance() override { return maintenance_; }

  // For the maintenance: drops index members of expired records; returns
  // how many.
  std::int64_t prune_indexes(Link c) {
    return prune_lex_index(c, pattern_index_, "wm:") +
           prune_lex_index(c, attention_index_, "attention:") +
           prune_spike_index(c);
  }
  // The live record counts, after prune_indexes.
  void count(Link c, Json& stats) {
    const std::vector<Command> commands{
        {"ZCARD", pattern_index_}, {"ZCARD", spike_index_}, {"ZCARD", attention_index_}};
    const auto replies = pipeline(c, commands, name());
    stats["working_memory"] = checked(replies[0], "ZCARD", name()).integer;
    stats["spike_trains"] = checked(replies[1], "ZCARD", name()).integer;
    stats["attention_weights"] = checked(replies[2], "ZCARD", name()).integer;
  }

 private:
  const std::string& name() const noexcept { return pool_.backend(); }

  std::string pattern_key(std::string_view hash) const {
    return prefix_ + "wm:" + std::string(hash);
  }
  std::string attention_key(std::string_view context) const {
    return prefix_ + "attention:" + std::string(context);
  }
  std::string value_of(const ArrayView& array) const {
    return encode_compressed_npy(array, settings_.value_format);
  }

  // --- stores: one MULTI/EXEC per record or batch ---

  void store_commands(const WorkingMemoryPatternView& record, std::vector<Command>& out) const {
    const std::string key = pattern_key(record.pattern_hash);
    out.push_back({"DEL", key});
    Command hset = make_command("HSET", key, "pattern", value_of(record.pattern), "timestamp",
                                number_text(record.timestamp), "metadata", record.metadata.dump());
    if (record.last_accessed) {
      hset.push_back("last_accessed");
      hset.push_back(number_text(*record.last_accessed));
    }
    out.push_back(std::move(hset));
    out.push_back({"PEXPIRE", key, millis_text(record.ttl.value_or(settings_.pattern_ttl))});
    out.push_back({"ZADD", pattern_index_, "0", record.pattern_hash});
  }

  void store_commands(const AttentionWeightsView& record, std::vector<Command>& out) const {
    const std::string key = attention_key(record.context);
    out.push_back({"DEL", key});
    out.push_back(make_command("HSET", key, "weights", value_of(record.weights), "timestamp",
                               number_text(record.timestamp)));
    out.push_back({"PEXPIRE", key, millis_text(record.ttl.value_or(settings_.attention_ttl))});
    out.push_back({"ZADD", attention_index_, "0", record.context});
  }

  void store_commands(const CachedSpikeTrainView& record, std::int64_t seq, double cached_at,
                      std::vector<Command>& out) const {
    char digits[32];
    std::snprintf(digits, sizeof digits, "%020lld", static_cast<long long>(seq));
    const std::string ts = number_text(record.timestamp);
    const std::string member = std::string(kSpikePrefix) + ts + ":" + digits;
    const std::string key = prefix_ + member;
    out.push_back(make_command("HSET", key, "spikes", value_of(record.spike_data), "neuron_ids",
                               id_list_text(record.neuron_ids), "timestamp", ts, "cached_at",
                   number_text(cached_at)));
    out.push_back({"PEXPIRE", key, millis_text(record.ttl.value_or(settings_.spike_ttl))});
    out.push_back({"ZADD", spike_index_, ts, member});
  }

  void do_store_working_memory_pattern(const WorkingMemoryPatternView& record) override {
    std::vector<Command> commands;
    store_commands(record, commands);
    pool_.run([&](Link c) { transaction(c, commands, name()); });
  }

  void do_store_attention_weights(const AttentionWeightsView& record) override {
    std::vector<Command> commands;
    store_commands(record, commands);
    pool_.run([&](Link c) { transaction(c, commands, name()); });
  }

  // A train's sequence number is drawn before, and apart from, the
  // transaction that writes it: a retried transaction rewrites the same key
  // instead of caching the train twice. (A retried INCR only skips a number.)
  void do_cache_spike_train(const CachedSpikeTrainView& record) override {
    const double cached_at = now();
    const std::int64_t seq =
        pool_.run([&](Link c) { return command(c, {"INCR", spike_seq_}, name())->integer; });
    std::vector<Command> commands;
    store_commands(record, seq, cached_at, commands);
    pool_.run([&](Link c) { transaction(c, commands, name()); });
  }

  void do_store_batch(const WorkingMemoryBatch& batch) override {
    std::vector<Command> commands;
    for (const auto& record : batch.patterns()) store_commands(record, commands);
    for (const auto& record : batch.attention_weights()) store_commands(record, commands);
    const auto& trains = batch.spike_trains();
    if (!trains.empty()) {
      const double cached_at = now();
      // Sequence numbers last-n+1..last are this batch's, in order.
      const std::int64_t last = pool_.run([&](Link c) {
        return command(c, {"INCRBY", spike_seq_, std::to_string(trains.size())}, name())->integer;
      });
      std::int64_t seq = last - static_cast<std::int64_t>(trains.size());
      for (const auto& train : trains) store_commands(train, ++seq, cached_at, commands);
    }
    if (commands.empty()) return;
    pool_.run([&](Link c) { transaction(c, commands, name()); });
  }

  // --- lookups ---

  WorkingMemoryPattern pattern_of(std::string hash, const Stored& stored,
                                  const std::string& key) const {
    WorkingMemoryPattern record;
    record.pattern_hash = std::move(hash);
    record.pattern = array_field(stored, "pattern", key, settings_.record_limit, name());
    record.timestamp = number_field(stored, "timestamp", key, name());
    record.metadata = json_field(stored, "metadata", key, name());
    if (stored.fields.contains("last_accessed")) {
      record.last_accessed = number_field(stored, "last_accessed", key, name());
    }
    record.ttl = stored.ttl;
    return record;
  }

  AttentionWeights attention_of(std::string context, const Stored& stored,
                                const std::string& key) const {
    AttentionWeights record;
    record.context = std::move(context);
    record.weights = array_field(stored, "weights", key, settings_.record_limit, name());
    record.timestamp = number_field(stored, "timestamp", key, name());
    record.ttl = stored.ttl;
    return record;
  }

  CachedSpikeTrain train_of(const Stored& stored, const std::string& key) const {
    CachedSpikeTrain record;
    record.spike_data = array_field(stored, "spikes", key, settings_.record_limit, name());
    record.timestamp = number_field(stored, "timestamp", key, name());
    if (!parse_id_list(field(stored, "neuron_ids", key, name()), record.neuron_ids)) {
      const Json ids = json_field(stored, "neuron_ids", key, name());
      try {
        record.neuron_ids = ids.get<std::vector<std::int64_t>>();
      } catch (const Json::exception& e) {
        throw_corrupt(key, std::string("neuron_ids is not a list of integers: ") + e.what(),
                      name());
      }
    }
    record.ttl = stored.ttl;
    return record;
  }

  std::optional<WorkingMemoryPattern> do_retrieve_working_memory_pattern(
      std::string_view pattern_hash) override {
    const std::string key = pattern_key(pattern_hash);
    auto stored = pool_.run([&](Link c) { return fetch(c, {key}, name()); });
    if (!stored.front()) return std::nullopt;
    return pattern_of(std::string(pattern_hash), *stored.front(), key);
  }

  std::optional<AttentionWeights> do_retrieve_attention_weights(std::string_view context) override {
    const std::string key = attention_key(context);
    auto stored = pool_.run([&](Link c) { return fetch(c, {key}, name()); });
    if (!stored.front()) return std::nullopt;
    return attention_of(std::string(context), *stored.front(), key);
  }

  // Sets last_accessed only if the pattern exists, leaving its TTL alone.
  bool do_update_working_memory_access(std::string_view pattern_hash, double now) override {
    static constexpr const char* kScript =
        "if redis.call('EXISTS', KEYS[1]) == 1 then "
        "redis.call('HSET', KEYS[1], 'last_accessed', ARGV[1]) return 1 end return 0";
    const std::string key = pattern_key(pattern_hash);
    return pool_.run([&](Link c) {
      return command(c, {"EVAL", kScript, "1", key, number_text(now)}, name())->integer == 1;
    });
  }

  // The index members in [min, max] by score, in (timestamp, sequence) order.
  std::vector<std::string> spike_members(Link c, const std::string& min,
                                         const std::string& max) const {
    const auto reply = command(c, {"ZRANGEBYSCORE", spike_index_, min, max}, name());
    std::vector<std::string> members;
    for (std::size_t i = 0; i < reply->elements; ++i) members.push_back(text_of(*reply->element[i]));
    return members;
  }

  std::vector<std::string> keys_of(const std::vector<std::string>& members) const {
    std::vector<std::string> keys;
    keys.reserve(members.size());
    for (const std::string& member : members) keys.push_back(prefix_ + member);
    return keys;
  }

  std::optional<CachedSpikeTrain> do_retrieve_spike_train(double timestamp) override {
    const std::string ts = number_text(timestamp);
    return pool_.run([&](Link c) -> std::optional<CachedSpikeTrain> {
      const auto members = spike_members(c, ts, ts);
      const auto keys = keys_of(members);
      const auto stored = fetch(c, keys, name());
      for (std::size_t i = stored.size(); i-- > 0;) {
        if (stored[i]) return train_of(*stored[i], keys[i]);
      }
      return std::nullopt;
    });
  }

  std::vector<CachedSpikeTrain> do_get_spike_trains_since(double since) override {
    return pool_.run([&](Link c) {
      const auto members = spike_members(c, number_text(since), "+inf");
      const auto keys = keys_of(members);
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
      prune(c, spike_index_, gone, name());
      return trains;
    });
  }

  // --- listings ---

  // A cursor's member; throws InvalidArgument for one this backend did not give.
  std::string cursor_member(std::string_view cursor) const {
    if (!cursor.starts_with(kCursorPrefix) || cursor.size() == kCursorPrefix.size()) {
      throw_bad_cursor(cursor, name());
    }
    return std::string(cursor.substr(kCursorPrefix.size()));
  }

  // One page of a lex index (patterns, attention): members after the
  // cursor's, skipping (and pruning) those whose record is gone.
  template <class Record, class Make>
  Page<Record> list_lex(const std::string& index, std::string_view kind, std::string_view cursor,
                        std::size_t limit, Make make) {
    std::string from = "-";
    if (!cursor.empty()) {
      const std::string member = cursor_member(cursor);
      if (!is_valid_id(member)) throw_bad_cursor(cursor, name());
      from = "(" + member;
    }
    const std::size_t batch = std::min<std::size_t>(limit + 1, 1000);
    return pool_.run([&](Link c) {
      Page<Record> page;
      std::string start = from;
      std::string last;
      for (;;) {
        const auto reply = command(c,
                                   {"ZRANGEBYLEX", index, start, "+", "LIMIT", "0",
                                    std::to_string(batch)},
                                   name());
        std::vector<std::string> members;
        std::vector<std::string> keys;
        for (std::size_t i = 0; i < reply->elements; ++i) {
          members.push_back(text_of(*reply->element[i]));
          keys.push_back(prefix_ + std::string(kind) + members.back());
        }
        const auto stored = fetch(c, keys, name());
        std::vector<std::pair<std::string, std::string>> gone;
        for (std::size_t i = 0; i < stored.size(); ++i) {
          if (!stored[i]) {
            gone.emplace_back(members[i], keys[i]);
            continue;
          }
          if (page.items.size() == limit) {
            page.next_cursor = std::string(kCursorPrefix) + last;
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

  Page<WorkingMemoryPattern> do_list_working_memory_patterns(std::string_view cursor,
                                                             std::size_t limit) override {
    return list_lex<WorkingMemoryPattern>(
        pattern_index_, "wm:", cursor, limit,
        [this](const std::string& member, const Stored& stored, const std::string& key) {
          return pattern_of(member, stored, key);
        });
  }

  Page<AttentionWeights> do_list_attention_weights(std::string_view cursor,
                                                   std::size_t limit) override {
    return list_lex<AttentionWeights>(
        attention_index_, "attention:", cursor, limit,
        [this](const std::string& member, const Stored& stored, const std::string& key) {
          return attention_of(member, stored, key);
        });
  }

  // The score of a spike-index member "spikes:<ts>:<seq>".
  static std::optional<double> member_score(std::string_view member) {
    if (!member.starts_with(kSpikePrefix)) return std::nullopt;
    const std::size_t colon = member.rfind(':');
    if (colon <= kSpikePrefix.size()) return std::nullopt;
    double score = 0.0;
    std::uint64_t seq = 0;
    if (!parse_number(member.substr(kSpikePrefix.size(), colon - kSpikePrefix.size()), score) ||
        !std::isfinite(score) || !parse_number(member.substr(colon + 1), seq)) {
      return std::nullopt;
    }
    return score;
  }

  // Spike trains by (score, member) after the cursor's. Each batch starts
  // at the last score seen, inclusive, skipping what was already passed;
  // when a whole batch is passed (many trains at one score) it grows.
  Page<CachedSpikeTrain> do_list_spike_trains(std::string_view cursor,
                                              std::size_t limit) override {
    std::optional<std::pair<double, std::string>> after;
    if (!cursor.empty()) {
      std::string member = cursor_member(cursor);
      const auto score = member_score(member);
      if (!score) throw_bad_cursor(cursor, name());
      after.emplace(*score, std::move(member));
    }
    return pool_.run([&](Link c) {
      Page<CachedSpikeTrain> page;
      auto passed = after;
      std::string last;
      std::size_t batch = std::min<std::size_t>(limit + 1, 1000);
      for (;;) {
        const std::string min = passed ? number_text(passed->first) : std::string("-inf");
        const auto reply = command(c,
                                   {"ZRANGEBYSCORE", spike_index_, min, "+inf", "WITHSCORES",
                                    "LIMIT", "0", std::to_string(batch)},
                                   name());
        const std::size_t returned = reply->elements / 2;
        std::vector<std::pair<double, std::string>> fresh;
        for (std::size_t i = 0; i < returned; ++i) {
          std::pair<double, std::string> entry;
          entry.second = text_of(*reply->element[2 * i]);
          if (!parse_number(text_of(*reply->element[2 * i + 1]), entry.first)) {
            throw_corrupt(spike_index_, "a score is not a number", name());
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
        const auto keys = keys_of(members);
        const auto stored = fetch(c, keys, name());
        for (std::size_t i = 0; i < stored.size(); ++i) {
          if (!stored[i]) continue;
          if (page.items.size() == limit) {
            page.next_cursor = std::string(kCursorPrefix) + last;
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
  std::int64_t prune_lex_index(Link c, const std::string& index, std::string_view kind) {
    std::int64_t removed = 0;
    std::string start = "-";
    for (;;) {
      const auto reply =
          command(c, {"ZRANGEBYLEX", index, start, "+", "LIMIT", "0", "500"}, name());
      std::vector<std::pair<std::string, std::string>> members;
      for (std::size_t i = 0; i < reply->elements; ++i) {
        std::string member = text_of(*reply->element[i]);
        std::string key = prefix_ + std::string(kind) + member;
        members.emplace_back(std::move(member), std::move(key));
      }
      removed += prune(c, index, members, name());
      if (members.size() < 500) return removed;
      start = "(" + members.back().first;
    }
  }

  std::int64_t prune_spike_index(Link c) {
    std::int64_t removed = 0;
    std::int64_t offset = 0;
    for (;;) {
      const auto reply = command(c,
                                 {"ZRANGE", spike_index_, std::to_string(offset),
                                  std::to_string(offset + 499)},
                                 name());
      std::vector<std::pair<std::string, std::string>> members;
      for (std::size_t i = 0; i < reply->elements; ++i) {
        std::string member = text_of(*reply->element[i]);
        std::string key = prefix_ + member;
        members.emplace_back(std::move(member), std::move(key));
      }
      const std::int64_t went = prune(c, spike_index_, members, name());
      removed += went;
      if (members.size() < 500) return removed;
      offset += 500 - went;  // the removed ones no longer shift the rest
    }
  }

  const Settings& settings_;
  Pool& pool_;
  Maintenance& maintenance_;
  const std::string prefix_;
  const std::string pattern_index_;
  const std::string attention_index_;
  const std::string spike_index_;
  const std::string spike_seq_;
};

// ---------------------------------------------------------------- maintenance

// backup, backup_if_due, compact, rotate, rotate_if_needed, cleanup and sync
// are not overridden: they throw NotSupported (Redis's persistence is the
// server's).
class RedisMaintenance final : public Maintenance {
 public:
  RedisMaintenance(const Settings& settings, Pool& pool, RedisWorkingMemory& working_memory)
      : settings_(settings), pool_(pool), working_memory_(working_memory) {}

  std::string_view backend_name() const noexcept override { return pool_.backend(); }

  // Live records per kind, "total", and the server's used_memory (bytes).
  Json stats() override {
    return pool_.run([&](Link c) {
      working_memory_.prune_indexes(c);
      Json stats = Json::object();
      working_memory_.count(c, stats);
      stats["total"] = stats["working_memory"].get<std::int64_t>() +
                       stats["spike_trains"].get<std::int64_t>() +
                       stats["attention_weights"].get<std::int64_t>();
      const std::string info = text_of(*command(c, {"INFO", "memory"}, pool_.backend()));
      constexpr std::string_view kField = "used_memory:";
      const std::size_t at = info.find(kField);
      if (at != std::string::npos) {
        const std::size_t start = at + kField.size();
        const std::size_t end = info.find_first_of("\r\n", start);
        std::int64_t bytes = 0;
        if (parse_number(std::string_view(info).substr(start, end - start), bytes)) {
          stats["used_memory"] = bytes;
        }
      }
      return stats;
    });
  }

  // Redis expires the records itself; this drops the index entries of
  // expired records and returns how many went.
  std::int64_t clear_expired() override {
    return pool_.run([&](Link c) { return working_memory_.prune_indexes(c); });
  }

  // Deletes engram's keys under key_prefix and nothing else: the record
  // keys by SCAN over each of their shapes (P wm:*, P attention:*,
  // P spikes:*, which takes the spike index and sequence too), then the
  // indexes. Another application's keys under the same prefix stay.
  void clear_all() override {
    std::string prefix;
    for (const char ch : settings_.options.key_prefix) {
      if (ch == '*' || ch == '?' || ch == '[' || ch == ']' || ch == '\\') prefix += '\\';
      prefix += ch;
    }
    const std::string& p = settings_.options.key_prefix;
    pool_.run([&](Link c) {
      for (const char* shape : {"wm:*", "attention:*", "spikes:*"}) {
        const std::string pattern = prefix + shape;
        std::string cursor = "0";
        do {
          const auto reply =
              command(c, {"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"}, pool_.backend());
          if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2) {
            throw BackendError("SCAN: unexpected reply", pool_.backend());
          }
          cursor = text_of(*reply->element[0]);
          const redisReply& keys = *reply->element[1];
          if (keys.elements > 0) {
            Command unlink{"UNLINK"};
            for (std::size_t i = 0; i < keys.elements; ++i) {
              unlink.push_back(text_of(*keys.element[i]));
            }
            command(c, std::move(unlink), pool_.backend());
          }
        } while (cursor != "0");
      }
      command(c, {"UNLINK", p + "index:wm", p + "index:attention"}, pool_.backend());
    });
  }

  void close() override { pool_.close(); }

 private:
  const Settings& settings_;
  Pool& pool_;
  RedisWorkingMemory& working_memory_;
};

// ---------------------------------------------------------------- backend

class RedisBackend final : public Backend {
 public:
  // Connects once, so that an unreachable server (ConnectionError) or a
  // refused AUTH (AccessDenied) fails the open.
  explicit RedisBackend(const BackendContext& context)
      : settings_(settings_of(context.options)), pool_(settings_, context.name) {
    pool_.run([&](Link c) { command(c, {"PING"}, pool_.backend()); });
  }

  WorkingMemory* working_memory() noexcept override { return &working_memory_; }
  Maintenance& maintenance() noexcept override { return maintenance_; }

 private:
  const Settings settings_;
  Pool pool_;
  // Declared before the role, which needs it built; it only keeps a
  // reference to it.
  RedisMaintenance maintenance_{settings_, pool_, working_memory_};
  RedisWorkingMemory working_memory_{settings_, pool_, maintenance_};
};

}  // namespace

// ---------------------------------------------------------------- descriptor

const PluginDescriptor& descriptor() {
  static const PluginDescriptor kDescriptor = [] {
    PluginDescriptor d;
    d.name = "redis";
    d.version = "1.0.0";
    d.roles = {Role::kWorkingMemory};
    d.options = kOptions.schema();
    d.create = [](const BackendContext& context) -> std::unique_ptr<Backend> {
      return std::make_unique<RedisBackend>(context);
    };
    return d;
  }();
  return kDescriptor;
}

}  // namespace engram::redis

BOOST_DLL_ALIAS(engram::redis::descriptor, engram_plugin)
