// Bounded memory whatever a row claims: max_record_bytes bounds what a read
// decodes (and so what a store may write), and a .npy blob whose header
// declares more data than the blob holds is CorruptData before anything is
// allocated for it.
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "engram/array.h"
#include "engram/errors.h"
#include "engram/storage.h"
#include "sqlite_test_util.h"

namespace fs = std::filesystem;

namespace {

using engram::ArrayView;
using engram::Json;

std::string hex(const std::string& bytes) {
  std::string out;
  char digits[3];
  for (const unsigned char c : bytes) {
    std::snprintf(digits, sizeof digits, "%02x", c);
    out += digits;
  }
  return out;
}

// A .npy 1.0 blob whose header declares `shape` of float64 but which holds
// only `data_bytes` bytes of data.
std::string lying_npy(const std::string& shape, std::size_t data_bytes) {
  std::string header = "{'descr': '<f8', 'fortran_order': False, 'shape': " + shape + ", }";
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string blob = "\x93NUMPY";
  blob += '\x01';
  blob += '\x00';
  blob += static_cast<char>(header.size() & 0xff);
  blob += static_cast<char>(header.size() >> 8);
  blob += header;
  blob += std::string(data_bytes, '\0');
  return blob;
}

}  // namespace

TEST_CASE("sqlite: a .npy header declaring more than its blob holds is CorruptData", "[sqlite]") {
  sqlite_test::TempDir dir;
  const auto db = dir / "lying.db";
  std::int64_t episode = 0;
  std::int64_t concept_id = 0;
  std::int64_t good = 0;
  const std::vector<double> values{1.0, 2.0};
  {
    engram::Storage storage = sqlite_test::open_sqlite(db);
    episode = storage.episodes()->store_episode(ArrayView(values), 0.5, "ctx");
    good = storage.episodes()->store_episode(ArrayView(values), 0.5, "ctx");
    concept_id = storage.concepts()->store_concept("c", ArrayView(std::vector<float>(4, 1.0f)));
  }
  {
    sqlite_test::RawDb raw(db);
    // 2^40 elements (8 TiB) declared, 16 bytes held.
    raw.exec("UPDATE episodes SET experience_data = X'" + hex(lying_npy("(1099511627776,)", 16)) +
             "' WHERE id = " + std::to_string(episode));
    raw.exec("UPDATE concepts SET embedding = X'" + hex(lying_npy("(1000, 1000)", 16)) +
             "' WHERE id = " + std::to_string(concept_id));
  }
  engram::Storage storage = sqlite_test::open_sqlite(db);
  try {
    storage.episodes()->retrieve_episode(episode);
    FAIL("decoded a lying .npy");
  } catch (const engram::CorruptData& e) {
    const std::string what = e.what();
    INFO(what);
    CHECK(what.find(db.string()) != std::string::npos);
    CHECK(what.find("episode " + std::to_string(episode)) != std::string::npos);
  }
  CHECK_THROWS_AS(storage.concepts()->retrieve_concept(concept_id), engram::CorruptData);
  const auto intact = storage.episodes()->retrieve_episode(good);
  REQUIRE(intact);
  CHECK(std::get<engram::Array>(intact->experience_data) == engram::Array(ArrayView(values)));
}

TEST_CASE("sqlite: max_record_bytes bounds what a read decodes and what a store writes",
          "[sqlite]") {
  sqlite_test::TempDir dir;
  const auto db = dir / "limited.db";
  const std::vector<double> big(1000,
                                0.25);  // 8,000 data bytes + the .npy header
  const std::vector<double> small(10, 0.5);
  std::int64_t big_id = 0;
  std::int64_t small_id = 0;
  {
    engram::Storage storage = sqlite_test::open_sqlite(db);
    big_id = storage.episodes()->store_episode(ArrayView(big), 0.5, "ctx");
    small_id = storage.episodes()->store_episode(ArrayView(small), 0.5, "ctx");
    storage.concepts()->store_concept("big", ArrayView(big));
  }
  engram::Storage storage = sqlite_test::open_sqlite(db, ", max_record_bytes: 4096");
  auto episodes = storage.episodes();
  try {
    episodes->retrieve_episode(big_id);
    FAIL("decoded a record past max_record_bytes");
  } catch (const engram::CorruptData& e) {
    const std::string what = e.what();
    INFO(what);
    CHECK(what.find("max_record_bytes") != std::string::npos);
    CHECK(what.find(db.string()) != std::string::npos);
  }
  CHECK(episodes->retrieve_episode(small_id));
  // Read through the writer (the access is counted in the same transaction).
  CHECK_THROWS_AS(storage.concepts()->retrieve_concept_by_name("big"), engram::CorruptData);
  // A record the limit could not read back is not stored.
  CHECK_THROWS_AS(episodes->store_episode(ArrayView(big), 0.5, "ctx"), engram::InvalidArgument);
  CHECK_THROWS_AS(episodes->store_episode(Json{{"text", std::string(5000, 'x')}}, 0.5, "ctx"),
                  engram::InvalidArgument);
  CHECK_THROWS_AS(storage.concepts()->store_concept("big2", ArrayView(big)),
                  engram::InvalidArgument);
  CHECK(storage.maintenance("db")->stats().value("episodes", Json()) == 2);
}

TEST_CASE("sqlite: max_record_bytes below 1 is a ConfigError", "[sqlite]") {
  sqlite_test::TempDir dir;
  CHECK_THROWS_AS(sqlite_test::open_sqlite(dir / "x.db", ", max_record_bytes: 0"),
                  engram::ConfigError);
  CHECK_FALSE(fs::exists(dir / "x.db"));
}
