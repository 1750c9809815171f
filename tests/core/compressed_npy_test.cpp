#include "engram/compressed_npy.h"

#include <catch2/catch.hpp>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "engram/array.h"
#include "engram/dtype.h"
#include "engram/errors.h"
#include "engram/npy.h"

namespace {

using engram::Array;
using engram::ArrayView;
using engram::CompressedNpyFormat;
using engram::decode_compressed_npy;
using engram::encode_compressed_npy;
using engram::NpyCodec;

constexpr std::size_t kHeaderSize = 24;
const std::string kMagic{'\x93', 'E', 'N', 'G', 'Z', '\0'};
constexpr std::uint64_t kNoLimit = std::numeric_limits<std::uint64_t>::max();

// A pattern that compresses well: 4096 float32, 16 distinct values.
std::vector<float> compressible() {
  std::vector<float> values(4096);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i % 16) * 0.5f;
  return values;
}

std::vector<float> floats_of(const Array& array) {
  REQUIRE(array.dtype() == engram::DType::kFloat32);
  std::vector<float> out(array.nbytes() / sizeof(float));
  if (!out.empty()) std::memcpy(out.data(), array.data(), array.nbytes());
  return out;
}

std::size_t npy_size(const ArrayView& view) { return engram::npy::encode(view).size(); }

std::uint64_t get_u64(const std::string& value, std::size_t at) {
  std::uint64_t out = 0;
  for (int i = 7; i >= 0; --i) {
    out = (out << 8) | static_cast<unsigned char>(value[at + static_cast<std::size_t>(i)]);
  }
  return out;
}

void put_u64(std::string& value, std::size_t at, std::uint64_t number) {
  for (std::size_t i = 0; i < 8; ++i) value[at + i] = static_cast<char>((number >> (8 * i)) & 0xff);
}

// The header's fields, as the contract lays them out.
std::uint64_t declared_npy_size(const std::string& value) { return get_u64(value, 8); }
std::uint64_t declared_frame_size(const std::string& value) { return get_u64(value, 16); }
void set_npy_size(std::string& value, std::uint64_t size) { put_u64(value, 8, size); }
void set_frame_size(std::string& value, std::uint64_t size) { put_u64(value, 16, size); }

CompressedNpyFormat format_of(NpyCodec codec, int level = 0, std::size_t threshold = 0) {
  return CompressedNpyFormat{codec, level, threshold};
}

// A compressed value of the compressible pattern.
std::string compressed(NpyCodec codec) {
  const std::vector<float> values = compressible();
  const std::string value = encode_compressed_npy(ArrayView(values), format_of(codec));
  REQUIRE(engram::is_compressed_npy(value));
  return value;
}

// A zlib stream of `data` in one stored (uncompressed) deflate block, with
// its Adler-32: a valid frame around bytes of the test's choosing.
std::string zlib_stored(const std::string& data) {
  REQUIRE(data.size() <= 0xffff);
  std::string out("\x78\x01", 2);
  out += '\x01';  // BFINAL, BTYPE 00 (stored)
  const auto len = static_cast<std::uint16_t>(data.size());
  const auto nlen = static_cast<std::uint16_t>(~len);
  out += static_cast<char>(len & 0xff);
  out += static_cast<char>(len >> 8);
  out += static_cast<char>(nlen & 0xff);
  out += static_cast<char>(nlen >> 8);
  out += data;
  std::uint32_t a = 1;
  std::uint32_t b = 0;
  for (const char ch : data) {
    a = (a + static_cast<unsigned char>(ch)) % 65521;
    b = (b + a) % 65521;
  }
  const std::uint32_t adler = (b << 16) | a;
  for (int shift = 24; shift >= 0; shift -= 8) out += static_cast<char>((adler >> shift) & 0xff);
  return out;
}

// engram's header around `frame`, declaring `npy_bytes` of .npy.
std::string with_header(NpyCodec codec, std::uint64_t npy_bytes, const std::string& frame) {
  std::string value = kMagic;
  value += '\x01';
  value += static_cast<char>(codec);
  value.resize(kHeaderSize);
  set_npy_size(value, npy_bytes);
  set_frame_size(value, frame.size());
  return value + frame;
}

const NpyCodec kCompressing[] = {NpyCodec::kLz4, NpyCodec::kZstd, NpyCodec::kZlib};

const char* name_of(NpyCodec codec) {
  switch (codec) {
    case NpyCodec::kNone:
      return "none";
    case NpyCodec::kLz4:
      return "lz4";
    case NpyCodec::kZstd:
      return "zstd";
    case NpyCodec::kZlib:
      return "zlib";
  }
  return "?";
}

}  // namespace

