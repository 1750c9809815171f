#include "temp_dir.h"
#include "engram/npy.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <complex>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "engram/array.h"
#include "engram/dtype.h"
#include "engram/errors.h"

namespace {

namespace fs = std::filesystem;
namespace npy = engram::npy;
using engram::Array;
using engram::ArrayView;
using engram::DType;
using engram::Shape;
using Bytes = std::vector<std::byte>;

Bytes bytes_of(std::string_view text) {
  Bytes bytes(text.size());
  if (!text.empty()) std::memcpy(bytes.data(), text.data(), text.size());
  return bytes;
}

Bytes concat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// A preamble laid out as numpy lays it out: magic, version, header length,
// then `dict` padded with spaces so the data starts at a multiple of `align`,
// and a newline. `extra` more spaces move the data off that multiple.
std::string preamble(std::string_view dict, int major = 1, std::size_t align = 64,
                     std::size_t extra = 0) {
  const std::size_t length_size = major == 1 ? 2 : 4;
  const std::size_t unpadded = 8 + length_size + dict.size() + 1;
  const std::size_t length = dict.size() + 1 + (align - unpadded % align) % align + extra;
  std::string out(npy::kMagic);
  out += static_cast<char>(major);
  out += '\0';
  for (std::size_t i = 0; i < length_size; ++i) {
    out += static_cast<char>((length >> (8 * i)) & 0xff);
  }
  out += dict;
  out.append(length - dict.size() - 1, ' ');
  return out + '\n';
}

std::string dict_for(std::string_view descr, std::string_view shape, bool fortran = false) {
  return "{'descr': '" + std::string(descr) +
         "', 'fortran_order': " + (fortran ? "True" : "False") +
         ", 'shape': " + std::string(shape) + ", }";
}

Bytes npy_file(std::string_view dict, const Bytes& data = {}, int major = 1) {
  return concat(bytes_of(preamble(dict, major)), data);
}

// The little-endian bytes of `values`.
template <class T>
Bytes raw(std::initializer_list<T> values) {
  Bytes bytes(values.size() * sizeof(T));
  std::memcpy(bytes.data(), std::data(values), bytes.size());
  return bytes;
}

Bytes hex(std::string_view digits) {
  Bytes bytes;
  for (std::size_t i = 0; i + 1 < digits.size(); i += 2) {
    bytes.push_back(
        static_cast<std::byte>(std::stoi(std::string(digits.substr(i, 2)), nullptr, 16)));
  }
  return bytes;
}

// Pseudo-random contents (0 or 1 for bool), the same for the same seed.
Array patterned(DType dtype, const Shape& shape, unsigned seed = 1) {
  Array array(dtype, shape);
  std::mt19937 random(seed);
  for (std::byte& b : array.mutable_bytes()) {
    b = static_cast<std::byte>(dtype == DType::kBool ? random() % 2 : random() % 256);
  }
  return array;
}

std::string descr_code(DType dtype) {
  switch (dtype) {
    case DType::kBool:
      return "b1";
    case DType::kInt8:
      return "i1";
    case DType::kInt16:
      return "i2";
    case DType::kInt32:
      return "i4";
    case DType::kInt64:
      return "i8";
    case DType::kUInt8:
      return "u1";
    case DType::kUInt16:
      return "u2";
    case DType::kUInt32:
      return "u4";
    case DType::kUInt64:
      return "u8";
    case DType::kFloat16:
      return "f2";
    case DType::kFloat32:
      return "f4";
    case DType::kFloat64:
      return "f8";
    case DType::kComplex64:
      return "c8";
    case DType::kComplex128:
      return "c16";
  }
  return "";
}

// Each element's bytes reversed as a big-endian writer stores them; the two
// halves of a complex number separately.
Bytes to_big_endian(const Array& array) {
  Bytes bytes(array.bytes().begin(), array.bytes().end());
  const DType dtype = array.dtype();
  const bool complex = dtype == DType::kComplex64 || dtype == DType::kComplex128;
  const std::size_t unit = engram::dtype_size(dtype) / (complex ? 2 : 1);
  for (std::size_t i = 0; i < bytes.size(); i += unit) std::reverse(&bytes[i], &bytes[i] + unit);
  return bytes;
}

// `array`'s elements laid out in Fortran order.
Bytes to_fortran(const Array& array) {
  const Shape& shape = array.shape();
  const std::size_t size = engram::dtype_size(array.dtype());
  Bytes out(array.nbytes());
  for (std::size_t flat = 0; flat < array.size(); ++flat) {
    std::size_t rest = flat;
    std::size_t offset = 0;
    std::size_t stride = 1;
    std::vector<std::size_t> index(shape.size());
    for (std::size_t k = shape.size(); k-- > 0;) {
      index[k] = rest % shape[k];
      rest /= shape[k];
    }
    for (std::size_t k = 0; k < shape.size(); ++k) {
      offset += index[k] * stride;
      stride *= shape[k];
    }
    std::memcpy(&out[offset * size], &array.bytes()[flat * size], size);
  }
  return out;
}

template <class Error>
void require_error(const Bytes& bytes, const std::string& fragment) {
  INFO("expecting the message to contain: " << fragment);
  try {
    (void)npy::decode(bytes);
    FAIL("decoded without an error");
  } catch (const Error& error) {
    CHECK_THAT(error.what(), Catch::Contains(fragment));
  }
}

void require_corrupt(const Bytes& bytes, const std::string& fragment) {
  require_error<engram::CorruptData>(bytes, fragment);
}
void require_unsupported(const Bytes& bytes, const std::string& fragment) {
  require_error<engram::NotSupported>(bytes, fragment);
}

// Decoding damaged bytes may succeed or throw CorruptData / NotSupported;
// anything else (another exception, a crash, a sanitizer report) fails.
void decode_or_reject(const Bytes& bytes) {
  try {
    const Array array = npy::decode(std::span<const std::byte>(bytes));
    CHECK(array.nbytes() <= bytes.size());
  } catch (const engram::CorruptData&) {
  } catch (const engram::NotSupported&) {
  }
  try {
    (void)npy::decode(Bytes(bytes));
  } catch (const engram::CorruptData&) {
  } catch (const engram::NotSupported&) {
  }
}


const Shape kShapes[] = {{}, {0}, {3, 0}, {0, 3}, {1}, {7}, {2, 3}, {2, 3, 4}, {1, 1, 5}};

}  // namespace

