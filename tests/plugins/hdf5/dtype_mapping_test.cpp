// The hdf5 plugin's dtype mapping as a unit (plugins/hdf5/dtype_mapping.h):
// every engram dtype to its HDF5 type and back, directly and through a file,
// as h5py writes them (little-endian, sizes, bool enum, complex compound,
// IEEE binary16), and the HDF5 types engram has no dtype for.
#include "dtype_mapping.h"

#include <hdf5.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>

#include "engram/dtype.h"
#include "engram/errors.h"

namespace {

using engram::DType;
using engram::hdf5::dtype_of_hdf5_type;
using engram::hdf5::hdf5_type_of;
using engram::hdf5::Hid;

// A copy of the predefined HDF5 type `base` (predefined ids cannot be
// closed, so each check owns a copy).
Hid copy_of(hid_t base) { return Hid(H5Tcopy(base), H5Tclose); }

// The HDF5 standard type h5py writes for each dtype that has one.
hid_t standard_type(DType dtype) {
  switch (dtype) {
    case DType::kInt8:
      return H5T_STD_I8LE;
    case DType::kInt16:
      return H5T_STD_I16LE;
    case DType::kInt32:
      return H5T_STD_I32LE;
    case DType::kInt64:
      return H5T_STD_I64LE;
    case DType::kUInt8:
      return H5T_STD_U8LE;
    case DType::kUInt16:
      return H5T_STD_U16LE;
    case DType::kUInt32:
      return H5T_STD_U32LE;
    case DType::kUInt64:
      return H5T_STD_U64LE;
    case DType::kFloat32:
      return H5T_IEEE_F32LE;
    case DType::kFloat64:
      return H5T_IEEE_F64LE;
    default:
      return H5I_INVALID_HID;
  }
}

}  // namespace

TEST_CASE("hdf5 dtype mapping: every dtype maps to an HDF5 type of its size and back",
          "[hdf5][dtype_mapping]") {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  for (const DType dtype : engram::kAllDTypes) {
    INFO(engram::dtype_name(dtype));
    const Hid type = hdf5_type_of(dtype);
    REQUIRE(type);
    CHECK(H5Tget_size(type.get()) == engram::dtype_size(dtype));
    CHECK(dtype_of_hdf5_type(type.get()) == dtype);
    if (const hid_t standard = standard_type(dtype); standard != H5I_INVALID_HID) {
      CHECK(H5Tequal(type.get(), standard) > 0);
      CHECK(H5Tget_order(type.get()) == H5T_ORDER_LE);
    }
  }
}

TEST_CASE("hdf5 dtype mapping: bool, float16 and complex are stored as h5py stores them",
          "[hdf5][dtype_mapping]") {
  SECTION("bool: an int8 enum FALSE 0, TRUE 1") {
    const Hid type = hdf5_type_of(DType::kBool);
    REQUIRE(H5Tget_class(type.get()) == H5T_ENUM);
    REQUIRE(H5Tget_nmembers(type.get()) == 2);
    const Hid base(H5Tget_super(type.get()), H5Tclose);
    CHECK(H5Tequal(base.get(), H5T_STD_I8LE) > 0);
    std::int8_t value = -1;
    CHECK(H5Tenum_valueof(type.get(), "FALSE", &value) >= 0);
    CHECK(value == 0);
    CHECK(H5Tenum_valueof(type.get(), "TRUE", &value) >= 0);
    CHECK(value == 1);
  }
  SECTION("float16: IEEE binary16, little-endian") {
    const Hid type = hdf5_type_of(DType::kFloat16);
    REQUIRE(H5Tget_class(type.get()) == H5T_FLOAT);
    CHECK(H5Tget_order(type.get()) == H5T_ORDER_LE);
    std::size_t spos = 0, epos = 0, esize = 0, mpos = 0, msize = 0;
    REQUIRE(H5Tget_fields(type.get(), &spos, &epos, &esize, &mpos, &msize) >= 0);
    CHECK(spos == 15);
    CHECK(epos == 10);
    CHECK(esize == 5);
    CHECK(mpos == 0);
    CHECK(msize == 10);
    CHECK(H5Tget_ebias(type.get()) == 15);
    // HDF5 converts its bits as binary16: 1.0, -2.0, 65504 (the largest).
    std::uint16_t halves[3] = {0x3C00, 0xC000, 0x7BFF};
    float floats[3] = {};
    std::memcpy(floats, halves, sizeof halves);
    REQUIRE(H5Tconvert(type.get(), H5T_NATIVE_FLOAT, 3, floats, nullptr, H5P_DEFAULT) >= 0);
    CHECK(floats[0] == 1.0f);
    CHECK(floats[1] == -2.0f);
    CHECK(floats[2] == 65504.0f);
  }
  SECTION("complex: a compound {r, i} of two little-endian floats") {
    for (const DType dtype : {DType::kComplex64, DType::kComplex128}) {
      const bool wide = dtype == DType::kComplex128;
      const Hid type = hdf5_type_of(dtype);
      REQUIRE(H5Tget_class(type.get()) == H5T_COMPOUND);
      REQUIRE(H5Tget_nmembers(type.get()) == 2);
      for (unsigned i = 0; i < 2; ++i) {
        char* name = H5Tget_member_name(type.get(), i);
        CHECK(std::string(name) == (i == 0 ? "r" : "i"));
        H5free_memory(name);
        CHECK(H5Tget_member_offset(type.get(), i) == i * (wide ? 8 : 4));
        const Hid member(H5Tget_member_type(type.get(), i), H5Tclose);
        CHECK(H5Tequal(member.get(), wide ? H5T_IEEE_F64LE : H5T_IEEE_F32LE) > 0);
      }
    }
  }
}

