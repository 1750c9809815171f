// engram/npy.h — numpy's .npy format, how engram arrays leave the process as
// bytes (SQLite blobs, Redis values), so `numpy.load(io.BytesIO(blob))` reads
// them.
//
// Encoding writes format version 1.0 (2.0 when the header would not fit in
// 1.0's 65,535 bytes), little-endian, C order, the header padded so the data
// starts at a multiple of 64 bytes: byte for byte what numpy.save writes for
// a C-order little-endian array (numpy's room for the first dimension to
// grow included).
//
// Decoding reads versions 1.0, 2.0 and 3.0; little-, big- and
// native-endian ('<', '>', '=', '|') descriptors of engram's dtypes. The rule
// for Fortran-order input: it is converted to C order (the values keep their
// indices; one copy), so every decoded Array is C-ordered and native.
// Errors: a missing magic, a malformed or unterminated header, a shape that
// overflows, truncated data or bytes past the data are CorruptData; a
// well-formed file of a later format version (4.0+) or of a dtype engram does
// not have (strings, objects, records, datetimes) is NotSupported. A
// descriptor without a byte-order character ('f8') is native, as in numpy.
// Decoding never guesses and never reads outside the given bytes.
//
// Thread safety: stateless.
#ifndef ENGRAM_NPY_H_
#define ENGRAM_NPY_H_

#include <cstddef>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "engram/array.h"
#include "engram/dtype.h"
#include "engram/export.h"

namespace engram::npy {

// What a .npy header says.
struct Header {
  DType dtype = DType::kFloat64;
  Shape shape;
  bool fortran_order = false;
  bool big_endian = false;       // stored big-endian (never for 1-byte types)
  int major_version = 1;         // 1, 2 or 3
  std::size_t data_offset = 0;   // where the data starts
  std::size_t data_bytes = 0;    // element_count(shape) × dtype_size(dtype)
};

// The magic string every .npy starts with.
inline constexpr std::string_view kMagic = "\x93NUMPY";

// The preamble (magic, version, header length, header) that precedes `view`'s
// bytes; its size is a multiple of 64.
ENGRAM_API std::string encode_header(const ArrayView& view);
// The whole .npy: preamble then data, built in one allocation (one copy of
// the data).
ENGRAM_API std::vector<std::byte> encode(const ArrayView& view);

// Parses the preamble at the start of `bytes`; only the preamble need be
// present. Throws CorruptData or NotSupported as above.
ENGRAM_API Header parse_header(std::span<const std::byte> bytes);

// Decodes a whole .npy (exactly: trailing bytes are CorruptData) into a new
// Array: one copy of the data (byte-swapped or reordered on the way when the
// input is big-endian or Fortran-ordered).
ENGRAM_API Array decode(std::span<const std::byte> bytes);
// As above, taking `bytes` over: a little-endian C-order payload is not
// copied at all (the Array keeps the buffer).
ENGRAM_API Array decode(std::vector<std::byte>&& bytes);
// As decode(bytes), for a caller that parsed the preamble first (to check
// the declared size before anything is allocated): the preamble is not
// parsed again. REQUIRES: `header` is parse_header(bytes).
ENGRAM_API Array decode(const Header& header, std::span<const std::byte> bytes);

// Writes `view` to a .npy file, replacing it (not atomically: a failed write
// may leave a partial file, which load() reports as CorruptData). Throws AccessDenied when the
// file cannot be written, BackendError on other I/O failures.
ENGRAM_API void save(const std::filesystem::path& path, const ArrayView& view);
// Reads a .npy file. Throws AccessDenied / BackendError when it cannot be
// read, and what decode() throws.
ENGRAM_API Array load(const std::filesystem::path& path);

}  // namespace engram::npy

#endif  // ENGRAM_NPY_H_