TEST_CASE("npy: every dtype round-trips in every shape", "[npy]") {
  for (DType dtype : engram::kAllDTypes) {
    for (const Shape& shape : kShapes) {
      INFO(engram::dtype_name(dtype) << " " << engram::shape_string(shape));
      const Array array = patterned(dtype, shape);
      const Bytes bytes = npy::encode(array);
      const std::string header_text = npy::encode_header(array);
      REQUIRE(bytes.size() == header_text.size() + array.nbytes());
      const Bytes header_bytes = bytes_of(header_text);
      CHECK(std::equal(header_bytes.begin(), header_bytes.end(), bytes.begin()));

      const npy::Header header = npy::parse_header(bytes);
      CHECK(header.dtype == dtype);
      CHECK(header.shape == shape);
      CHECK_FALSE(header.fortran_order);
      CHECK_FALSE(header.big_endian);
      CHECK(header.major_version == 1);
      CHECK(header.data_offset == header_text.size());
      CHECK(header.data_bytes == array.nbytes());

      CHECK(npy::decode(std::span<const std::byte>(bytes)) == array);
      CHECK(npy::decode(Bytes(bytes)) == array);
    }
  }
}

TEST_CASE("npy: the header is laid out as numpy lays it out", "[npy]") {
  const auto check_header = [](const ArrayView& view, const std::string& dict) {
    const std::string header = npy::encode_header(view);
    INFO(header);
    REQUIRE(header.size() % 64 == 0);
    REQUIRE(header.substr(0, 6) == npy::kMagic);
    CHECK(header[6] == '\x01');
    CHECK(header[7] == '\x00');
    const std::size_t length = static_cast<unsigned char>(header[8]) |
                               static_cast<std::size_t>(static_cast<unsigned char>(header[9])) << 8;
    CHECK(length == header.size() - 10);
    CHECK(header.substr(10, dict.size()) == dict);
    CHECK(header.back() == '\n');
    const std::string padding = header.substr(10 + dict.size(), header.size() - 11 - dict.size());
    CHECK(padding.find_first_not_of(' ') == std::string::npos);
  };
  const Array matrix(DType::kFloat32, Shape{100, 50});
  check_header(matrix, "{'descr': '<f4', 'fortran_order': False, 'shape': (100, 50), }");
  check_header(ArrayView::scalar(2.5), "{'descr': '<f8', 'fortran_order': False, 'shape': (), }");
  const std::vector<std::int32_t> seven(7);
  check_header(seven, "{'descr': '<i4', 'fortran_order': False, 'shape': (7,), }");

  // numpy.save's exact length (numpy 1.24 wrote these): 21 digits of room
  // for the first dimension to grow, then padding to the next multiple of
  // 64, a whole 64 when the header already ends on one.
  CHECK(npy::encode_header(Array(DType::kFloat64, Shape(20, 1))).size() == 192);
  Shape aligned(4, 1);
  aligned.insert(aligned.end(), 8, 10);
  CHECK(npy::encode_header(Array(DType::kUInt8, aligned)).size() == 192);
  CHECK(npy::encode_header(matrix).size() == 128);
  CHECK(npy::encode_header(ArrayView::scalar(2.5)).size() == 128);

  const std::pair<DType, const char*> descrs[] = {
      {DType::kBool, "|b1"},      {DType::kInt8, "|i1"},        {DType::kInt16, "<i2"},
      {DType::kInt32, "<i4"},     {DType::kInt64, "<i8"},       {DType::kUInt8, "|u1"},
      {DType::kUInt16, "<u2"},    {DType::kUInt32, "<u4"},      {DType::kUInt64, "<u8"},
      {DType::kFloat16, "<f2"},   {DType::kFloat32, "<f4"},     {DType::kFloat64, "<f8"},
      {DType::kComplex64, "<c8"}, {DType::kComplex128, "<c16"},
  };
  for (const auto& [dtype, descr] : descrs) {
    check_header(Array(dtype, Shape{2}), dict_for(descr, "(2,)"));
  }
}

