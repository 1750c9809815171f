// Fuzzes engram::pickle::decode (the Python system's pickle blobs). Errors
// must be CorruptData or NotSupported, within the limits given. A decoded
// value must be printable JSON (valid UTF-8 throughout), decoding must be
// deterministic, and an Array must have the bytes its dtype and shape say.
#include <cstddef>
#include <cstdint>
#include <span>
#include <variant>

#include "engram/pickle.h"
#include "fuzz_support.h"

namespace {

using engram::fuzz::finding;

// Small enough that a value built from shared references stays well inside
// tools/fuzz.sh's 2 GB.
engram::pickle::Limits limits() {
  engram::pickle::Limits out;
  out.max_output_bytes = std::size_t{64} << 20;
  return out;
}

std::string dump(const engram::pickle::Value& value) {
  if (const auto* array = std::get_if<engram::Array>(&value)) {
    if (array->nbytes() !=
        engram::element_count(array->shape(), engram::dtype_size(array->dtype()))) {
      finding("an Array whose bytes disagree with its shape");
    }
    return engram::pickle::tagged_array(*array).dump();
  }
  return std::get<engram::Json>(value).dump();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::byte> input(reinterpret_cast<const std::byte*>(data), size);
  engram::pickle::Value decoded;
  if (!engram::fuzz::only_errors<engram::CorruptData, engram::NotSupported>(
          "pickle::decode", [&] { decoded = engram::pickle::decode(input, limits()); })) {
    return 0;
  }
  std::string first;
  if (!engram::fuzz::only_errors<>("dumping the decoded value", [&] { first = dump(decoded); })) {
    finding("a decoded value is not printable JSON");
  }
  if (dump(engram::pickle::decode(input, limits())) != first)
    finding("decoding is not deterministic");
  return 0;
}
