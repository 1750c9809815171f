// Files other tools read: what engram's sqlite plugin writes is read back by
// Debian's sqlite3 shell (rows, JSON columns) and by Python's sqlite3 +
// numpy (every blob through numpy.load(io.BytesIO(blob))).
#include <catch2/catch.hpp>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "engram/array.h"
#include "engram/errors.h"
#include "engram/json.h"
#include "engram/storage.h"
#include "sqlite_test_util.h"

namespace {

using engram::ArrayView;
using engram::Json;
using engram::Shape;
using sqlite_test::capture;
using sqlite_test::shell_quote;

// `sqlite3 -batch DB SQL`'s output; REQUIREs exit status 0.
std::string cli(const std::filesystem::path& db, const std::string& sql) {
  int status = -1;
  const std::string out = capture(std::string(ENGRAM_SQLITE3_CLI) + " -batch " +
                                      shell_quote(db.string()) + " " + shell_quote(sql) +
                                      " 2>&1",
                                  &status);
  INFO("sqlite3 " << sql << " -> " << out);
  REQUIRE(status == 0);
  return out;
}

Json values_json(const std::vector<double>& v) { return Json(v); }
Json values_json(const std::vector<float>& v) {
  Json out = Json::array();
  for (float x : v) out.push_back(static_cast<double>(x));
  return out;
}
Json values_json(const std::vector<std::int32_t>& v) { return Json(v); }

}  // namespace

