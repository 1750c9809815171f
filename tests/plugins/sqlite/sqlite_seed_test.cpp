// The Python system's database (../shared/fixtures/seed_memory.db), opened
// as a user upgrading would: migrated from schema 1 to 2 without losing a
// row or changing a field, every row the manifest lists still there and
// returned with its values, its pickles read through engram/pickle.h (never
// run, never rewritten), and hostile pickles refused naming the row.
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
#include "engram/pickle.h"
#include "engram/storage.h"
#include "sqlite_test_util.h"

namespace {

using engram::Array;
using engram::DType;
using engram::Json;
using Catch::Matchers::Contains;
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

// Every episode's and concept's blob as hex, "id:hex,...", to prove reads
// rewrite none.
std::string blobs(sqlite_test::RawDb& db) {
  return db.scalar_text(
             "SELECT group_concat(id || ':' || hex(experience_data), ',') FROM "
             "(SELECT id, experience_data FROM episodes ORDER BY id)") +
         "|" +
         db.scalar_text(
             "SELECT group_concat(id || ':' || hex(embedding), ',') FROM "
             "(SELECT id, embedding FROM concepts ORDER BY id)");
}

// What Python itself unpickles from the fixture (the trusted oracle), in
// the tagged JSON form: {"episodes": {"<id>": ...}, "concepts": {...}}.
Json python_unpickled() {
  const std::string script = std::string(ENGRAM_SQLITE_TEST_SOURCE_DIR) + "/unpickle_seed.py";
  const std::string db =
      std::string(ENGRAM_SEED_FIXTURES_DIR) + "/" + manifest().at("file").get<std::string>();
  int status = -1;
  const std::string out =
      sqlite_test::capture(std::string(ENGRAM_PYTHON) + " " + sqlite_test::shell_quote(script) +
                               " " + sqlite_test::shell_quote(db),
                           &status);
  REQUIRE(status == 0);
  return Json::parse(out);
}

// The manifest's {dtype (numpy's str), shape, sum, first} of an array.
void check_array(const Array& got, const Json& want) {
  INFO("array " << want.dump());
  std::vector<double> values;
  std::string dtype;
  if (got.dtype() == DType::kFloat32) {
    dtype = "<f4";
    for (const float v : got.values<float>()) values.push_back(v);
  } else if (got.dtype() == DType::kFloat64) {
    dtype = "<f8";
    for (const double v : got.values<double>()) values.push_back(v);
  } else {
    FAIL("dtype " << engram::dtype_name(got.dtype()) << ", not in the seed's manifest");
  }
  CHECK(dtype == want.at("dtype").get<std::string>());
  CHECK(got.shape() == want.at("shape").get<engram::Shape>());
  double sum = 0.0;
  for (const double v : values) sum += v;
  CHECK(sum == Approx(want.at("sum").get<double>()).epsilon(1e-9).margin(1e-9));
  const auto first = want.at("first").get<std::vector<double>>();
  REQUIRE(values.size() >= first.size());
  for (std::size_t i = 0; i < first.size(); ++i) CHECK(values[i] == first[i]);
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
  std::string before_blobs;
  {
    sqlite_test::RawDb raw(db_path, true);
    REQUIRE(raw.scalar_int("SELECT max(version) FROM schema_version") == 1);
    before = row_counts(raw);
    before_blobs = blobs(raw);
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

  SECTION("every episode and concept comes back with the values the Python system stored") {
    // The manifest lists each episode's fields and the kind of its
    // experience (array or dict), each embedding's dtype, shape, sum and
    // first values; Python's own pickle.loads of the fixture is the oracle
    // for every value, compared in pickle.h's tagged form.
    const Json python = python_unpickled();
    for (const Json& e : manifest().at("episodes")) {
      INFO("episode " << e.dump());
      const std::int64_t id = e.at("id").get<std::int64_t>();
      const auto got = episodes->retrieve_episode(id);
      REQUIRE(got);
      CHECK(got->id == id);
      CHECK(got->timestamp == e.at("timestamp").get<double>());
      CHECK(got->performance_score == e.at("performance_score").get<double>());
      CHECK(got->context_hash == e.at("context_hash").get<std::string>());
      CHECK(got->metadata == e.at("metadata"));
      const Json& want = python.at("episodes").at(std::to_string(id));
      if (e.at("experience") == "array") {
        REQUIRE(std::holds_alternative<Array>(got->experience_data));
        CHECK(engram::pickle::tagged_array(std::get<Array>(got->experience_data)) == want);
      } else {
        REQUIRE(e.at("experience") == "dict");
        REQUIRE(std::holds_alternative<Json>(got->experience_data));
        CHECK(std::get<Json>(got->experience_data).is_object());
        CHECK(std::get<Json>(got->experience_data) == want);
      }
      // A listing by context decodes the same row to the same value.
      const auto by_context = episodes->get_episodes_by_context(got->context_hash, 100);
      const auto same = std::find_if(by_context.begin(), by_context.end(),
                                     [&](const engram::Episode& x) { return x.id == id; });
      REQUIRE(same != by_context.end());
      CHECK(same->experience_data == got->experience_data);
    }
    for (const Json& c : manifest().at("concepts")) {
      INFO("concept " << c.dump());
      const std::int64_t id = c.at("id").get<std::int64_t>();
      const auto got = concepts->retrieve_concept(id);
      REQUIRE(got);
      CHECK(got->name == c.at("name").get<std::string>());
      CHECK(got->creation_time == c.at("creation_time").get<double>());
      CHECK(got->metadata == c.at("metadata"));
      check_array(got->embedding, c.at("embedding"));
      CHECK(engram::pickle::tagged_array(got->embedding) ==
            python.at("concepts").at(std::to_string(id)));
      const auto found = concepts->search_concepts(got->name);
      REQUIRE(!found.empty());
      CHECK(found.front().embedding == got->embedding);
    }
    // Reading rewrote nothing: the rows are still the Python system's
    // pickles, every field as the manifest lists it.
    maintenance->close();
    sqlite_test::RawDb raw(db_path, true);
    CHECK(row_counts(raw) == before);
    CHECK(blobs(raw) == before_blobs);
    check_rows_against_manifest(raw);
  }

  SECTION("a by-name read of a Python-written concept counts an access, its blob untouched") {
    const Json& c = manifest().at("concepts").at(0);
    const auto got = concepts->retrieve_concept_by_name(c.at("name").get<std::string>());
    REQUIRE(got);
    CHECK(got->id == c.at("id").get<std::int64_t>());
    check_array(got->embedding, c.at("embedding"));
    maintenance->close();
    sqlite_test::RawDb raw(db_path, true);
    CHECK(blobs(raw) == before_blobs);
    CHECK(raw.scalar_int("SELECT access_count FROM concepts WHERE id = " +
                         std::to_string(got->id)) == 1);
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

namespace {

// Hostile rows the Python system's format allows (experience_format NULL
// means a pickle), written with sqlite3 beside the fixture's rows.
// os.system('true') through GLOBAL + REDUCE, protocol 2.
constexpr const char* kOsSystemHex = "8002636f730a73797374656d0a58040000007472756585522e";
// pickle.dumps([1.0, 2.0], protocol=4): a list where a numpy array belongs.
constexpr const char* kPickledListHex =
    "80049517000000000000005d9428473ff0000000000000474000000000000000652e";

// The error `read` throws, as type E, with its message.
template <class E, class F>
std::string error_of(F&& read) {
  try {
    read();
  } catch (const E& e) {
    return e.what();
  } catch (const std::exception& e) {
    FAIL("another error: " << e.what());
  }
  FAIL("no error");
  return {};
}

}  // namespace

TEST_CASE(
    "sqlite: hostile pickles in a Python-written database are refused naming the row, "
    "never run, and the other rows still read",
    "[sqlite]") {
  sqlite_test::TempDir dir;
  const auto db_path = sqlite_test::copy_fixture(dir, manifest().at("file").get<std::string>());
  std::int64_t os_system = 0;
  std::int64_t truncated = 0;
  std::int64_t listed = 0;
  std::string before_blobs;
  {
    sqlite_test::RawDb raw(db_path);
    const std::string insert =
        "INSERT INTO episodes (timestamp, experience_data, performance_score, context_hash, "
        "metadata) ";
    raw.exec(insert + "VALUES (1764000900.0, X'" + kOsSystemHex + "', 0.1, 'hostile', '{}')");
    os_system = raw.scalar_int("SELECT max(id) FROM episodes");
    // The first array episode's pickle without its last 10 bytes.
    raw.exec(insert +
             "SELECT 1764000901.0, substr(experience_data, 1, length(experience_data) - 10), 0.2, "
             "'hostile', '{}' FROM episodes WHERE id = " +
             std::to_string(manifest().at("episodes").at(0).at("id").get<std::int64_t>()));
    truncated = raw.scalar_int("SELECT max(id) FROM episodes");
    raw.exec(std::string("INSERT INTO concepts (name, embedding, creation_time) VALUES "
                         "('hostile', X'") +
             kPickledListHex + "', 1764000902.0)");
    listed = raw.scalar_int("SELECT id FROM concepts WHERE name = 'hostile'");
    REQUIRE(raw.scalar_text("SELECT hex(substr(experience_data, 1, 2)) FROM episodes WHERE id = " +
                            std::to_string(truncated)) == "8004");
    before_blobs = blobs(raw);
  }

  engram::Storage storage = sqlite_test::open_sqlite(db_path);
  auto episodes = storage.episodes();
  auto concepts = storage.concepts();
  const std::string file = db_path.string();

  // Each names the backend ("db", the config's name), the row, the column
  // and the file, then what the pickle reader found.
  const auto names = [&](const std::string& what) {
    return Catch::Matchers::StartsWith("db: reading " + what + " in " + file + ": ");
  };
  const std::string system_error =
      error_of<engram::NotSupported>([&] { episodes->retrieve_episode(os_system); });
  CHECK_THAT(system_error, names("episode " + std::to_string(os_system) + "'s experience_data") &&
                               Contains("pickle: global os.system is not on engram's list"));
  const std::string truncated_error =
      error_of<engram::CorruptData>([&] { episodes->retrieve_episode(truncated); });
  CHECK_THAT(
      truncated_error,
      names("episode " + std::to_string(truncated) + "'s experience_data") && Contains("pickle: "));
  const std::string list_error =
      error_of<engram::NotSupported>([&] { concepts->retrieve_concept(listed); });
  CHECK_THAT(list_error, names("concept " + std::to_string(listed) + "'s embedding") &&
                             Contains("a pickled list, not a numpy array"));
  // A by-name read that fails counts no access.
  CHECK_THROWS_AS(concepts->retrieve_concept_by_name("hostile"), engram::NotSupported);

  // The fixture's rows still read, beside the hostile ones.
  for (const Json& e : manifest().at("episodes")) {
    INFO("episode " << e.dump());
    const auto got = episodes->retrieve_episode(e.at("id").get<std::int64_t>());
    REQUIRE(got);
    CHECK(got->context_hash == e.at("context_hash").get<std::string>());
    CHECK(std::holds_alternative<Array>(got->experience_data) == (e.at("experience") == "array"));
  }
  const Json& first = manifest().at("episodes").at(0);
  const auto in_context = std::count_if(
      manifest().at("episodes").begin(), manifest().at("episodes").end(),
      [&](const Json& e) { return e.at("context_hash") == first.at("context_hash"); });
  CHECK(
      episodes->get_episodes_by_context(first.at("context_hash").get<std::string>(), 100).size() ==
      static_cast<std::size_t>(in_context));
  for (const Json& c : manifest().at("concepts")) {
    INFO("concept " << c.dump());
    const auto got = concepts->retrieve_concept(c.at("id").get<std::int64_t>());
    REQUIRE(got);
    check_array(got->embedding, c.at("embedding"));
  }

  // Nothing rewrote a row: every blob, hostile or not, is as written.
  storage.close();
  sqlite_test::RawDb raw(db_path, true);
  CHECK(blobs(raw) == before_blobs);
  CHECK(raw.scalar_int("SELECT access_count FROM concepts WHERE id = " + std::to_string(listed)) ==
        0);
  CHECK(raw.scalar_is_null("SELECT experience_format FROM episodes WHERE id = " +
                           std::to_string(os_system)));
  CHECK(raw.integrity_check() == "ok");
}
