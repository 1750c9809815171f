// Fuzzes engram::npy::decode (.npy bytes from SQLite blobs, Redis values and
// files). Errors must be CorruptData or NotSupported. A decoded array must
// re-encode to a .npy that decodes to the same dtype, shape and bytes, and
// a .npy in engram's own canonical form must re-encode to exactly its bytes.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <vector>

#include "engram/npy.h"
#include "fuzz_support.h"

namespace {

using engram::Array;
using engram::fuzz::finding;

bool same(const Array& a, const Array& b) {
  return a.dtype() == b.dtype() && a.shape() == b.shape() && a.nbytes() == b.nbytes() &&
         (a.nbytes() == 0 || std::memcmp(a.data(), b.data(), a.nbytes()) == 0);
}

void check_round_trip(std::span<const std::byte> input, const Array& decoded) {
  const std::vector<std::byte> encoded = engram::npy::encode(decoded);
  if (encoded.size() % 64 != decoded.nbytes() % 64) finding("the preamble is not 64-aligned");
  Array again;
  if (!engram::fuzz::only_errors<>("decoding engram's own encoding",
                                   [&] { again = engram::npy::decode(encoded); })) {
    finding("engram's own encoding does not decode");
  }
  if (!same(decoded, again)) finding("decode(encode(a)) differs from a");
  if (engram::npy::encode(again) != encoded) finding("encode is not stable");
  // The owning overload must agree with the span one.
  Array owned = engram::npy::decode(std::vector<std::byte>(input.begin(), input.end()));
  if (!same(decoded, owned)) finding("decode(vector&&) differs from decode(span)");
  // Canonical input (what engram and numpy write for little-endian C-order
  // arrays) round-trips to exactly the same bytes.
  const engram::npy::Header header = engram::npy::parse_header(input);
  if (!header.big_endian && !header.fortran_order && header.major_version == 1) {
    const std::string preamble = engram::npy::encode_header(decoded);
    if (header.data_offset == preamble.size() &&
        std::memcmp(input.data(), preamble.data(), preamble.size()) == 0 &&
        !std::equal(input.begin(), input.end(), encoded.begin(), encoded.end())) {
      finding("a canonical .npy does not re-encode to its own bytes");
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::byte> input(reinterpret_cast<const std::byte*>(data), size);
  Array decoded;
  if (engram::fuzz::only_errors<engram::CorruptData, engram::NotSupported>(
          "npy::decode", [&] { decoded = engram::npy::decode(input); })) {
    check_round_trip(input, decoded);
  }
  return 0;
}
