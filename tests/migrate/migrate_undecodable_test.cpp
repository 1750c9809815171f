// engram::migrate with records the source cannot decode (engram/migrate.h,
// "Undecodable records"): a sqlite database whose rows hold bytes engram
// does not read stops the migration naming the row, or, with
// skip_undecodable, is copied but for those rows, which the report names
// with why; relationships of a passed-over concept are passed over too,
// also across an interrupted, resumed run.
#include <sqlite3.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "engram/errors.h"
#include "migrate_records.h"
#include "temp_dir.h"

using namespace migrate_records;

namespace {

void raw_exec(const std::filesystem::path& db, const std::string& sql) {
  sqlite3* handle = nullptr;
  if (sqlite3_open(db.c_str(), &handle) != SQLITE_OK) throw std::runtime_error("open");
  char* error = nullptr;
  const int rc = sqlite3_exec(handle, sql.c_str(), nullptr, nullptr, &error);
  const std::string message = error ? error : "";
  sqlite3_free(error);
  sqlite3_close(handle);
  if (rc != SQLITE_OK) throw std::runtime_error(message);
}

std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

// A .npy whose header is sound but whose dtype engram lacks (a unicode
// string): NotSupported when read.
std::string unicode_npy() {
  std::string header = "{'descr': '<U4', 'fortran_order': False, 'shape': (1,), }";
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string npy = std::string("\x93NUMPY\x01\x00", 8);
  npy += static_cast<char>(header.size() & 0xff);
  npy += static_cast<char>(header.size() >> 8);
  return npy + header + std::string(16, 'a');
}

// A pickle as the Python system's rows hold them, but calling os.system:
// PROTO 2, GLOBAL "os system", BINUNICODE "true", TUPLE1, REDUCE, STOP.
std::string os_system_pickle() {
  return std::string("\x80\x02" "cos\nsystem\n" "X\x04\x00\x00\x00true" "\x85" "R.", 25);
}

// An engram-written database of 8 episodes (ids 1..8), 6 concepts (ids 1..6,
// relationships 1>2 2>3 3>4 4>5 5>6 next, 2>1 and 6>1 back), with four
// rows damaged: episode 3 (bytes that are no .npy: CorruptData), episode 5
// (a .npy of a dtype engram lacks: NotSupported), episode 7 (a Python-style
// row whose pickle calls os.system: NotSupported, never run) and concept
// 2's embedding.
std::filesystem::path damaged_source(const engram_test::TempDir& dir) {
  const auto db = dir / "source.db";
  {
    Storage source = Storage::from_yaml(sqlite_config(db));
    populate_episodes(*source.episodes(), 8);
    populate_concepts(*source.concepts(), 6);
  }
  raw_exec(db, "UPDATE episodes SET experience_data = X'00112233', experience_format = 'npy' "
               "WHERE id = 3;"
               "UPDATE episodes SET experience_data = X'" + hex(unicode_npy()) +
                   "', experience_format = 'npy' WHERE id = 5;"
                   "UPDATE episodes SET experience_data = X'" + hex(os_system_pickle()) +
                   "', experience_format = NULL WHERE id = 7;"
                   "UPDATE concepts SET embedding = X'0badc0de' WHERE id = 2;");
  return db;
}

std::vector<std::int64_t> episode_ids(const Storage& storage) {
  std::vector<std::int64_t> ids;
  std::string cursor;
  do {
    auto page = storage.episodes()->list_episodes(cursor, 100);
    for (const auto& e : page.items) ids.push_back(e.id);
    cursor = page.next_cursor;
  } while (!cursor.empty());
  return ids;
}

std::set<std::string> relationship_keys(const Storage& storage) {
  std::set<std::string> keys;
  std::string cursor;
  do {
    auto page = storage.concepts()->list_relationships(cursor, 100);
    for (const auto& r : page.items) {
      keys.insert(std::to_string(r.source_id) + ">" + std::to_string(r.target_id) + ">" + r.type);
    }
    cursor = page.next_cursor;
  } while (!cursor.empty());
  return keys;
}

const engram::MigrationReport::Kind& kind_of(const engram::MigrationReport& report,
                                             std::string_view kind) {
  for (const auto& row : report.kinds) {
    if (row.kind == kind) return row;
  }
  throw std::runtime_error("no kind " + std::string(kind));
}

const std::set<std::string> kCopiedRelationships{"3>4>next", "4>5>next", "5>6>next", "6>1>back"};

}  // namespace

TEST_CASE("migrate: an undecodable episode stops the copy, naming it and --skip-undecodable",
          "[migrate]") {
  engram_test::TempDir dir("engram-migrate-undecodable");
  Storage from = Storage::from_yaml(sqlite_config(damaged_source(dir)));
  Storage to = Storage::from_yaml(memory_config());
  auto options = only({Role::kEpisodes});
  options.page_size = 2;
  try {
    engram::migrate(from, to, options);
    FAIL("the migration went through");
  } catch (const engram::CorruptData& e) {
    const std::string what = e.what();
    CHECK_THAT(what, Catch::StartsWith("migrating episodes: 2 copied, then reading"));
    CHECK_THAT(what, Catch::Contains("episode 3's experience_data"));
    CHECK_THAT(what, Catch::Contains("--skip-undecodable"));
  }
  // The page before stays stored; nothing of the failed one.
  CHECK(episode_ids(to) == std::vector<std::int64_t>{1, 2});
}