TEST_CASE("compressed_npy: codec names", "[compressed_npy]") {
  CHECK(engram::npy_codec_named("none") == NpyCodec::kNone);
  CHECK(engram::npy_codec_named("lz4") == NpyCodec::kLz4);
  CHECK(engram::npy_codec_named("zstd") == NpyCodec::kZstd);
  CHECK(engram::npy_codec_named("zlib") == NpyCodec::kZlib);
  CHECK_FALSE(engram::npy_codec_named("LZ4").has_value());
  CHECK_FALSE(engram::npy_codec_named("brotli").has_value());
  CHECK_FALSE(engram::npy_codec_named("").has_value());
}

TEST_CASE("compressed_npy: every codec and level round-trips behind the documented header",
          "[compressed_npy]") {
  const std::vector<float> values = compressible();
  const ArrayView view(values);
  struct Case {
    NpyCodec codec;
    int level;
  };
  const Case cases[] = {{NpyCodec::kLz4, 0},  {NpyCodec::kLz4, 1},   {NpyCodec::kLz4, 3},
                        {NpyCodec::kLz4, 12}, {NpyCodec::kZstd, 0},  {NpyCodec::kZstd, -5},
                        {NpyCodec::kZstd, 1}, {NpyCodec::kZstd, 19}, {NpyCodec::kZlib, 0},
                        {NpyCodec::kZlib, 1}, {NpyCodec::kZlib, 9}};
  for (const Case& c : cases) {
    DYNAMIC_SECTION(name_of(c.codec) << " level " << c.level) {
      const std::string value = encode_compressed_npy(view, format_of(c.codec, c.level));
      REQUIRE(value.size() > kHeaderSize);
      CHECK(engram::is_compressed_npy(value));
      CHECK(value.compare(0, kMagic.size(), kMagic) == 0);
      CHECK(value[6] == 1);
      CHECK(static_cast<NpyCodec>(value[7]) == c.codec);
      CHECK(declared_npy_size(value) == npy_size(view));
      CHECK(declared_frame_size(value) == value.size() - kHeaderSize);
      CHECK(value.size() < npy_size(view));
      const Array decoded = decode_compressed_npy(value);
      CHECK(decoded.shape() == engram::Shape{values.size()});
      CHECK(floats_of(decoded) == values);
    }
  }
}

TEST_CASE("compressed_npy: a 2-D int64 array and an empty one round-trip", "[compressed_npy]") {
  std::vector<std::int64_t> numbers(64 * 32);
  for (std::size_t i = 0; i < numbers.size(); ++i) numbers[i] = static_cast<std::int64_t>(i % 7);
  const ArrayView grid(numbers, engram::Shape{64, 32});
  const std::vector<float> nothing;
  for (const NpyCodec codec : kCompressing) {
    DYNAMIC_SECTION(name_of(codec)) {
      const Array decoded = decode_compressed_npy(encode_compressed_npy(grid, format_of(codec)));
      CHECK(decoded.dtype() == engram::DType::kInt64);
      CHECK(decoded.shape() == engram::Shape{64, 32});
      REQUIRE(decoded.nbytes() == numbers.size() * sizeof(std::int64_t));
      CHECK(std::memcmp(decoded.data(), numbers.data(), decoded.nbytes()) == 0);
      const Array empty =
          decode_compressed_npy(encode_compressed_npy(ArrayView(nothing), format_of(codec)));
      CHECK(empty.shape() == engram::Shape{0});
      CHECK(empty.nbytes() == 0);
    }
  }
}

TEST_CASE("compressed_npy: at most threshold bytes, codec none and incompressible data stay .npy",
          "[compressed_npy]") {
  const std::vector<float> values = compressible();
  const ArrayView view(values);
  const std::vector<std::byte> npy = engram::npy::encode(view);
  const std::string plain(reinterpret_cast<const char*>(npy.data()), npy.size());
  for (const NpyCodec codec : kCompressing) {
    DYNAMIC_SECTION(name_of(codec)) {
      // The boundary: a .npy of exactly `threshold` bytes stays plain, one
      // byte over is compressed.
      CHECK(encode_compressed_npy(view, format_of(codec, 0, npy.size())) == plain);
      CHECK(engram::is_compressed_npy(
          encode_compressed_npy(view, format_of(codec, 0, npy.size() - 1))));
      CHECK(engram::is_compressed_npy(encode_compressed_npy(view, format_of(codec, 0, 1024))));

      // Random bytes do not shrink: the value is never larger than the
      // .npy, and is the .npy itself unless compressing saved bytes.
      std::mt19937 random(7);
      std::vector<std::uint32_t> noise(4096);
      for (auto& word : noise) word = static_cast<std::uint32_t>(random());
      const ArrayView noisy(noise);
      const std::vector<std::byte> noisy_npy = engram::npy::encode(noisy);
      const std::string stored = encode_compressed_npy(noisy, format_of(codec));
      CHECK(stored.size() <= noisy_npy.size());
      if (!engram::is_compressed_npy(stored)) {
        CHECK(stored ==
              std::string(reinterpret_cast<const char*>(noisy_npy.data()), noisy_npy.size()));
      }
      CHECK(std::memcmp(decode_compressed_npy(stored).data(), noise.data(), noise.size() * 4) == 0);
    }
  }
  CHECK(encode_compressed_npy(view, format_of(NpyCodec::kNone, 0, 0)) == plain);
  CHECK(floats_of(decode_compressed_npy(plain)) == values);
}