TEST_CASE("hdf5 dtype mapping: every dtype comes back from a dataset in a file",
          "[hdf5][dtype_mapping]") {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  // An in-memory file (the core driver, never written out).
  const Hid fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  REQUIRE(H5Pset_fapl_core(fapl.get(), 4096, false) >= 0);
  const Hid file(H5Fcreate("dtype_mapping_test.h5", H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()),
                 H5Fclose);
  REQUIRE(file);
  const hsize_t dims[1] = {3};
  const Hid space(H5Screate_simple(1, dims, nullptr), H5Sclose);
  for (const DType dtype : engram::kAllDTypes) {
    const std::string name(engram::dtype_name(dtype));
    INFO(name);
    const Hid type = hdf5_type_of(dtype);
    const Hid dataset(H5Dcreate2(file.get(), name.c_str(), type.get(), space.get(), H5P_DEFAULT,
                                 H5P_DEFAULT, H5P_DEFAULT),
                      H5Dclose);
    REQUIRE(dataset);
    const Hid stored(H5Dget_type(dataset.get()), H5Tclose);
    CHECK(dtype_of_hdf5_type(stored.get()) == dtype);
    CHECK(engram::hdf5::stored_dtype(stored.get(), "b", name) == dtype);
  }
}

TEST_CASE("hdf5 dtype mapping: big-endian types read as their dtype (HDF5 converts)",
          "[hdf5][dtype_mapping]") {
  CHECK(dtype_of_hdf5_type(copy_of(H5T_STD_I32BE).get()) == DType::kInt32);
  CHECK(dtype_of_hdf5_type(copy_of(H5T_STD_U16BE).get()) == DType::kUInt16);
  CHECK(dtype_of_hdf5_type(copy_of(H5T_IEEE_F64BE).get()) == DType::kFloat64);
  CHECK(dtype_of_hdf5_type(copy_of(H5T_IEEE_F32BE).get()) == DType::kFloat32);
}

TEST_CASE("hdf5 dtype mapping: types engram has no dtype for are NotSupported",
          "[hdf5][dtype_mapping]") {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  // A variable-length string, a fixed-length one, an object reference.
  Hid vlen = copy_of(H5T_C_S1);
  H5Tset_size(vlen.get(), H5T_VARIABLE);
  Hid fixed = copy_of(H5T_C_S1);
  H5Tset_size(fixed.get(), 8);
  // A 3-byte integer; a 16-byte float (long double).
  Hid odd_int = copy_of(H5T_STD_I32LE);
  H5Tset_precision(odd_int.get(), 24);
  H5Tset_size(odd_int.get(), 3);
  // An enum of int16; a compound of two ints; a compound of three floats.
  Hid enum16(H5Tenum_create(H5T_STD_I16LE), H5Tclose);
  const std::int16_t a = 0, b = 1;
  H5Tenum_insert(enum16.get(), "A", &a);
  H5Tenum_insert(enum16.get(), "B", &b);
  Hid int_pair(H5Tcreate(H5T_COMPOUND, 8), H5Tclose);
  H5Tinsert(int_pair.get(), "r", 0, H5T_STD_I32LE);
  H5Tinsert(int_pair.get(), "i", 4, H5T_STD_I32LE);
  Hid triple(H5Tcreate(H5T_COMPOUND, 12), H5Tclose);
  H5Tinsert(triple.get(), "x", 0, H5T_IEEE_F32LE);
  H5Tinsert(triple.get(), "y", 4, H5T_IEEE_F32LE);
  H5Tinsert(triple.get(), "z", 8, H5T_IEEE_F32LE);
  Hid reference = copy_of(H5T_STD_REF_OBJ);
  Hid opaque(H5Tcreate(H5T_OPAQUE, 4), H5Tclose);
  const struct {
    const char* what;
    hid_t type;
  } unknown[] = {{"vlen string", vlen.get()},      {"fixed string", fixed.get()},
                 {"3-byte int", odd_int.get()},    {"int16 enum", enum16.get()},
                 {"int compound", int_pair.get()}, {"3-float compound", triple.get()},
                 {"reference", reference.get()},   {"opaque", opaque.get()}};
  for (const auto& [what, type] : unknown) {
    INFO(what);
    REQUIRE(type >= 0);
    CHECK_FALSE(dtype_of_hdf5_type(type).has_value());
    try {
      engram::hdf5::stored_dtype(type, "arrays", "weird");
      FAIL("a dtype for " << what);
    } catch (const engram::NotSupported& e) {
      CHECK(std::string(e.what()).find("dataset weird has an element type") != std::string::npos);
      CHECK(e.backend() == "arrays");
    }
  }
}
