#include "engram/ids.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "engram/errors.h"

namespace engram {
namespace {

// Decodes one UTF-8 sequence at text[i]; returns its length and sets
// `code_point`, or returns 0 for an invalid sequence.
std::size_t decode_utf8(std::string_view text, std::size_t i, char32_t& code_point) noexcept {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  std::size_t length;
  char32_t min;
  if (lead < 0x80) {
    code_point = lead;
    return 1;
  } else if ((lead & 0xe0) == 0xc0) {
    length = 2, min = 0x80, code_point = lead & 0x1f;
  } else if ((lead & 0xf0) == 0xe0) {
    length = 3, min = 0x800, code_point = lead & 0x0f;
  } else if ((lead & 0xf8) == 0xf0) {
    length = 4, min = 0x10000, code_point = lead & 0x07;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
    code_point = (code_point << 6) | (byte(i + k) & 0x3f);
  }
  if (code_point < min || code_point > 0x10ffff ||
      (code_point >= 0xd800 && code_point <= 0xdfff)) {
    return 0;
  }
  return length;
}

bool is_control(char32_t c) noexcept { return c < 0x20 || (c >= 0x7f && c <= 0x9f); }

// Eight bytes at text[i] as one word, and the word with every byte `b`.
std::uint64_t word_at(std::string_view text, std::size_t i) noexcept {
  std::uint64_t word;
  std::memcpy(&word, text.data() + i, sizeof word);
  return word;
}
constexpr std::uint64_t every_byte(unsigned char b) noexcept { return 0x0101010101010101u * b; }
constexpr std::uint64_t kHighBits = every_byte(0x80);

// Where the run of printable ASCII other than '/' (0x20-0x7e: what ids are
// made of almost always) that starts at text[i] ends: those bytes need no
// decoding, and every rule below holds for them. Eight bytes at a time: in
// a word of ASCII bytes (no high bit) each test below sets a byte's high
// bit, and no addition carries into the next byte.
std::size_t skip_plain_ascii(std::string_view text, std::size_t i) noexcept {
  for (; i + 8 <= text.size(); i += 8) {
    const std::uint64_t w = word_at(text, i);
    const std::uint64_t below_space = ~(w + every_byte(0x80 - 0x20));
    const std::uint64_t is_delete = w + every_byte(0x01);
    const std::uint64_t is_slash = ~((w ^ every_byte('/')) + every_byte(0x7f));
    if (((w | below_space | is_delete | is_slash) & kHighBits) != 0) break;
  }
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte - 0x20u >= 0x5fu || byte == '/') break;
    ++i;
  }
  return i;
}

// Where the run of ASCII (< 0x80, valid UTF-8 as it is) at text[i] ends.
std::size_t skip_ascii(std::string_view text, std::size_t i) noexcept {
  while (i + 8 <= text.size() && (word_at(text, i) & kHighBits) == 0) i += 8;
  while (i < text.size() && static_cast<unsigned char>(text[i]) < 0x80) ++i;
  return i;
}

}  // namespace

const char* id_problem(std::string_view id) noexcept {
  if (id.empty()) return "is empty";
  if (id.size() > kMaxIdBytes) return "is longer than 255 bytes";
  if (id == "." || id == "..") return "is '.' or '..'";
  for (std::size_t i = skip_plain_ascii(id, 0); i < id.size(); i = skip_plain_ascii(id, i)) {
    char32_t c;
    const std::size_t n = decode_utf8(id, i, c);
    if (n == 0) return "is not valid UTF-8";
    if (c == U'/') return "contains '/'";
    if (is_control(c)) return "contains a control character";
    i += n;
  }
  return nullptr;
}