TEST_CASE("npy: a header too long for version 1.0 is written as 2.0", "[npy]") {
  // A 2-element int8 array with many axes of extent 1; the header crosses
  // 65,535 bytes somewhere in this range of axis counts.
  const std::byte data[2] = {std::byte{7}, std::byte{9}};
  bool saw_version_1 = false;
  bool saw_version_2 = false;
  for (std::size_t axes = 21790; axes < 21850; ++axes) {
    Shape shape(axes, 1);
    shape.back() = 2;
    const ArrayView view(DType::kInt8, shape, data, 2);
    const std::string header = npy::encode_header(view);
    REQUIRE(header.size() % 64 == 0);
    const Bytes bytes = npy::encode(view);
    const npy::Header parsed = npy::parse_header(bytes);
    CHECK(parsed.data_offset == header.size());
    if (header[6] == '\x01') {
      saw_version_1 = true;
      CHECK(header.size() - 10 <= 65535);
    } else {
      REQUIRE(header[6] == '\x02');
      saw_version_2 = true;
      CHECK(header.size() > 65535);
      CHECK(parsed.major_version == 2);
    }
    if (axes % 20 == 0 || header[6] == '\x02') {
      CHECK(npy::decode(bytes) == Array(view));
    }
  }
  CHECK(saw_version_1);
  CHECK(saw_version_2);
}

TEST_CASE("npy: versions 2.0 and 3.0 decode", "[npy]") {
  for (int major : {2, 3}) {
    INFO("version " << major);
    const Bytes bytes = npy_file(dict_for("<i4", "(3,)"), raw<std::int32_t>({1, -2, 3}), major);
    const npy::Header header = npy::parse_header(bytes);
    CHECK(header.major_version == major);
    CHECK(header.data_offset % 64 == 0);
    const Array array = npy::decode(bytes);
    CHECK(array == Array(std::vector<std::int32_t>{1, -2, 3}));
  }
  // 3.0 headers are UTF-8: a non-ASCII field name is read (and the
  // structured dtype refused), invalid UTF-8 is corrupt.
  require_unsupported(
      npy_file("{'descr': [('\xc3\xa9', '<f4')], 'fortran_order': False, 'shape': (1,), }",
               raw<float>({1.0f}), 3),
      "structured");
  require_corrupt(npy_file(dict_for("<f\xff", "(1,)"), raw<float>({1.0f}), 3), "UTF-8");
  // 1.0 headers are latin1, where any byte is a character.
  require_unsupported(npy_file(dict_for("<f\xff", "(1,)"), raw<float>({1.0f}), 1), "dtype");
}

