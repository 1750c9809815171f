// core/src/compressed_npy.cpp — see engram/compressed_npy.h for the format.
//
// Compression streams the .npy preamble and then the caller's data into the
// codec, so the payload is never gathered into a .npy first.
#include "engram/compressed_npy.h"

#include <lz4frame.h>
#include <zlib.h>
#include <zstd.h>

#include <array>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <stdexcept>
#include <vector>

#include "engram/errors.h"
#include "engram/npy.h"
#include "engram/record_limits.h"

namespace engram {
namespace {

constexpr std::array<char, 6> kMagic{'\x93', 'E', 'N', 'G', 'Z', '\0'};
constexpr std::uint8_t kVersion = 1;
constexpr std::size_t kHeaderSize = 24;
// A zstd block holds at most 128 KiB; the smallest (an RLE block: a 3-byte
// header and the byte) expands 32,768-fold, so no frame expands more.
constexpr std::uint64_t kZstdMaxRatio = 32768;

void put_u64(char* out, std::uint64_t value) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((value >> (8 * i)) & 0xff);
}

std::uint64_t get_u64(const char* in) {
  std::uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(in[i]);
  return value;
}

[[noreturn]] void corrupt(const std::string& why) {
  throw CorruptData("compressed value: " + why);
}

// The payload in the two pieces a .npy is made of.
struct Pieces {
  std::string preamble;
  const char* data;
  std::size_t data_size;
  std::size_t total() const { return preamble.size() + data_size; }
};

// Each compress_* writes one frame after kHeaderSize bytes of `out` (sized
// by the caller to hold the codec's bound) and returns the frame's size.

std::size_t lz4_bound(const Pieces& p) {
  return LZ4F_HEADER_SIZE_MAX + LZ4F_compressBound(p.preamble.size(), nullptr) +
         LZ4F_compressBound(p.data_size, nullptr);
}

std::size_t compress_lz4(const Pieces& p, int level, char* out, std::size_t capacity) {
  LZ4F_cctx* raw = nullptr;
  if (LZ4F_isError(LZ4F_createCompressionContext(&raw, LZ4F_VERSION))) throw std::bad_alloc();
  const std::unique_ptr<LZ4F_cctx, decltype(&LZ4F_freeCompressionContext)> context(
      raw, &LZ4F_freeCompressionContext);
  LZ4F_preferences_t prefs{};
  prefs.frameInfo.blockSizeID = LZ4F_max256KB;
  prefs.frameInfo.contentSize = p.total();
  // Damaged bytes must be an error, never different values.
  prefs.frameInfo.contentChecksumFlag = LZ4F_contentChecksumEnabled;
  prefs.compressionLevel = level;
  std::size_t written = 0;
  auto step = [&](std::size_t result) {
    if (LZ4F_isError(result)) {
      throw BackendError(std::string("LZ4 compression failed: ") + LZ4F_getErrorName(result));
    }
    written += result;
  };
  step(LZ4F_compressBegin(context.get(), out, capacity, &prefs));
  step(LZ4F_compressUpdate(context.get(), out + written, capacity - written, p.preamble.data(),
                           p.preamble.size(), nullptr));
  step(LZ4F_compressUpdate(context.get(), out + written, capacity - written, p.data, p.data_size,
                           nullptr));
  step(LZ4F_compressEnd(context.get(), out + written, capacity - written, nullptr));
  return written;
}

std::size_t compress_zstd(const Pieces& p, int level, char* out, std::size_t capacity) {
  const std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> context(ZSTD_createCCtx(),
                                                                       &ZSTD_freeCCtx);
  if (!context) throw std::bad_alloc();
  auto check = [](std::size_t result) {
    if (ZSTD_isError(result)) {
      throw BackendError(std::string("zstd compression failed: ") + ZSTD_getErrorName(result));
    }
    return result;
  };
  check(ZSTD_CCtx_setParameter(context.get(), ZSTD_c_compressionLevel,
                               level == 0 ? ZSTD_CLEVEL_DEFAULT : level));
  check(ZSTD_CCtx_setParameter(context.get(), ZSTD_c_contentSizeFlag, 1));
  check(ZSTD_CCtx_setParameter(context.get(), ZSTD_c_checksumFlag, 1));
  check(ZSTD_CCtx_setPledgedSrcSize(context.get(), p.total()));
  ZSTD_outBuffer output{out, capacity, 0};
  ZSTD_inBuffer head{p.preamble.data(), p.preamble.size(), 0};
  while (head.pos < head.size) {
    check(ZSTD_compressStream2(context.get(), &output, &head, ZSTD_e_continue));
  }
  ZSTD_inBuffer body{p.data, p.data_size, 0};
  while (check(ZSTD_compressStream2(context.get(), &output, &body, ZSTD_e_end)) != 0) {
    if (output.pos == output.size) throw BackendError("zstd compression overran its bound");
  }
  return output.pos;
}

std::size_t compress_zlib(const Pieces& p, int level, char* out, std::size_t capacity) {
  z_stream stream{};
  if (deflateInit(&stream, level == 0 ? Z_DEFAULT_COMPRESSION : level) != Z_OK) {
    throw BackendError("zlib: deflateInit failed");
  }
  const std::unique_ptr<z_stream, decltype(&deflateEnd)> guard(&stream, &deflateEnd);
  stream.next_out = reinterpret_cast<Bytef*>(out);
  stream.avail_out = static_cast<uInt>(capacity);
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(p.preamble.data()));
  stream.avail_in = static_cast<uInt>(p.preamble.size());
  if (deflate(&stream, Z_NO_FLUSH) != Z_OK) throw BackendError("zlib: deflate failed");
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(p.data));
  stream.avail_in = static_cast<uInt>(p.data_size);
  if (deflate(&stream, Z_FINISH) != Z_STREAM_END) throw BackendError("zlib: deflate failed");
  return stream.total_out;
}

