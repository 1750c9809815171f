// plugins/redis/redis_plugin.cpp — the `redis` plugin: the working-memory
// role on a Redis server, through hiredis (the seed's RedisStorage). This
// file is the backend and the descriptor with its entry point, the only
// export.
//
// The plugin reads top to bottom as a folder:
//   redis_options.h        options, their schema, the Settings they resolve to
//   round_trip.h           handles (context, reply) and one bounded round trip
//   reply_budget.h         what a reply declares, told before hiredis buffers it
//   redis_errors.h         the one error mapper
//   command_buffer.h       commands written once as RESP, sent as they are
//   replica_wait.h         min_replicas_acked: WAIT after each store
//   commands.h             pipelines, commands and MULTI/EXEC transactions
//   sentinel.h             Redis Sentinel: asking where the master is
//   connection_pool.h      the pool of contexts, the retry rule, the master
//   key_layout.h           the Redis key layout: record keys and their indexes
//   record_encoding.h      a record's fields as hash fields and back
//   record_fetch.h         HGETALL and PTTL of many keys, pipelined
//   redis_working_memory.h the role
//   redis_maintenance.h    stats, clear_expired, clear_all, close
// Array values are engram/compressed_npy.h's: .npy, compressed above
// compression_threshold with the codec `compression` names.
//
// Hostile or broken servers: hiredis only encodes commands (a store's
// commands, the plugin writes itself: command_buffer.h) and parses
// replies; the plugin does the I/O itself (round_trip.h), so each round
// trip has command_timeout in all however slowly the server sends, and a
// reply declaring more than max_reply_bytes (reply_budget.h) or that is not
// RESP is CorruptData before hiredis buffers it. Pool::run states the bound
// a whole call obeys. A decoded array value is checked against
// max_record_bytes before it is allocated (engram/compressed_npy.h).
//
// Failover: given `sentinels`, the plugin asks them where the master is,
// checks it with ROLE, and asks again when a call's connection fails or
// the server answers READONLY (a master demoted), within the call's retry
// budget; with min_replicas_acked, a store returns only once that many
// replicas have it (WAIT, in the store's round trip), so an acknowledged
// store survives the master's death.
//
// Thread safety: a pool of up to max_connections contexts, each used by one
// call at a time. A call whose connection fails is retried on a reconnected
// context retry_attempts times in all, with exponential backoff from
// retry_delay. Every store is idempotent (a spike train's sequence number
// is drawn before its transaction), so a store retried after the server ran
// it writes the same record again, never a second copy. After close() every
// call throws StorageError("... closed").
#include <boost/dll/alias.hpp>
#include <memory>

#include "commands.h"
#include "connection_pool.h"
#include "engram/plugin.h"
#include "redis_maintenance.h"
#include "redis_options.h"
#include "redis_working_memory.h"

namespace engram::redis {
namespace {

class RedisBackend final : public Backend {
 public:
  // Connects once, so that an unreachable server (ConnectionError) or a
  // refused AUTH (AccessDenied) fails the open; with sentinels, so do a
  // master name they do not know (ConfigError) and a refused
  // sentinel_password (AccessDenied).
  explicit RedisBackend(const BackendContext& context)
      : settings_(settings_of(context.options, context.name)), pool_(settings_, context.name) {
    pool_.run([&](Link c) { command(c, {"PING"}, pool_.backend()); });
  }

  WorkingMemory* working_memory() noexcept override { return &working_memory_; }
  Maintenance& maintenance() noexcept override { return maintenance_; }

 private:
  const Settings settings_;
  Pool pool_;
  RedisWorkingMemory working_memory_{settings_, pool_};
  RedisMaintenance maintenance_{settings_, pool_, working_memory_};
};

}  // namespace

// ---------------------------------------------------------------- descriptor

const PluginDescriptor& descriptor() {
  static const PluginDescriptor kDescriptor = describe_plugin<RedisBackend>(
      "redis", "1.0.0", {Role::kWorkingMemory}, option_table().schema());
  return kDescriptor;
}

}  // namespace engram::redis

BOOST_DLL_ALIAS(engram::redis::descriptor, engram_plugin)
