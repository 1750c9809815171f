// plugins/redis/round_trip.cpp — see round_trip.h.
#include "round_trip.h"

#include <hiredis/read.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

// hiredis 0.14's hiredis.h includes sds.h outside its extern "C", so in C++
// sds.h's functions are declared with C++ linkage and do not link. These
// name the C symbols (sds is char*).
extern "C" char* engram_redis_sdsempty() __asm__("sdsempty");
extern "C" void engram_redis_sdsfree(char* s) __asm__("sdsfree");

namespace engram::redis {

using Clock = std::chrono::steady_clock;

RoundTrip::RoundTrip(redisContext* context, const RoundTripLimits& limits) noexcept
    : context_(context),
      timeout_(limits.command_timeout),
      deadline_(Clock::now() + limits.command_timeout),
      budget_(limits.max_reply_bytes, kReplyElementBytes) {}

RoundTrip::Status RoundTrip::fail(int code, const char* why) noexcept {
  context_->err = code;
  std::snprintf(context_->errstr, sizeof context_->errstr, "%s", why);
  return code == REDIS_ERR_PROTOCOL ? Status::kNotResp : Status::kFailed;
}

RoundTrip::Status RoundTrip::fail_errno(int error) noexcept {
  char text[sizeof context_->errstr];
  // The GNU strerror_r returns the text, which may not be in `text`.
  const char* why = strerror_r(error, text, sizeof text);
  return fail(REDIS_ERR_IO, why);
}

RoundTrip::Status RoundTrip::wait(short events) noexcept {
  for (;;) {
    const auto left = deadline_ - Clock::now();
    if (left <= Clock::duration::zero()) {
      fail(REDIS_ERR_IO, "no complete reply within command_timeout");
      return Status::kTimedOut;
    }
    const auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(left).count();
    timespec timeout{};
    timeout.tv_sec = static_cast<time_t>(nanos / 1000000000);
    timeout.tv_nsec = static_cast<long>(nanos % 1000000000);
    pollfd fd{context_->fd, events, 0};
    const int ready = ::ppoll(&fd, 1, &timeout, nullptr);
    if (ready > 0) return Status::kOk;  // readable, writable, or an error recv/send reports
    if (ready < 0 && errno != EINTR) return fail_errno(errno);
  }
}

RoundTrip::Status RoundTrip::send(std::initializer_list<std::string_view> pieces) noexcept {
  if (context_->err != 0) return Status::kFailed;
  // hiredis's queue first, then the caller's pieces: one sendmsg for all
  // of them while the socket takes them, each piece sent from where it is.
  constexpr std::size_t kMaxPieces = 8;
  std::array<iovec, kMaxPieces + 1> parts{};
  std::size_t count = 0;
  const auto add = [&](const char* data, std::size_t size) {
    if (size != 0) parts[count++] = iovec{const_cast<char*>(data), size};
  };
  add(context_->obuf, sdslen(context_->obuf));
  if (pieces.size() > kMaxPieces) return fail(REDIS_ERR_OTHER, "too many pieces to send");
  for (const std::string_view piece : pieces) add(piece.data(), piece.size());
  std::size_t first = 0;  // parts[first..count) are left, parts[first] from its iov_base
  while (first < count) {
    msghdr message{};
    message.msg_iov = parts.data() + first;
    message.msg_iovlen = count - first;
    const ssize_t n = ::sendmsg(context_->fd, &message, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n > 0) {
      auto sent = static_cast<std::size_t>(n);
      while (first < count && sent >= parts[first].iov_len) sent -= parts[first++].iov_len;
      if (sent != 0) {
        parts[first].iov_base = static_cast<char*>(parts[first].iov_base) + sent;
        parts[first].iov_len -= sent;
      }
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (const Status status = wait(POLLOUT); status != Status::kOk) {
        if (status == Status::kTimedOut) {
          std::snprintf(context_->errstr, sizeof context_->errstr,
                        "could not send within command_timeout");
        }
        return status;
      }
    } else if (n < 0 && errno != EINTR) {
      return fail_errno(errno);
    }
  }
  // As redisBufferWrite leaves it: a large buffer is not kept.
  if (sdslen(context_->obuf) != 0) {
    engram_redis_sdsfree(context_->obuf);
    context_->obuf = engram_redis_sdsempty();
    if (context_->obuf == nullptr) return fail(REDIS_ERR_OOM, "out of memory");
  }
  return Status::kOk;
}

RoundTrip::Status RoundTrip::next(ReplyPtr& reply) noexcept {
  reply.reset();
  if (context_->err != 0) return Status::kFailed;
  redisReader* const reader = context_->reader;
  for (;;) {
    void* raw = nullptr;
    if (redisReaderGetReply(reader, &raw) != REDIS_OK) {
      // What the budget let through and hiredis still refused.
      context_->err = REDIS_ERR_PROTOCOL;
      std::snprintf(context_->errstr, sizeof context_->errstr, "%s", reader->errstr);
      return Status::kNotResp;
    }
    if (raw != nullptr) {
      reply.reset(static_cast<redisReply*>(raw));
      return Status::kOk;
    }
    if (fed_ < filled_) {
      // Bytes read and scanned but not yet given to hiredis: the next slice.
      const std::size_t slice = std::min(kFeedSlice, filled_ - fed_);
      if (redisReaderFeed(reader, buffer_.data() + fed_, slice) != REDIS_OK) {
        return fail(REDIS_ERR_OOM, "out of memory");
      }
      fed_ += slice;
      continue;
    }
    // A peer sending without pause must still stop at the deadline.
    if (Clock::now() >= deadline_) {
      fail(REDIS_ERR_IO, "no complete reply within command_timeout");
      return Status::kTimedOut;
    }
    if (!read_full_) {
      if (const Status status = wait(POLLIN); status != Status::kOk) return status;
    }
    const ssize_t n = ::recv(context_->fd, buffer_.data(), buffer_.size(), MSG_DONTWAIT);
    if (n < 0) {
      read_full_ = false;
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
      return fail_errno(errno);
    }
    if (n == 0) return fail(REDIS_ERR_EOF, "Server closed the connection");
    const auto size = static_cast<std::size_t>(n);
    read_full_ = size == buffer_.size();
    fed_ = 0;
    filled_ = size;
    switch (budget_.scan(buffer_.data(), size)) {
      case ReplyBudget::Verdict::kOk:
        break;
      case ReplyBudget::Verdict::kTooLarge:
        fail(REDIS_ERR_PROTOCOL, "reply larger than max_reply_bytes");
        return Status::kTooLarge;
      case ReplyBudget::Verdict::kNotResp:
        fail(REDIS_ERR_PROTOCOL, "reply is not RESP");
        return Status::kNotResp;
    }
  }
}

void RoundTrip::finish() noexcept {
  const redisReader* const reader = context_->reader;
  if (context_->err == 0 &&
      (fed_ < filled_ || reader->pos < reader->len || !budget_.at_reply_boundary())) {
    fail(REDIS_ERR_IO, "the server sent bytes nobody asked for");
  }
}

}  // namespace engram::redis
