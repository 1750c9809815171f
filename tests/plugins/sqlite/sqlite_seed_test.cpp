// The Python system's database (../shared/fixtures/seed_memory.db), opened
// as a user upgrading would: migrated from schema 1 to 2 without losing a
// row or changing a field, every row the manifest lists still there, the
// parts engram can return returned, and every pickle blob CorruptData.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdint>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "engram/array.h"
#include "engram/errors.h"
#include "engram/json.h"
#include "engram/storage.h"
#include "sqlite_test_util.h"

namespace {

using engram::Json;
using Catch::Matchers::WithinAbs;

const Json& manifest() {
  static const Json sqlite_part = [] {
    std::ifstream in(std::string(ENGRAM_SEED_FIXTURES_DIR) + "/seed_fixtures.json");
    REQUIRE(in);
    return Json::parse(in).at("sqlite");
  }();
  return sqlite_part;
}

std::map<std::string, std::int64_t> row_counts(sqlite_test::RawDb& db) {
  std::map<std::string, std::int64_t> counts;
  for (const char* table :
       {"episodes", "concepts", "learning_events", "concept_relationships"}) {
    counts[table] = db.count(table);
  }
  return counts;
}

// The episode and concept columns the manifest names, as SQL sees them, to
// prove the migration changed no field.
void check_rows_against_manifest(sqlite_test::RawDb& db) {
  for (const Json& e : manifest().at("episodes")) {
    const std::string where = " FROM episodes WHERE id = " + std::to_string(e.at("id").get<int>());
    INFO("episode " << e.dump());
    CHECK(db.scalar_double("SELECT timestamp" + where) == e.at("timestamp").get<double>());
    CHECK(db.scalar_double("SELECT performance_score" + where) ==
          e.at("performance_score").get<double>());
    CHECK(db.scalar_text("SELECT context_hash" + where) == e.at("context_hash").get<std::string>());
    CHECK(Json::parse(db.scalar_text("SELECT metadata" + where)) == e.at("metadata"));
    // Written by the Python system: no format recorded, i.e. a pickle.
    CHECK(db.scalar_is_null("SELECT experience_format" + where));
    CHECK(db.scalar_text("SELECT hex(substr(experience_data, 1, 2))" + where) == "8004");
  }
  for (const Json& c : manifest().at("concepts")) {
    const std::string where = " FROM concepts WHERE id = " + std::to_string(c.at("id").get<int>());
    INFO("concept " << c.dump());
    CHECK(db.scalar_text("SELECT name" + where) == c.at("name").get<std::string>());
    CHECK(db.scalar_double("SELECT creation_time" + where) == c.at("creation_time").get<double>());
    CHECK(Json::parse(db.scalar_text("SELECT metadata" + where)) == c.at("metadata"));
    CHECK(db.scalar_int("SELECT access_count" + where) == 0);
    CHECK(db.scalar_double("SELECT last_accessed" + where) == 0.0);
  }
}

}  // namespace

