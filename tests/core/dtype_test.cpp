#include "engram/dtype.h"

#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

using engram::DType;

TEST_CASE("dtype: names, sizes and C++ types agree", "[dtype]") {
  for (DType dtype : engram::kAllDTypes) {
    INFO(engram::dtype_name(dtype));
    CHECK(engram::dtype_from_name(engram::dtype_name(dtype)) == dtype);
    CHECK(engram::dtype_size(dtype) % engram::dtype_alignment(dtype) == 0);
  }
  CHECK(engram::dtype_size(DType::kBool) == 1);
  CHECK(engram::dtype_size(DType::kFloat16) == 2);
  CHECK(engram::dtype_size(DType::kComplex128) == 16);
  CHECK(engram::dtype_name(DType::kUInt32) == "uint32");
  CHECK_FALSE(engram::dtype_from_name("float128").has_value());
  CHECK_FALSE(engram::dtype_from_name("").has_value());
  STATIC_REQUIRE(engram::dtype_of<float> == DType::kFloat32);
  STATIC_REQUIRE(engram::dtype_of<const std::int64_t> == DType::kInt64);
  STATIC_REQUIRE(engram::dtype_of<long long> == DType::kInt64);
  STATIC_REQUIRE(engram::dtype_of<std::complex<float>> == DType::kComplex64);
  STATIC_REQUIRE(engram::dtype_of<engram::Float16> == DType::kFloat16);
  STATIC_REQUIRE_FALSE(engram::Element<char>);
  STATIC_REQUIRE_FALSE(engram::Element<long double>);
}

TEST_CASE("dtype: float16 conversion matches IEEE binary16", "[dtype]") {
  using engram::from_float16;
  using engram::to_float16;
  CHECK(to_float16(0.0f).bits == 0x0000);
  CHECK(to_float16(-0.0f).bits == 0x8000);
  CHECK(to_float16(1.0f).bits == 0x3c00);
  CHECK(to_float16(-2.0f).bits == 0xc000);
  CHECK(to_float16(65504.0f).bits == 0x7bff);                  // largest finite
  CHECK(to_float16(65520.0f).bits == 0x7c00);                  // rounds to infinity
  CHECK(to_float16(std::numeric_limits<float>::infinity()).bits == 0x7c00);
  CHECK(to_float16(std::ldexp(1.0f, -24)).bits == 0x0001);     // smallest subnormal
  CHECK(to_float16(std::ldexp(1.0f, -25)).bits == 0x0000);     // ties to even: zero
  CHECK(to_float16(std::ldexp(1.0f, -14)).bits == 0x0400);     // smallest normal
  CHECK(to_float16(1.0f + std::ldexp(1.0f, -11)).bits == 0x3c00);  // tie, to even
  CHECK(to_float16(1.0f + 3 * std::ldexp(1.0f, -11)).bits == 0x3c02);
  CHECK(std::isnan(from_float16(to_float16(std::nanf("")))));
  // Every finite half survives half -> float -> half.
  for (std::uint32_t bits = 0; bits < 0x10000; ++bits) {
    const engram::Float16 half{static_cast<std::uint16_t>(bits)};
    const float value = from_float16(half);
    if (std::isnan(value)) continue;
    REQUIRE(to_float16(value).bits == half.bits);
  }
  CHECK(from_float16({0x3555}) == Approx(0.33325195f));
}
