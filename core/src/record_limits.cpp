#include "engram/record_limits.h"

#include <unistd.h>

#include <limits>
#include <string>

#include "engram/errors.h"

namespace engram {

std::uint64_t physical_memory_bytes() noexcept {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page_size = ::sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page_size <= 0) return std::numeric_limits<std::uint64_t>::max();
  return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page_size);
}

std::uint64_t effective_record_limit(std::int64_t max_record_bytes) noexcept {
  const std::uint64_t option = max_record_bytes > 0
                                   ? static_cast<std::uint64_t>(max_record_bytes)
                                   : static_cast<std::uint64_t>(kDefaultMaxRecordBytes);
  const std::uint64_t memory = physical_memory_bytes();
  return option < memory ? option : memory;
}

void check_declared_size(std::string_view backend, std::string_view what, std::uint64_t declared,
                         std::uint64_t limit, std::optional<std::uint64_t> stored,
                         std::uint64_t max_ratio) {
  if (declared > limit) {
    throw CorruptData(std::string(what) + ": declares " + std::to_string(declared) +
                          " bytes, more than max_record_bytes (" + std::to_string(limit) + ")",
                      std::string(backend));
  }
  if (!stored || max_ratio == kMaxRatioUnbounded) return;
  // stored × ratio without overflow: compare declared / ratio against stored.
  const std::uint64_t least_stored = declared / max_ratio + (declared % max_ratio != 0 ? 1 : 0);
  if (least_stored > *stored) {
    throw CorruptData(std::string(what) + ": declares " + std::to_string(declared) +
                          " bytes but holds only " + std::to_string(*stored) + " stored bytes",
                      std::string(backend));
  }
}

}  // namespace engram
