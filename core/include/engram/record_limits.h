// engram/record_limits.h — how large a record a decoder may believe.
//
// Bytes from outside (a file, a database row, a server's reply) declare the
// size of what they hold: an HDF5 dataset its extent, a .npy header its
// shape, a compressed value its decoded size. A decoder checks that
// declaration here before it allocates anything, so a few hostile bytes
// cannot make the process allocate without bound:
//
//   const std::uint64_t limit = engram::effective_record_limit(options.max_record_bytes);
//   engram::check_declared_size(name, "reading dataset /spike_trains/raw_data/train_1",
//                               declared, limit, stored_bytes, engram::kMaxRatioGzip);
//
// Thread safety: every function may be called from several threads at once.
#ifndef ENGRAM_RECORD_LIMITS_H_
#define ENGRAM_RECORD_LIMITS_H_

#include <cstdint>
#include <optional>
#include <string_view>

#include "engram/export.h"

namespace engram {

// The default of every backend's `max_record_bytes` option: 4 GiB.
inline constexpr std::int64_t kDefaultMaxRecordBytes = std::int64_t{4} << 30;

// The most a codec can expand its input, as the codecs document it (an
// upper bound: a declaration past stored × ratio cannot be honest).
inline constexpr std::uint64_t kMaxRatioNone = 1;
inline constexpr std::uint64_t kMaxRatioLz4 = 255;      // LZ4 block format
inline constexpr std::uint64_t kMaxRatioDeflate = 1032;  // zlib / gzip
inline constexpr std::uint64_t kMaxRatioUnbounded = 0;   // zstd, bzip2, ...: not checked

// The machine's physical memory in bytes; UINT64_MAX when it cannot be told.
ENGRAM_API std::uint64_t physical_memory_bytes() noexcept;

// The limit a backend applies: its `max_record_bytes` option, never more
// than physical_memory_bytes(). An option of 0 or less means the default.
ENGRAM_API std::uint64_t effective_record_limit(std::int64_t max_record_bytes) noexcept;

// Throws CorruptData(backend) when `declared` bytes pass `limit` ("<what>:
// declares N bytes, more than max_record_bytes (M)"), or when `stored` is
// given, `max_ratio` is not kMaxRatioUnbounded and `declared` passes
// stored × max_ratio ("<what>: declares N bytes but holds only S stored
// bytes"). Returns normally otherwise.
ENGRAM_API void check_declared_size(std::string_view backend, std::string_view what,
                                    std::uint64_t declared, std::uint64_t limit,
                                    std::optional<std::uint64_t> stored = std::nullopt,
                                    std::uint64_t max_ratio = kMaxRatioNone);

}  // namespace engram

#endif  // ENGRAM_RECORD_LIMITS_H_