TEST_CASE("npy: big-endian input is converted to native order", "[npy]") {
  CHECK(npy::decode(npy_file(dict_for(">i4", "(3,)"), hex("00000001fffffffe12345678"))) ==
        Array(std::vector<std::int32_t>{1, -2, 0x12345678}));
  CHECK(npy::decode(npy_file(dict_for(">f8", "()"), hex("3ff8000000000000"))) ==
        Array::scalar(1.5));
  CHECK(npy::decode(npy_file(dict_for(">c8", "(2,)"), hex("3f800000c00000003f00000040400000"))) ==
        Array(std::vector<std::complex<float>>{{1.0f, -2.0f}, {0.5f, 3.0f}}));
  CHECK(npy::decode(npy_file(dict_for(">c16", "(1,)"), hex("3ff8000000000000bfd0000000000000"))) ==
        Array(std::vector<std::complex<double>>{{1.5, -0.25}}));
  CHECK(npy::decode(npy_file(dict_for(">f2", "(2,)"), hex("3c00c000"))) ==
        Array(std::vector<engram::Float16>{engram::to_float16(1.0f), engram::to_float16(-2.0f)}));
  CHECK(npy::decode(npy_file(dict_for(">u8", "(1,)"), hex("0102030405060708"))) ==
        Array(std::vector<std::uint64_t>{0x0102030405060708u}));

  for (DType dtype : engram::kAllDTypes) {
    INFO(engram::dtype_name(dtype));
    const Array expected = patterned(dtype, {2, 5}, 7);
    const Bytes bytes =
        npy_file(dict_for(">" + descr_code(dtype), "(2, 5)"), to_big_endian(expected));
    CHECK(npy::parse_header(bytes).big_endian == (engram::dtype_size(dtype) > 1));
    CHECK(npy::decode(std::span<const std::byte>(bytes)) == expected);
    CHECK(npy::decode(Bytes(bytes)) == expected);
    // '=' is native order, and numpy reads '|' on any type as native too.
    for (const char* order : {"<", "=", "|"}) {
      const Bytes native = npy_file(dict_for(order + descr_code(dtype), "(2, 5)"),
                                    Bytes(expected.bytes().begin(), expected.bytes().end()));
      CHECK_FALSE(npy::parse_header(native).big_endian);
      CHECK(npy::decode(native) == expected);
    }
  }
}

TEST_CASE("npy: Fortran-order input is converted to C order", "[npy]") {
  // [[0, 1, 2], [3, 4, 5]] stored column by column.
  CHECK(npy::decode(
            npy_file(dict_for("<i4", "(2, 3)", true), raw<std::int32_t>({0, 3, 1, 4, 2, 5}))) ==
        Array(std::vector<std::int32_t>{0, 1, 2, 3, 4, 5}, Shape{2, 3}));

  // 2x3x4, element (i, j, k) = 100i + 10j + k, stored with i varying fastest.
  std::vector<std::int32_t> fortran;
  std::vector<std::int32_t> c_order;
  for (int k = 0; k < 4; ++k) {
    for (int j = 0; j < 3; ++j) {
      for (int i = 0; i < 2; ++i) fortran.push_back(100 * i + 10 * j + k);
    }
  }
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 3; ++j) {
      for (int k = 0; k < 4; ++k) c_order.push_back(100 * i + 10 * j + k);
    }
  }
  Bytes fortran_bytes(fortran.size() * 4);
  std::memcpy(fortran_bytes.data(), fortran.data(), fortran_bytes.size());
  const Bytes file = npy_file(dict_for("<i4", "(2, 3, 4)", true), fortran_bytes);
  CHECK(npy::parse_header(file).fortran_order);
  CHECK(npy::decode(file) == Array(std::move(c_order), Shape{2, 3, 4}));

  // Against a reference layout, through the tiling's edges and every
  // element size, with and without byte swapping.
  const std::pair<DType, Shape> cases[] = {
      {DType::kFloat64, {37, 5, 3, 41}},
      {DType::kInt16, {1, 5, 1, 7}},
      {DType::kComplex128, {33, 65}},
      {DType::kUInt8, {70, 3, 2}},
      {DType::kComplex64, {2, 1}},
      {DType::kFloat32, {5}},
      {DType::kFloat16, {}},
      {DType::kInt64, {0, 3}},
      {DType::kInt32, {4, 0, 2}},
      {DType::kBool, {3, 70, 2}},
      {DType::kFloat32, {64, 64}},
      {DType::kInt8, {1, 1, 1}},
  };
  for (const auto& [dtype, shape] : cases) {
    INFO(engram::dtype_name(dtype) << " " << engram::shape_string(shape));
    const Array expected = patterned(dtype, shape, 3);
    Array fortran_array(dtype, shape);
    const Bytes reordered = to_fortran(expected);
    std::copy(reordered.begin(), reordered.end(), fortran_array.mutable_bytes().begin());
    const std::string shape_text = engram::shape_string(shape);
    const Bytes little = npy_file(dict_for("<" + descr_code(dtype), shape_text, true), reordered);
    CHECK(npy::decode(std::span<const std::byte>(little)) == expected);
    CHECK(npy::decode(Bytes(little)) == expected);
    const Bytes big =
        npy_file(dict_for(">" + descr_code(dtype), shape_text, true), to_big_endian(fortran_array));
    CHECK(npy::decode(big) == expected);
  }
}