TEST_CASE("sqlite: the sqlite3 shell and Python's sqlite3 + numpy read what engram wrote",
          "[sqlite]") {
  sqlite_test::TempDir dir;
  const auto db = dir / "interop.db";
  Json expected = {{"episodes", Json::object()},
                   {"concepts", Json::object()},
                   {"learning_events", Json::object()}};

  std::vector<double> f64(3 * 4);
  for (std::size_t i = 0; i < f64.size(); ++i) f64[i] = static_cast<double>(i) * 0.25 - 1.0;
  const std::vector<std::int32_t> i32{7, -3, 2147483647, 0, -2147483647 - 1};
  const Json experience = {{"action", "left"}, {"reward", 1.5},
                           {"trace", {{"steps", {1, 2, 3}}, {"label", "ünïcode"}}}};
  std::vector<std::vector<float>> embeddings(3, std::vector<float>(512));
  for (std::size_t c = 0; c < embeddings.size(); ++c) {
    for (std::size_t j = 0; j < 512; ++j) {
      embeddings[c][j] = static_cast<float>(c + 1) * 0.001f * static_cast<float>(j) - 0.2f;
    }
  }
  std::int64_t e1 = 0, e2 = 0, e3 = 0, rel_source = 0;
  {
    engram::Storage storage = sqlite_test::open_sqlite(db);
    auto episodes = storage.episodes();
    auto concepts = storage.concepts();

    const Json m1 = {{"tag", "grid"}, {"n", 1}};
    e1 = episodes->store_episode(ArrayView(f64, Shape{3, 4}), 0.5, "maze", 1764000000.5, m1);
    expected["episodes"][std::to_string(e1)] = {{"format", "npy"}, {"dtype", "<f8"},
                                                {"shape", {3, 4}}, {"values", values_json(f64)},
                                                {"metadata", m1}};
    const Json m2 = {{"tag", "ints"}, {"nested", {{"a", {1, 2}}}}};
    e2 = episodes->store_episode(ArrayView(i32), -0.25, "maze", 1764000001.0, m2);
    expected["episodes"][std::to_string(e2)] = {{"format", "npy"}, {"dtype", "<i4"},
                                                {"shape", {5}}, {"values", values_json(i32)},
                                                {"metadata", m2}};
    const Json m3 = {{"tag", "json"}};
    e3 = episodes->store_episode(experience, 0.75, "dialog", 1764000002.0, m3);
    expected["episodes"][std::to_string(e3)] = {{"format", "json"}, {"experience", experience},
                                                {"metadata", m3}};

    std::vector<std::int64_t> ids;
    const char* names[] = {"neuron", "synapse", "dendrite"};
    for (std::size_t c = 0; c < 3; ++c) {
      const Json meta = {{"rank", c}};
      ids.push_back(concepts->store_concept(names[c], ArrayView(embeddings[c]), meta,
                                            1764000100.0 + static_cast<double>(c)));
      expected["concepts"][std::to_string(ids.back())] = {
          {"name", names[c]}, {"dtype", "<f4"}, {"shape", {512}},
          {"values", values_json(embeddings[c])}, {"metadata", meta}};
    }
    rel_source = ids[0];
    concepts->add_concept_relationship(ids[0], ids[1], "connects_to", 0.8);
    concepts->add_concept_relationship(ids[0], ids[2], "near", 0.3);

    for (int k = 0; k < 3; ++k) {
      const Json params = {{"lr", 0.001 * (k + 1)}, {"layers", {64, 32}}};
      const auto id = episodes->store_learning_event("classification", 0.1 * (k + 1),
                                                     k % 2 ? "adam" : "sgd", params,
                                                     1764000200.0 + k);
      expected["learning_events"][std::to_string(id)] = {{"parameters", params}};
    }
  }  // closed: everything on disk

  SECTION("the sqlite3 shell reads rows and JSON") {
    CHECK(cli(db, "SELECT count(*) FROM episodes") == "3");
    CHECK(cli(db, "SELECT count(*) FROM concepts") == "3");
    CHECK(cli(db, "SELECT count(*) FROM concept_relationships") == "2");
    CHECK(cli(db, "SELECT count(*) FROM learning_events") == "3");
    CHECK(cli(db, "SELECT max(version) FROM schema_version") == "2");
    CHECK(cli(db, "PRAGMA journal_mode") == "wal");  // enable_wal defaults to true
    CHECK(cli(db, "SELECT json_extract(metadata, '$.tag') FROM episodes ORDER BY id") ==
          "grid\nints\njson");
    CHECK(cli(db, "SELECT json_extract(metadata, '$.nested.a[1]') FROM episodes WHERE id = " +
                      std::to_string(e2)) == "2");
    CHECK(cli(db, "SELECT experience_format FROM episodes ORDER BY id") == "npy\nnpy\njson");
    CHECK(cli(db, "SELECT typeof(experience_data) FROM episodes WHERE id = " +
                      std::to_string(e3)) == "text");
    CHECK(cli(db, "SELECT json_extract(experience_data, '$.trace.label') FROM episodes "
                  "WHERE id = " + std::to_string(e3)) == "ünïcode");
    CHECK(cli(db, "SELECT context_hash, performance_score, timestamp FROM episodes WHERE id = " +
                      std::to_string(e1)) == "maze|0.5|1764000000.5");
    CHECK(cli(db, "SELECT name, json_extract(metadata, '$.rank'), length(embedding) > 2048 "
                  "FROM concepts ORDER BY id") == "neuron|0|1\nsynapse|1|1\ndendrite|2|1");
    CHECK(cli(db, "SELECT c.name, r.relationship_type, r.strength FROM concept_relationships r "
                  "JOIN concepts c ON c.id = r.target_concept_id WHERE r.source_concept_id = " +
                      std::to_string(rel_source) + " ORDER BY r.strength DESC") ==
          "synapse|connects_to|0.8\ndendrite|near|0.3");
    CHECK(cli(db, "SELECT strategy_used, round(sum(performance_delta), 6), "
                  "json_extract(parameters, '$.layers[0]') FROM learning_events "
                  "GROUP BY strategy_used ORDER BY strategy_used") ==
          "adam|0.2|64\nsgd|0.4|64");
    // The .npy magic at the start of every array blob.
    CHECK(cli(db, "SELECT hex(substr(experience_data, 1, 6)) FROM episodes WHERE "
                  "experience_format = 'npy' ORDER BY id") ==
          "934E554D5059\n934E554D5059");
    CHECK(cli(db, "PRAGMA integrity_check") == "ok");
  }

  SECTION("Python's sqlite3 + numpy read every blob") {
    const auto expected_file = dir / "expected.json";
    std::ofstream(expected_file) << expected.dump();
    const std::string script = std::string(ENGRAM_SQLITE_TEST_SOURCE_DIR) + "/read_blobs.py";
    int status = -1;
    const std::string out = capture(std::string(ENGRAM_PYTHON) + " " + shell_quote(script) +
                                        " " + shell_quote(db.string()) + " " +
                                        shell_quote(expected_file.string()) + " 2>&1",
                                    &status);
    INFO(out);
    // Never skipped: a missing interpreter or numpy fails here.
    REQUIRE(status == 0);
  }
}

