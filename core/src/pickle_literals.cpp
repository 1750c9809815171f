#include "pickle_literals.h"

#include <cstdint>
#include <string>
#include <vector>

namespace engram::pickle::detail {

Utf8 check_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    if (lead < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    std::uint32_t code = 0;
    if ((lead & 0xe0) == 0xc0) {
      length = 2;
      code = lead & 0x1fu;
    } else if ((lead & 0xf0) == 0xe0) {
      length = 3;
      code = lead & 0x0fu;
    } else if ((lead & 0xf8) == 0xf0) {
      length = 4;
      code = lead & 0x07u;
    } else {
      return Utf8::kInvalid;
    }
    if (i + length > text.size()) return Utf8::kInvalid;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xc0) != 0x80) return Utf8::kInvalid;
      code = (code << 6) | (next & 0x3fu);
    }
    static constexpr std::uint32_t kLeast[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < kLeast[length] || code > 0x10ffff) return Utf8::kInvalid;
    if (code >= 0xd800 && code <= 0xdfff) return Utf8::kSurrogate;
    i += length;
  }
  return Utf8::kValid;
}

void set_long(Node& node, std::span<const std::byte> bytes) {
  const std::size_t n = bytes.size();
  if (n == 0) {
    node.kind = Kind::kInt;
    return;
  }
  const bool negative = (static_cast<unsigned>(bytes[n - 1]) & 0x80u) != 0;
  // Significant length: drop sign-extension bytes.
  std::size_t significant = n;
  const auto fill = static_cast<std::byte>(negative ? 0xff : 0x00);
  while (significant > 1 && bytes[significant - 1] == fill &&
         ((static_cast<unsigned>(bytes[significant - 2]) & 0x80u) != 0) == negative) {
    --significant;
  }
  if (significant <= 8) {
    std::uint64_t raw = negative ? ~std::uint64_t{0} : 0;
    for (std::size_t k = 0; k < significant; ++k) {
      raw &= ~(std::uint64_t{0xff} << (8 * k));
      raw |= static_cast<std::uint64_t>(bytes[k]) << (8 * k);
    }
    node.kind = Kind::kInt;
    node.integer = static_cast<std::int64_t>(raw);
    return;
  }
  if (!negative && significant == 9 && bytes[8] == std::byte{0}) {
    std::uint64_t raw = 0;
    for (std::size_t k = 0; k < 8; ++k) raw |= static_cast<std::uint64_t>(bytes[k]) << (8 * k);
    node.kind = Kind::kUInt;
    node.unsigned_integer = raw;
    return;
  }
  // Magnitude in 32-bit limbs, least significant first, then decimal by
  // repeated division by 10^9.
  std::vector<std::uint32_t> limbs((significant + 3) / 4, 0);
  for (std::size_t k = 0; k < significant; ++k) {
    limbs[k / 4] |= static_cast<std::uint32_t>(bytes[k]) << (8 * (k % 4));
  }
  if (negative) {
    // Two's complement over `significant` bytes: magnitude = ~x + 1.
    for (std::size_t k = significant; k < limbs.size() * 4; ++k) {
      limbs[k / 4] |= std::uint32_t{0xff} << (8 * (k % 4));
    }
    std::uint64_t carry = 1;
    for (auto& limb : limbs) {
      const std::uint64_t sum = static_cast<std::uint64_t>(~limb) + carry;
      limb = static_cast<std::uint32_t>(sum);
      carry = sum >> 32;
    }
  }
  std::string digits;
  while (!limbs.empty()) {
    std::uint64_t remainder = 0;
    for (std::size_t k = limbs.size(); k-- > 0;) {
      const std::uint64_t value = (remainder << 32) | limbs[k];
      limbs[k] = static_cast<std::uint32_t>(value / 1'000'000'000u);
      remainder = value % 1'000'000'000u;
    }
    while (!limbs.empty() && limbs.back() == 0) limbs.pop_back();
    for (int d = 0; d < 9; ++d) {
      digits.push_back(static_cast<char>('0' + remainder % 10));
      remainder /= 10;
      if (limbs.empty() && remainder == 0) break;
    }
  }
  if (negative) digits.push_back('-');
  node.kind = Kind::kBigInt;
  node.text.assign(digits.rbegin(), digits.rend());
}

}  // namespace engram::pickle::detail
