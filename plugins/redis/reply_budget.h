// plugins/redis/reply_budget.h — how much memory a RESP2 reply declares,
// told from its headers before hiredis buffers it.
//
// hiredis 0.14 builds a whole reply in memory: a header "$10737418240\r\n"
// makes it wait for, and hold, 10 GB. The plugin runs every byte a server
// sends through a ReplyBudget before feeding it to hiredis's reader, so a
// reply that declares more than `max_reply_bytes` is refused at its header.
//
// A reply's declared bytes are the sum, over the whole reply (nested arrays
// included), of each bulk string's length, `element_bytes` for each array
// element (the memory hiredis holds per element whether or not it ever
// arrives: its reply object and its pointer), and the length of each
// status, error and integer line. A reply's actual memory in hiredis is at
// most about twice its declared bytes (the read buffer and the reply).
//
// The scanner follows the stream byte by byte only in headers and lines; a
// bulk string's body is skipped by its length, never looked at. Bytes may
// arrive split at any point. It accepts exactly the replies hiredis 0.14
// parses the same way (a line ends at the first "\r\n"; a bulk's body is
// followed by two bytes hiredis does not check) and refuses as not RESP a
// type byte other than + - : $ *, a length or count that is not -1 or a
// non-negative number of at most 19 digits, and arrays nested deeper than
// hiredis's 7 levels.
//
// Thread safety: one scanner per connection, used by one thread at a time.
#ifndef ENGRAM_PLUGINS_REDIS_REPLY_BUDGET_H_
#define ENGRAM_PLUGINS_REDIS_REPLY_BUDGET_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace engram::redis {

class ReplyBudget {
 public:
  enum class Verdict : std::uint8_t {
    kOk,        // every byte scanned; within budget
    kTooLarge,  // the current reply declares more than max_reply_bytes
    kNotResp,   // the bytes are not a RESP2 reply (why() says how)
  };

  ReplyBudget(std::uint64_t max_reply_bytes, std::uint64_t element_bytes) noexcept
      : max_(max_reply_bytes), element_bytes_(element_bytes) {}

  // Scans the next `size` bytes of the stream. After anything but kOk the
  // scanner is stuck in that verdict (the connection must be dropped).
  Verdict scan(const char* data, std::size_t size) noexcept;

  // Complete top-level replies scanned so far: the index, in the pipeline,
  // of the reply scan() refused.
  std::size_t replies_done() const noexcept { return replies_done_; }
  // The bytes the reply being scanned declares so far (saturating).
  std::uint64_t declared() const noexcept { return declared_; }
  std::uint64_t max_reply_bytes() const noexcept { return max_; }
  Verdict verdict() const noexcept { return verdict_; }
  // Why the bytes are not RESP, after kNotResp.
  std::string why() const;
  // True when the scanner stands between replies (no reply half-scanned).
  bool at_reply_boundary() const noexcept {
    return state_ == State::kType && depth_ == 0 && verdict_ == Verdict::kOk;
  }

  // hiredis nests arrays at most this deep.
  static constexpr std::size_t kMaxDepth = 7;

 private:
  enum class State : std::uint8_t {
    kType,       // the next byte starts an element
    kLine,       // inside a + - : line, up to its "\r\n"
    kLength,     // the digits of a $ length or * count
    kLengthEnd,  // after the '\r' of a length: expects '\n'
    kBody,       // skipping a bulk string's body and its two closing bytes
  };
  enum class Problem : std::uint8_t { kNone, kTypeByte, kLength, kDepth };

  Verdict add(std::uint64_t bytes) noexcept;
  Verdict not_resp(Problem problem, char byte) noexcept;
  Verdict length_done() noexcept;
  // One element ended: counts it off its enclosing arrays; a top-level
  // reply that ends resets the budget.
  void element_done() noexcept;

  const std::uint64_t max_;
  const std::uint64_t element_bytes_;
  std::uint64_t declared_ = 0;
  std::size_t replies_done_ = 0;
  State state_ = State::kType;
  Verdict verdict_ = Verdict::kOk;
  Problem problem_ = Problem::kNone;
  char bad_byte_ = 0;
  // kLine: the previous byte was '\r'.
  bool line_cr_ = false;
  // kLength: '$' or '*', the sign, the value and its digit count so far.
  char header_ = 0;
  bool negative_ = false;
  int digits_ = 0;
  std::uint64_t number_ = 0;
  // kBody: bytes left to skip.
  std::uint64_t body_left_ = 0;
  // Elements left in each enclosing array, innermost last.
  std::array<std::uint64_t, kMaxDepth> left_{};
  std::size_t depth_ = 0;
};

}  // namespace engram::redis

#endif  // ENGRAM_PLUGINS_REDIS_REPLY_BUDGET_H_