TEST_CASE("sqlite: enable_wal and synchronous reach the connection", "[sqlite]") {
  sqlite_test::TempDir dir;
  const auto db = dir / "rollback.db";
  {
    engram::Storage storage = sqlite_test::open_sqlite(db, ", enable_wal: false");
    storage.episodes()->store_learning_event("t", 1.0, "s");
  }
  CHECK(cli(db, "PRAGMA journal_mode") == "delete");
  CHECK_THROWS_AS(sqlite_test::open_sqlite(dir / "x.db", ", synchronous: sometimes"),
                  engram::ConfigError);
  // SQLite's own spelling is taken too.
  CHECK_NOTHROW(sqlite_test::open_sqlite(dir / "upper.db", ", synchronous: NORMAL"));
}

TEST_CASE("sqlite: an option out of range is a ConfigError at its place in the config",
          "[sqlite]") {
  sqlite_test::TempDir dir;
  const auto refusal = [&](std::string_view option) {
    try {
      sqlite_test::open_sqlite(dir / "never.db", option);
    } catch (const engram::ConfigError& e) {
      return std::string(e.what());
    }
    return std::string("(opened)");
  };
  using Catch::Matchers::Contains;
  CHECK_THAT(refusal(", max_backups: 0"),
             Contains(":3:") && Contains("option `max_backups` of backend `db` must be at least "
                                         "1, got 0"));
  CHECK_THAT(refusal(", backup_interval: -5"),
             Contains("option `backup_interval` of backend `db` must be at least 0, got -5"));
  CHECK_THAT(refusal(", connection_timeout: 3e6"),
             Contains("option `connection_timeout` of backend `db` must be from 0 to 2000000"));
  CHECK_THAT(refusal(", synchronous: sometimes"),
             Contains("option `synchronous` of backend `db` must be one of off, normal, full, "
                      "extra"));
  CHECK_THAT(refusal(", max_record_bytes: 0"),
             Contains("option `max_record_bytes` of backend `db` must be at least 1, got 0"));
  CHECK_FALSE(std::filesystem::exists(dir / "never.db"));
}

TEST_CASE("sqlite: stats, compact and close", "[sqlite]") {
  sqlite_test::TempDir dir;
  const auto db = dir / "stats.db";
  engram::Storage storage = sqlite_test::open_sqlite(db);
  auto episodes = storage.episodes();
  auto concepts = storage.concepts();
  auto maintenance = storage.maintenance("db");
  const std::vector<float> embedding(16, 0.5f);
  for (int i = 0; i < 20; ++i) {
    episodes->store_episode(Json{{"i", i}}, 0.1, "ctx");
    episodes->store_learning_event("task", 0.2, "s");
  }
  const auto a = concepts->store_concept("a", ArrayView(embedding));
  const auto b = concepts->store_concept("b", ArrayView(embedding));
  concepts->add_concept_relationship(a, b, "r");

  Json stats = maintenance->stats();
  INFO(stats.dump());
  for (const char* key : {"path", "schema_version", "episodes", "learning_events", "concepts",
                          "concept_relationships", "page_count", "page_size", "file_size_bytes",
                          "total"}) {
    CHECK(stats.contains(key));
  }
  CHECK(stats.value("schema_version", Json()) == 2);
  CHECK(stats.value("episodes", Json()) == 20);
  CHECK(stats.value("learning_events", Json()) == 20);
  CHECK(stats.value("concepts", Json()) == 2);
  CHECK(stats.value("concept_relationships", Json()) == 1);
  CHECK(stats.value("total", Json()) == 43);
  CHECK(stats.value("page_size", 0) > 0);
  CHECK(stats.value("page_count", 0) > 0);
  CHECK(stats.value("file_size_bytes", 0) > 0);

  REQUIRE_NOTHROW(maintenance->compact());
  CHECK(episodes->retrieve_episode(1));
  CHECK(maintenance->stats().value("episodes", Json()) == 20);

  maintenance->close();
  REQUIRE_NOTHROW(maintenance->close());  // idempotent
  CHECK_THROWS_AS(episodes->retrieve_episode(1), engram::StorageError);
  CHECK_THROWS_AS(concepts->retrieve_concept(a), engram::StorageError);
}
