// engram::migrate (engram/migrate.h) between real backends, in process:
// every role's records arrive whole (values, ids where the target keeps
// them, access counts and times, TTLs left), ids the target changes are
// remapped with relationships following, and failures are typed and say
// how far the copy got.
#include "engram/migrate.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <unistd.h>
#include <map>
#include <string>
#include <vector>

#include "engram/concept_store.h"
#include "engram/episode_store.h"
#include "engram/errors.h"
#include "engram/maintenance.h"
#include "engram/trace_store.h"
#include "engram/working_memory.h"
#include "migrate_records.h"
#include "temp_dir.h"

using namespace migrate_records;

TEST_CASE("migrate: memory to memory copies every role whole, ids kept", "[migrate]") {
  Storage from = Storage::from_yaml(memory_config());
  populate_working_memory(*from.working_memory(), 9);
  populate_episodes(*from.episodes(), 11);
  populate_concepts(*from.concepts(), 10);
  populate_traces(*from.traces(), 4);
  Storage to = Storage::from_yaml(memory_config());

  std::vector<std::string> progress;
  engram::MigrationOptions options;
  options.page_size = 4;
  options.trace_page_size = 3;
  options.on_progress = [&](const engram::MigrationProgress& p) {
    progress.push_back(std::string(p.kind) + ":" + std::to_string(p.records));
  };
  const auto report = engram::migrate(from, to, options);

  const auto source = contents(from, true);
  const auto target = contents(to, true);
  for (const auto& [kind, rows] : source) {
    INFO(kind);
    CHECK(rows.size() > 0);
    CHECK(target.at(kind) == rows);
    CHECK(copied(report, kind) == static_cast<std::int64_t>(rows.size()));
  }
  CHECK(report.kinds.size() == 15);
  for (const auto& row : report.kinds) CHECK(row.remapped == 0);
  // Pages of 4: 11 episodes arrive in three pages.
  CHECK(std::count(progress.begin(), progress.end(), "episodes:4") == 1);
  CHECK(std::count(progress.begin(), progress.end(), "episodes:11") == 1);

  // TTLs move as what was left.
  const auto ttl = to.working_memory()->retrieve_working_memory_pattern("pattern1")->ttl;
  REQUIRE(ttl.has_value());
  CHECK(*ttl <= std::chrono::seconds(3600));
  CHECK(*ttl > std::chrono::seconds(3500));
}

TEST_CASE("migrate: sqlite to memory and back to a fresh sqlite file, identical", "[migrate]") {
  engram_test::TempDir dir("engram-migrate");
  Storage source = Storage::from_yaml(sqlite_config(dir / "a.db"));
  populate_episodes(*source.episodes(), 25);
  populate_concepts(*source.concepts(), 12);
  Storage middle = Storage::from_yaml(memory_config());
  engram::MigrationOptions options;
  options.roles = {Role::kEpisodes, Role::kConcepts};
  options.page_size = 10;
  engram::migrate(source, middle, options);
  Storage back = Storage::from_yaml(sqlite_config(dir / "b.db"));
  const auto report = engram::migrate(middle, back, options);
  CHECK(copied(report, "episodes") == 25);
  CHECK(copied(report, "relationships") > 0);
  CHECK(contents(back, true) == contents(source, true));
}

TEST_CASE("migrate: ids the target already uses are remapped, relationships follow",
          "[migrate]") {
  Storage from = Storage::from_yaml(memory_config());
  populate_concepts(*from.concepts(), 8);
  populate_episodes(*from.episodes(), 4);
  Storage to = Storage::from_yaml(memory_config());
  // The target's own records take the ids 1.. first.
  const std::vector<float> other{9.0f};
  for (int i = 0; i < 3; ++i) {
    to.concepts()->store_concept("other" + std::to_string(i), ArrayView(other));
    to.episodes()->store_episode(other, 0.0, "theirs");
  }
  const auto report = engram::migrate(from, to, only({Role::kConcepts, Role::kEpisodes}));
  for (const auto& row : report.kinds) {
    INFO(row.kind);
    if (row.kind == "concepts" || row.kind == "episodes" || row.kind == "relationships") {
      CHECK(row.remapped > 0);
    }
  }
  auto target = contents(to, false);
  const auto source = contents(from, false);
  for (const std::string kind : {"concepts", "relationships", "episodes"}) {
    INFO(kind);
    for (const std::string& row : source.at(kind)) {
      CHECK(std::count(target.at(kind).begin(), target.at(kind).end(), row) == 1);
    }
  }
  // Each migrated relationship joins the migrated concepts, by name.
  const auto first = to.concepts()->retrieve_concept_by_name("concept0");
  REQUIRE(first.has_value());
  const auto out = to.concepts()->get_concept_relationships(first->id, std::string("next"));
  REQUIRE(out.size() == 1);
  CHECK(to.concepts()->retrieve_concept(out[0].target_id)->name == "concept1");
}

