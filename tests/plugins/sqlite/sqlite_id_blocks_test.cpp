// The sqlite plugin's write-behind hooks (engram/write_behind.h), called as
// the core's write-behind calls them (role_hooks.h): blocks of ids reserved
// by moving the tables' AUTOINCREMENT sequences in one write transaction,
// so that no connection of any process, nor the file reopened, nor another
// program writing it, hands one out; a concept's id by name from a reader.
// What every plugin's hooks promise is hook_checks.h's.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "engram/errors.h"
#include "engram/ids.h"
#include "engram/storage.h"
#include "hook_checks.h"
#include "role_hooks.h"
#include "sqlite_test_util.h"

namespace {

using engram::IdKind;
using engram::Json;
using engram_test::outside;
using engram_test::reserve_ids;

const Json kExperience{{"step", 1}};
const std::vector<float> kEmbedding{0.5f, 1.5f};

std::int64_t store_episode(engram::Storage& storage) {
  return storage.episodes()->store_episode(kExperience, 0.5, "ctx", 1.0);
}
std::int64_t store_event(engram::Storage& storage) {
  return storage.episodes()->store_learning_event("task", 0.1, "s", Json::object(), 1.0);
}
std::int64_t store_concept(engram::Storage& storage, const std::string& name) {
  return storage.concepts()->store_concept(name, engram::ArrayView(kEmbedding));
}

// The sqlite_sequence row of `table`, nullopt when it has none.
std::optional<std::int64_t> sequence_of(sqlite_test::RawDb& raw, const std::string& table) {
  if (raw.scalar_int("SELECT count(*) FROM sqlite_sequence WHERE name = '" + table + "'") == 0) {
    return std::nullopt;
  }
  return raw.scalar_int("SELECT seq FROM sqlite_sequence WHERE name = '" + table + "'");
}

// The child of the two-process case: once `go_fd` reads EOF, reserves
// `rounds` blocks of 10 episode ids, storing an episode after each, and
// prints "block <first>" and "stored <id>" lines to `out`; exits 0, or 1
// after printing the first error.
[[noreturn]] void child_reserver(const std::filesystem::path& db, int go_fd,
                                 const std::filesystem::path& out, int rounds) {
  try {
    engram::Storage storage = sqlite_test::open_sqlite(db);
    auto episodes = storage.episodes();
    char byte = 0;
    while (::read(go_fd, &byte, 1) > 0) {
    }
    std::ofstream lines(out);
    for (int i = 0; i < rounds; ++i) {
      lines << "block " << reserve_ids(*episodes, IdKind::kEpisode, 10) << "\n";
      lines << "stored " << episodes->store_episode(kExperience, 0.5, "child", 1.0) << "\n";
    }
    lines.close();
    storage.close();
    ::_exit(lines ? 0 : 3);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "reserver: %s\n", e.what());
    ::_exit(1);
  } catch (...) {
    ::_exit(2);
  }
}

}  // namespace

TEST_CASE("sqlite hooks: the descriptor promises reserves_ids and keeps_ids", "[sqlite][hooks]") {
  sqlite_test::TempDir dir("engram-sqlite-hooks");
  const engram::Storage storage = sqlite_test::open_sqlite(dir / "engram.db");
  REQUIRE(storage.backends().size() == 1);
  CHECK(storage.backends()[0].capabilities.reserves_ids);
  CHECK(storage.backends()[0].capabilities.keeps_ids);
}

TEST_CASE("sqlite hooks: stores skip reserved episode and learning event ids", "[sqlite][hooks]") {
  sqlite_test::TempDir dir("engram-sqlite-hooks");
  engram::Storage storage = sqlite_test::open_sqlite(dir / "engram.db");
  engram_test::check_reserved_ids_skipped(*storage.episodes());
}

TEST_CASE("sqlite hooks: a batch put keeps reserved ids", "[sqlite][hooks]") {
  sqlite_test::TempDir dir("engram-sqlite-hooks");
  engram::Storage storage = sqlite_test::open_sqlite(dir / "engram.db");
  engram_test::check_put_keeps_reserved_ids(*storage.episodes());
}

TEST_CASE("sqlite hooks: concept ids by name and reserved concept ids", "[sqlite][hooks]") {
  sqlite_test::TempDir dir("engram-sqlite-hooks");
  engram::Storage storage = sqlite_test::open_sqlite(dir / "engram.db");
  engram_test::check_concept_hooks(*storage.concepts());
}

TEST_CASE("sqlite hooks: bad blocks are InvalidArgument and reserve nothing", "[sqlite][hooks]") {
  sqlite_test::TempDir dir("engram-sqlite-hooks");
  engram::Storage storage = sqlite_test::open_sqlite(dir / "engram.db");
  engram_test::check_bad_id_blocks(*storage.episodes(), *storage.concepts());
}

