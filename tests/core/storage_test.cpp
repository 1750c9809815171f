// Storage with the memory plugin: roles, config errors and plugin lifetime.
#include "engram/storage.h"

#include <dlfcn.h>

#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "engram/errors.h"
#include "engram/held_records.h"

namespace {

const std::string kMemoryPlugin = std::string(ENGRAM_PLUGIN_BUILD_DIR) + "/libengram-memory.so";

const char* const kAllMemory = R"(
version: 1
backends:
  mem: {plugin: memory}
roles: {working_memory: mem, episodes: mem, concepts: mem, traces: mem}
)";

// True iff the memory plugin's library is mapped in this process right now.
bool memory_plugin_loaded() {
  void* handle = dlopen(kMemoryPlugin.c_str(), RTLD_NOW | RTLD_NOLOAD);
  if (handle) dlclose(handle);
  return handle != nullptr;
}

}  // namespace

TEST_CASE("storage: roles on one backend share its instance", "[storage]") {
  engram::Storage storage = engram::Storage::from_yaml(kAllMemory);
  REQUIRE(storage.backends().size() == 1);
  const engram::BackendInfo& backend = storage.backends().front();
  CHECK(backend.name == "mem");
  CHECK(backend.plugin == "memory");
  CHECK(backend.roles.size() == 4);
  CHECK(&storage.episodes()->maintenance() == &storage.concepts()->maintenance());
  CHECK(&storage.traces()->maintenance() == backend.maintenance.get());
  // Set by the core: the plugin's role objects do not wire it themselves.
  CHECK(&storage.working_memory()->maintenance() == backend.maintenance.get());
  CHECK(storage.maintenance("mem") == backend.maintenance);
  CHECK_THROWS_AS(storage.maintenance("nope"), engram::ConfigError);
}