TEST_CASE("migrate: a target that fails mid-way is a typed error saying how far it got",
          "[migrate]") {
  Storage from = Storage::from_yaml(memory_config());
  populate_episodes(*from.episodes(), 10);
  Storage to = Storage::from_yaml(memory_config());
  engram::MigrationOptions options;
  options.roles = {Role::kEpisodes};
  options.page_size = 4;
  options.on_progress = [&](const engram::MigrationProgress& p) {
    if (p.kind == "episodes" && p.records == 4) to.close();
  };
  try {
    engram::migrate(from, to, options);
    FAIL("the migration went on into a closed backend");
  } catch (const engram::StorageError& e) {
    CHECK_THAT(e.what(), Catch::Contains("migrating episodes: 4 copied"));
    CHECK_THAT(e.what(), Catch::Contains("closed"));
  }
}

TEST_CASE("migrate: roles either side lacks are ConfigError naming the role", "[migrate]") {
  engram_test::TempDir dir("engram-migrate");
  Storage sqlite = Storage::from_yaml(sqlite_config(dir / "a.db"));
  Storage memory = Storage::from_yaml(memory_config());
  CHECK_THROWS_WITH(engram::migrate(memory, sqlite, only({Role::kTraces})),
                    Catch::Contains("target") && Catch::Contains("traces"));
  CHECK_THROWS_WITH(engram::migrate(sqlite, memory, only({Role::kWorkingMemory})),
                    Catch::Contains("source") && Catch::Contains("working_memory"));
  // No roles named: every role of the source (sqlite's two), which memory has.
  const auto report = engram::migrate(sqlite, memory);
  CHECK(report.kinds.size() == 4);
  CHECK(report.total_records() == 0);
}

TEST_CASE("migrate: working memory from memory to redis and to another prefix, TTLs left kept",
          "[migrate][redis]") {
  const char* port = std::getenv("ENGRAM_TEST_REDIS_PORT");
  REQUIRE(port != nullptr);  // tools/test.sh starts the server
  auto redis_config = [&](const std::string& prefix) {
    return "version: 1\nbackends:\n  fast: {plugin: redis, host: 127.0.0.1, port: " +
           std::string(port) + ", key_prefix: \"" + prefix + "\", compression_threshold: 16}\n" +
           "roles: {working_memory: fast}\n";
  };
  const std::string run = "migrate:" + std::to_string(::getpid()) + ":";
  Storage from = Storage::from_yaml(
      "version: 1\nbackends:\n  mem: {plugin: memory}\nroles: {working_memory: mem}\n");
  populate_working_memory(*from.working_memory(), 12);
  Storage redis_a = Storage::from_yaml(redis_config(run + "a:"));
  Storage redis_b = Storage::from_yaml(redis_config(run + "b:"));
  engram::MigrationOptions options = only({Role::kWorkingMemory});
  options.page_size = 5;
  engram::migrate(from, redis_a, options);
  engram::migrate(redis_a, redis_b, options);
  CHECK(contents(redis_a, true) == contents(from, true));
  CHECK(contents(redis_b, true) == contents(from, true));
  // The spike trains were cached for 500+i s: what redis has left is that.
  const auto trains = redis_b.working_memory()->list_spike_trains({}, 100).items;
  REQUIRE(trains.size() == 12);
  for (const auto& train : trains) {
    REQUIRE(train.ttl.has_value());
    const double seconds = std::chrono::duration<double>(*train.ttl).count();
    const double cached_for = 500.0 + (train.timestamp - 200.0);
    CHECK(seconds <= cached_for);
    CHECK(seconds > cached_for - 60.0);
  }
  redis_a.maintenance("fast")->clear_all();
  redis_b.maintenance("fast")->clear_all();
}

TEST_CASE("migrate: hdf5 to memory and back to a fresh hdf5 file, identical", "[migrate][hdf5]") {
  engram_test::TempDir dir("engram-migrate");
  auto hdf5_config = [](const std::filesystem::path& file) {
    return "version: 1\nbackends:\n  arrays: {plugin: hdf5, file_path: \"" + file.string() +
           "\"}\nroles: {traces: arrays}\n";
  };
  Storage source = Storage::from_yaml(hdf5_config(dir / "a.h5"));
  populate_traces(*source.traces(), 5);
  Storage middle = Storage::from_yaml(
      "version: 1\nbackends:\n  mem: {plugin: memory}\nroles: {traces: mem}\n");
  engram::MigrationOptions options = only({Role::kTraces});
  options.trace_page_size = 2;
  engram::migrate(source, middle, options);
  Storage back = Storage::from_yaml(hdf5_config(dir / "b.h5"));
  const auto report = engram::migrate(middle, back, options);
  CHECK(copied(report, "network_snapshots") == 5);
  CHECK(copied(report, "performance_metrics") == 5);
  for (const auto& row : report.kinds) CHECK(row.remapped == 0);
  CHECK(contents(back, true) == contents(source, true));
}