TEST_CASE("sqlite hooks: two Storage objects on one file reserve blocks that never overlap",
          "[sqlite][hooks]") {
  sqlite_test::TempDir dir("engram-sqlite-hooks");
  engram::Storage a = sqlite_test::open_sqlite(dir / "engram.db");
  engram::Storage b = sqlite_test::open_sqlite(dir / "engram.db");
  for (const IdKind kind : {IdKind::kEpisode, IdKind::kLearningEvent, IdKind::kConcept}) {
    INFO(engram::id_kind_name(kind) << " ids");
    const auto reserve = [&](engram::Storage& s) {
      return kind == IdKind::kConcept ? reserve_ids(*s.concepts(), 100)
                                      : reserve_ids(*s.episodes(), kind, 100);
    };
    int names = 0;
    const auto store = [&](engram::Storage& s) {
      return kind == IdKind::kEpisode         ? store_episode(s)
             : kind == IdKind::kLearningEvent ? store_event(s)
                                              : store_concept(s, "c" + std::to_string(names++));
    };
    std::vector<std::int64_t> blocks;
    std::vector<std::int64_t> stored;
    for (int round = 0; round < 10; ++round) {
      const std::int64_t from_a = reserve(a);
      // A store on the other connection, after the block was reserved,
      // gets an id past it.
      const std::int64_t in_b = store(b);
      CHECK(in_b >= from_a + 100);
      const std::int64_t from_b = reserve(b);
      CHECK(from_b > in_b);
      const std::int64_t in_a = store(a);
      CHECK(in_a >= from_b + 100);
      blocks.insert(blocks.end(), {from_a, from_b});
      stored.insert(stored.end(), {in_a, in_b});
    }
    for (std::size_t i = 0; i < blocks.size(); ++i) {
      for (std::size_t j = 0; j < i; ++j) {
        CHECK((blocks[i] >= blocks[j] + 100 || blocks[j] >= blocks[i] + 100));
      }
      for (const std::int64_t id : stored) CHECK(outside(id, blocks[i], 100));
    }
  }
  // A concept stored by one connection is named by the other's reader.
  const std::int64_t shared = store_concept(a, "shared");
  CHECK(engram_test::concept_id(*b.concepts(), "shared") == shared);
}

TEST_CASE("sqlite hooks: two processes reserving and storing at once never share an id",
          "[sqlite][hooks]") {
  sqlite_test::TempDir dir("engram-sqlite-hooks");
  const auto db = dir / "engram.db";
  sqlite_test::open_sqlite(db).close();  // the schema, before both start
  int go[2];
  REQUIRE(::pipe(go) == 0);
  constexpr int kRounds = 100;
  std::vector<pid_t> children;
  for (int c = 0; c < 2; ++c) {
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      ::close(go[1]);
      child_reserver(db, go[0], dir / ("child" + std::to_string(c) + ".txt"), kRounds);
    }
    children.push_back(child);
  }
  ::close(go[0]);
  ::close(go[1]);  // both start now
  for (const pid_t child : children) {
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    INFO("a child's error is on stderr above");
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  std::vector<std::int64_t> blocks;
  std::vector<std::int64_t> stored;
  for (int c = 0; c < 2; ++c) {
    std::ifstream lines(dir / ("child" + std::to_string(c) + ".txt"));
    std::string what;
    std::int64_t id = 0;
    while (lines >> what >> id) (what == "block" ? blocks : stored).push_back(id);
  }
  REQUIRE(blocks.size() == 2 * kRounds);
  REQUIRE(stored.size() == 2 * kRounds);
  std::sort(blocks.begin(), blocks.end());
  for (std::size_t i = 1; i < blocks.size(); ++i) CHECK(blocks[i] >= blocks[i - 1] + 10);
  for (const std::int64_t id : stored) {
    const auto after = std::upper_bound(blocks.begin(), blocks.end(), id);
    if (after != blocks.begin()) CHECK(outside(id, *(after - 1), 10));
  }
  sqlite_test::RawDb raw(db, true);
  CHECK(raw.count("episodes") == 2 * kRounds);
  CHECK(raw.integrity_check() == "ok");
}

TEST_CASE("sqlite hooks: blocks reserved in a new file hold after it is reopened",
          "[sqlite][hooks]") {
  sqlite_test::TempDir dir("engram-sqlite-hooks");
  const auto db = dir / "engram.db";
  std::int64_t episodes = 0, events = 0, concepts = 0;
  {
    engram::Storage storage = sqlite_test::open_sqlite(db);
    // Tables that never had a row: no sequence rows yet.
    {
      sqlite_test::RawDb raw(db, true);
      CHECK_FALSE(sequence_of(raw, "episodes"));
      CHECK_FALSE(sequence_of(raw, "concepts"));
    }
    episodes = reserve_ids(*storage.episodes(), IdKind::kEpisode, 100);
    events = reserve_ids(*storage.episodes(), IdKind::kLearningEvent, 50);
    concepts = reserve_ids(*storage.concepts(), 30);
    CHECK(episodes == 1);
    CHECK(events == 1);
    CHECK(concepts == 1);
    storage.close();
  }
  {
    sqlite_test::RawDb raw(db, true);
    CHECK(raw.count("episodes") == 0);
    CHECK(sequence_of(raw, "episodes") == 100);
    CHECK(sequence_of(raw, "learning_events") == 50);
    CHECK(sequence_of(raw, "concepts") == 30);
  }
  engram::Storage storage = sqlite_test::open_sqlite(db);
  CHECK(store_episode(storage) == 101);
  CHECK(store_event(storage) == 51);
  CHECK(store_concept(storage, "after") == 31);
  CHECK(reserve_ids(*storage.episodes(), IdKind::kEpisode, 10) == 102);
}

