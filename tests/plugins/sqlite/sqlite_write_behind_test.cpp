// The core's write-behind (engram/write_behind.h) on the sqlite plugin: a
// store returns while the database is locked by another connection, ids
// come from blocks no other connection is handed, a record the database
// refuses is reported by kind naming it, and SIGKILL after sync() returned
// loses nothing.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "engram/errors.h"
#include "engram/storage.h"
#include "killed_child.h"
#include "sqlite_test_util.h"

namespace {

using engram::Json;

const std::vector<float> kValues{1, 2, 3, 4};

// Stores one episode per id reported on `report_fd` after each sync(), in
// rounds of 50; never returns.
[[noreturn]] void store_and_sync_until_killed(const std::filesystem::path& db, int report_fd) {
  try {
    engram::Storage storage =
        sqlite_test::open_sqlite(db, ", synchronous: full, write_behind: {flush_interval: 0.01}");
    auto episodes = storage.episodes();
    auto maintenance = storage.maintenance("db");
    for (std::int64_t n = 0;; ++n) {
      std::vector<std::int64_t> ids;
      for (int i = 0; i < 50; ++i) {
        ids.push_back(
            episodes->store_episode(kValues, 0.5, "killed", std::nullopt, Json{{"n", n}}));
      }
      maintenance->sync();
      const auto bytes = static_cast<ssize_t>(ids.size() * sizeof(std::int64_t));
      if (::write(report_fd, ids.data(), static_cast<std::size_t>(bytes)) != bytes) ::_exit(4);
    }
  } catch (...) {
    ::_exit(3);
  }
}

}  // namespace

TEST_CASE("sqlite write-behind: a store returns while another connection holds the lock",
          "[sqlite][write_behind]") {
  sqlite_test::TempDir dir;
  const auto db = dir / "blocked.db";
  engram::Storage storage =
      sqlite_test::open_sqlite(db, ", connection_timeout: 60, write_behind: {flush_interval: 0}");
  auto episodes = storage.episodes();
  episodes->store_episode(kValues, 0.5, "before");
  storage.maintenance("db")->sync();  // the schema and the first block of ids exist

  sqlite_test::RawDb blocker(db);
  blocker.exec("BEGIN EXCLUSIVE");
  std::vector<std::int64_t> ids;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 50; ++i) ids.push_back(episodes->store_episode(kValues, 0.5, "blocked"));
  // Synchronous stores would each wait for the lock (connection_timeout 60
  // s); queued ones return at once. The bound only keeps a hang from
  // passing, with a wide margin.
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(20));
  CHECK(blocker.count("episodes") == 1);  // nothing got past the lock
  blocker.exec("COMMIT");

  storage.maintenance("db")->sync();
  CHECK(blocker.count("episodes") == 51);
  for (std::int64_t id : ids) {
    const auto episode = episodes->retrieve_episode(id);
    REQUIRE(episode);
    CHECK(episode->context_hash == "blocked");
  }
}

TEST_CASE("sqlite write-behind: ids come from blocks no other connection is handed",
          "[sqlite][write_behind]") {
  sqlite_test::TempDir dir;
  const auto db = dir / "blocks.db";
  engram::Storage queued =
      sqlite_test::open_sqlite(db, ", write_behind: {max_pending: 100, flush_interval: 3600}");
  engram::Storage direct = sqlite_test::open_sqlite(db);
  std::set<std::int64_t> episode_ids;
  std::set<std::int64_t> concept_ids;
  for (int i = 0; i < 300; ++i) {
    episode_ids.insert(queued.episodes()->store_episode(kValues, 0.5, "queued"));
    episode_ids.insert(direct.episodes()->store_episode(kValues, 0.5, "direct"));
    concept_ids.insert(queued.concepts()->store_concept("q" + std::to_string(i), kValues));
    concept_ids.insert(direct.concepts()->store_concept("d" + std::to_string(i), kValues));
  }
  CHECK(episode_ids.size() == 600);
  CHECK(concept_ids.size() == 600);
  queued.maintenance("db")->sync();
  CHECK(direct.episodes()->get_episodes_by_context("queued", 1000).size() == 300);
  CHECK(direct.episodes()->get_episodes_by_context("direct", 1000).size() == 300);
  // A store of a name the database has returns its id, queued or not.
  const auto stored = direct.concepts()->retrieve_concept_by_name("q7");
  REQUIRE(stored);
  CHECK(queued.concepts()->store_concept("q7", kValues, Json{{"again", true}}) == stored->id);
  CHECK(queued.concepts()->retrieve_concept(stored->id)->metadata == Json{{"again", true}});
}

TEST_CASE("sqlite write-behind: a record the database refuses is reported, named, by kind",
          "[sqlite][write_behind]") {
  sqlite_test::TempDir dir;
  const auto db = dir / "refused.db";
  engram::Storage queued = sqlite_test::open_sqlite(db, ", write_behind: {flush_interval: 3600}");
  engram::Storage direct = sqlite_test::open_sqlite(db);
  auto episodes = queued.episodes();
  const std::int64_t first = episodes->store_episode(kValues, 0.5, "queued");
  const std::int64_t second = episodes->store_episode(kValues, 0.6, "queued");
  // Another connection puts a record under the second's reserved id before
  // the queue writes it (a put keeps a free id).
  engram::EpisodeBatch batch;
  batch.put(engram::EpisodeView{second, 1.0, engram::ArrayView(kValues), 0.1, "other"});
  REQUIRE(direct.episodes()->store_batch(batch).episode_ids.front() == second);

  try {
    queued.maintenance("db")->sync();
    FAIL("sync() reported nothing");
  } catch (const engram::BackendError& e) {
    const std::string message = e.what();
    CHECK(message.find("1 store was not written (episode " + std::to_string(second) + ")") !=
          std::string::npos);
  }
  CHECK_NOTHROW(queued.maintenance("db")->sync());  // reported once
  CHECK(episodes->retrieve_episode(first)->context_hash == "queued");
  CHECK(episodes->retrieve_episode(second)->context_hash == "other");  // nothing overwritten
  // The queue goes on.
  const std::int64_t third = episodes->store_episode(kValues, 0.7, "queued");
  CHECK(episodes->retrieve_episode(third));
}

TEST_CASE("sqlite write-behind: SIGKILL after sync() returned loses nothing",
          "[sqlite][write_behind][crash]") {
  sqlite_test::TempDir dir;
  const auto db = dir / "killed.db";
  std::mt19937 random(20261201);
  std::uniform_int_distribution<int> delay_ms(200, 700);
  std::vector<std::int64_t> reported;
  for (int round = 0; round < 5; ++round) {
    INFO("round " << round);
    const auto child =
        engram_test::run_until_killed([&](int fd) { store_and_sync_until_killed(db, fd); },
                                      std::chrono::milliseconds(delay_ms(random)));
    REQUIRE(child.killed);
    const std::size_t count = child.reported.size() / sizeof(std::int64_t);
    const std::size_t before = reported.size();
    reported.resize(before + count);
    std::memcpy(reported.data() + before, child.reported.data(), count * sizeof(std::int64_t));

    sqlite_test::RawDb raw(db);
    REQUIRE(raw.integrity_check() == "ok");
    engram::Storage storage = sqlite_test::open_sqlite(db);
    for (std::int64_t id : reported) {
      INFO("episode " << id);
      CHECK(storage.episodes()->retrieve_episode(id));
    }
  }
  CHECK(reported.size() >= 50);  // some sync() returned before a kill
}
