#include "numpy_type_codes.h"

namespace engram::detail {
namespace {

struct TypeCode {
  DType dtype;
  std::string_view code;  // kind and size, without the byte-order character
};

constexpr TypeCode kTypeCodes[] = {
    {DType::kBool, "b1"},      {DType::kInt8, "i1"},        {DType::kInt16, "i2"},
    {DType::kInt32, "i4"},     {DType::kInt64, "i8"},       {DType::kUInt8, "u1"},
    {DType::kUInt16, "u2"},    {DType::kUInt32, "u4"},      {DType::kUInt64, "u8"},
    {DType::kFloat16, "f2"},   {DType::kFloat32, "f4"},     {DType::kFloat64, "f8"},
    {DType::kComplex64, "c8"}, {DType::kComplex128, "c16"},
};

}  // namespace

std::optional<NumpyTypeCode> parse_numpy_type_code(std::string_view text) {
  if (text.empty()) return std::nullopt;
  const char order = text.front();
  const bool has_order = order == '<' || order == '>' || order == '=' || order == '|';
  const std::string_view code = has_order ? text.substr(1) : text;
  for (const auto& entry : kTypeCodes) {
    if (entry.code == code) {
      // A 1-byte type reads the same in either order.
      return NumpyTypeCode{entry.dtype, order == '>' && dtype_size(entry.dtype) > 1};
    }
  }
  return std::nullopt;
}

std::string numpy_type_code(DType dtype) {
  for (const auto& entry : kTypeCodes) {
    if (entry.dtype == dtype) {
      return std::string(dtype_size(dtype) == 1 ? "|" : "<").append(entry.code);
    }
  }
  return {};  // unreachable: every DType has a code
}

}  // namespace engram::detail
