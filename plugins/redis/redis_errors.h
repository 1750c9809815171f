// plugins/redis/redis_errors.h — the redis backend's one error mapper: what
// hiredis, a round trip or the server reports, as engram's error kinds.
//
//   a context's err (hiredis)      REDIS_ERR_IO, REDIS_ERR_EOF → ConnectionError
//                                  REDIS_ERR_PROTOCOL → CorruptData
//                                  anything else (OOM, ...) → BackendError
//   a round trip (round_trip.h)    timed out → ConnectionError (code REDIS_ERR_IO)
//                                  reply too large → CorruptData
//                                  not RESP → CorruptData (code REDIS_ERR_PROTOCOL)
//                                  failed → as the context's err
//   an error reply                 NOAUTH, WRONGPASS, NOPERM, "invalid password",
//                                  "invalid username-password", "without any
//                                  password configured" → AccessDenied
//                                  READONLY → ConnectionError (a replica: the
//                                  master is elsewhere now; the pool retries,
//                                  asking the sentinels when there are any)
//                                  WRONGTYPE → CorruptData
//                                  anything else → BackendError
//
// Each message says what was being done ("sending HSET to host:port"), then
// hiredis's or the server's text; each error names the backend, and those
// from hiredis carry its code. Every function throws; none returns.
//
// Thread safety: stateless.
#ifndef ENGRAM_PLUGINS_REDIS_REDIS_ERRORS_H_
#define ENGRAM_PLUGINS_REDIS_REDIS_ERRORS_H_

#include <hiredis/hiredis.h>

#include <string>
#include <string_view>

#include "reply_budget.h"
#include "round_trip.h"

namespace engram::redis {

// StorageError("the backend is closed"): a call after close().
[[noreturn]] void throw_closed(const std::string& backend);

// A context whose `err` is set, or nullptr (hiredis could not allocate
// one: BackendError "out of memory"), while `doing`.
[[noreturn]] void throw_context_error(const redisContext* context, std::string_view doing,
                                      const std::string& backend);

// A round trip that ended in `status` (not kOk) while `doing`; `budget` is
// the trip's (it tells a refused reply's size or why it is not RESP), and
// `command_timeout` the seconds the trip had, for the message. REQUIRES:
// `context` is the trip's, its err set by the trip unless it timed out.
[[noreturn]] void throw_round_trip_error(const redisContext* context, const ReplyBudget& budget,
                                         RoundTrip::Status status, std::string_view doing,
                                         double command_timeout, const std::string& backend);

// An error reply (REQUIRES: reply.type == REDIS_REPLY_ERROR) to `doing`.
[[noreturn]] void throw_reply_error(const redisReply& reply, std::string_view doing,
                                    const std::string& backend);

// CorruptData "reading <key>: <why>": a record engram cannot read back.
[[noreturn]] void throw_corrupt(std::string_view key, std::string_view why,
                                const std::string& backend);

}  // namespace engram::redis

#endif  // ENGRAM_PLUGINS_REDIS_REDIS_ERRORS_H_
