// engram::migrate against a target that already holds records, and run
// again after an interruption (engram/migrate.h): conflicts fail before
// anything is written, or are skipped or replaced as asked; an interrupted
// migration run again with its state file copies every record exactly once;
// the state file is refused where it would harm.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "engram/errors.h"
#include "engram/maintenance.h"
#include "engram/migrate.h"
#include "migrate_records.h"
#include "temp_dir.h"

using namespace migrate_records;
using engram::MigrationOptions;
using engram::OnConflict;

namespace {

// A target whose roles persist in files (sqlite, hdf5) and whose working
// memory is the memory plugin, or the redis test server when there is one.
// Without `working_memory`, no working-memory role.
std::string files_config(const engram_test::TempDir& dir, const std::string& tag,
                         bool working_memory = true) {
  std::string wm = "  mem: {plugin: memory}\n";
  if (!working_memory) {
    return "version: 1\nbackends:\n  db: {plugin: sqlite, db_path: \"" +
           (dir / (tag + ".db")).string() + "\"}\n  arrays: {plugin: hdf5, file_path: \"" +
           (dir / (tag + ".h5")).string() +
           "\"}\nroles: {episodes: db, concepts: db, traces: arrays}\n";
  }
  if (const char* port = std::getenv("ENGRAM_TEST_REDIS_PORT")) {
    wm = "  mem: {plugin: redis, host: 127.0.0.1, port: " + std::string(port) +
         ", key_prefix: \"migrate-resume:" + std::to_string(::getpid()) + ":" + tag + ":\"}\n";
  }
  return "version: 1\nbackends:\n  db: {plugin: sqlite, db_path: \"" +
         (dir / (tag + ".db")).string() + "\"}\n  arrays: {plugin: hdf5, file_path: \"" +
         (dir / (tag + ".h5")).string() + "\"}\n" + wm +
         "roles: {working_memory: mem, episodes: db, concepts: db, traces: arrays}\n";
}

bool uses_redis() { return std::getenv("ENGRAM_TEST_REDIS_PORT") != nullptr; }

void clear_redis(const Storage& storage) {
  if (uses_redis()) storage.maintenance("mem")->clear_all();
}

Storage populated_source(int scale = 1) {
  Storage from = Storage::from_yaml(memory_config());
  populate_working_memory(*from.working_memory(), 7 * scale);
  populate_episodes(*from.episodes(), 8 * scale);
  populate_concepts(*from.concepts(), 9 * scale);
  populate_traces(*from.traces(), 5 * scale);
  return from;
}

const std::vector<float> kOther{42.0f, 43.0f};

// Records in `to` under keys the source uses: pattern1, context2, concepts
// 3 and 4 joined by "next" (another strength), and the source's first
// snapshot, equal.
void plant_conflicts(const Storage& from, const Storage& to) {
  to.working_memory()->store_working_memory_pattern("pattern1", ArrayView(kOther), 1.0);
  to.working_memory()->store_attention_weights("context2", ArrayView(kOther), 1.0);
  const auto c3 = to.concepts()->store_concept("concept3", ArrayView(kOther));
  const auto c4 = to.concepts()->store_concept("concept4", ArrayView(kOther));
  to.concepts()->add_concept_relationship(c3, c4, "next", 0.9);
  engram::TraceBatch batch;
  const auto snapshot = from.traces()->list_network_snapshots({}, 1).items.at(0);
  batch.put(snapshot);
  to.traces()->store_batch(batch);
}

const engram::MigrationReport::Kind& row(const engram::MigrationReport& report,
                                         std::string_view kind) {
  for (const auto& r : report.kinds) {
    if (r.kind == kind) return r;
  }
  throw std::runtime_error("no row " + std::string(kind));
}

std::vector<float> embedding_of(const Storage& storage, const std::string& name) {
  for (const auto& c : storage.concepts()->list_concepts({}, 1000).items) {
    if (c.name == name) {
      const auto values = c.embedding.values<float>();
      return {values.begin(), values.end()};
    }
  }
  return {};
}

std::int64_t concept_id(const Storage& storage, const std::string& name) {
  for (const auto& c : storage.concepts()->list_concepts({}, 1000).items) {
    if (c.name == name) return c.id;
  }
  return 0;
}

double strength(const Storage& storage, const std::string& from, const std::string& to,
                const std::string& type) {
  const auto target = concept_id(storage, to);
  for (const auto& r :
       storage.concepts()->get_concept_relationships(concept_id(storage, from), type)) {
    if (r.target_id == target) return r.strength;
  }
  return -1.0;
}

Json read_json(const std::filesystem::path& file) {
  std::ifstream in(file);
  return Json::parse(in);
}

struct Interrupted : std::runtime_error {
  Interrupted() : std::runtime_error("interrupted") {}
};

}  // namespace

