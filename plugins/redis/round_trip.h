// plugins/redis/round_trip.h — one round trip on a hiredis context: what
// redisAppendCommand* queued is sent and the replies read back against one
// deadline, each byte checked by a ReplyBudget before hiredis buffers it.
//
// hiredis's own redisGetReply bounds each read() by the socket timeout, so
// a peer sending a byte a second holds it for ever, and it buffers a reply
// of any declared size. A RoundTrip instead:
//   - gives the whole round trip (sending every queued command and reading
//     every reply) `command_timeout` from its construction: when the
//     deadline passes it fails, whatever the peer still sends;
//   - sends (what hiredis queued, then any bytes the caller hands it) with
//     sendmsg(MSG_NOSIGNAL | MSG_DONTWAIT) and reads with
//     recv(MSG_DONTWAIT) after poll(), so no call blocks past the deadline
//     and a peer that went away is EPIPE, never SIGPIPE;
//   - scans what it reads with a ReplyBudget (reply_budget.h) before
//     redisReaderFeed: a reply declaring more than max_reply_bytes, or
//     bytes that are not RESP, fail before they are buffered.
// On any failure the context's err is set (REDIS_ERR_IO for I/O, EOF and
// the deadline; REDIS_ERR_PROTOCOL for a refused reply), so the pool
// reconnects it before its next use; a context is never reused with a
// reply half-read. finish() also marks it so when the peer sent bytes
// beyond the replies asked for.
//
// Thread safety: one RoundTrip per context at a time.
#ifndef ENGRAM_PLUGINS_REDIS_ROUND_TRIP_H_
#define ENGRAM_PLUGINS_REDIS_ROUND_TRIP_H_

#include <hiredis/hiredis.h>

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string_view>

#include "engram/c_handle.h"
#include "reply_budget.h"

namespace engram::redis {

// Owning handles (engram/c_handle.h): a connection, and a reply.
using ContextPtr = CHandle<redisContext, redisFree>;
using ReplyPtr = CHandle<redisReply, freeReplyObject>;

// What every round trip of a backend obeys.
struct RoundTripLimits {
  std::chrono::steady_clock::duration command_timeout{};
  std::uint64_t max_reply_bytes = 0;
};

// What each array element of a reply costs in hiredis: its reply object and
// its pointer in the parent (ReplyBudget's element_bytes).
inline constexpr std::uint64_t kReplyElementBytes = sizeof(redisReply) + sizeof(redisReply*);

class RoundTrip {
 public:
  enum class Status : std::uint8_t {
    kOk,
    kFailed,    // I/O error or EOF: context->err/errstr say which
    kTimedOut,  // the deadline passed
    kTooLarge,  // a reply declared more than max_reply_bytes (budget() says)
    kNotResp,   // the peer's bytes are not RESP (budget().why() or errstr)
  };

  // Starts the clock: the deadline is now + limits.command_timeout.
  RoundTrip(redisContext* context, const RoundTripLimits& limits) noexcept;
  RoundTrip(const RoundTrip&) = delete;
  RoundTrip& operator=(const RoundTrip&) = delete;

  // Sends everything queued on the context, then `pieces` in order (bytes
  // the caller wrote, e.g. a CommandBuffer's, sent from where they are).
  Status send(std::initializer_list<std::string_view> pieces = {}) noexcept;
  // The next reply, in `reply`; anything but kOk leaves it empty.
  Status next(ReplyPtr& reply) noexcept;
  // After the last reply asked for: marks the context for reconnection if
  // the peer sent more.
  void finish() noexcept;

  const ReplyBudget& budget() const noexcept { return budget_; }
  // The time the whole round trip was given (limits.command_timeout).
  std::chrono::steady_clock::duration timeout() const noexcept { return timeout_; }

 private:
  // Waits until the socket is ready for `events` or the deadline passes.
  Status wait(short events) noexcept;
  Status fail(int code, const char* why) noexcept;
  Status fail_errno(int error) noexcept;

  redisContext* const context_;
  const std::chrono::steady_clock::duration timeout_;
  const std::chrono::steady_clock::time_point deadline_;
  ReplyBudget budget_;
  // hiredis's reader moves the bytes it holds to the front of its buffer
  // after each reply taken from it: it is given what it needs a slice at a
  // time (the size of its own reads), not a whole read at once.
  static constexpr std::size_t kFeedSlice = 16 * 1024;

  // The last recv filled the buffer: more is likely waiting, so the next
  // read tries before polling.
  bool read_full_ = false;
  // buffer_[0, filled_) was read and scanned; [0, fed_) given to hiredis.
  std::size_t filled_ = 0;
  std::size_t fed_ = 0;
  std::array<char, 64 * 1024> buffer_;
};

}  // namespace engram::redis

#endif  // ENGRAM_PLUGINS_REDIS_ROUND_TRIP_H_
