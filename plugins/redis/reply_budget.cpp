// plugins/redis/reply_budget.cpp — see reply_budget.h.
#include "reply_budget.h"

#include <algorithm>
#include <limits>

namespace engram::redis {
namespace {

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();
// 19 digits always fit in 64 bits.
constexpr int kMaxDigits = 19;

std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) noexcept {
  return a > kMax - b ? kMax : a + b;
}

std::uint64_t saturating_mul(std::uint64_t a, std::uint64_t b) noexcept {
  return b != 0 && a > kMax / b ? kMax : a * b;
}

}  // namespace

ReplyBudget::Verdict ReplyBudget::add(std::uint64_t bytes) noexcept {
  declared_ = saturating_add(declared_, bytes);
  if (declared_ > max_) verdict_ = Verdict::kTooLarge;
  return verdict_;
}

ReplyBudget::Verdict ReplyBudget::not_resp(Problem problem, char byte) noexcept {
  problem_ = problem;
  bad_byte_ = byte;
  verdict_ = Verdict::kNotResp;
  return verdict_;
}

void ReplyBudget::element_done() noexcept {
  state_ = State::kType;
  while (depth_ > 0) {
    if (--left_[depth_ - 1] > 0) return;
    --depth_;  // that array is complete: it is an element of its parent
  }
  ++replies_done_;
  declared_ = 0;
}

ReplyBudget::Verdict ReplyBudget::length_done() noexcept {
  if (negative_) {
    // Only -1 (a null bulk string or array) is RESP2.
    if (number_ != 1) return not_resp(Problem::kLength, '-');
    element_done();
    return verdict_;
  }
  if (header_ == '$') {
    if (add(number_) != Verdict::kOk) return verdict_;
    body_left_ = number_ + 2;  // the body and its "\r\n"
    state_ = State::kBody;
    return verdict_;
  }
  if (number_ == 0) {
    element_done();
    return verdict_;
  }
  if (add(saturating_mul(number_, element_bytes_)) != Verdict::kOk) return verdict_;
  if (depth_ == kMaxDepth) return not_resp(Problem::kDepth, '*');
  left_[depth_++] = number_;
  state_ = State::kType;
  return verdict_;
}

ReplyBudget::Verdict ReplyBudget::scan(const char* data, std::size_t size) noexcept {
  const char* p = data;
  const char* const end = data + size;
  while (p < end && verdict_ == Verdict::kOk) {
    switch (state_) {
      case State::kType: {
        const char type = *p++;
        switch (type) {
          case '+':
          case '-':
          case ':':
            state_ = State::kLine;
            line_cr_ = false;
            break;
          case '$':
          case '*':
            state_ = State::kLength;
            header_ = type;
            negative_ = false;
            digits_ = 0;
            number_ = 0;
            break;
          default:
            return not_resp(Problem::kTypeByte, type);
        }
        break;
      }
      case State::kLine: {
        const char* const start = p;
        bool ended = false;
        while (p < end) {
          const char c = *p++;
          if (c == '\n' && line_cr_) {
            ended = true;
            break;
          }
          line_cr_ = c == '\r';
        }
        // A line is held whole by hiredis: its bytes count, so that an
        // endless one is refused too.
        if (add(static_cast<std::uint64_t>(p - start)) != Verdict::kOk) return verdict_;
        if (ended) element_done();
        break;
      }
      case State::kLength: {
        const char c = *p++;
        if (c >= '0' && c <= '9') {
          if (++digits_ > kMaxDigits) return not_resp(Problem::kLength, c);
          number_ = number_ * 10 + static_cast<std::uint64_t>(c - '0');
        } else if (c == '-' && digits_ == 0 && !negative_) {
          negative_ = true;
        } else if (c == '\r' && digits_ > 0) {
          state_ = State::kLengthEnd;
        } else {
          return not_resp(Problem::kLength, c);
        }
        break;
      }
      case State::kLengthEnd: {
        const char c = *p++;
        if (c != '\n') return not_resp(Problem::kLength, c);
        if (length_done() != Verdict::kOk) return verdict_;
        break;
      }
      case State::kBody: {
        const auto available = static_cast<std::uint64_t>(end - p);
        const std::uint64_t skip = std::min(available, body_left_);
        p += skip;
        body_left_ -= skip;
        if (body_left_ == 0) element_done();
        break;
      }
    }
  }
  return verdict_;
}

std::string ReplyBudget::why() const {
  const auto byte = static_cast<unsigned char>(bad_byte_);
  const char* const hex = "0123456789abcdef";
  std::string shown = "0x";
  shown += hex[byte >> 4];
  shown += hex[byte & 0xf];
  switch (problem_) {
    case Problem::kTypeByte:
      return "not a RESP reply (type byte " + shown + ")";
    case Problem::kLength:
      return std::string("not a RESP reply (bad ") +
             (header_ == '$' ? "bulk length" : "array count") + ", byte " + shown + ")";
    case Problem::kDepth:
      return "not a RESP reply (arrays nested deeper than " + std::to_string(kMaxDepth) + ")";
    case Problem::kNone:
      break;
  }
  return "not a RESP reply";
}

}  // namespace engram::redis