TEST_CASE("migrate: conflicts fail before anything is written, naming the first and the counts",
          "[migrate][conflict]") {
  engram_test::TempDir dir("engram-migrate");
  const bool files = GENERATE(false, true);
  INFO((files ? "sqlite/hdf5 target" : "memory target"));
  Storage from = populated_source();
  Storage to = Storage::from_yaml(files ? files_config(dir, "t") : memory_config());
  plant_conflicts(from, to);
  const auto before = contents(to, true);
  MigrationOptions options;
  options.page_size = 3;
  options.state_file = dir / "state.json";
  try {
    engram::migrate(from, to, options);
    FAIL("the conflicts were not refused");
  } catch (const engram::InvalidArgument& e) {
    const std::string what = e.what();
    CHECK_THAT(what, Catch::Contains("5 of the source's records"));
    CHECK_THAT(what, Catch::Contains("patterns 1"));
    CHECK_THAT(what, Catch::Contains("attention_weights 1"));
    CHECK_THAT(what, Catch::Contains("concepts 2"));
    CHECK_THAT(what, Catch::Contains("network_snapshots 1"));
    CHECK_THAT(what, Catch::Contains("the first is patterns `pattern1`"));
    CHECK_THAT(what, Catch::Contains("--on-conflict skip"));
    CHECK_THAT(what, Catch::Contains("nothing was written"));
  }
  CHECK(contents(to, true) == before);
  CHECK_FALSE(std::filesystem::exists(dir / "state.json"));
  clear_redis(to);
}

TEST_CASE("migrate: --on-conflict skip keeps the target's records and copies the rest",
          "[migrate][conflict]") {
  engram_test::TempDir dir("engram-migrate");
  const bool files = GENERATE(false, true);
  INFO((files ? "sqlite/hdf5 target" : "memory target"));
  Storage from = populated_source();
  Storage to = Storage::from_yaml(files ? files_config(dir, "t") : memory_config());
  plant_conflicts(from, to);
  MigrationOptions options;
  options.page_size = 3;
  options.on_conflict = OnConflict::kSkip;
  const auto report = engram::migrate(from, to, options);
  CHECK(row(report, "patterns").skipped == 1);
  CHECK(row(report, "attention_weights").skipped == 1);
  CHECK(row(report, "concepts").skipped == 2);
  CHECK(row(report, "relationships").skipped == 1);
  CHECK(row(report, "network_snapshots").skipped == 1);
  CHECK(row(report, "episodes").skipped == 0);
  for (const auto& r : report.kinds) {
    INFO(r.kind);
    CHECK(r.replaced == 0);
    CHECK(r.verified);
  }
  // The target's own records are as they were.
  CHECK(embedding_of(to, "concept3") == kOther);
  CHECK(strength(to, "concept3", "concept4", "next") == 0.9);
  CHECK(to.working_memory()
            ->retrieve_working_memory_pattern("pattern1")
            ->pattern.values<float>()[0] == 42.0f);
  CHECK(to.working_memory()->retrieve_attention_weights("context2")->weights.values<float>()[0] ==
        42.0f);
  // The source's other relationships join the target's concepts of those names.
  CHECK(strength(to, "concept2", "concept3", "next") == 0.5);
  CHECK(strength(to, "concept4", "concept5", "next") == 0.5);
  // Everything else arrived once; the equal snapshot was not doubled.
  const auto source = contents(from, false);
  const auto target = contents(to, false);
  for (const std::string kind : {"episodes", "learning_events", "cached_spike_trains",
                                 "network_snapshots", "performance_metrics"}) {
    INFO(kind);
    CHECK(target.at(kind) == source.at(kind));
  }
  CHECK(target.at("concepts").size() == source.at("concepts").size());
  clear_redis(to);
}

