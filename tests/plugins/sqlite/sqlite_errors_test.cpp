// Bad input gets a typed error and loses nothing: paths that cannot hold a
// database, files that are not one or come from a newer engram, invalid
// values, dangling relationships, blobs overwritten by hand.
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "engram/array.h"
#include "engram/errors.h"
#include "engram/storage.h"
#include "sqlite_test_util.h"

namespace fs = std::filesystem;

namespace {

using engram::ArrayView;
using engram::Json;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// pickle.dumps({'a': 1}, protocol=4), what the Python system stored.
constexpr const char* kPickleHex = "8004950a000000000000007d948c0161944b01732e";
// The same without its last byte (STOP): a truncated pickle.
constexpr const char* kTruncatedPickleHex = "8004950a000000000000007d948c0161944b0173";

// What opening `db` does, as an exit code: 0 AccessDenied, 1 opened,
// 2 another engram error, 3 anything else.
int open_outcome(const fs::path& db) {
  try {
    engram::Storage storage = sqlite_test::open_sqlite(db);
    storage.episodes()->store_learning_event("t", 1.0, "s");
    return 1;
  } catch (const engram::AccessDenied&) {
    return 0;
  } catch (const engram::StorageError&) {
    return 2;
  } catch (...) {
    return 3;
  }
}

// Opening `db` must be AccessDenied. Root ignores permission bits, so as
// root the open runs in a forked child that first drops to nobody (65534).
void require_access_denied(const fs::path& db) {
  if (::geteuid() != 0) {
    CHECK_THROWS_AS(sqlite_test::open_sqlite(db), engram::AccessDenied);
    return;
  }
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    if (::setgid(65534) != 0 || ::setuid(65534) != 0) ::_exit(10);
    ::_exit(open_outcome(db));
  }
  int status = 0;
  REQUIRE(::waitpid(child, &status, 0) == child);
  REQUIRE(WIFEXITED(status));
  INFO("child outcome: 0 AccessDenied, 1 opened and stored, 2 other StorageError, 3 other, "
       "10 could not drop privileges");
  CHECK(WEXITSTATUS(status) == 0);
}

}  // namespace

TEST_CASE("sqlite: a directory as db_path is AccessDenied", "[sqlite]") {
  sqlite_test::TempDir dir;
  fs::create_directory(dir / "a_folder.db");
  CHECK_THROWS_AS(sqlite_test::open_sqlite(dir / "a_folder.db"), engram::AccessDenied);
  CHECK(fs::is_directory(dir / "a_folder.db"));
  CHECK(fs::is_empty(dir / "a_folder.db"));
}

TEST_CASE("sqlite: an unwritable db_path is AccessDenied", "[sqlite]") {
  // As root, permission bits do not bind: the open is tried by a child
  // process running as nobody (see require_access_denied).
  sqlite_test::TempDir dir;
  fs::permissions(dir.path(), fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                  fs::perms::others_read | fs::perms::others_exec);
  const auto ro = dir / "read_only";
  fs::create_directory(ro);

  SECTION("a new database in a read-only folder") {
    fs::permissions(ro, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                            fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec);
    require_access_denied(ro / "new.db");
    CHECK_FALSE(fs::exists(ro / "new.db"));
  }

  SECTION("an existing read-only database in a read-only folder") {
    { sqlite_test::open_sqlite(ro / "old.db", ", enable_wal: false").episodes()->store_learning_event("t", 1.0, "s"); }
    fs::permissions(ro / "old.db", fs::perms::owner_read | fs::perms::group_read | fs::perms::others_read);
    fs::permissions(ro, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::group_read |
                            fs::perms::group_exec | fs::perms::others_read | fs::perms::others_exec);
    require_access_denied(ro / "old.db");
    sqlite_test::RawDb raw(ro / "old.db", true);
    CHECK(raw.count("learning_events") == 1);
  }
}

