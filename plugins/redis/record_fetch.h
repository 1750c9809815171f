// plugins/redis/record_fetch.h — reading records: HGETALL and PTTL for
// many keys, pipelined a chunk at a time, each record handed on as its
// replies arrive (record_encoding.h's Stored).
//
// Errors: as commands.h's pipeline (through the error mapper); whatever
// `visit` throws goes to the caller, the context then marked failed so the
// pool remakes it (its remaining replies are unread).
//
// Thread safety: one call at a time per context (the pool's checkout).
#ifndef ENGRAM_PLUGINS_REDIS_RECORD_FETCH_H_
#define ENGRAM_PLUGINS_REDIS_RECORD_FETCH_H_

#include <hiredis/hiredis.h>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "commands.h"
#include "record_encoding.h"
#include "redis_errors.h"
#include "round_trip.h"

namespace engram::redis {

// Keys whose HGETALL and PTTL are in flight at once: enough to keep the
// server busy, few enough that a long read holds little in memory.
inline constexpr std::size_t kFetchChunk = 256;

// HGETALL and PTTL for each of `keys`, pipelined a chunk at a time; calls
// `visit(i, std::optional<Stored>&&)` for each key in order as its replies
// arrive, so only one record's reply is held at a time. Should `visit`
// throw, the context is marked failed (its remaining replies are unread)
// and the pool remakes it.
template <class Visit>
void fetch_each(Link link, std::span<const std::string> keys, const std::string& backend,
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
std::vector<std::optional<Stored>> fetch(Link link, std::span<const std::string> keys,
                                         const std::string& backend);
// The same for one key.
std::optional<Stored> fetch_one(Link link, const std::string& key, const std::string& backend);

}  // namespace engram::redis

#endif  // ENGRAM_PLUGINS_REDIS_RECORD_FETCH_H_