TEST_CASE("migrate: --on-conflict replace overwrites the target's records with the source's",
          "[migrate][conflict]") {
  engram_test::TempDir dir("engram-migrate");
  const bool files = GENERATE(false, true);
  INFO((files ? "sqlite/hdf5 target" : "memory target"));
  Storage from = populated_source();
  Storage to = Storage::from_yaml(files ? files_config(dir, "t") : memory_config());
  plant_conflicts(from, to);
  MigrationOptions options;
  options.page_size = 3;
  options.on_conflict = OnConflict::kReplace;
  const auto report = engram::migrate(from, to, options);
  CHECK(row(report, "patterns").replaced == 1);
  CHECK(row(report, "attention_weights").replaced == 1);
  CHECK(row(report, "concepts").replaced == 2);
  CHECK(row(report, "relationships").replaced == 1);
  // An equal trace has nothing to replace: left, and not doubled.
  CHECK(row(report, "network_snapshots").skipped == 1);
  CHECK(row(report, "network_snapshots").replaced == 0);
  // The target now holds exactly the source's records.
  CHECK(contents(to, false) == contents(from, false));
  clear_redis(to);
}

TEST_CASE("migrate: interrupted after any page and run again, every record exactly once",
          "[migrate][resume]") {
  engram_test::TempDir dir("engram-migrate");
  const bool files = GENERATE(false, true);
  const int stop_after = GENERATE(1, 4, 10, 16, 19, 23, 36);
  INFO((files ? "sqlite/hdf5 target, reopened" : "memory target")
       << ", stopped after page " << stop_after);
  Storage from = populated_source();
  // Working memory only where it outlives a reopening: memory, or redis.
  const std::string target_yaml = files ? files_config(dir, "t", uses_redis()) : memory_config();
  std::optional<Storage> to;
  to.emplace(Storage::from_yaml(target_yaml));
  MigrationOptions options;
  if (files && !uses_redis()) options.roles = {Role::kEpisodes, Role::kConcepts, Role::kTraces};
  options.page_size = 3;
  options.trace_page_size = 2;
  options.state_file = dir / "state.json";
  int pages = 0;
  options.on_progress = [&](const engram::MigrationProgress&) {
    if (++pages == stop_after) throw Interrupted();
  };
  CHECK_THROWS_AS(engram::migrate(from, *to, options), Interrupted);
  // The page just stored is not confirmed yet, as after a crash there.
  const Json state = read_json(dir / "state.json");
  CHECK(state.at("format") == "engram-migrate-state");
  CHECK(state.at("unconfirmed").is_object());
  if (files) {
    to.reset();
    to.emplace(Storage::from_yaml(target_yaml));
  }
  // Same storages, other roles: refused while unfinished.
  MigrationOptions other_roles = options;
  other_roles.roles = {Role::kEpisodes};
  CHECK_THROWS_WITH(engram::migrate(from, *to, other_roles),
                    Catch::Contains("unfinished migration of roles") && Catch::Contains("--roles"));
  options.on_progress = nullptr;
  const auto report = engram::migrate(from, *to, options);
  const auto source = contents(from, true);
  const auto target = contents(*to, true);
  CHECK(target.size() == (options.roles.empty() ? 15u : 12u));
  for (const auto& [kind, rows] : target) {
    INFO(kind);
    CHECK(rows == source.at(kind));
    const auto& r = row(report, kind);
    CHECK(r.records + r.resumed == static_cast<std::int64_t>(source.at(kind).size()));
    // Checked now, or by the run that finished it.
    CHECK((r.verified || r.done_before));
  }
  // Run again: finished, nothing copied.
  const auto again = engram::migrate(from, *to, options);
  CHECK(again.done_before());
  CHECK(again.total_records() == 0);
  CHECK(contents(*to, true) == target);
  clear_redis(*to);
}

