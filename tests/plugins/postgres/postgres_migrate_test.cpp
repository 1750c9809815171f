// `engram migrate` (the tool, as a user runs it) from a sqlite file to a
// postgres schema and from there to a fresh sqlite file: every episode,
// learning event, concept and relationship arrives equal, ids included
// (both plugins keep the ids they are given), and the postgres schema
// holds the same on the way.
#include <catch2/catch.hpp>
#include <cstdint>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "engram/storage.h"
#include "migrate_records.h"
#include "pg_test_util.h"
#include "shell.h"
#include "temp_dir.h"

#ifndef ENGRAM_TOOL
#error "ENGRAM_TOOL must name the engram tool"
#endif

namespace {

namespace fs = std::filesystem;
using engram::ArrayView;
using engram::Json;

void write_file(const fs::path& path, const std::string& text) {
  std::ofstream out(path);
  out << text;
  REQUIRE(out.good());
}

// Records beyond migrate_records' own: ids with gaps and far apart, arrays
// of other dtypes and shapes, nested JSON.
void populate_extra(engram::Storage& storage) {
  auto episodes = storage.episodes();
  engram::EpisodeBatch batch;
  const std::vector<double> matrix{1.5, -2.25, 0.0, 1e-300, 3.0, 4.0};
  const std::vector<std::int64_t> counts{1, -2, 3, 1LL << 40};
  engram::EpisodeView far;
  far.id = 5000;
  far.timestamp = 1234.5;
  far.experience_data = ArrayView(matrix, {2, 3});
  far.performance_score = -0.75;
  far.context_hash = "far";
  far.metadata = Json{{"nested", {{"list", {1, 2.5, "three", nullptr, true}}}}};
  batch.put(far);
  engram::EpisodeView ints = far;
  ints.id = 1000;
  ints.experience_data = ArrayView(counts);
  batch.put(ints);
  engram::EpisodeView json = far;
  json.id = 4000;
  json.experience_data = Json{{"deep", {{"a", {{"b", "ü → ✓"}}}}}, {"n", 1.0 / 3.0}};
  batch.put(json);
  engram::LearningEvent event;
  event.id = 700;
  event.task_type = "far-task";
  event.performance_delta = 1.0 / 7.0;
  event.strategy_used = "kept-id";
  event.timestamp = 99.5;
  event.parameters = Json{{"lr", 1e-4}, {"layers", {64, 32}}};
  batch.put(event);
  (void)episodes->store_batch(batch);

  auto concepts = storage.concepts();
  engram::ConceptBatch concept_batch;
  const std::vector<float> vector{0.5f, -0.25f, 3.0f};
  engram::ConceptView record;
  record.id = 900;
  record.name = "far concept ✓";
  record.embedding = ArrayView(vector);
  record.creation_time = 42.0;
  record.access_count = 17;
  record.last_accessed = 43.5;
  record.metadata = Json{{"kind", "far"}};
  concept_batch.put(record);
  const auto ids = concepts->store_batch(concept_batch);
  const auto first = concepts->retrieve_concept_by_name("concept0");
  REQUIRE(first);
  concepts->add_concept_relationship(ids.at(0), first->id, "far-link", 0.125);
  concepts->add_concept_relationship(first->id, ids.at(0), "back-link", 2.0);
}

void migrate(const fs::path& from, const fs::path& to) {
  int status = 0;
  const std::string output = engram_test::capture(
      "ENGRAM_CONFIG= " + engram_test::shell_quote(ENGRAM_TOOL) + " migrate --from " +
          engram_test::shell_quote(from.string()) + " --to " +
          engram_test::shell_quote(to.string()) + " --page-size 7 2>&1",
      &status);
  INFO("engram migrate --from " << from.filename() << " --to " << to.filename() << ":\n" << output);
  REQUIRE(status == 0);
}

}  // namespace

TEST_CASE("postgres: engram migrate sqlite -> postgres -> sqlite keeps every record and id",
          "[postgres][migrate]") {
  const std::string dsn = pg_test::shared_dsn();
  pg_test::ScopedSchema schema(dsn);
  engram_test::TempDir dir("engram-pg-migrate");
  const fs::path first_db = dir / "first.db";
  const fs::path last_db = dir / "last.db";
  write_file(dir / "first.yaml", migrate_records::sqlite_config(first_db));
  write_file(dir / "pg.yaml", pg_test::pg_config(dsn, schema.name()));
  write_file(dir / "last.yaml", migrate_records::sqlite_config(last_db));

  std::map<std::string, std::vector<std::string>> expected;
  {
    engram::Storage first = engram::Storage::from_yaml(migrate_records::sqlite_config(first_db));
    migrate_records::populate_episodes(*first.episodes(), 40);
    migrate_records::populate_concepts(*first.concepts(), 30);
    populate_extra(first);
    expected = migrate_records::contents(first, /*with_ids=*/true);
  }
  REQUIRE(expected.at("episodes").size() == 43);
  REQUIRE(expected.at("learning_events").size() == 41);
  REQUIRE(expected.at("concepts").size() == 31);
  REQUIRE(expected.at("relationships").size() == 29 + 8 + 2);

  migrate(dir / "first.yaml", dir / "pg.yaml");
  {
    engram::Storage pg = pg_test::open_pg(dsn, schema.name());
    const auto in_pg = migrate_records::contents(pg, /*with_ids=*/true);
    for (const auto& [kind, rows] : expected) {
      INFO("postgres, " << kind);
      CHECK(in_pg.at(kind) == rows);
    }
  }
  CHECK(pg_test::psql_int(dsn, "SELECT count(*) FROM " + schema.table("episodes") +
                                   " WHERE id IN (1000, 4000, 5000)") == 3);

  migrate(dir / "pg.yaml", dir / "last.yaml");
  engram::Storage last = engram::Storage::from_yaml(migrate_records::sqlite_config(last_db));
  const auto in_last = migrate_records::contents(last, /*with_ids=*/true);
  for (const auto& [kind, rows] : expected) {
    INFO("last sqlite, " << kind);
    CHECK(in_last.at(kind) == rows);
  }
}