std::size_t zlib_bound(const Pieces& p) {
  // deflateBound's own figure for the default parameters, without a stream.
  return compressBound(static_cast<uLong>(p.total())) + 64;
}

// --- decompression: each fills `out` exactly or throws CorruptData ---

using Lz4Context = std::unique_ptr<LZ4F_dctx, decltype(&LZ4F_freeDecompressionContext)>;

Lz4Context lz4_context() {
  LZ4F_dctx* raw = nullptr;
  if (LZ4F_isError(LZ4F_createDecompressionContext(&raw, LZ4F_VERSION))) throw std::bad_alloc();
  return Lz4Context(raw, &LZ4F_freeDecompressionContext);
}

// Goes on from `in_pos`, where reading the frame header (LZ4F_getFrameInfo
// on `context`) stopped.
void decompress_lz4(const Lz4Context& context, std::span<const char> frame, std::size_t in_pos,
                    std::span<std::byte> out) {
  std::size_t out_pos = 0;
  std::size_t hint = 1;
  while (hint != 0) {
    std::size_t out_size = out.size() - out_pos;
    std::size_t in_size = frame.size() - in_pos;
    if (in_size == 0) corrupt("the LZ4 frame is truncated");
    hint = LZ4F_decompress(context.get(), out.data() + out_pos, &out_size, frame.data() + in_pos,
                           &in_size, nullptr);
    if (LZ4F_isError(hint)) corrupt(std::string("LZ4: ") + LZ4F_getErrorName(hint));
    in_pos += in_size;
    out_pos += out_size;
    if (hint != 0 && out_size == 0 && in_size == 0) corrupt("the LZ4 frame does not progress");
  }
  if (in_pos != frame.size()) corrupt("bytes follow the LZ4 frame");
  if (out_pos != out.size()) corrupt("the LZ4 frame holds fewer bytes than the header says");
}

void decompress_zstd(std::span<const char> frame, std::span<std::byte> out) {
  const unsigned long long content = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (content != out.size()) corrupt("the zstd frame's size disagrees with the header");
  const std::size_t frame_size = ZSTD_findFrameCompressedSize(frame.data(), frame.size());
  if (ZSTD_isError(frame_size) || frame_size != frame.size()) {
    corrupt("the zstd frame is truncated or followed by other bytes");
  }
  const std::size_t made = ZSTD_decompress(out.data(), out.size(), frame.data(), frame.size());
  if (ZSTD_isError(made)) corrupt(std::string("zstd: ") + ZSTD_getErrorName(made));
  if (made != out.size()) corrupt("the zstd frame holds fewer bytes than the header says");
}

void decompress_zlib(std::span<const char> frame, std::span<std::byte> out) {
  z_stream stream{};
  if (inflateInit(&stream) != Z_OK) throw std::bad_alloc();
  const std::unique_ptr<z_stream, decltype(&inflateEnd)> guard(&stream, &inflateEnd);
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(frame.data()));
  stream.avail_in = static_cast<uInt>(frame.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int status = inflate(&stream, Z_FINISH);
  if (status != Z_STREAM_END) {
    corrupt(std::string("zlib: ") + (stream.msg ? stream.msg : "the stream does not end"));
  }
  if (stream.avail_in != 0) corrupt("bytes follow the zlib stream");
  if (stream.total_out != out.size()) {
    corrupt("the zlib stream holds fewer bytes than the header says");
  }
}

}  // namespace

std::optional<NpyCodec> npy_codec_named(std::string_view name) {
  if (name == "none") return NpyCodec::kNone;
  if (name == "lz4") return NpyCodec::kLz4;
  if (name == "zstd") return NpyCodec::kZstd;
  if (name == "zlib") return NpyCodec::kZlib;
  return std::nullopt;
}

bool is_compressed_npy(std::span<const char> value) {
  return value.size() >= kMagic.size() &&
         std::memcmp(value.data(), kMagic.data(), kMagic.size()) == 0;
}

