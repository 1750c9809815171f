// plugins/redis/replica_wait.h — min_replicas_acked: a store counts as
// done only once that many replicas have it.
//
// Redis replicates asynchronously: a master that dies takes with it the
// writes its replicas had not received. WAIT <n> <timeout> holds the
// connection until n replicas have acknowledged every write it made, or
// the timeout passes, and answers how many did. The plugin sends WAIT right
// after a store's EXEC, in the same round trip (commands.h's transaction),
// so waiting costs no round trip of its own; that round trip's limit is
// command_timeout + min_replicas_timeout (Settings::store_limits).
//
// Fewer acknowledgements than asked throw ConnectionError: the store was
// applied on the master, but may not survive it. The pool retries it
// (every store is idempotent) within its retry budget, asking the
// sentinels for the master first when there are any.
//
// Thread safety: a ReplicaWait is immutable once made; check_acks is
// stateless.
#ifndef ENGRAM_PLUGINS_REDIS_REPLICA_WAIT_H_
#define ENGRAM_PLUGINS_REDIS_REPLICA_WAIT_H_

#include <hiredis/hiredis.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace engram::redis {

struct ReplicaWait {
  // Replicas each store waits for; 0: no WAIT.
  std::int64_t replicas = 0;
  // WAIT's timeout in milliseconds, at least 1 when replicas > 0 (WAIT's
  // 0 would wait for ever).
  std::int64_t timeout_ms = 0;
  // The WAIT command in RESP, sent as it is; empty when replicas is 0.
  std::string command;
};

// What a store asks: `replicas` acknowledgements within `timeout_seconds`
// (rounded up to whole milliseconds, at least 1). REQUIRES: replicas >= 0,
// timeout_seconds > 0.
ReplicaWait replica_wait(std::int64_t replicas, double timeout_seconds);

// Checks WAIT's `reply` after a store on the master at `where`: returns
// when at least wait.replicas acknowledged it; throws ConnectionError
// ("... only 0 of 1 replicas acknowledged it within 1000 ms ...", saying the
// store is on the master) when fewer did, as the mapper says
// (redis_errors.h) for an error reply, BackendError for a reply WAIT does
// not give.
void check_acks(const redisReply& reply, const ReplicaWait& wait, std::string_view where,
                const std::string& backend);

}  // namespace engram::redis

#endif  // ENGRAM_PLUGINS_REDIS_REPLICA_WAIT_H_
