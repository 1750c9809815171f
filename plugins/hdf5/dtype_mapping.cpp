// The hdf5 plugin's dtype mapping (dtype_mapping.h).
#include "dtype_mapping.h"

#include <cstddef>
#include <cstdint>

#include "engram/errors.h"
#include "engram/ids.h"

namespace engram::hdf5 {

Hid hdf5_type_of(DType dtype) {
  const auto copy = [](hid_t base) { return Hid(H5Tcopy(base), H5Tclose); };
  switch (dtype) {
    case DType::kBool: {
      Hid type(H5Tenum_create(H5T_STD_I8LE), H5Tclose);
      const std::int8_t f = 0, t = 1;
      H5Tenum_insert(type.get(), "FALSE", &f);
      H5Tenum_insert(type.get(), "TRUE", &t);
      return type;
    }
    case DType::kInt8:
      return copy(H5T_STD_I8LE);
    case DType::kInt16:
      return copy(H5T_STD_I16LE);
    case DType::kInt32:
      return copy(H5T_STD_I32LE);
    case DType::kInt64:
      return copy(H5T_STD_I64LE);
    case DType::kUInt8:
      return copy(H5T_STD_U8LE);
    case DType::kUInt16:
      return copy(H5T_STD_U16LE);
    case DType::kUInt32:
      return copy(H5T_STD_U32LE);
    case DType::kUInt64:
      return copy(H5T_STD_U64LE);
    case DType::kFloat16: {
      Hid type = copy(H5T_IEEE_F32LE);
      H5Tset_fields(type.get(), 15, 10, 5, 0, 10);
      H5Tset_size(type.get(), 2);
      H5Tset_ebias(type.get(), 15);
      return type;
    }
    case DType::kFloat32:
      return copy(H5T_IEEE_F32LE);
    case DType::kFloat64:
      return copy(H5T_IEEE_F64LE);
    case DType::kComplex64:
    case DType::kComplex128: {
      const bool wide = dtype == DType::kComplex128;
      const std::size_t half = wide ? 8 : 4;
      Hid type(H5Tcreate(H5T_COMPOUND, 2 * half), H5Tclose);
      H5Tinsert(type.get(), "r", 0, wide ? H5T_IEEE_F64LE : H5T_IEEE_F32LE);
      H5Tinsert(type.get(), "i", half, wide ? H5T_IEEE_F64LE : H5T_IEEE_F32LE);
      return type;
    }
  }
  return Hid();
}

std::optional<DType> dtype_of_hdf5_type(hid_t type) {
  const std::size_t size = H5Tget_size(type);
  switch (H5Tget_class(type)) {
    case H5T_INTEGER: {
      const bool is_signed = H5Tget_sign(type) == H5T_SGN_2;
      switch (size) {
        case 1:
          return is_signed ? DType::kInt8 : DType::kUInt8;
        case 2:
          return is_signed ? DType::kInt16 : DType::kUInt16;
        case 4:
          return is_signed ? DType::kInt32 : DType::kUInt32;
        case 8:
          return is_signed ? DType::kInt64 : DType::kUInt64;
        default:
          return std::nullopt;
      }
    }
    case H5T_FLOAT:
      if (size == 2) return DType::kFloat16;
      if (size == 4) return DType::kFloat32;
      if (size == 8) return DType::kFloat64;
      return std::nullopt;
    case H5T_ENUM:
      if (size == 1 && H5Tget_nmembers(type) == 2) return DType::kBool;
      return std::nullopt;
    case H5T_COMPOUND: {
      if (H5Tget_nmembers(type) != 2) return std::nullopt;
      Hid member(H5Tget_member_type(type, 0), H5Tclose);
      if (!member || H5Tget_class(member.get()) != H5T_FLOAT) return std::nullopt;
      if (size == 8) return DType::kComplex64;
      if (size == 16) return DType::kComplex128;
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

DType stored_dtype(hid_t type, const std::string& backend, const std::string& dataset_name) {
  const std::optional<DType> dtype = dtype_of_hdf5_type(type);
  if (!dtype) {
    throw NotSupported(
        "dataset " + printable(dataset_name) + " has an element type engram has no dtype for",
        backend);
  }
  return *dtype;
}

}  // namespace engram::hdf5
