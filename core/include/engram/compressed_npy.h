// engram/compressed_npy.h — an array's bytes for a store that keeps opaque
// values (a Redis string, a blob): a .npy, or a .npy compressed behind
// engram's header. Any plugin may store compressed arrays with it; the redis
// plugin stores its array values so.
//
// A value at most `threshold` bytes long as .npy (or whose compressed form
// would not be smaller) is stored as the .npy itself: it starts with numpy's
// magic "\x93NUMPY". A larger one is stored as a 24-byte header followed by
// one frame of the codec, which decompresses to the .npy:
//
//   offset size  field
//   0      6     magic "\x93ENGZ\x00"  (never the start of a .npy)
//   6      1     format version, 1
//   7      1     codec: 1 = LZ4 frame, 2 = Zstandard frame, 3 = zlib stream
//   8      8     the .npy's size in bytes, unsigned little-endian
//   16     8     the frame's size in bytes, unsigned little-endian; the
//                value ends exactly there
//
// The frames are the codecs' standard formats (what `lz4 -d`, `zstd -d` and
// Python's lz4.frame, zstandard and zlib modules read), with their content
// checksums (LZ4's and zstd's xxhash; zlib's Adler-32 is always there), so
// damaged bytes fail to decode rather than decode to other values. zlib is
// what the seed used, readable by every Python without extra modules.
// Decoding looks at the magic and never guesses.
//
// Errors (no backend named: the caller adds it and the key): a value that
// is neither, a header whose sizes disagree with the value or pass the
// record limit (decode_compressed_npy), a frame that does not decompress to
// exactly the declared size, or a bad .npy are CorruptData; an unknown codec
// number or a later format version is NotSupported.
//
// Thread safety: stateless.
#ifndef ENGRAM_COMPRESSED_NPY_H_
#define ENGRAM_COMPRESSED_NPY_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "engram/array.h"
#include "engram/export.h"
#include "engram/record_limits.h"

namespace engram {

enum class NpyCodec : std::uint8_t { kNone = 0, kLz4 = 1, kZstd = 2, kZlib = 3 };

// The codec an option names: "none", "lz4", "zstd" or "zlib"; nullopt for
// anything else.
ENGRAM_API std::optional<NpyCodec> npy_codec_named(std::string_view name);

struct CompressedNpyFormat {
  NpyCodec codec = NpyCodec::kLz4;
  // The codec's level; 0 is the codec's default. (LZ4: acceleration is not
  // offered, levels above 0 select LZ4-HC.)
  int level = 0;
  // Values whose .npy is larger than this many bytes are compressed.
  std::size_t threshold = 1024;
};

// The value for `view`: the .npy or the compressed form, built in one
// allocation (the payload is copied once, or compressed straight from the
// caller's memory).
ENGRAM_API std::string encode_compressed_npy(const ArrayView& view,
                                             const CompressedNpyFormat& format);

// The array a value holds: one copy of the payload (decompression writes
// the .npy once, which then becomes the Array's buffer). Throws as above;
// before allocating, a compressed value whose header declares more than
// `record_limit` bytes of .npy (by default the default max_record_bytes,
// never more than the machine's memory), or more than its frame can hold
// (LZ4: 255 times the frame's size, zlib: 1032 times, zstd: 32,768 times;
// and a frame's own content size must be the header's), is CorruptData.
ENGRAM_API Array decode_compressed_npy(
    std::span<const char> value,
    std::uint64_t record_limit = effective_record_limit(kDefaultMaxRecordBytes));

// True iff `value` starts with the compressed header's magic.
ENGRAM_API bool is_compressed_npy(std::span<const char> value);

}  // namespace engram

#endif  // ENGRAM_COMPRESSED_NPY_H_
