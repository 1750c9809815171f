// plugins/redis/redis_errors.cpp — see redis_errors.h.
#include "redis_errors.h"

#include <charconv>

#include "engram/errors.h"
#include "engram/ids.h"

namespace engram::redis {
namespace {

std::string seconds_text(double seconds) {
  char buffer[32];
  return std::string(buffer, std::to_chars(buffer, buffer + sizeof buffer, seconds).ptr);
}

}  // namespace

void throw_closed(const std::string& backend) { engram::throw_closed(backend); }

void throw_context_error(const redisContext* context, std::string_view doing,
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

void throw_round_trip_error(const redisContext* context, const ReplyBudget& budget,
                            RoundTrip::Status status, std::string_view doing,
                            double command_timeout, const std::string& backend) {
  const std::string what(doing);
  switch (status) {
    case RoundTrip::Status::kTimedOut:
      throw ConnectionError(
          what + ": " + context->errstr + " (" + seconds_text(command_timeout) + " s)", backend,
          REDIS_ERR_IO);
    case RoundTrip::Status::kTooLarge:
      throw CorruptData(what + ": reply declares " + std::to_string(budget.declared()) +
                            " bytes, more than max_reply_bytes (" +
                            std::to_string(budget.max_reply_bytes()) + ")",
                        backend);
    case RoundTrip::Status::kNotResp:
      // Refused by the budget's scan, else by hiredis's reader.
      if (budget.verdict() == ReplyBudget::Verdict::kNotResp) {
        throw CorruptData(what + ": " + budget.why(), backend, REDIS_ERR_PROTOCOL);
      }
      break;
    case RoundTrip::Status::kOk:
    case RoundTrip::Status::kFailed:
      break;
  }
  throw_context_error(context, doing, backend);
}

void throw_reply_error(const redisReply& reply, std::string_view doing,
                       const std::string& backend) {
  const std::string text(reply.str ? reply.str : "", reply.str ? reply.len : 0);
  const std::string message = std::string(doing) + ": " + text;
  if (text.starts_with("NOAUTH") || text.starts_with("WRONGPASS") || text.starts_with("NOPERM") ||
      text.find("invalid password") != std::string::npos ||
      text.find("invalid username-password") != std::string::npos ||
      text.find("without any password configured") != std::string::npos) {
    throw AccessDenied(message, backend);
  }
  // A master demoted to a replica (a failover): the connection no longer
  // leads to the master, as if it had failed.
  if (text.starts_with("READONLY")) throw ConnectionError(message, backend);
  if (text.starts_with("WRONGTYPE")) throw CorruptData(message, backend);
  throw BackendError(message, backend);
}

void throw_corrupt(std::string_view key, std::string_view why, const std::string& backend) {
  throw CorruptData(std::string("reading ") + printable(key) + ": " + std::string(why), backend);
}

}  // namespace engram::redis
