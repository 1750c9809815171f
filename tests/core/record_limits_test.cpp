#include "engram/record_limits.h"

#include <catch2/catch.hpp>
#include <limits>
#include <string>

#include "engram/errors.h"

namespace {

std::string corrupt_message(std::uint64_t declared, std::uint64_t limit,
                            std::optional<std::uint64_t> stored, std::uint64_t ratio) {
  try {
    engram::check_declared_size("arrays", "reading /x", declared, limit, stored, ratio);
  } catch (const engram::CorruptData& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("record limit: the option, never more than the machine's memory") {
  const std::uint64_t memory = engram::physical_memory_bytes();
  REQUIRE(memory > 0);
  REQUIRE(memory != std::numeric_limits<std::uint64_t>::max());  // Linux tells it
  CHECK(engram::effective_record_limit(1000) == 1000);
  CHECK(engram::effective_record_limit(0) ==
        std::min<std::uint64_t>(engram::kDefaultMaxRecordBytes, memory));
  CHECK(engram::effective_record_limit(-5) == engram::effective_record_limit(0));
  CHECK(engram::effective_record_limit(std::numeric_limits<std::int64_t>::max()) == memory);
}

TEST_CASE("record limit: a declaration past the limit is CorruptData naming both sizes") {
  CHECK(corrupt_message(100, 100, std::nullopt, 1).empty());
  const std::string message = corrupt_message(101, 100, std::nullopt, 1);
  CHECK(message == "arrays: reading /x: declares 101 bytes, more than max_record_bytes (100)");
}

TEST_CASE("record limit: a declaration its stored bytes cannot back is CorruptData") {
  CHECK(corrupt_message(255 * 10, 1 << 20, 10, engram::kMaxRatioLz4).empty());
  CHECK(corrupt_message(255 * 10 + 1, 1 << 20, 10, engram::kMaxRatioLz4) ==
        "arrays: reading /x: declares 2551 bytes but holds only 10 stored bytes");
  CHECK_FALSE(corrupt_message(11, 1 << 20, 10, engram::kMaxRatioNone).empty());
  CHECK(corrupt_message(1 << 19, 1 << 20, 1, engram::kMaxRatioUnbounded).empty());
  // No overflow near the top of the range.
  const std::uint64_t top = std::numeric_limits<std::uint64_t>::max();
  CHECK(corrupt_message(top, top, top / 2 + 1, 2).empty());
  CHECK_FALSE(corrupt_message(top, top, top / 2, 2).empty());
}