TEST_CASE("sqlite: a file that is not a database is CorruptData and stays as it was",
          "[sqlite]") {
  sqlite_test::TempDir dir;
  const auto path = dir / "garbage.db";
  std::string garbage;
  for (int i = 0; i < 4096; ++i) garbage += static_cast<char>('A' + i % 26);
  std::ofstream(path, std::ios::binary) << garbage;
  CHECK_THROWS_AS(sqlite_test::open_sqlite(path), engram::CorruptData);
  std::ifstream in(path, std::ios::binary);
  const std::string after((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(after == garbage);
}

TEST_CASE("sqlite: a schema newer than the plugin knows is NotSupported and left alone",
          "[sqlite]") {
  sqlite_test::TempDir dir;
  const auto db = dir / "future.db";
  {
    engram::Storage storage = sqlite_test::open_sqlite(db);
    storage.episodes()->store_episode(Json{{"x", 1}}, 0.5, "ctx");
  }
  {
    sqlite_test::RawDb raw(db);
    raw.exec("INSERT INTO schema_version(version, applied_at) VALUES (99, 0)");
  }
  CHECK_THROWS_AS(sqlite_test::open_sqlite(db), engram::NotSupported);
  sqlite_test::RawDb raw(db, true);
  CHECK(raw.scalar_int("SELECT max(version) FROM schema_version") == 99);
  CHECK(raw.count("episodes") == 1);
}

TEST_CASE("sqlite: invalid values are InvalidArgument and store nothing", "[sqlite]") {
  sqlite_test::TempDir dir;
  const auto db = dir / "invalid.db";
  engram::Storage storage = sqlite_test::open_sqlite(db);
  auto episodes = storage.episodes();
  auto concepts = storage.concepts();
  const std::vector<double> values{1.0, 2.0};
  const std::vector<float> embedding(4, 1.0f);
  episodes->store_episode(ArrayView(values), 0.5, "ctx");
  const auto a = concepts->store_concept("a", ArrayView(embedding));
  const auto b = concepts->store_concept("b", ArrayView(embedding));

  CHECK_THROWS_AS(episodes->store_episode(ArrayView(values), kNaN, "ctx"), engram::InvalidArgument);
  CHECK_THROWS_AS(episodes->store_episode(Json{{"x", 1}}, kNaN, "ctx"), engram::InvalidArgument);
  CHECK_THROWS_AS(episodes->store_episode(ArrayView(values), 0.5, "ctx", 1.0, Json{{"x", kNaN}}),
                  engram::InvalidArgument);
  CHECK_THROWS_AS(episodes->store_learning_event("t", kNaN, "s"), engram::InvalidArgument);
  CHECK_THROWS_AS(concepts->add_concept_relationship(a, 999, "r"), engram::InvalidArgument);
  CHECK_THROWS_AS(concepts->add_concept_relationship(999, b, "r"), engram::InvalidArgument);
  CHECK_THROWS_AS(concepts->add_concept_relationship(a, b, "r", kNaN), engram::InvalidArgument);
  // Empty names and hashes.
  CHECK_THROWS_AS(concepts->store_concept("", ArrayView(embedding)), engram::InvalidArgument);
  CHECK_THROWS_AS(episodes->store_episode(ArrayView(values), 0.5, ""), engram::InvalidArgument);
  CHECK_THROWS_AS(episodes->store_learning_event("", 0.1, "s"), engram::InvalidArgument);
  CHECK_THROWS_AS(episodes->store_learning_event("t", 0.1, ""), engram::InvalidArgument);
  CHECK_THROWS_AS(concepts->add_concept_relationship(a, b, ""), engram::InvalidArgument);

  const Json stats = storage.maintenance("db")->stats();
  CHECK(stats.value("episodes", Json()) == 1);
  CHECK(stats.value("concepts", Json()) == 2);
  CHECK(stats.value("learning_events", Json()) == 0);
  CHECK(stats.value("concept_relationships", Json()) == 0);
  storage.close();
  sqlite_test::RawDb raw(db, true);
  CHECK(raw.count("episodes") == 1);
  CHECK(raw.count("learning_events") == 0);
  CHECK(raw.count("concept_relationships") == 0);
}

TEST_CASE("sqlite: a blob overwritten by hand is CorruptData, other rows still read",
          "[sqlite]") {
  sqlite_test::TempDir dir;
  const auto db = dir / "tampered.db";
  const std::vector<double> values{1.0, 2.0, 3.0};
  const std::vector<float> embedding(8, 0.5f);
  std::vector<std::int64_t> ids;
  std::vector<std::int64_t> concept_ids;
  {
    engram::Storage storage = sqlite_test::open_sqlite(db);
    for (int i = 0; i < 4; ++i) ids.push_back(storage.episodes()->store_episode(ArrayView(values), 0.1 * i, "ctx"));
    ids.push_back(storage.episodes()->store_episode(Json{{"k", "v"}}, 0.9, "ctx"));
    for (const char* name : {"x", "y", "z"}) concept_ids.push_back(storage.concepts()->store_concept(name, ArrayView(embedding)));
  }
  {
    sqlite_test::RawDb raw(db);
    // Pickle bytes where .npy is declared; truncated pickle bytes marked as
    // the Python system's (format NULL); broken JSON text; a truncated
    // pickled embedding.
    raw.exec(std::string("UPDATE episodes SET experience_data = X'") + kPickleHex +
             "' WHERE id = " + std::to_string(ids[1]));
    raw.exec(std::string("UPDATE episodes SET experience_data = X'") + kTruncatedPickleHex +
             "', experience_format = NULL WHERE id = " + std::to_string(ids[2]));
    raw.exec("UPDATE episodes SET experience_data = '{\"k\": ' WHERE id = " + std::to_string(ids[4]));
    raw.exec(std::string("UPDATE concepts SET embedding = X'") + kTruncatedPickleHex +
             "' WHERE id = " + std::to_string(concept_ids[1]));
  }
  engram::Storage storage = sqlite_test::open_sqlite(db);
  auto episodes = storage.episodes();
  auto concepts = storage.concepts();
  CHECK_THROWS_AS(episodes->retrieve_episode(ids[1]), engram::CorruptData);
  CHECK_THROWS_AS(episodes->retrieve_episode(ids[2]), engram::CorruptData);
  CHECK_THROWS_AS(episodes->retrieve_episode(ids[4]), engram::CorruptData);
  CHECK_THROWS_AS(concepts->retrieve_concept(concept_ids[1]), engram::CorruptData);
  for (std::size_t i : {0u, 3u}) {
    const auto e = episodes->retrieve_episode(ids[i]);
    REQUIRE(e);
    CHECK(std::get<engram::Array>(e->experience_data) == engram::Array(ArrayView(values)));
  }
  for (std::size_t i : {0u, 2u}) {
    const auto c = concepts->retrieve_concept(concept_ids[i]);
    REQUIRE(c);
    CHECK(c->embedding == engram::Array(ArrayView(embedding)));
  }
  // Writing goes on; the file is sound.
  CHECK(episodes->store_episode(ArrayView(values), 0.5, "ctx") > ids.back());
  storage.close();
  sqlite_test::RawDb raw(db, true);
  CHECK(raw.integrity_check() == "ok");
  CHECK(raw.count("episodes") == 6);
}