TEST_CASE("compressed_npy: a value that is neither .npy nor compressed is CorruptData",
          "[compressed_npy]") {
  CHECK_THROWS_AS(decode_compressed_npy(std::string("not an array")), engram::CorruptData);
  CHECK_THROWS_AS(decode_compressed_npy(std::string()), engram::CorruptData);
  // One byte of the magic off: not engram's header, and not a .npy either.
  std::string value = compressed(NpyCodec::kLz4);
  value[4] = 'Y';
  CHECK_FALSE(engram::is_compressed_npy(value));
  CHECK_THROWS_AS(decode_compressed_npy(value), engram::CorruptData);
  value = compressed(NpyCodec::kLz4);
  value[5] = 'x';  // the magic's NUL
  CHECK_FALSE(engram::is_compressed_npy(value));
  CHECK_THROWS_AS(decode_compressed_npy(value), engram::CorruptData);
}

TEST_CASE("compressed_npy: a truncated header is CorruptData", "[compressed_npy]") {
  const std::string value = compressed(NpyCodec::kZstd);
  for (const std::size_t size : {std::size_t{6}, std::size_t{8}, kHeaderSize - 1}) {
    const std::string cut = value.substr(0, size);
    CHECK(engram::is_compressed_npy(cut));
    CHECK_THROWS_AS(decode_compressed_npy(cut), engram::CorruptData);
    CHECK_THROWS_WITH(decode_compressed_npy(cut), Catch::Contains("header is truncated"));
  }
}

TEST_CASE("compressed_npy: header sizes that disagree with the value are CorruptData",
          "[compressed_npy]") {
  for (const NpyCodec codec : kCompressing) {
    DYNAMIC_SECTION(name_of(codec)) {
      const std::string good = compressed(codec);
      const std::uint64_t frame = declared_frame_size(good);
      const std::uint64_t npy = declared_npy_size(good);
      for (const std::uint64_t claimed : {frame - 1, frame + 1, std::uint64_t{0}}) {
        std::string value = good;
        set_frame_size(value, claimed);
        CHECK_THROWS_AS(decode_compressed_npy(value), engram::CorruptData);
        CHECK_THROWS_WITH(decode_compressed_npy(value), Catch::Contains("bytes of frame"));
      }
      // The .npy's declared size one off either way: the frame holds another.
      for (const std::uint64_t claimed : {npy - 1, npy + 1}) {
        std::string value = good;
        set_npy_size(value, claimed);
        CHECK_THROWS_AS(decode_compressed_npy(value), engram::CorruptData);
      }
    }
  }
}

TEST_CASE("compressed_npy: a frame too short, too long or damaged is CorruptData",
          "[compressed_npy]") {
  for (const NpyCodec codec : kCompressing) {
    DYNAMIC_SECTION(name_of(codec)) {
      const std::string good = compressed(codec);
      // Too short: the frame's tail cut off, the header agreeing.
      for (const std::size_t cut :
           {std::size_t{1}, std::size_t{4}, good.size() - kHeaderSize - 1}) {
        std::string value = good.substr(0, good.size() - cut);
        set_frame_size(value, value.size() - kHeaderSize);
        CHECK_THROWS_AS(decode_compressed_npy(value), engram::CorruptData);
      }
      // Bytes after the frame, the header agreeing.
      std::string longer = good + std::string(8, '\0');
      set_frame_size(longer, longer.size() - kHeaderSize);
      CHECK_THROWS_AS(decode_compressed_npy(longer), engram::CorruptData);
      // A flipped bit anywhere in the frame: CorruptData, never other
      // values. (A few bits a codec ignores, such as zstd's unused header
      // bit, decode to the same values.) Most flips are refused.
      std::size_t refused = 0;
      std::size_t tried = 0;
      for (std::size_t at = kHeaderSize; at < good.size(); ++at, ++tried) {
        std::string flipped = good;
        flipped[at] = static_cast<char>(flipped[at] ^ 0x10);
        try {
          const Array decoded = decode_compressed_npy(flipped);
          CHECK(floats_of(decoded) == compressible());
        } catch (const engram::CorruptData&) {
          ++refused;
        }
      }
      CHECK(refused + 2 >= tried);
    }
  }
}