TEST_CASE("sqlite hooks: another program inserting after a reservation gets an id past the block",
          "[sqlite][hooks]") {
  sqlite_test::TempDir dir("engram-sqlite-hooks");
  const auto db = dir / "engram.db";
  engram::Storage storage = sqlite_test::open_sqlite(db);
  store_episode(storage);
  const std::int64_t block = reserve_ids(*storage.episodes(), IdKind::kEpisode, 1000);
  sqlite_test::RawDb raw(db);
  raw.exec(
      "INSERT INTO episodes (timestamp, experience_data, performance_score, context_hash) "
      "VALUES (1.0, x'00', 0.5, 'python')");
  CHECK(raw.scalar_int("SELECT id FROM episodes WHERE context_hash = 'python'") >= block + 1000);
}

TEST_CASE("sqlite hooks: a block starts past both the sequence row and the largest id",
          "[sqlite][hooks]") {
  sqlite_test::TempDir dir("engram-sqlite-hooks");
  const auto db = dir / "engram.db";
  engram::Storage storage = sqlite_test::open_sqlite(db);
  std::int64_t last = 0;
  for (int i = 0; i < 5; ++i) last = store_episode(storage);
  sqlite_test::RawDb raw(db);
  SECTION("a sequence row behind the table's ids") {
    raw.exec("UPDATE sqlite_sequence SET seq = 1 WHERE name = 'episodes'");
  }
  SECTION("no sequence row at all") {
    raw.exec("DELETE FROM sqlite_sequence WHERE name = 'episodes'");
  }
  const std::int64_t block = reserve_ids(*storage.episodes(), IdKind::kEpisode, 10);
  CHECK(block == last + 1);
  CHECK(sequence_of(raw, "episodes") == last + 10);
  CHECK(store_episode(storage) == last + 11);
}

TEST_CASE("sqlite hooks: blocks hold through clear_all and compact", "[sqlite][hooks]") {
  sqlite_test::TempDir dir("engram-sqlite-hooks");
  engram::Storage storage = sqlite_test::open_sqlite(dir / "engram.db");
  store_episode(storage);
  const std::int64_t episodes = reserve_ids(*storage.episodes(), IdKind::kEpisode, 100);
  const std::int64_t concepts = reserve_ids(*storage.concepts(), 100);
  auto maintenance = storage.maintenance("db");
  maintenance->clear_all();
  maintenance->compact();
  CHECK(store_episode(storage) >= episodes + 100);
  CHECK(store_concept(storage, "after") >= concepts + 100);
}

TEST_CASE("sqlite hooks: a table without AUTOINCREMENT cannot reserve ids", "[sqlite][hooks]") {
  sqlite_test::TempDir dir("engram-sqlite-hooks");
  const auto db = dir / "engram.db";
  std::ofstream(db).close();  // an empty database, made by another program
  {
    sqlite_test::RawDb raw(db);
    raw.exec(
        "CREATE TABLE episodes (id INTEGER PRIMARY KEY, timestamp REAL NOT NULL, "
        "experience_data BLOB NOT NULL, performance_score REAL NOT NULL, "
        "context_hash TEXT NOT NULL, metadata TEXT DEFAULT '{}', created_at REAL)");
  }
  engram::Storage storage = sqlite_test::open_sqlite(db);
  CHECK_THROWS_AS(reserve_ids(*storage.episodes(), IdKind::kEpisode, 10), engram::NotSupported);
  CHECK_THROWS_WITH(reserve_ids(*storage.episodes(), IdKind::kEpisode, 10),
                    Catch::Contains("AUTOINCREMENT"));
  // The tables engram made reserve as ever; stores still work.
  const std::int64_t events = reserve_ids(*storage.episodes(), IdKind::kLearningEvent, 10);
  CHECK(outside(store_event(storage), events, 10));
  CHECK(store_episode(storage) == 1);
}

TEST_CASE("sqlite hooks: after close the hooks throw StorageError (closed)", "[sqlite][hooks]") {
  sqlite_test::TempDir dir("engram-sqlite-hooks");
  engram::Storage storage = sqlite_test::open_sqlite(dir / "engram.db");
  auto episodes = storage.episodes();
  auto concepts = storage.concepts();
  storage.close();
  CHECK_THROWS_WITH(reserve_ids(*episodes, IdKind::kEpisode, 1), Catch::Contains("closed"));
  CHECK_THROWS_WITH(reserve_ids(*concepts, 1), Catch::Contains("closed"));
  CHECK_THROWS_WITH(engram_test::concept_id(*concepts, "a"), Catch::Contains("closed"));
}
