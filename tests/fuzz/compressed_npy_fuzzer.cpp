// Fuzzes the core's compressed-array decoder (engram/compressed_npy.h), the
// redis plugin's value format: a .npy, or a .npy compressed (LZ4, zstd,
// zlib) behind engram's 24-byte header. Errors must be CorruptData or NotSupported, and a declared
// size is checked before it is allocated. A decoded array must round-trip through every codec.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>

#include "engram/compressed_npy.h"
#include "fuzz_support.h"

namespace {

using engram::Array;
using engram::CompressedNpyFormat;
using engram::NpyCodec;
using engram::fuzz::finding;

// Far below the 4 GiB default so that a claim the decoder believes cannot
// pass the fuzzer's malloc limit unnoticed.
constexpr std::uint64_t kMaxBytes = std::uint64_t{64} << 20;

bool same(const Array& a, const Array& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() && a.nbytes() == b.nbytes() &&
         (a.nbytes() == 0 || std::memcmp(a.data(), b.data(), a.nbytes()) == 0);
}

void check_round_trip(std::span<const char> input, const Array& decoded) {
  for (NpyCodec codec : {NpyCodec::kNone, NpyCodec::kLz4, NpyCodec::kZstd, NpyCodec::kZlib}) {
    const CompressedNpyFormat format{codec, 0, 0};
    const std::string value = engram::encode_compressed_npy(decoded, format);
    Array again;
    if (!engram::fuzz::only_errors<>("decoding engram's own value", [&] {
          again = engram::decode_compressed_npy(value, kMaxBytes);
        })) {
      finding("engram's own value does not decode");
    }
    if (!same(decoded, again)) {
      finding("decode(encode(a)) differs from a, codec " + std::to_string(static_cast<int>(codec)));
    }
  }
  // A plain .npy as engram writes it is stored as itself.
  if (!engram::is_compressed_npy(input)) {
    const std::string plain = engram::encode_compressed_npy(decoded, {NpyCodec::kNone, 0, 0});
    if (plain.size() == input.size() &&
        std::memcmp(plain.data(), input.data(), input.size()) != 0 &&
        plain.compare(0, plain.size() - decoded.nbytes(),
                      std::string(input.data(), plain.size() - decoded.nbytes())) == 0) {
      finding(
          "a plain value with engram's preamble does not re-encode to its "
          "own bytes");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const char> input(reinterpret_cast<const char*>(data), size);
  Array decoded;
  if (engram::fuzz::only_errors<engram::CorruptData, engram::NotSupported>(
          "decode_compressed_npy",
          [&] { decoded = engram::decode_compressed_npy(input, kMaxBytes); })) {
    check_round_trip(input, decoded);
  }
  return 0;
}
