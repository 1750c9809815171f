#include "engram/cursor.h"

#include <bit>
#include <charconv>
#include <cmath>

#include "engram/errors.h"
#include "engram/ids.h"

namespace engram {

void throw_bad_cursor(std::string_view cursor, std::string_view backend) {
  throw InvalidArgument("cursor \"" + printable(cursor) + "\" was not given by this backend",
                        std::string(backend));
}

std::optional<std::string> cursor_id(std::string_view cursor, std::string_view backend) {
  auto id = cursor_key<std::string>(cursor, backend);
  if (id && !is_valid_id(*id)) throw_bad_cursor(cursor, backend);
  return id;
}

namespace cursor_detail {
namespace {

// The text up to the next ':' (or the end), as a number in `base`.
template <class Number>
bool take_number(std::string_view& text, Number& value, int base = 10) {
  const std::size_t colon = text.find(':');
  const std::string_view digits = text.substr(0, colon);
  const char* end = digits.data() + digits.size();
  const auto [stop, error] = std::from_chars(digits.data(), end, value, base);
  if (digits.empty() || error != std::errc() || stop != end) return false;
  text.remove_prefix(digits.size());
  return true;
}

}  // namespace

void append_part(std::string& out, std::int64_t value) { out += std::to_string(value); }
void append_part(std::string& out, std::uint64_t value) { out += std::to_string(value); }

void append_part(std::string& out, double value) {
  char bits[16];
  const auto stop =
      std::to_chars(bits, bits + sizeof bits, std::bit_cast<std::uint64_t>(value), 16).ptr;
  out.append(bits, stop);
}

void append_part(std::string& out, std::string_view value) { out += value; }

bool take_part(std::string_view& text, std::int64_t& value) { return take_number(text, value); }
bool take_part(std::string_view& text, std::uint64_t& value) { return take_number(text, value); }

bool take_part(std::string_view& text, double& value) {
  std::uint64_t bits = 0;
  if (!take_number(text, bits, 16)) return false;
  value = std::bit_cast<double>(bits);
  return std::isfinite(value);
}

bool take_part(std::string_view& text, std::string& value) {
  if (text.empty() || !is_valid_utf8(text)) return false;
  value = std::string(text);
  text = {};
  return true;
}

}  // namespace cursor_detail
}  // namespace engram