TEST_CASE("migrate: resumed into a target that renumbers, relationships still join by name",
          "[migrate][resume]") {
  engram_test::TempDir dir("engram-migrate");
  const int stop_after = GENERATE(2, 4, 5, 6, 8);
  INFO("stopped after page " << stop_after);
  Storage from = populated_source(2);
  const std::string target_yaml = "version: 1\nbackends:\n  db: {plugin: sqlite, db_path: \"" +
                                  (dir / "t.db").string() +
                                  "\"}\nroles: {episodes: db, concepts: db}\n";
  std::optional<Storage> to;
  to.emplace(Storage::from_yaml(target_yaml));
  for (int i = 0; i < 3; ++i) {
    to->concepts()->store_concept("other" + std::to_string(i), ArrayView(kOther));
    to->episodes()->store_episode(kOther, 0.0, "theirs");
  }
  MigrationOptions options = only({Role::kConcepts, Role::kEpisodes});
  options.page_size = 4;
  options.state_file = dir / "state.json";
  int pages = 0;
  options.on_progress = [&](const engram::MigrationProgress&) {
    if (++pages == stop_after) throw Interrupted();
  };
  CHECK_THROWS_AS(engram::migrate(from, *to, options), Interrupted);
  to.reset();
  to.emplace(Storage::from_yaml(target_yaml));
  options.on_progress = nullptr;
  const auto report = engram::migrate(from, *to, options);
  CHECK(row(report, "concepts").remapped + row(report, "episodes").remapped > 0);
  const auto source = contents(from, false);
  const auto target = contents(*to, false);
  for (const std::string kind : {"concepts", "episodes", "learning_events"}) {
    INFO(kind);
    for (const std::string& r : source.at(kind)) {
      CHECK(std::count(target.at(kind).begin(), target.at(kind).end(), r) == 1);
    }
  }
  CHECK(target.at("concepts").size() == source.at("concepts").size() + 3);
  CHECK(target.at("episodes").size() == source.at("episodes").size() + 3);
  CHECK(target.at("relationships") == source.at("relationships"));
}

TEST_CASE("migrate: a page left unconfirmed and not stored is copied again, once",
          "[migrate][resume]") {
  engram_test::TempDir dir("engram-migrate");
  Storage from = populated_source();
  const std::string target_yaml = sqlite_config(dir / "t.db");
  std::optional<Storage> to;
  to.emplace(Storage::from_yaml(target_yaml));
  MigrationOptions options = only({Role::kEpisodes, Role::kConcepts});
  options.page_size = 3;
  options.state_file = dir / "state.json";
  const std::string stop_in = GENERATE("episodes", "concepts", "relationships");
  INFO("target closed during " << stop_in);
  options.on_progress = [&](const engram::MigrationProgress& p) {
    if (p.kind == stop_in && p.records == 3) to->close();
  };
  CHECK_THROWS_WITH(engram::migrate(from, *to, options), Catch::Contains("closed"));
  const Json state = read_json(dir / "state.json");
  REQUIRE(state.at("unconfirmed").is_object());
  CHECK(state.at("unconfirmed").at("kind") == stop_in);
  to.reset();
  to.emplace(Storage::from_yaml(target_yaml));
  options.on_progress = nullptr;
  const auto report = engram::migrate(from, *to, options);
  auto source = contents(from, true);
  const auto target = contents(*to, true);
  for (const auto& [kind, rows] : target) {
    INFO(kind);
    CHECK(rows == source.at(kind));
  }
  CHECK(target.size() == 4);
  CHECK(row(report, stop_in).resumed == 3);
}

TEST_CASE("migrate: a state file of another unfinished migration is refused, naming what to do",
          "[migrate][resume]") {
  engram_test::TempDir dir("engram-migrate");
  Storage from = populated_source();
  Storage to = Storage::from_yaml(sqlite_config(dir / "t.db"));
  MigrationOptions options = only({Role::kEpisodes});
  options.page_size = 2;
  options.state_file = dir / "state.json";
  options.on_progress = [&](const engram::MigrationProgress&) { throw Interrupted(); };
  CHECK_THROWS_AS(engram::migrate(from, to, options), Interrupted);
  options.on_progress = nullptr;
  // Another source into the same target, with the same state file.
  Storage other = Storage::from_yaml(sqlite_config(dir / "other.db"));
  populate_episodes(*other.episodes(), 3);
  CHECK_THROWS_AS(engram::migrate(other, to, options), engram::ConfigError);
  CHECK_THROWS_WITH(engram::migrate(other, to, options), Catch::Contains("unfinished migration") &&
                                                             Catch::Contains("delete the file") &&
                                                             Catch::Contains("state.json"));
  // The right one finishes; then another migration may use the file.
  engram::migrate(from, to, options);
  Storage fresh = Storage::from_yaml(sqlite_config(dir / "fresh.db"));
  const auto report = engram::migrate(other, fresh, options);
  CHECK(row(report, "episodes").records == 3);
}