bool is_valid_utf8(std::string_view text) noexcept {
  for (std::size_t i = skip_ascii(text, 0); i < text.size(); i = skip_ascii(text, i)) {
    char32_t c;
    const std::size_t n = decode_utf8(text, i, c);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

bool is_valid_id(std::string_view id) noexcept { return id_problem(id) == nullptr; }

void check_id(std::string_view id, std::string_view what) {
  if (const char* problem = id_problem(id)) {
    throw InvalidArgument(std::string(what) + " '" + printable(id) + "' " + problem);
  }
}

void check_id_prefix(std::string_view prefix, std::string_view what) {
  check_id(prefix, what);
  if (prefix.size() > kMaxIdPrefixBytes) {
    throw InvalidArgument(std::string(what) + " '" + printable(prefix) + "' is longer than " +
                          std::to_string(kMaxIdPrefixBytes) +
                          " bytes, the most an id prefix may have");
  }
}

void check_text(std::string_view text, std::string_view what) {
  if (text.empty()) throw InvalidArgument(std::string(what) + " is empty");
  if (!is_valid_utf8(text)) {
    throw InvalidArgument(std::string(what) + " '" + printable(text) + "' is not valid UTF-8");
  }
}

void check_finite(double value, std::string_view what) {
  if (!std::isfinite(value)) {
    throw InvalidArgument(std::string(what) + " must be finite, got " + std::to_string(value));
  }
}

std::string printable(std::string_view text) {
  constexpr std::size_t kMaxShown = 80;
  std::string out;
  for (std::size_t i = 0; i < text.size() && out.size() < kMaxShown;) {
    char32_t c;
    const std::size_t n = decode_utf8(text, i, c);
    if (n == 0 || is_control(c)) {
      for (std::size_t k = 0; k < (n == 0 ? 1 : n); ++k) {
        char escaped[5];
        std::snprintf(escaped, sizeof escaped, "\\x%02x", static_cast<unsigned char>(text[i + k]));
        out += escaped;
      }
      i += n == 0 ? 1 : n;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  if (out.size() >= kMaxShown) out += "...";
  return out;
}

std::int64_t seed_millis(double timestamp) {
  check_finite(timestamp, "timestamp");
  const double millis = std::trunc(timestamp * 1000.0);
  // 2^63 is exactly representable; anything at or past it does not fit.
  if (millis >= 9223372036854775808.0 || millis < -9223372036854775808.0) {
    throw InvalidArgument("timestamp " + std::to_string(timestamp) + " is out of range");
  }
  return static_cast<std::int64_t>(millis);
}

std::string seed_id(std::string_view prefix, double timestamp, unsigned n) {
  std::string id(prefix);
  id += '_';
  id += std::to_string(seed_millis(timestamp));
  if (n > 0) {
    id += '_';
    id += std::to_string(n);
  }
  return id;
}

}  // namespace engram

namespace engram {

std::optional<std::int64_t> seed_id_stamp(std::string_view id, std::string_view prefix) noexcept {
  if (id.size() <= prefix.size() + 1 || id.substr(0, prefix.size()) != prefix ||
      id[prefix.size()] != '_') {
    return std::nullopt;
  }
  std::string_view rest = id.substr(prefix.size() + 1);
  const std::size_t underscore = rest.find('_');
  const std::string_view ms = rest.substr(0, underscore);
  std::int64_t stamp = 0;
  const auto [end, error] = std::from_chars(ms.data(), ms.data() + ms.size(), stamp);
  if (error != std::errc() || end != ms.data() + ms.size()) return std::nullopt;
  if (underscore != std::string_view::npos) {
    const std::string_view n = rest.substr(underscore + 1);
    std::uint64_t suffix = 0;
    const auto [n_end, n_error] = std::from_chars(n.data(), n.data() + n.size(), suffix);
    if (n_error != std::errc() || n_end != n.data() + n.size() || suffix == 0 || n[0] == '0') {
      return std::nullopt;
    }
  }
  return stamp;
}

std::string_view id_kind_name(IdKind kind) noexcept {
  switch (kind) {
    case IdKind::kEpisode: return "episode";
    case IdKind::kLearningEvent: return "learning event";
    case IdKind::kConcept: return "concept";
  }
  return "id";
}

}  // namespace engram