TEST_CASE("npy: decode of a vector adopts the buffer without copying", "[npy]") {
  for (DType dtype : engram::kAllDTypes) {
    INFO(engram::dtype_name(dtype));
    const Array expected = patterned(dtype, {10, 3});
    Bytes bytes = npy::encode(expected);
    const std::byte* payload = bytes.data() + npy::parse_header(bytes).data_offset;
    const Array array = npy::decode(std::move(bytes));
    CHECK(array.data() == payload);
    CHECK(array == expected);
  }

  // Data off its alignment, big-endian or Fortran-ordered data is copied
  // into a fresh, aligned buffer.
  const Array expected = patterned(DType::kFloat64, {4, 3}, 5);
  const Bytes misaligned = concat(bytes_of(preamble(dict_for("<f8", "(4, 3)"), 1, 64, 3)),
                                  Bytes(expected.bytes().begin(), expected.bytes().end()));
  const Bytes big = npy_file(dict_for(">f8", "(4, 3)"), to_big_endian(expected));
  const Bytes fortran = npy_file(dict_for("<f8", "(4, 3)", true), to_fortran(expected));
  for (const Bytes* input : {&misaligned, &big, &fortran}) {
    Bytes bytes = *input;
    const auto* begin = bytes.data();
    const auto* end = begin + bytes.size();
    const Array array = npy::decode(std::move(bytes));
    const auto* data = static_cast<const std::byte*>(array.data());
    CHECK((std::less<>{}(data, begin) || !std::less<>{}(data, end)));
    CHECK(reinterpret_cast<std::uintptr_t>(data) % alignof(double) == 0);
    CHECK(array == expected);
    CHECK(array.values<double>().size() == 12);
  }
}

TEST_CASE("npy: decode with the parsed header decodes as decode does", "[npy]") {
  for (DType dtype : engram::kAllDTypes) {
    INFO(engram::dtype_name(dtype));
    const Array expected = patterned(dtype, {10, 3});
    const Bytes bytes = npy::encode(expected);
    CHECK(npy::decode(npy::parse_header(bytes), bytes) == expected);
  }
  const Array expected = patterned(DType::kFloat64, {4, 3}, 5);
  const Bytes big = npy_file(dict_for(">f8", "(4, 3)"), to_big_endian(expected));
  const Bytes fortran = npy_file(dict_for("<f8", "(4, 3)", true), to_fortran(expected));
  CHECK(npy::decode(npy::parse_header(big), big) == expected);
  CHECK(npy::decode(npy::parse_header(fortran), fortran) == expected);

  // The payload is still checked against the header: short or long is CorruptData.
  const Bytes whole = npy::encode(expected);
  const Bytes truncated(whole.begin(), whole.end() - 1);
  Bytes trailing = whole;
  trailing.push_back(std::byte{0});
  CHECK_THROWS_AS(npy::decode(npy::parse_header(truncated), truncated), engram::CorruptData);
  CHECK_THROWS_AS(npy::decode(npy::parse_header(trailing), trailing), engram::CorruptData);
}

TEST_CASE("npy: headers are read as Python reads them", "[npy]") {
  const Bytes data = raw<double>({1.0, 2.0});
  const Array expected(std::vector<double>{1.0, 2.0});
  const char* dicts[] = {
      "{'shape': (2,), 'fortran_order': False, 'descr': '<f8'}",
      "{\"descr\": \"<f8\", \"fortran_order\": False, \"shape\": (2,)}",
      "{ 'descr' : '<f8' ,\n\t'fortran_order':False,'shape':( 2 , ) , }",
      "  {'descr': '<f8', 'fortran_order': False, 'shape': (2,),}",
      "{'descr': '<f8', 'fortran_order': True, 'shape': (2,), }",
      "{'descr': '<f8', 'fortran_order': False, 'shape': (((2,))), }",
  };
  for (const char* dict : dicts) {
    INFO(dict);
    CHECK(npy::decode(npy_file(dict, data)) == expected);
  }
  CHECK(npy::decode(npy_file("{'descr': '<f8', 'fortran_order': False, 'shape': ( ), }",
                             raw<double>({4.0}))) == Array::scalar(4.0));
  CHECK(npy::decode(npy_file("{'descr': '<f8', 'fortran_order': False, 'shape': (-0, 00), }")) ==
        Array(DType::kFloat64, Shape{0, 0}));
  // numpy before 1.9 aligned the data to 16 bytes only.
  CHECK(npy::decode(concat(bytes_of(preamble(dict_for("<f8", "(2,)"), 1, 16)), data)) == expected);

  // Only the preamble is needed to parse it.
  const std::string only_preamble = preamble(dict_for("<c16", "(1000, 2000)", true));
  const npy::Header header = npy::parse_header(bytes_of(only_preamble));
  CHECK(header.dtype == DType::kComplex128);
  CHECK(header.shape == Shape{1000, 2000});
  CHECK(header.fortran_order);
  CHECK_FALSE(header.big_endian);
  CHECK(header.major_version == 1);
  CHECK(header.data_offset == only_preamble.size());
  CHECK(header.data_bytes == 1000u * 2000u * 16u);
}