TEST_CASE("sqlite: the Python system's database opens, migrates to schema 2, keeps every row",
          "[sqlite]") {
  sqlite_test::TempDir dir;
  const auto db_path = sqlite_test::copy_fixture(dir, manifest().at("file").get<std::string>());

  std::map<std::string, std::int64_t> before;
  {
    sqlite_test::RawDb raw(db_path, true);
    REQUIRE(raw.scalar_int("SELECT max(version) FROM schema_version") == 1);
    before = row_counts(raw);
  }
  CHECK(before["episodes"] == static_cast<std::int64_t>(manifest().at("episodes").size()));
  CHECK(before["concepts"] == static_cast<std::int64_t>(manifest().at("concepts").size()));
  CHECK(before["learning_events"] ==
        static_cast<std::int64_t>(manifest().at("learning_events").size()));
  CHECK(before["concept_relationships"] ==
        static_cast<std::int64_t>(manifest().at("relationships").size()));

  engram::Storage storage = sqlite_test::open_sqlite(db_path);
  auto episodes = storage.episodes();
  auto concepts = storage.concepts();
  auto maintenance = storage.maintenance("db");

  SECTION("schema version 2, counts unchanged, fields unchanged") {
    const Json stats = maintenance->stats();
    INFO(stats.dump());
    CHECK(stats.value("schema_version", Json()) == 2);
    CHECK(stats.value("episodes", Json()) == before["episodes"]);
    CHECK(stats.value("concepts", Json()) == before["concepts"]);
    CHECK(stats.value("learning_events", Json()) == before["learning_events"]);
    CHECK(stats.value("concept_relationships", Json()) == before["concept_relationships"]);
    maintenance->close();

    sqlite_test::RawDb raw(db_path, true);
    CHECK(raw.scalar_int("SELECT max(version) FROM schema_version") == 2);
    CHECK(raw.scalar_int("SELECT count(*) FROM schema_version WHERE version = 1") == 1);
    CHECK(raw.scalar_int(
              "SELECT count(*) FROM pragma_table_info('episodes') WHERE name = 'experience_format'") ==
          1);
    CHECK(row_counts(raw) == before);
    CHECK(raw.integrity_check() == "ok");
    check_rows_against_manifest(raw);
  }

  SECTION("every pickle blob is CorruptData, never unpickled") {
    // The manifest: "Its blobs are Python pickles" — array and dict
    // experiences alike, and every embedding.
    for (const Json& e : manifest().at("episodes")) {
      INFO("episode " << e.dump());
      CHECK_THROWS_AS(episodes->retrieve_episode(e.at("id").get<std::int64_t>()),
                      engram::CorruptData);
    }
    for (const Json& c : manifest().at("concepts")) {
      INFO("concept " << c.dump());
      CHECK_THROWS_AS(concepts->retrieve_concept(c.at("id").get<std::int64_t>()),
                      engram::CorruptData);
    }
    // Every read that would decode them says so too.
    CHECK_THROWS_AS(episodes->get_episodes_by_context("ctx0"), engram::CorruptData);
    CHECK_THROWS_AS(concepts->search_concepts("neuron"), engram::CorruptData);
    // A by-name read that fails counts no access (checked below: the
    // access count stays 0).
    CHECK_THROWS_AS(concepts->retrieve_concept_by_name("neuron"), engram::CorruptData);
    // Reading changed nothing.
    maintenance->close();
    sqlite_test::RawDb raw(db_path, true);
    CHECK(row_counts(raw) == before);
    check_rows_against_manifest(raw);
  }

  SECTION("relationships come back as the manifest lists them") {
    // [source, target, type, strength]; strongest first.
    std::map<std::int64_t, std::vector<Json>> by_source;
    for (const Json& r : manifest().at("relationships")) by_source[r.at(0).get<std::int64_t>()].push_back(r);
    for (auto& [source, expected] : by_source) {
      std::sort(expected.begin(), expected.end(),
                [](const Json& a, const Json& b) { return a.at(3).get<double>() > b.at(3).get<double>(); });
      const auto got = concepts->get_concept_relationships(source);
      REQUIRE(got.size() == expected.size());
      for (std::size_t i = 0; i < got.size(); ++i) {
        CHECK(got[i].source_id == source);
        CHECK(got[i].target_id == expected[i].at(1).get<std::int64_t>());
        CHECK(got[i].type == expected[i].at(2).get<std::string>());
        CHECK(got[i].strength == expected[i].at(3).get<double>());
      }
      const auto typed = concepts->get_concept_relationships(source, expected[0].at(2).get<std::string>());
      REQUIRE(typed.size() == 1);
      CHECK(typed[0].target_id == expected[0].at(1).get<std::int64_t>());
    }
    const auto page = concepts->list_relationships({}, 100);
    CHECK(page.items.size() == manifest().at("relationships").size());
  }

  SECTION("learning events and best strategies come back as the manifest lists them") {
    const auto events = episodes->get_learning_events_by_task("classification", 100);
    const Json& expected = manifest().at("learning_events");
    REQUIRE(events.size() == expected.size());
    // Newest first: the manifest's ids ascend with time.
    for (std::size_t i = 0; i < events.size(); ++i) {
      const Json& e = expected.at(expected.size() - 1 - i);
      INFO("event " << e.dump());
      CHECK(events[i].id == e.at("id").get<std::int64_t>());
      CHECK(events[i].task_type == e.at("task_type").get<std::string>());
      CHECK(events[i].performance_delta == e.at("performance_delta").get<double>());
      CHECK(events[i].strategy_used == e.at("strategy_used").get<std::string>());
      CHECK(events[i].timestamp == e.at("timestamp").get<double>());
      CHECK(events[i].parameters == e.at("parameters"));
    }
    CHECK(episodes->get_learning_events_by_task("classification", 100, 0.15).size() == 3);

    // Expected from the manifest: the mean of the positive deltas per
    // strategy, by mean then count.
    struct Agg { double sum = 0; std::int64_t count = 0; };
    std::map<std::string, Agg> agg;
    for (const Json& e : expected) {
      const double d = e.at("performance_delta").get<double>();
      if (d > 0) {
        auto& a = agg[e.at("strategy_used").get<std::string>()];
        a.sum += d;
        ++a.count;
      }
    }
    std::vector<engram::StrategyScore> want;
    for (const auto& [name, a] : agg) want.push_back({name, a.sum / static_cast<double>(a.count), a.count});
    std::sort(want.begin(), want.end(), [](const auto& a, const auto& b) {
      return a.avg_delta != b.avg_delta ? a.avg_delta > b.avg_delta : a.count > b.count;
    });
    const auto best = episodes->get_best_strategies("classification");
    REQUIRE(best.size() == want.size());  // sgd 0.2 ×2, adam 0.175 ×2
    for (std::size_t i = 0; i < best.size(); ++i) {
      CHECK(best[i].strategy == want[i].strategy);
      CHECK_THAT(best[i].avg_delta, WithinAbs(want[i].avg_delta, 1e-12));
      CHECK(best[i].count == want[i].count);
    }
    CHECK(episodes->get_best_strategies("classification", 1).size() == 1);
  }

  SECTION("engram writes beside the Python system's rows, ids continuing after them") {
    const std::vector<double> values{1.0, 2.0, 3.0};
    const auto id = episodes->store_episode(engram::ArrayView(values), 0.9, "ctx0", 1764000500.0);
    CHECK(id > before["episodes"]);
    const auto back = episodes->retrieve_episode(id);
    REQUIRE(back);
    CHECK(std::get<engram::Array>(back->experience_data) == engram::Array(engram::ArrayView(values)));
    // A concept of an existing name keeps its id; its embedding is now .npy.
    const std::vector<float> embedding(8, 0.25f);
    CHECK(concepts->store_concept("neuron", engram::ArrayView(embedding)) == 1);
    const auto neuron = concepts->retrieve_concept(1);
    REQUIRE(neuron);
    CHECK(neuron->creation_time == manifest().at("concepts").at(0).at("creation_time").get<double>());
    CHECK(neuron->embedding == engram::Array(engram::ArrayView(embedding)));
    maintenance->close();
    sqlite_test::RawDb raw(db_path, true);
    CHECK(raw.count("episodes") == before["episodes"] + 1);
    CHECK(raw.count("concepts") == before["concepts"]);
    CHECK(raw.integrity_check() == "ok");
  }
}
