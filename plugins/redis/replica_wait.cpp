// plugins/redis/replica_wait.cpp — see replica_wait.h.
#include "replica_wait.h"

#include <cmath>

#include "command_buffer.h"
#include "engram/errors.h"
#include "redis_errors.h"

namespace engram::redis {

ReplicaWait replica_wait(std::int64_t replicas, double timeout_seconds) {
  ReplicaWait wait;
  wait.replicas = replicas;
  if (replicas == 0) return wait;
  wait.timeout_ms =
      std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(timeout_seconds * 1000.0)));
  const std::string count = std::to_string(replicas);
  const std::string timeout = std::to_string(wait.timeout_ms);
  CommandBuffer command;
  command.command("WAIT", 3).arg(count).arg(timeout);
  wait.command = std::string(command.bytes());
  return wait;
}

void check_acks(const redisReply& reply, const ReplicaWait& wait, std::string_view where,
                const std::string& backend) {
  const std::string doing = "WAIT after a store on " + std::string(where);
  if (reply.type == REDIS_REPLY_ERROR) throw_reply_error(reply, doing, backend);
  if (reply.type != REDIS_REPLY_INTEGER) {
    throw BackendError(doing + ": the reply is not a count of replicas", backend);
  }
  if (reply.integer >= wait.replicas) return;
  throw ConnectionError(doing + ": only " + std::to_string(reply.integer) + " of " +
                            std::to_string(wait.replicas) + " replicas acknowledged it within " +
                            std::to_string(wait.timeout_ms) +
                            " ms (min_replicas_acked); the store was applied on that master but "
                            "may not survive it",
                        backend);
}

}  // namespace engram::redis