TEST_CASE("npy: malformed input is CorruptData", "[npy]") {
  const Bytes data = raw<double>({1.0, 2.0});
  const Bytes valid = npy_file(dict_for("<f8", "(2,)"), data);
  const auto with_dict = [&](std::string_view dict) { return npy_file(dict, data); };

  SECTION("not a .npy") {
    require_corrupt({}, "no bytes");
    require_corrupt(bytes_of("hello, this is not numpy"), "magic");
    require_corrupt(hex("80049508000000000000004b2a2e"), "magic");  // a pickle
    require_corrupt(bytes_of("\x93NUMPZ\x01\x00"), "magic");
  }
  SECTION("truncated preamble") {
    for (std::size_t size : {1, 5, 6, 7, 8, 9, 10, 40, 63}) {
      INFO(size);
      const Bytes prefix(valid.begin(), valid.begin() + static_cast<std::ptrdiff_t>(size));
      require_corrupt(prefix, "truncated");
      CHECK_THROWS_AS(npy::parse_header(prefix), engram::CorruptData);
    }
    // A version 2.0 length field cut short.
    require_corrupt(bytes_of(std::string("\x93NUMPY\x02\x00\x40\x00", 10)), "truncated preamble");
  }
  SECTION("truncated or trailing data") {
    require_corrupt(Bytes(valid.begin(), valid.end() - 1),
                    "truncated: expected 16 bytes of data, got 15");
    require_corrupt(Bytes(valid.begin(), valid.end() - 16),
                    "truncated: expected 16 bytes of data, got 0");
    require_corrupt(concat(valid, Bytes(1)), "trailing bytes");
    // A shape far beyond the bytes present is refused before anything is
    // allocated for it.
    require_corrupt(npy_file(dict_for("<f8", "(1099511627776,)"), data), "truncated");
  }
  SECTION("header without its newline") {
    Bytes no_newline = valid;
    no_newline[npy::parse_header(valid).data_offset - 1] = std::byte{' '};
    require_corrupt(no_newline, "header is not terminated by a newline");
    require_corrupt(bytes_of(std::string("\x93NUMPY\x01\x00\x00\x00", 10)), "newline");
  }
  SECTION("malformed dictionary") {
    require_corrupt(with_dict("{'descr': '<f8', 'fortran_order': False, }"),
                    "lacks the key 'shape'");
    require_corrupt(with_dict("{'descr': '<f8', 'shape': (2,), }"),
                    "lacks the key 'fortran_order'");
    require_corrupt(with_dict("{'fortran_order': False, 'shape': (2,), }"),
                    "lacks the key 'descr'");
    require_corrupt(
        with_dict("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'extra': 1, }"),
        "unexpected key 'extra'");
    require_corrupt(
        with_dict("{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (2,), }"),
        "twice");
    require_corrupt(with_dict("{'descr': '<f8', 'fortran_order': false, 'shape': (2,), }"),
                    "unexpected word 'false'");
    require_corrupt(with_dict("{'descr': '<f8', 'fortran_order': 0, 'shape': (2,), }"),
                    "fortran_order is not True or False");
    require_corrupt(with_dict("{'descr': '<f8', 'fortran_order': 'False', 'shape': (2,), }"),
                    "fortran_order is not True or False");
    require_corrupt(with_dict("{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }"),
                    "negative");
    require_corrupt(with_dict("{'descr': '<f8', 'fortran_order': False, 'shape': (2, -3), }"),
                    "negative");
    require_corrupt(with_dict("{'descr': '<f8, 'fortran_order': False, 'shape': (2,), }"),
                    "expected ','");
    require_corrupt(with_dict("{'descr': '<f8"), "unterminated string");
    require_corrupt(with_dict("{'descr': '<f8', 'fortran_order': False, 'shape': 2, }"),
                    "not a tuple");
    require_corrupt(with_dict("{'descr': '<f8', 'fortran_order': False, 'shape': (2), }"),
                    "not a tuple");
    require_corrupt(with_dict("{'descr': '<f8', 'fortran_order': False, 'shape': [2], }"),
                    "not a tuple");
    require_corrupt(with_dict("{'descr': '<f8', 'fortran_order': False, 'shape': (2.0,), }"),
                    "not an integer");
    require_corrupt(with_dict("{'descr': '<f8', 'fortran_order': False, 'shape': (2L,), }"),
                    "not an integer");
    require_corrupt(with_dict("{'descr': '<f8', 'fortran_order': False, 'shape': ('2',), }"),
                    "not a tuple of integers");
    require_corrupt(with_dict("{'descr': '<f8', 'fortran_order': False, 'shape': (True,), }"),
                    "not a tuple of integers");
    require_corrupt(with_dict("{'descr': '<f8', 'fortran_order': False, 'shape': (02,), }"),
                    "leading zero");
    require_corrupt(with_dict("{'descr': '<f8', 'fortran_order': False, 'shape': (2,,), }"),
                    "expected a value");
    require_corrupt(with_dict("{'descr': '<f8', 'fortran_order': False, 'shape': (2 3), }"),
                    "expected ','");
    require_corrupt(with_dict("{'descr': 5, 'fortran_order': False, 'shape': (2,), }"),
                    "descr is not a dtype descriptor");
    require_corrupt(with_dict("{1: '<f8', 'fortran_order': False, 'shape': (2,), }"),
                    "key is not a string");
    require_corrupt(with_dict("{'descr' '<f8', 'fortran_order': False, 'shape': (2,), }"),
                    "expected ':'");
    require_corrupt(with_dict("['descr', '<f8']"), "does not start with '{'");
    require_corrupt(with_dict(dict_for("<f8", "(2,)") + " x"),
                    "unexpected text after the dictionary");
    require_corrupt(with_dict("{'descr': '<f8', 'fortran_order': False, 'shape': (2,), "),
                    "expected a value");
    require_corrupt(with_dict(dict_for("<f8", "(2,)") + '\0'), "malformed header");
    require_corrupt(with_dict("{'descr': " + std::string(40, '[') + std::string(40, ']') +
                              ", 'fortran_order': False, 'shape': (2,), }"),
                    "nested too deeply");
  }
  SECTION("shape that overflows") {
    require_corrupt(with_dict(dict_for("<f8", "(4611686018427387904, 4611686018427387904)")),
                    "too large");
    require_corrupt(with_dict(dict_for("<f8", "(2305843009213693952,)")),
                    "too large");  // × 8 bytes
    require_corrupt(with_dict(dict_for("<f8", "(18446744073709551616,)")), "too large");
    require_corrupt(with_dict(dict_for("<f8", "(99999999999999999999999999999,)")), "too large");
  }
}