TEST_CASE("compressed_npy: a frame that decompresses to a bad .npy is CorruptData",
          "[compressed_npy]") {
  const std::string not_npy = "this is not a .npy file at all";
  const std::string value = with_header(NpyCodec::kZlib, not_npy.size(), zlib_stored(not_npy));
  CHECK_THROWS_AS(decode_compressed_npy(value), engram::CorruptData);
  // The same frame around a real .npy decodes: the frame itself is valid.
  const std::vector<float> values{1.0f, 2.0f, 3.0f};
  const std::vector<std::byte> npy = engram::npy::encode(ArrayView(values));
  const std::string real(reinterpret_cast<const char*>(npy.data()), npy.size());
  CHECK(floats_of(decode_compressed_npy(
            with_header(NpyCodec::kZlib, real.size(), zlib_stored(real)))) == values);
}

TEST_CASE("compressed_npy: a declared size over the record limit is refused before allocating",
          "[compressed_npy]") {
  for (const NpyCodec codec : kCompressing) {
    DYNAMIC_SECTION(name_of(codec)) {
      const std::string good = compressed(codec);
      const std::uint64_t npy = declared_npy_size(good);
      // The boundary: a limit of exactly the .npy's size reads it.
      CHECK(floats_of(decode_compressed_npy(good, npy)) == compressible());
      CHECK_THROWS_AS(decode_compressed_npy(good, npy - 1), engram::CorruptData);
      CHECK_THROWS_WITH(
          decode_compressed_npy(good, npy - 1),
          Catch::Contains("declares " + std::to_string(npy) + " bytes") &&
              Catch::Contains("more than max_record_bytes (" + std::to_string(npy - 1) + ")"));
      // A claim no machine could hold is CorruptData under the default
      // limit, never an allocation failure.
      std::string huge = good;
      set_npy_size(huge, std::uint64_t{1} << 62);
      CHECK_THROWS_AS(decode_compressed_npy(huge), engram::CorruptData);
      CHECK_THROWS_WITH(decode_compressed_npy(huge), Catch::Contains("more than max_record_bytes"));
    }
  }
}

TEST_CASE("compressed_npy: a declared size past what the frame can expand to is CorruptData",
          "[compressed_npy]") {
  struct Bound {
    NpyCodec codec;
    std::uint64_t ratio;
  };
  const Bound bounds[] = {{NpyCodec::kLz4, 255}, {NpyCodec::kZlib, 1032}, {NpyCodec::kZstd, 32768}};
  for (const Bound& bound : bounds) {
    DYNAMIC_SECTION(name_of(bound.codec)) {
      const std::string good = compressed(bound.codec);
      const std::uint64_t frame = declared_frame_size(good);
      // One byte past frame × ratio: refused by the ratio, whatever the limit.
      std::string over = good;
      set_npy_size(over, frame * bound.ratio + 1);
      CHECK_THROWS_AS(decode_compressed_npy(over, kNoLimit), engram::CorruptData);
      CHECK_THROWS_WITH(decode_compressed_npy(over, kNoLimit),
                        Catch::Contains("holds only " + std::to_string(frame) + " stored bytes"));
      // Exactly frame × ratio passes the bound, and fails only because the
      // frame holds another size.
      std::string at = good;
      set_npy_size(at, frame * bound.ratio);
      CHECK_THROWS_AS(decode_compressed_npy(at, kNoLimit), engram::CorruptData);
      CHECK_THROWS_WITH(decode_compressed_npy(at, kNoLimit),
                        !Catch::Contains("holds only") && !Catch::Contains("max_record_bytes"));
    }
  }
}

TEST_CASE("compressed_npy: an unknown codec or a later version is NotSupported",
          "[compressed_npy]") {
  const std::string good = compressed(NpyCodec::kLz4);
  for (const int codec : {0, 4, 9, 255}) {
    DYNAMIC_SECTION("codec " << codec) {
      std::string value = good;
      value[7] = static_cast<char>(codec);
      CHECK_THROWS_AS(decode_compressed_npy(value), engram::NotSupported);
      CHECK_THROWS_WITH(decode_compressed_npy(value),
                        Catch::Contains("codec " + std::to_string(codec) + " is unknown"));
    }
  }
  for (const int version : {2, 255}) {
    DYNAMIC_SECTION("version " << version) {
      std::string value = good;
      value[6] = static_cast<char>(version);
      CHECK_THROWS_AS(decode_compressed_npy(value), engram::NotSupported);
      CHECK_THROWS_WITH(decode_compressed_npy(value),
                        Catch::Contains("format version " + std::to_string(version)));
    }
  }
}
