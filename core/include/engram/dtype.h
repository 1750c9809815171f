// engram/dtype.h — the element types of engram arrays: numpy's numeric set.
//
// Values are stored in native byte order (little-endian on every platform
// engram supports; the build refuses others). Float16 is IEEE 754 binary16,
// kept as its 16 bits since C++20 has no half-precision type.
//
// Thread safety: everything here is stateless.
#ifndef ENGRAM_DTYPE_H_
#define ENGRAM_DTYPE_H_

#include <bit>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <type_traits>

#include "engram/export.h"

static_assert(std::endian::native == std::endian::little,
              "engram stores arrays in little-endian order and supports only "
              "little-endian platforms");

namespace engram {

enum class DType : std::uint8_t {
  kBool,
  kInt8,
  kInt16,
  kInt32,
  kInt64,
  kUInt8,
  kUInt16,
  kUInt32,
  kUInt64,
  kFloat16,
  kFloat32,
  kFloat64,
  kComplex64,
  kComplex128,
};

// Every dtype, in enum order (for tests and tools that iterate).
inline constexpr DType kAllDTypes[] = {
    DType::kBool,    DType::kInt8,      DType::kInt16,     DType::kInt32,
    DType::kInt64,   DType::kUInt8,     DType::kUInt16,    DType::kUInt32,
    DType::kUInt64,  DType::kFloat16,   DType::kFloat32,   DType::kFloat64,
    DType::kComplex64, DType::kComplex128};

// Bytes per element (1 for bool, 16 for complex128).
ENGRAM_API std::size_t dtype_size(DType dtype) noexcept;
// Alignment a typed pointer to an element needs.
ENGRAM_API std::size_t dtype_alignment(DType dtype) noexcept;
// numpy's name: "bool", "int8", ..., "float16", "complex128".
ENGRAM_API std::string_view dtype_name(DType dtype) noexcept;
// The dtype named by numpy's name; nullopt for any other string.
ENGRAM_API std::optional<DType> dtype_from_name(std::string_view name) noexcept;

// IEEE 754 half precision, as its bit pattern.
struct Float16 {
  std::uint16_t bits = 0;
  friend bool operator==(Float16, Float16) = default;
};
// Rounds to nearest even; overflow gives infinity; NaN stays NaN.
ENGRAM_API Float16 to_float16(float value) noexcept;
// Exact.
ENGRAM_API float from_float16(Float16 value) noexcept;

namespace detail {
template <class T>
struct DTypeOf;
template <> struct DTypeOf<bool> { static constexpr DType value = DType::kBool; };
template <> struct DTypeOf<std::int8_t> { static constexpr DType value = DType::kInt8; };
template <> struct DTypeOf<std::int16_t> { static constexpr DType value = DType::kInt16; };
template <> struct DTypeOf<std::int32_t> { static constexpr DType value = DType::kInt32; };
template <> struct DTypeOf<std::int64_t> { static constexpr DType value = DType::kInt64; };
template <> struct DTypeOf<std::uint8_t> { static constexpr DType value = DType::kUInt8; };
template <> struct DTypeOf<std::uint16_t> { static constexpr DType value = DType::kUInt16; };
template <> struct DTypeOf<std::uint32_t> { static constexpr DType value = DType::kUInt32; };
template <> struct DTypeOf<std::uint64_t> { static constexpr DType value = DType::kUInt64; };
template <> struct DTypeOf<Float16> { static constexpr DType value = DType::kFloat16; };
template <> struct DTypeOf<float> { static constexpr DType value = DType::kFloat32; };
template <> struct DTypeOf<double> { static constexpr DType value = DType::kFloat64; };
template <> struct DTypeOf<std::complex<float>> { static constexpr DType value = DType::kComplex64; };
template <> struct DTypeOf<std::complex<double>> { static constexpr DType value = DType::kComplex128; };
// `long long` is a distinct type from std::int64_t (`long`) on LP64 Linux.
template <class T>
  requires(std::is_same_v<T, long long> && !std::is_same_v<long long, std::int64_t>)
struct DTypeOf<T> { static constexpr DType value = DType::kInt64; };
template <class T>
  requires(std::is_same_v<T, unsigned long long> &&
           !std::is_same_v<unsigned long long, std::uint64_t>)
struct DTypeOf<T> { static constexpr DType value = DType::kUInt64; };
}  // namespace detail

// True for the C++ types that are an engram element type.
template <class T>
concept Element = requires { detail::DTypeOf<std::remove_cv_t<T>>::value; };

// The dtype of a C++ element type: dtype_of<float> == DType::kFloat32.
template <Element T>
inline constexpr DType dtype_of = detail::DTypeOf<std::remove_cv_t<T>>::value;

}  // namespace engram

#endif  // ENGRAM_DTYPE_H_