TEST_CASE("npy: later versions and foreign dtypes are NotSupported", "[npy]") {
  const Bytes data = raw<double>({1.0, 2.0});
  const auto with_version = [&](char major, char minor) {
    Bytes bytes = npy_file(dict_for("<f8", "(2,)"), data, 2);
    bytes[6] = static_cast<std::byte>(major);
    bytes[7] = static_cast<std::byte>(minor);
    return bytes;
  };
  require_unsupported(with_version(4, 0), "format version 4.0 is not supported");
  require_unsupported(with_version(1, 1), "format version 1.1");
  require_unsupported(with_version(0, 0), "format version 0.0");
  require_unsupported(with_version('\xff', 0), "format version 255.0");
  // A later version with nothing after it is still a later version.
  require_unsupported(bytes_of(std::string("\x93NUMPY\x04\x00", 8)), "4.0");

  for (const char* descr :
       {"<U5", "|O", "<M8[ns]", "<m8[s]", "|S3", "|V8", "<f16", "<c32", "<i3", "", "<"}) {
    INFO(descr);
    require_unsupported(npy_file(dict_for(descr, "(2,)"), data),
                        "dtype '" + std::string(descr) + "'");
  }
  require_unsupported(
      npy_file("{'descr': [('a', '<f4'), ('b', '<i4')], 'fortran_order': False, 'shape': (2,), }",
               data),
      "structured dtype [('a', '<f4'), ('b', '<i4')]");
  // numpy reads a descriptor without a byte-order character as native.
  const engram::Array native = npy::decode(npy_file(dict_for("f8", "(2,)"), data));
  CHECK(native.dtype() == DType::kFloat64);
  CHECK(native.values<double>()[1] == 2.0);
}

