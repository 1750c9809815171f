#include "engram/dtype.h"

#include <array>
#include <bit>
#include <cmath>

namespace engram {
namespace {

struct DTypeInfo {
  DType dtype;
  std::string_view name;
  std::size_t size;
  std::size_t alignment;
};

constexpr std::array<DTypeInfo, 14> kInfo = {{
    {DType::kBool, "bool", 1, 1},
    {DType::kInt8, "int8", 1, 1},
    {DType::kInt16, "int16", 2, 2},
    {DType::kInt32, "int32", 4, 4},
    {DType::kInt64, "int64", 8, 8},
    {DType::kUInt8, "uint8", 1, 1},
    {DType::kUInt16, "uint16", 2, 2},
    {DType::kUInt32, "uint32", 4, 4},
    {DType::kUInt64, "uint64", 8, 8},
    {DType::kFloat16, "float16", 2, 2},
    {DType::kFloat32, "float32", 4, 4},
    {DType::kFloat64, "float64", 8, 8},
    {DType::kComplex64, "complex64", 8, alignof(std::complex<float>)},
    {DType::kComplex128, "complex128", 16, alignof(std::complex<double>)},
}};

const DTypeInfo& info(DType dtype) noexcept {
  return kInfo[static_cast<std::size_t>(dtype)];
}

}  // namespace

std::size_t dtype_size(DType dtype) noexcept { return info(dtype).size; }
std::size_t dtype_alignment(DType dtype) noexcept { return info(dtype).alignment; }
std::string_view dtype_name(DType dtype) noexcept { return info(dtype).name; }

std::optional<DType> dtype_from_name(std::string_view name) noexcept {
  for (const auto& entry : kInfo) {
    if (entry.name == name) return entry.dtype;
  }
  return std::nullopt;
}

Float16 to_float16(float value) noexcept {
  const auto bits = std::bit_cast<std::uint32_t>(value);
  const auto sign = static_cast<std::uint16_t>((bits >> 16) & 0x8000u);
  const std::uint32_t exponent = (bits >> 23) & 0xffu;
  std::uint32_t mantissa = bits & 0x7fffffu;

  if (exponent == 0xffu) {  // infinity or NaN (kept quiet and non-zero)
    const std::uint16_t nan = mantissa != 0 ? 0x0200u | static_cast<std::uint16_t>(mantissa >> 13) : 0;
    return {static_cast<std::uint16_t>(sign | 0x7c00u | nan)};
  }
  const int unbiased = static_cast<int>(exponent) - 127;
  if (unbiased > 15) return {static_cast<std::uint16_t>(sign | 0x7c00u)};  // overflow
  if (unbiased >= -14) {                                                 // normal half
    std::uint32_t half = (static_cast<std::uint32_t>(unbiased + 15) << 10) | (mantissa >> 13);
    const std::uint32_t rest = mantissa & 0x1fffu;
    if (rest > 0x1000u || (rest == 0x1000u && (half & 1u))) ++half;  // may carry into inf
    return {static_cast<std::uint16_t>(sign | half)};
  }
  if (unbiased < -25) return {sign};  // underflows to zero
  // Subnormal half: value = mantissa' × 2^-24.
  mantissa |= 0x800000u;
  const int shift = -unbiased - 14 + 13;  // 14..24
  std::uint32_t half = mantissa >> shift;
  const std::uint32_t rest = mantissa & ((1u << shift) - 1u);
  const std::uint32_t halfway = 1u << (shift - 1);
  if (rest > halfway || (rest == halfway && (half & 1u))) ++half;
  return {static_cast<std::uint16_t>(sign | half)};
}

float from_float16(Float16 value) noexcept {
  const std::uint32_t sign = static_cast<std::uint32_t>(value.bits & 0x8000u) << 16;
  const std::uint32_t exponent = (value.bits >> 10) & 0x1fu;
  const std::uint32_t mantissa = value.bits & 0x3ffu;
  if (exponent == 0x1fu) {
    return std::bit_cast<float>(sign | 0x7f800000u | (mantissa << 13));
  }
  if (exponent == 0) {
    const float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -magnitude : magnitude;
  }
  return std::bit_cast<float>(sign | ((exponent + 112u) << 23) | (mantissa << 13));
}

}  // namespace engram
