// plugins/redis/commands.h — sending commands on a checked-out context: a
// pipeline of commands in one round trip, one command, and a MULTI/EXEC
// transaction, each reply checked through the error mapper
// (redis_errors.h).
//
// Every function here takes a Link (a context and the Settings its round
// trips obey) and the backend's name for its errors. A failed context or
// round trip throws through the mapper and leaves the context's err set,
// so the pool (connection_pool.h) remakes it; an error reply throws
// AccessDenied, CorruptData or BackendError as the mapper says.
//
// Thread safety: one call at a time per context (the pool's checkout).
#ifndef ENGRAM_PLUGINS_REDIS_COMMANDS_H_
#define ENGRAM_PLUGINS_REDIS_COMMANDS_H_

#include <hiredis/hiredis.h>

#include <string>
#include <string_view>
#include <vector>

#include "command_buffer.h"
#include "redis_options.h"
#include "round_trip.h"

namespace engram::redis {

// A checked-out context with what its round trips obey, and the address
// it reached, for messages. (ContextPtr and ReplyPtr, the handles, are
// round_trip.h's.)
struct Link {
  redisContext* context;
  const Settings* settings;
  std::string_view where;
};

using Command = std::vector<std::string>;

// A round trip that failed (round_trip.h) while sending, or reading the
// reply to `command`: the deadline passed or the connection failed
// (ConnectionError), or the reply declared more than max_reply_bytes or was
// not RESP (CorruptData). The context is marked failed either way.
[[noreturn]] void throw_trip_error(Link link, const RoundTrip& trip, RoundTrip::Status status,
                                   bool sending, std::string_view command,
                                   const std::string& backend);

// Sends `commands` in one pipeline, one round trip, and returns their
// replies, error replies included. Throws through the mapper when the
// context fails or the round trip passes its limits.
std::vector<ReplyPtr> pipeline(Link link, const std::vector<const Command*>& commands,
                               const std::string& backend);
std::vector<ReplyPtr> pipeline(Link link, const std::vector<Command>& commands,
                               const std::string& backend);

// The reply, or a throw for an error reply.
const redisReply& checked(const ReplyPtr& reply, std::string_view doing,
                          const std::string& backend);

// One command in one round trip; its reply, or a throw for an error reply.
ReplyPtr command(Link link, Command args, const std::string& backend);

// Runs `commands`, in order, as one MULTI/EXEC: all applied or none. The
// buffer's bytes are sent from where they are (a retry sends them again,
// encoding nothing twice); each reply is freed as the next one is read.
// Throws for an error reply to any of them (the first, once every reply is
// read) or an EXEC that did not apply the transaction. Every transaction
// is a store: when the settings' replica_wait asks for replicas
// (min_replicas_acked), WAIT follows EXEC in the same round trip, which
// then has store_limits, and too few acknowledgements throw
// ConnectionError (replica_wait.h).
void transaction(Link link, const CommandBuffer& commands, const std::string& backend);

// A string reply's bytes, copied or viewed; empty for a reply without any.
std::string text_of(const redisReply& reply);
std::string_view view_of(const redisReply& reply);

}  // namespace engram::redis

#endif  // ENGRAM_PLUGINS_REDIS_COMMANDS_H_