TEST_CASE("npy: damaged encodings never crash the decoder", "[npy]") {
  const Array matrix = patterned(DType::kFloat64, {3, 4}, 11);
  const Array small = patterned(DType::kComplex64, {2, 3}, 12);
  const Bytes encodings[] = {
      npy::encode(matrix),
      npy_file(dict_for(">c8", "(2, 3)", true), to_big_endian(small), 3),
  };
  std::mt19937 random(2024);
  for (const Bytes& valid : encodings) {
    REQUIRE_NOTHROW(npy::decode(valid));
    // Every proper prefix lacks something.
    for (std::size_t size = 0; size < valid.size(); ++size) {
      const Bytes prefix(valid.begin(), valid.begin() + static_cast<std::ptrdiff_t>(size));
      REQUIRE_THROWS_AS(npy::decode(prefix), engram::CorruptData);
    }
    for (int round = 0; round < 2000; ++round) {
      Bytes mutated = valid;
      const std::size_t at = random() % mutated.size();
      const auto flip = static_cast<std::byte>(1 + random() % 255);
      mutated[at] ^= flip;
      INFO("byte " << at << " xor " << std::to_integer<int>(flip));
      decode_or_reject(mutated);
    }
  }
}

TEST_CASE("npy: save and load round-trip through a file", "[npy]") {
  const engram_test::TempDir temp("engram-npy-test");
  for (DType dtype : engram::kAllDTypes) {
    for (const Shape& shape : kShapes) {
      INFO(engram::dtype_name(dtype) << " " << engram::shape_string(shape));
      const Array array = patterned(dtype, shape, 4);
      const fs::path path = temp.path() / "array.npy";
      npy::save(path, array);
      CHECK(fs::file_size(path) == npy::encode(array).size());
      CHECK(npy::load(path) == array);
    }
  }
  // Saving replaces a longer file entirely.
  const fs::path path = temp.path() / "replaced.npy";
  npy::save(path, patterned(DType::kFloat64, {1000}));
  const Array small = patterned(DType::kInt8, {3});
  npy::save(path, small);
  CHECK(npy::load(path) == small);
}

TEST_CASE("npy: file errors are typed and name the file", "[npy]") {
  const engram_test::TempDir temp("engram-npy-test");
  const Array array = patterned(DType::kInt32, {4});

  const fs::path missing = temp.path() / "missing.npy";
  CHECK_THROWS_AS(npy::load(missing), engram::BackendError);
  CHECK_THROWS_WITH(npy::load(missing), Catch::Contains(missing.string()) &&
                                            Catch::Contains("No such file or directory"));

  const fs::path in_missing_dir = temp.path() / "no" / "such" / "dir" / "a.npy";
  CHECK_THROWS_AS(npy::save(in_missing_dir, array), engram::BackendError);
  CHECK_THROWS_WITH(npy::save(in_missing_dir, array), Catch::Contains(in_missing_dir.string()));

  CHECK_THROWS_AS(npy::load(temp.path()), engram::BackendError);  // a directory
  CHECK_THROWS_AS(npy::save(temp.path(), array), engram::BackendError);

  const fs::path garbage = temp.path() / "garbage.npy";
  std::ofstream(garbage) << "not numpy at all";
  CHECK_THROWS_AS(npy::load(garbage), engram::CorruptData);
}

TEST_CASE("npy: files that may not be written or read are AccessDenied", "[npy]") {
  const engram_test::TempDir temp("engram-npy-test");
  const fs::path locked_dir = temp.path() / "locked";
  fs::create_directory(locked_dir);
  const fs::path secret = temp.path() / "secret.npy";
  const Array array = patterned(DType::kInt32, {4});
  npy::save(secret, array);
  fs::permissions(secret, fs::perms::none);
  fs::permissions(locked_dir, fs::perms::owner_read | fs::perms::owner_exec |
                                  fs::perms::group_read | fs::perms::group_exec |
                                  fs::perms::others_read | fs::perms::others_exec);

  // 0: both refusals were AccessDenied; 1: a refusal had another type.
  const auto check = [&]() -> int {
    int failures = 0;
    try {
      npy::save(locked_dir / "a.npy", array);
      ++failures;
    } catch (const engram::AccessDenied&) {
    } catch (...) {
      ++failures;
    }
    try {
      (void)npy::load(secret);
      ++failures;
    } catch (const engram::AccessDenied&) {
    } catch (...) {
      ++failures;
    }
    return failures == 0 ? 0 : 1;
  };

  if (::geteuid() != 0) {
    CHECK(check() == 0);
    return;
  }
  // Permission bits do not bind root, so the checks run in a child that has
  // become the unprivileged user "nobody".
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    constexpr uid_t kNobody = 65534;
    if (::setgid(kNobody) != 0 || ::setuid(kNobody) != 0) ::_exit(77);
    ::_exit(check());
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  if (WEXITSTATUS(status) == 77) {
    WARN("cannot drop root privileges to test AccessDenied");
    return;
  }
  CHECK(WEXITSTATUS(status) == 0);
}