TEST_CASE("storage: each backend carries its plugin descriptor's capabilities", "[storage]") {
  // The memory plugin keeps put ids; the conformance suite's renumbering
  // test plugin promises nothing.
  engram::Storage storage = engram::Storage::from_yaml(std::string(R"(
version: 1
backends:
  mem: {plugin: memory}
  ren: {plugin: )") + ENGRAM_TEST_RENUMBERING_PLUGIN + R"(}
roles: {concepts: mem, episodes: ren}
)");
  REQUIRE(storage.backends().size() == 2);
  CHECK(storage.backends()[0].name == "mem");
  CHECK(storage.backends()[0].capabilities.keeps_ids);
  CHECK(storage.backends()[1].name == "ren");
  CHECK_FALSE(storage.backends()[1].capabilities.keeps_ids);
  CHECK_FALSE(engram::PluginCapabilities{}.keeps_ids);
}

TEST_CASE("storage: a role the config does not assign is a ConfigError naming it",
          "[storage]") {
  engram::Storage storage = engram::Storage::from_yaml(
      "version: 1\nbackends:\n  mem: {plugin: memory}\nroles: {episodes: mem}\n");
  CHECK(storage.has(engram::Role::kEpisodes));
  CHECK_FALSE(storage.has(engram::Role::kTraces));
  try {
    storage.traces();
    FAIL("no throw");
  } catch (const engram::ConfigError& e) {
    CHECK(std::string(e.what()).find("traces") != std::string::npos);
  }
}

TEST_CASE("storage: a missing plugin names the config line and every place searched",
          "[storage]") {
  try {
    engram::Storage::from_yaml("version: 1\nbackends:\n  db: {plugin: nosuchplugin}\n");
    FAIL("no throw");
  } catch (const engram::PluginError& e) {
    const std::string message = e.what();
    CHECK(message.find("<string>:3:") != std::string::npos);
    CHECK(message.find("libengram-nosuchplugin.so") != std::string::npos);
    CHECK(message.find(ENGRAM_PLUGIN_BUILD_DIR) != std::string::npos);
  }
}

TEST_CASE("storage: a role whose plugin lacks it is a ConfigError at the role", "[storage]") {
  const std::string yaml = "version: 1\nbackends:\n  e: {plugin: " +
                           std::string(ENGRAM_TEST_PLUGIN_DIR) +
                           "/libengram-empty.so}\nroles:\n  traces: e\n";
  try {
    engram::Storage::from_yaml(yaml);
    FAIL("no throw");
  } catch (const engram::ConfigError& e) {
    const std::string message = e.what();
    CHECK(message.find("<string>:5:11") != std::string::npos);
    CHECK(message.find("does not provide it (it provides: episodes)") != std::string::npos);
  }
}

TEST_CASE("storage: a handle outlives Storage, and close() closes for every handle",
          "[storage]") {
  std::shared_ptr<engram::EpisodeStore> episodes;
  {
    engram::Storage storage = engram::Storage::from_yaml(kAllMemory);
    episodes = storage.episodes();
  }
  const std::int64_t id = episodes->store_episode(engram::Json{{"a", 1}}, 0.5, "ctx", 10.0);
  CHECK(episodes->retrieve_episode(id).has_value());

  engram::Storage storage = engram::Storage::from_yaml(kAllMemory);
  auto concepts = storage.concepts();
  storage.close();
  try {
    concepts->retrieve_concept(1);
    FAIL("no throw after close");
  } catch (const engram::StorageError& e) {
    CHECK(std::string(e.what()).find("closed") != std::string::npos);
  }
}

// The plugin's library stays loaded while anything it made lives — Storage,
// a role handle, an Array it returned — whatever order they go in, and is
// unloaded after the last. Run under ASan, a use after unload would crash.
TEST_CASE("storage: the plugin library lives exactly as long as what it made", "[storage]") {
  REQUIRE_FALSE(memory_plugin_loaded());
  // 0: Storage, 1: the role handle, 2: an array the plugin returned.
  std::array<int, 3> order{0, 1, 2};
  int orders = 0;
  do {
    INFO("destruction order " << order[0] << order[1] << order[2]);
    auto storage = std::make_unique<engram::Storage>(engram::Storage::from_yaml(kAllMemory));
    auto traces = storage->traces();
    const std::vector<float> values(64, 2.5f);
    const std::string id = traces->store_plasticity_trace(100.0, values);
    auto trace = traces->retrieve_plasticity_trace(id);
    REQUIRE(trace.has_value());
    auto array = std::make_unique<engram::Array>(std::move(trace->synapse_changes));
    trace.reset();
    CHECK(memory_plugin_loaded());

    for (int i = 0; i < 3; ++i) {
      if (order[i] == 0) storage.reset();
      if (order[i] == 1) traces.reset();
      if (order[i] == 2) {
        CHECK(array->values<float>()[63] == 2.5f);  // readable up to its end
        array.reset();
      }
      CHECK(memory_plugin_loaded() == (i < 2));
    }
    ++orders;
  } while (std::next_permutation(order.begin(), order.end()));
  CHECK(orders == 6);
}

TEST_CASE("storage: held_record_kinds names what a role's store already holds", "[storage]") {
  engram::Storage storage = engram::Storage::from_yaml(
      "version: 1\nbackends:\n  mem: {plugin: memory}\nroles: {episodes: mem, traces: mem}\n");
  CHECK(engram::held_record_kinds(storage, engram::Role::kEpisodes).empty());
  CHECK(engram::held_record_kinds(storage, engram::Role::kTraces).empty());
  storage.episodes()->store_learning_event("maze", 0.5, "explore");
  CHECK(engram::held_record_kinds(storage, engram::Role::kEpisodes) ==
        std::vector<std::string>{"learning events"});
  CHECK(engram::held_record_kinds(storage, engram::Role::kTraces).empty());
  CHECK_THROWS_AS(engram::held_record_kinds(storage, engram::Role::kConcepts),
                  engram::ConfigError);
}
