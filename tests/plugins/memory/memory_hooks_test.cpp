// The memory plugin's write-behind hooks (engram/write_behind.h), called as
// the core's write-behind calls them (role_hooks.h): blocks of ids off the
// roles' counters, a concept's id by name, each kind's latest seed stamp
// from its keys. What they promise is hook_checks.h's; the descriptor's
// promise is checked here too.
#include <catch2/catch.hpp>
#include <cstdint>
#include <memory>

#include "engram/errors.h"
#include "engram/ids.h"
#include "engram/storage.h"
#include "hook_checks.h"
#include "role_hooks.h"

namespace {

// A fresh memory backend serving every role.
engram::Storage open_memory() {
  return engram::Storage::from_yaml(
      "version: 1\n"
      "backends:\n"
      "  mem: {plugin: memory}\n"
      "roles: {working_memory: mem, episodes: mem, concepts: mem, traces: mem}\n");
}

}  // namespace

TEST_CASE("memory hooks: the descriptor promises reserves_ids and keeps_ids", "[memory][hooks]") {
  const engram::Storage storage = open_memory();
  REQUIRE(storage.backends().size() == 1);
  CHECK(storage.backends()[0].capabilities.reserves_ids);
  CHECK(storage.backends()[0].capabilities.keeps_ids);
}

TEST_CASE("memory hooks: stores skip reserved episode and learning event ids", "[memory][hooks]") {
  engram::Storage storage = open_memory();
  engram_test::check_reserved_ids_skipped(*storage.episodes());
}

TEST_CASE("memory hooks: a batch put keeps reserved ids", "[memory][hooks]") {
  engram::Storage storage = open_memory();
  engram_test::check_put_keeps_reserved_ids(*storage.episodes());
}

TEST_CASE("memory hooks: concept ids by name and reserved concept ids", "[memory][hooks]") {
  engram::Storage storage = open_memory();
  engram_test::check_concept_hooks(*storage.concepts());
}

TEST_CASE("memory hooks: bad blocks are InvalidArgument and reserve nothing", "[memory][hooks]") {
  engram::Storage storage = open_memory();
  engram_test::check_bad_id_blocks(*storage.episodes(), *storage.concepts());
}

TEST_CASE("memory hooks: blocks are reserved after clear_all too", "[memory][hooks]") {
  engram::Storage storage = open_memory();
  auto episodes = storage.episodes();
  const std::int64_t block = engram_test::reserve_ids(*episodes, engram::IdKind::kEpisode, 10);
  storage.maintenance("mem")->clear_all();
  // Ids are not reused after clear_all: the block stays out of stores.
  const std::int64_t id = episodes->store_episode(engram::Json{{"a", 1}}, 0.5, "ctx", 1.0);
  CHECK(engram_test::outside(id, block, 10));
  CHECK(engram_test::reserve_ids(*episodes, engram::IdKind::kEpisode, 10) > id);
}

TEST_CASE("memory hooks: the latest seed stamp of each kind of trace", "[memory][hooks]") {
  engram::Storage storage = open_memory();
  engram_test::check_latest_seed_stamps(*storage.traces());
}

TEST_CASE("memory hooks: after close the hooks throw StorageError (closed)", "[memory][hooks]") {
  engram::Storage storage = open_memory();
  auto episodes = storage.episodes();
  auto concepts = storage.concepts();
  auto traces = storage.traces();
  storage.maintenance("mem")->close();
  CHECK_THROWS_WITH(engram_test::reserve_ids(*episodes, engram::IdKind::kEpisode, 1),
                    Catch::Contains("closed"));
  CHECK_THROWS_WITH(engram_test::reserve_ids(*concepts, 1), Catch::Contains("closed"));
  CHECK_THROWS_WITH(engram_test::concept_id(*concepts, "a"), Catch::Contains("closed"));
  CHECK_THROWS_WITH(
      engram_test::latest_seed_stamp(*traces, engram::TraceKind::kSpikeTrain, "train"),
      Catch::Contains("closed"));
}