TEST_CASE("migrate: the state file is never written over a backend's file or a foreign file",
          "[migrate][resume]") {
  engram_test::TempDir dir("engram-migrate");
  Storage from = populated_source();
  Storage to = Storage::from_yaml(files_config(dir, "t"));
  MigrationOptions options = only({Role::kEpisodes, Role::kTraces});
  const auto db_size = std::filesystem::file_size(dir / "t.db");
  for (const auto& file : {dir / "t.db", dir / "t.h5"}) {
    INFO(file);
    options.state_file = file;
    CHECK_THROWS_AS(engram::migrate(from, to, options), engram::InvalidArgument);
  }
  CHECK(std::filesystem::file_size(dir / "t.db") == db_size);
  // Every file a backend reports (journals, -wal, locks), present or not.
  for (const auto& backend : to.backends()) {
    for (const auto& file : backend.maintenance->files()) {
      INFO(file);
      options.state_file = file;
      CHECK_THROWS_WITH(engram::migrate(from, to, options),
                        Catch::Contains("a file of backend") || Catch::Contains("not a migration"));
    }
  }
  // A file that is not a migration state is left alone.
  std::ofstream(dir / "notes.txt") << "mine\n";
  options.state_file = dir / "notes.txt";
  CHECK_THROWS_WITH(engram::migrate(from, to, options),
                    Catch::Contains("not a migration state file"));
  std::ifstream in(dir / "notes.txt");
  std::string text;
  std::getline(in, text);
  CHECK(text == "mine");
  CHECK(contents(to, true).at("episodes").empty());
  clear_redis(to);
}

TEST_CASE("migrate: a target changed under the migration fails the count check, saying so",
          "[migrate]") {
  Storage from = populated_source();
  MigrationOptions options = only({Role::kEpisodes});
  options.page_size = 3;
  try {
    Storage again = Storage::from_yaml(memory_config());
    options.on_progress = [&](const engram::MigrationProgress& p) {
      if (p.kind == "episodes" && p.records == 3) {
        again.episodes()->store_episode(kOther, 0.0, "meanwhile");
      }
    };
    engram::migrate(from, again, options);
    FAIL("the count check passed");
  } catch (const engram::BackendError& e) {
    CHECK_THAT(e.what(), Catch::Contains("the target changed under the migration") &&
                             Catch::Contains("holds 9 records where 8 were expected"));
  }
}

TEST_CASE("migrate: a trace id the target uses for another record is remapped, not a conflict",
          "[migrate][conflict]") {
  engram_test::TempDir dir("engram-migrate");
  const bool files = GENERATE(false, true);
  INFO((files ? "hdf5 target" : "memory target"));
  Storage from = Storage::from_yaml(
      "version: 1\nbackends:\n  mem: {plugin: memory}\nroles: {traces: mem}\n");
  populate_traces(*from.traces(), 3);
  Storage to = Storage::from_yaml(files ? "version: 1\nbackends:\n  arrays: {plugin: hdf5, "
                                          "file_path: \"" +
                                              (dir / "t.h5").string() +
                                              "\"}\nroles: {traces: arrays}\n"
                                        : "version: 1\nbackends:\n  mem: {plugin: memory}\nroles: "
                                          "{traces: mem}\n");
  // The target's own snapshot in the millisecond of the source's second.
  const std::vector<std::int64_t> adjacency{1};
  const std::vector<double> weights{2.0};
  const std::vector<float> states{3.0f};
  const std::string theirs = to.traces()->store_network_snapshot(
      5001.0, ArrayView(adjacency, {1, 1}), ArrayView(weights, {1, 1}), ArrayView(states));
  REQUIRE(theirs == "snapshot_5001000");
  MigrationOptions options = only({Role::kTraces});
  const auto report = engram::migrate(from, to, options);
  CHECK(row(report, "network_snapshots").records == 3);
  CHECK(row(report, "network_snapshots").remapped == 1);
  CHECK(row(report, "network_snapshots").skipped == 0);
  CHECK(to.traces()->retrieve_network_snapshot("snapshot_5001000")->weight_matrix.values<double>()[0] ==
        2.0);
  CHECK(to.traces()->list_network_snapshots({}, 100).items.size() == 4);
  // Run again without a state file: every trace is there already (the
  // remapped one under its suffix): conflicts, nothing doubled.
  const auto before = contents(to, true);
  CHECK_THROWS_WITH(engram::migrate(from, to, options),
                    Catch::Contains("24 of the source's records") &&
                        Catch::Contains("network_snapshots 3"));
  CHECK(contents(to, true) == before);
  options.on_conflict = OnConflict::kSkip;
  const auto skipped = engram::migrate(from, to, options);
  CHECK(skipped.total_records() == 0);
  CHECK(row(skipped, "network_snapshots").skipped == 3);
  CHECK(contents(to, true) == before);
}