TEST_CASE("migrate: skip_undecodable copies the rest and names each record passed over",
          "[migrate]") {
  engram_test::TempDir dir("engram-migrate-undecodable");
  Storage from = Storage::from_yaml(sqlite_config(damaged_source(dir)));
  Storage to = Storage::from_yaml(sqlite_config(dir / "target.db"));
  auto options = only({Role::kEpisodes, Role::kConcepts});
  options.page_size = 2;
  options.skip_undecodable = true;
  const auto report = engram::migrate(from, to, options);

  const auto& episodes = kind_of(report, "episodes");
  CHECK(episodes.records == 5);
  CHECK(episodes.verified);
  REQUIRE(episodes.undecodable.size() == 3);
  CHECK(episodes.undecodable[0].key == "3");
  CHECK(episodes.undecodable[0].error == "CorruptData");
  CHECK_THAT(episodes.undecodable[0].reason, Catch::Contains("episode 3's experience_data"));
  CHECK(episodes.undecodable[1].key == "5");
  CHECK(episodes.undecodable[1].error == "NotSupported");
  CHECK_THAT(episodes.undecodable[1].reason, Catch::Contains("episode 5's experience_data"));
  CHECK(episodes.undecodable[2].key == "7");
  CHECK(episodes.undecodable[2].error == "NotSupported");
  CHECK_THAT(episodes.undecodable[2].reason, Catch::Contains("episode 7's experience_data"));
  CHECK_THAT(episodes.undecodable[2].reason, Catch::Contains("os.system"));
  CHECK(episode_ids(to) == std::vector<std::int64_t>{1, 2, 4, 6, 8});
  CHECK(kind_of(report, "learning_events").records == 8);
  CHECK(kind_of(report, "learning_events").undecodable.empty());

  const auto& concepts = kind_of(report, "concepts");
  CHECK(concepts.records == 5);
  REQUIRE(concepts.undecodable.size() == 1);
  CHECK(concepts.undecodable[0].key == "2");
  CHECK(concepts.undecodable[0].error == "CorruptData");
  CHECK_THAT(concepts.undecodable[0].reason, Catch::Contains("concept 2's embedding"));
  CHECK_FALSE(to.concepts()->retrieve_concept(2).has_value());
  CHECK(to.concepts()->retrieve_concept(3).has_value());

  // Every relationship of concept 2 is passed over with it, named.
  const auto& relationships = kind_of(report, "relationships");
  CHECK(relationships.records == 4);
  CHECK(relationships.verified);
  std::set<std::string> passed;
  for (const auto& r : relationships.undecodable) {
    passed.insert(r.key);
    CHECK(r.error == "CorruptData");
    CHECK_THAT(r.reason, Catch::Contains("concept 2 was passed over"));
  }
  CHECK(passed == std::set<std::string>{"1>2>next", "2>3>next", "2>1>back"});
  CHECK(relationship_keys(to) == kCopiedRelationships);
  CHECK(report.total_undecodable() == 7);

  // The source is read, never rewritten: its damaged rows stay as they were.
  CHECK_THROWS_AS(from.episodes()->retrieve_episode(3), engram::CorruptData);
  CHECK_THROWS_AS(from.episodes()->retrieve_episode(5), engram::NotSupported);
  CHECK_THROWS_AS(from.episodes()->retrieve_episode(7), engram::NotSupported);
}

TEST_CASE("migrate: a resumed run still passes over the relationships of a passed-over concept",
          "[migrate]") {
  engram_test::TempDir dir("engram-migrate-undecodable");
  Storage from = Storage::from_yaml(sqlite_config(damaged_source(dir)));
  Storage to = Storage::from_yaml(memory_config());
  auto options = only({Role::kConcepts});
  options.page_size = 1;
  options.skip_undecodable = true;
  options.state_file = dir / "state.json";
  // Interrupted once the first relationship is stored (3>4>next, after the
  // three of concept 2 were passed over): that page is left unconfirmed.
  options.on_progress = [](const engram::MigrationProgress& p) {
    if (p.kind == "relationships" && p.records == 1) throw std::runtime_error("interrupted");
  };
  CHECK_THROWS_WITH(engram::migrate(from, to, options), "interrupted");
  options.on_progress = nullptr;
  const auto report = engram::migrate(from, to, options);
  const auto& concepts = kind_of(report, "concepts");
  CHECK(concepts.done_before);
  CHECK(concepts.undecodable_before == 1);
  const auto& relationships = kind_of(report, "relationships");
  CHECK(relationships.verified);
  // The first run passed over all three (kept in the state file); the
  // resumed run finds none left and copies the rest once.
  CHECK(relationships.undecodable_before == 3);
  CHECK(relationships.undecodable.empty());
  CHECK(relationships.resumed == 1);
  CHECK(relationships.records == 3);
  CHECK(relationship_keys(to) == kCopiedRelationships);
}