std::string encode_compressed_npy(const ArrayView& view, const CompressedNpyFormat& format) {
  Pieces pieces{npy::encode_header(view), reinterpret_cast<const char*>(view.data()),
                view.nbytes()};
  std::string value;
  if (format.codec != NpyCodec::kNone && pieces.total() > format.threshold) {
    std::size_t bound = 0;
    switch (format.codec) {
      case NpyCodec::kLz4: bound = lz4_bound(pieces); break;
      case NpyCodec::kZstd: bound = ZSTD_compressBound(pieces.total()); break;
      case NpyCodec::kZlib: bound = zlib_bound(pieces); break;
      case NpyCodec::kNone: break;
    }
    value.resize(kHeaderSize + bound);
    char* frame = value.data() + kHeaderSize;
    std::size_t frame_size = 0;
    switch (format.codec) {
      case NpyCodec::kLz4: frame_size = compress_lz4(pieces, format.level, frame, bound); break;
      case NpyCodec::kZstd: frame_size = compress_zstd(pieces, format.level, frame, bound); break;
      case NpyCodec::kZlib: frame_size = compress_zlib(pieces, format.level, frame, bound); break;
      case NpyCodec::kNone: break;
    }
    if (kHeaderSize + frame_size < pieces.total()) {
      std::memcpy(value.data(), kMagic.data(), kMagic.size());
      value[6] = static_cast<char>(kVersion);
      value[7] = static_cast<char>(format.codec);
      put_u64(value.data() + 8, pieces.total());
      put_u64(value.data() + 16, frame_size);
      value.resize(kHeaderSize + frame_size);
      return value;
    }
    // Incompressible: the plain .npy is smaller.
  }
  value.clear();
  value.reserve(pieces.total());
  value.append(pieces.preamble);
  if (pieces.data_size != 0) value.append(pieces.data, pieces.data_size);
  return value;
}

Array decode_compressed_npy(std::span<const char> value, std::uint64_t record_limit) {
  const auto bytes = std::as_bytes(value);
  if (!is_compressed_npy(value)) return npy::decode(bytes);
  if (value.size() < kHeaderSize) corrupt("the header is truncated");
  const auto version = static_cast<std::uint8_t>(value[6]);
  if (version != kVersion) {
    throw NotSupported("compressed value: format version " + std::to_string(version) +
                       " is newer than this build reads (1)");
  }
  const auto codec = static_cast<std::uint8_t>(value[7]);
  const std::uint64_t npy_size = get_u64(value.data() + 8);
  const std::uint64_t frame_size = get_u64(value.data() + 16);
  if (frame_size != value.size() - kHeaderSize) {
    corrupt("the header says " + std::to_string(frame_size) + " bytes of frame, the value has " +
            std::to_string(value.size() - kHeaderSize));
  }
  const std::span<const char> frame = value.subspan(kHeaderSize);
  // The declared size against the limit and what the frame can expand to,
  // before anything is allocated or decompressed.
  std::uint64_t max_ratio = kZstdMaxRatio;
  if (codec == static_cast<std::uint8_t>(NpyCodec::kLz4)) max_ratio = kMaxRatioLz4;
  if (codec == static_cast<std::uint8_t>(NpyCodec::kZlib)) max_ratio = kMaxRatioDeflate;
  if (codec >= static_cast<std::uint8_t>(NpyCodec::kLz4) &&
      codec <= static_cast<std::uint8_t>(NpyCodec::kZlib)) {
    check_declared_size({}, "compressed value", npy_size, record_limit, frame_size, max_ratio);
  }
  // LZ4: the frame header is read first (its content size must be the
  // header's, refusing an absurd claim before allocating); decompression
  // then goes on with the same context.
  Lz4Context lz4(nullptr, &LZ4F_freeDecompressionContext);
  std::size_t lz4_consumed = 0;
  if (codec == static_cast<std::uint8_t>(NpyCodec::kLz4)) {
    lz4 = lz4_context();
    LZ4F_frameInfo_t info{};
    lz4_consumed = frame.size();
    const std::size_t result = LZ4F_getFrameInfo(lz4.get(), &info, frame.data(), &lz4_consumed);
    if (LZ4F_isError(result) || info.contentSize != npy_size) {
      corrupt("the LZ4 frame's size disagrees with the header");
    }
  } else if (codec == static_cast<std::uint8_t>(NpyCodec::kZstd)) {
    if (ZSTD_getFrameContentSize(frame.data(), frame.size()) != npy_size) {
      corrupt("the zstd frame's size disagrees with the header");
    }
  } else if (codec != static_cast<std::uint8_t>(NpyCodec::kZlib)) {
    throw NotSupported("compressed value: codec " + std::to_string(codec) + " is unknown");
  }
  std::vector<std::byte> npy;
  try {
    npy.resize(npy_size);
  } catch (const std::exception&) {
    corrupt("cannot hold the " + std::to_string(npy_size) + " bytes the header claims");
  }
  switch (static_cast<NpyCodec>(codec)) {
    case NpyCodec::kLz4: decompress_lz4(lz4, frame, lz4_consumed, npy); break;
    case NpyCodec::kZstd: decompress_zstd(frame, npy); break;
    case NpyCodec::kZlib: decompress_zlib(frame, npy); break;
    case NpyCodec::kNone: break;
  }
  return npy::decode(std::move(npy));
}

}  // namespace engram
