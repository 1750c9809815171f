// What only the postgres plugin can show, against a real server (the shared
// one, ENGRAM_TEST_PG_DSN, a schema of each test's own): refused
// credentials and unreachable servers at open, schemas that are not
// engram's or are newer, migrations racing, many threads through a small
// pool, clear_all and stats of one schema among others, backups through
// pg_dump, ids kept and reserved, and JSON values jsonb would alter. psql is
// the independent client. What every backend does alike is the conformance
// suite's.
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <latch>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <thread>
#include <variant>
#include <vector>

#include "engram/errors.h"
#include "engram/ids.h"
#include "engram/storage.h"
#include "pg_test_util.h"
#include "role_hooks.h"
#include "shell.h"
#include "temp_dir.h"

namespace {

namespace fs = std::filesystem;
using engram::ArrayView;
using engram::Episode;
using engram::IdKind;
using engram::Json;
using engram::LearningEvent;
using pg_test::open_pg;
using pg_test::psql;
using pg_test::psql_int;
using pg_test::ScopedSchema;
using Clock = std::chrono::steady_clock;

// How long a failing open may take with connect_timeout 1 (libpq waits at
// least 2 s): generous; what matters is that it does not hang.
constexpr auto kBound = std::chrono::seconds(10);
constexpr const char* kQuick = ", connect_timeout: 1";

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

std::vector<Episode> all_episodes(engram::EpisodeStore& store) {
  std::vector<Episode> all;
  std::string cursor;
  do {
    auto page = store.list_episodes(cursor, 97);
    for (auto& episode : page.items) all.push_back(std::move(episode));
    cursor = page.next_cursor;
  } while (!cursor.empty());
  return all;
}

std::vector<LearningEvent> all_events(engram::EpisodeStore& store) {
  std::vector<LearningEvent> all;
  std::string cursor;
  do {
    auto page = store.list_learning_events(cursor, 97);
    for (auto& event : page.items) all.push_back(std::move(event));
    cursor = page.next_cursor;
  } while (!cursor.empty());
  return all;
}

std::vector<double> doubles(const Episode& episode) {
  const auto values = std::get<engram::Array>(episode.experience_data).values<double>();
  return {values.begin(), values.end()};
}

// A loopback socket that completes TCP handshakes (the kernel's backlog)
// and never answers: a server that hangs.
class SilentListener {
 public:
  SilentListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    if (fd_ < 0) throw std::system_error(errno, std::generic_category(), "socket");
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof address;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      const int error = errno;
      ::close(fd_);
      throw std::system_error(error, std::generic_category(), "bind/listen");
    }
    port_ = ntohs(address.sin_port);
  }
  ~SilentListener() { ::close(fd_); }
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;
  int port() const noexcept { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
};

// A port nothing listens on: bound, then closed again.
int closed_port() {
  int port = 0;
  { port = SilentListener().port(); }
  return port;
}

}  // namespace

// ------------------------------------------------------------------ opening

TEST_CASE("postgres: a wrong password is AccessDenied at open, the password never shown",
          "[postgres][open]") {
  const std::string dsn = pg_test::shared_dsn();
  const std::string schema = pg_test::unique_schema();
  SECTION("in the dsn") {
    const std::string secret = "wrong-secret-" + pg_test::unique_schema();
    try {
      (void)open_pg(pg_test::dsn_with(dsn, "password", secret), schema, kQuick);
      FAIL("opened with a wrong password");
    } catch (const engram::AccessDenied& e) {
      const std::string what = e.what();
      INFO(what);
      CHECK(what.find(secret) == std::string::npos);
      // The first line says what failed and where.
      const std::string line = first_line(what);
      CHECK_THAT(line, Catch::StartsWith("pg: "));  // the backend
      CHECK_THAT(line, Catch::Contains("connecting"));
      CHECK_THAT(line, Catch::Contains("127.0.0.1:" + pg_test::dsn_port(dsn)));
      CHECK_THAT(line, Catch::Contains("password authentication failed"));
    }
  }
  SECTION("as the password option") {
    const std::string secret = "wrong-option-" + pg_test::unique_schema();
    try {
      (void)open_pg(pg_test::dsn_with(dsn, "password", ""), schema,
                    std::string(kQuick) + ", password: \"" + secret + "\"");
      FAIL("opened with a wrong password");
    } catch (const engram::AccessDenied& e) {
      const std::string what = e.what();
      INFO(what);
      CHECK(what.find(secret) == std::string::npos);
      CHECK_THAT(first_line(what), Catch::Contains("connecting"));
    }
  }
  SECTION("in a postgresql:// URI") {
    const std::string secret = "wrong-uri-" + pg_test::unique_schema();
    const std::string uri = "postgresql://" + pg_test::dsn_value(dsn, "user") + ":" + secret + "@" +
                            pg_test::dsn_value(dsn, "host") + ":" + pg_test::dsn_port(dsn) + "/" +
                            pg_test::dsn_value(dsn, "dbname");
    try {
      (void)open_pg(uri, schema, kQuick);
      FAIL("opened with a wrong password");
    } catch (const engram::AccessDenied& e) {
      const std::string what = e.what();
      INFO(what);
      CHECK(what.find(secret) == std::string::npos);
    }
  }
  SECTION("a user the server does not know") {
    CHECK_THROWS_AS(open_pg(pg_test::dsn_with(dsn, "user", "nobody_" + schema), schema, kQuick),
                    engram::AccessDenied);
  }
  // Nothing was created for the refused opens.
  CHECK(psql_int(dsn, "SELECT count(*) FROM pg_namespace WHERE nspname = '" + schema + "'") == 0);
}

TEST_CASE("postgres: a server out of reach is a ConnectionError at open within connect_timeout",
          "[postgres][open]") {
  const std::string dsn = pg_test::shared_dsn();
  const std::string schema = pg_test::unique_schema();
  SECTION("nothing listens on the port") {
    const int port = closed_port();
    const auto start = Clock::now();
    CHECK_THROWS_AS(open_pg(pg_test::dsn_with(dsn, "port", std::to_string(port)), schema, kQuick),
                    engram::ConnectionError);
    CHECK(Clock::now() - start < kBound);
  }
  SECTION("a peer that accepts and never answers") {
    SilentListener silent;
    const auto start = Clock::now();
    try {
      (void)open_pg(pg_test::dsn_with(dsn, "port", std::to_string(silent.port())), schema, kQuick);
      FAIL("opened against a silent peer");
    } catch (const engram::ConnectionError& e) {
      INFO(e.what());
      CHECK_THAT(first_line(e.what()), Catch::Contains(std::to_string(silent.port())));
    }
    CHECK(Clock::now() - start < kBound);
  }
}

TEST_CASE("postgres: a schema holding tables engram did not make is CorruptData, untouched",
          "[postgres][open][schema]") {
  const std::string dsn = pg_test::shared_dsn();
  ScopedSchema schema(dsn);
  const std::string& s = schema.name();
  SECTION("a table of another application") {
    psql(dsn, "CREATE SCHEMA " + s + "; CREATE TABLE " + s +
                  ".customers (id int PRIMARY KEY, name text); INSERT INTO " + s +
                  ".customers VALUES (1, 'alice')");
    try {
      (void)open_pg(dsn, s);
      FAIL("opened a schema of another application");
    } catch (const engram::CorruptData& e) {
      CHECK_THAT(first_line(e.what()), Catch::Contains(s) && Catch::Contains("customers"));
    }
    CHECK(psql(dsn,
               "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables "
               "WHERE schemaname = '" +
                   s + "'") == "customers");
    CHECK(psql(dsn, "SELECT id || ':' || name FROM " + s + ".customers") == "1:alice");
  }
  SECTION("a table of engram's name but not engram's") {
    psql(dsn, "CREATE SCHEMA " + s + "; CREATE TABLE " + s +
                  ".episodes (id int, note text); INSERT INTO " + s +
                  ".episodes VALUES (7, 'theirs')");
    CHECK_THROWS_AS(open_pg(dsn, s), engram::CorruptData);
    CHECK(psql(dsn,
               "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM pg_tables "
               "WHERE schemaname = '" +
                   s + "'") == "episodes");
    CHECK(psql(dsn, "SELECT id || ':' || note FROM " + s + ".episodes") == "7:theirs");
    CHECK(psql_int(dsn, "SELECT count(*) FROM pg_sequences WHERE schemaname = '" + s + "'") == 0);
  }
}

TEST_CASE("postgres: a schema a newer engram made is NotSupported at open, untouched",
          "[postgres][open][schema]") {
  const std::string dsn = pg_test::shared_dsn();
  ScopedSchema schema(dsn);
  {
    auto storage = open_pg(dsn, schema.name());
    storage.episodes()->store_episode(Json{{"kept", true}}, 0.5, "ctx", 1.0);
  }
  const std::int64_t versions =
      psql_int(dsn, "SELECT count(*) FROM " + schema.table("schema_version"));
  psql(dsn, "INSERT INTO " + schema.table("schema_version") + " VALUES (99, 0)");
  try {
    (void)open_pg(dsn, schema.name());
    FAIL("opened a schema of version 99");
  } catch (const engram::NotSupported& e) {
    CHECK_THAT(first_line(e.what()), Catch::Contains("99") && Catch::Contains(schema.name()));
  }
  CHECK(psql_int(dsn, "SELECT count(*) FROM " + schema.table("schema_version")) == versions + 1);
  CHECK(psql_int(dsn, "SELECT count(*) FROM " + schema.table("episodes")) == 1);
}

TEST_CASE("postgres: backends opening one fresh schema at once migrate it once",
          "[postgres][open][schema]") {
  const std::string dsn = pg_test::shared_dsn();
  constexpr int kRounds = 3;
  constexpr int kOpeners = 4;
  for (int round = 0; round < kRounds; ++round) {
    ScopedSchema schema(dsn);
    std::latch start(kOpeners);
    std::mutex mutex;
    std::vector<std::string> errors;
    std::vector<std::int64_t> ids(kOpeners, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < kOpeners; ++t) {
      threads.emplace_back([&, t] {
        try {
          start.arrive_and_wait();
          auto storage = open_pg(dsn, schema.name());
          ids[t] = storage.episodes()->store_episode(Json{{"opener", t}}, 0.5, "race", 1.0);
        } catch (const std::exception& e) {
          std::lock_guard lock(mutex);
          errors.push_back(e.what());
        }
      });
    }
    for (auto& thread : threads) thread.join();
    INFO("round " << round << ": " << (errors.empty() ? std::string() : errors.front()));
    REQUIRE(errors.empty());
    // One row per migration: versions 1..N, each once.
    const std::string table = schema.table("schema_version");
    const std::int64_t rows = psql_int(dsn, "SELECT count(*) FROM " + table);
    CHECK(rows >= 1);
    CHECK(psql_int(dsn, "SELECT count(DISTINCT version) FROM " + table) == rows);
    CHECK(psql_int(dsn, "SELECT max(version) FROM " + table) == rows);
    CHECK(psql_int(dsn, "SELECT min(version) FROM " + table) == 1);
    CHECK(psql_int(dsn, "SELECT count(*) FROM " + schema.table("episodes")) == kOpeners);
    CHECK(std::set<std::int64_t>(ids.begin(), ids.end()).size() == kOpeners);
  }
}

TEST_CASE("postgres: host, port, dbname, user and password as separate options reach the server",
          "[postgres][open]") {
  const std::string dsn = pg_test::shared_dsn();
  ScopedSchema schema(dsn);
  const std::string yaml =
      "version: 1\nlog: {level: error}\nbackends:\n  pg: {plugin: postgres, host: " +
      pg_test::dsn_value(dsn, "host") + ", port: " + pg_test::dsn_port(dsn) +
      ", dbname: " + pg_test::dsn_value(dsn, "dbname") +
      ", user: " + pg_test::dsn_value(dsn, "user") + ", password: \"" +
      pg_test::dsn_value(dsn, "password") + "\", schema: " + schema.name() +
      "}\nroles: {episodes: pg}\n";
  auto storage = engram::Storage::from_yaml(yaml);
  const std::int64_t id =
      storage.episodes()->store_episode(Json{{"separate", true}}, 0.5, "options", 1.0);
  CHECK(psql(dsn, "SELECT context_hash FROM " + schema.table("episodes") +
                      " WHERE id = " + std::to_string(id)) == "options");
}

// ------------------------------------------------------------------ timeouts

TEST_CASE("postgres: a statement blocked past statement_timeout is a ConnectionError",
          "[postgres][timeout]") {
  const std::string dsn = pg_test::shared_dsn();
  ScopedSchema schema(dsn);
  auto storage = open_pg(dsn, schema.name(), ", statement_timeout: 0.5, pool_size: 1");
  auto episodes = storage.episodes();
  const std::int64_t id = episodes->store_episode(Json{{"x", 1}}, 0.5, "ctx", 1.0);
  // Another client holds the table's strongest lock for a while.
  std::thread holder([&] {
    psql(dsn, "BEGIN; LOCK TABLE " + schema.table("episodes") +
                  " IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(2.5); COMMIT;");
  });
  const std::string held =
      "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation JOIN pg_namespace "
      "n ON n.oid = c.relnamespace WHERE n.nspname = '" +
      schema.name() +
      "' AND c.relname = 'episodes' AND l.mode = 'AccessExclusiveLock' AND l.granted";
  const auto deadline = Clock::now() + kBound;
  while (psql_int(dsn, held) == 0 && Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::optional<std::string> what;
  const auto start = Clock::now();
  try {
    (void)episodes->retrieve_episode(id);
  } catch (const engram::ConnectionError& e) {
    what = e.what();
  }
  const auto took = Clock::now() - start;
  holder.join();
  REQUIRE(what);
  CHECK_THAT(*what, Catch::Contains("statement_timeout"));
  CHECK(took < kBound);
  // The lock gone, the same connection (pool_size 1) serves the next call.
  const auto back = episodes->retrieve_episode(id);
  REQUIRE(back);
  CHECK(std::get<Json>(back->experience_data) == Json{{"x", 1}});
}

// ------------------------------------------------------------------ threads

TEST_CASE("postgres: 8 threads storing through a pool of 2 lose nothing", "[postgres][threads]") {
  const std::string dsn = pg_test::shared_dsn();
  ScopedSchema schema(dsn);
  auto storage = open_pg(dsn, schema.name(), ", pool_size: 2");
  auto episodes = storage.episodes();
  constexpr int kThreads = 8;
  constexpr int kSingles = 25;
  constexpr int kBatched = 25;
  constexpr int kEvents = 10;
  std::mutex mutex;
  std::vector<std::string> errors;
  std::map<std::int64_t, std::pair<int, int>> written;  // id -> (thread, i)
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      try {
        std::vector<std::pair<std::int64_t, int>> mine;
        for (int i = 0; i < kSingles; ++i) {
          const std::vector<double> values{static_cast<double>(t), static_cast<double>(i), 0.5};
          mine.emplace_back(
              episodes->store_episode(ArrayView(values), 0.25 * i, "t" + std::to_string(t),
                                      100.0 + i, Json{{"t", t}, {"i", i}}),
              i);
          // Reads between the writes, through the same small pool.
          if (!episodes->retrieve_episode(mine.back().first)) throw std::runtime_error("lost");
        }
        engram::EpisodeBatch batch;
        std::vector<std::vector<double>> arrays;
        arrays.reserve(kBatched);
        for (int i = kSingles; i < kSingles + kBatched; ++i) {
          arrays.push_back({static_cast<double>(t), static_cast<double>(i), 0.5});
          batch.store_episode(ArrayView(arrays.back()), 0.25 * i, "t" + std::to_string(t),
                              100.0 + i, Json{{"t", t}, {"i", i}});
        }
        for (int i = 0; i < kEvents; ++i) {
          batch.store_learning_event("task" + std::to_string(t), 0.01 * i, "s" + std::to_string(i),
                                     Json{{"t", t}, {"i", i}}, 200.0 + i);
        }
        const auto ids = episodes->store_batch(batch);
        for (int i = 0; i < kBatched; ++i) mine.emplace_back(ids.episode_ids[i], kSingles + i);
        std::lock_guard lock(mutex);
        for (const auto& [id, i] : mine) {
          if (!written.emplace(id, std::make_pair(t, i)).second) {
            errors.push_back("id " + std::to_string(id) + " handed out twice");
          }
        }
      } catch (const std::exception& e) {
        std::lock_guard lock(mutex);
        errors.push_back(e.what());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  INFO((errors.empty() ? std::string() : errors.front()));
  REQUIRE(errors.empty());

  const auto all = all_episodes(*episodes);
  REQUIRE(all.size() == kThreads * (kSingles + kBatched));
  std::set<std::pair<int, int>> seen;
  for (const Episode& episode : all) {
    const auto found = written.find(episode.id);
    REQUIRE(found != written.end());
    const auto [t, i] = found->second;
    CHECK(seen.emplace(t, i).second);
    CHECK(doubles(episode) ==
          std::vector<double>{static_cast<double>(t), static_cast<double>(i), 0.5});
    CHECK(episode.context_hash == "t" + std::to_string(t));
    CHECK(episode.performance_score == 0.25 * i);
    CHECK(episode.timestamp == 100.0 + i);
    CHECK(episode.metadata == Json{{"t", t}, {"i", i}});
  }
  CHECK(seen.size() == kThreads * (kSingles + kBatched));
  for (int t = 0; t < kThreads; ++t) {
    const auto events = episodes->get_learning_events_by_task("task" + std::to_string(t), 100);
    REQUIRE(events.size() == kEvents);
    for (const LearningEvent& event : events) {
      const int i = event.parameters.at("i").get<int>();
      CHECK(event.parameters.at("t") == t);
      CHECK(event.strategy_used == "s" + std::to_string(i));
      CHECK(event.timestamp == 200.0 + i);
    }
  }
  CHECK(psql_int(dsn, "SELECT count(*) FROM " + schema.table("episodes")) ==
        kThreads * (kSingles + kBatched));
  CHECK(psql_int(dsn, "SELECT count(*) FROM " + schema.table("learning_events")) ==
        kThreads * kEvents);
}

// ------------------------------------------------------------------ maintenance

TEST_CASE("postgres: clear_all empties its own schema and no other", "[postgres][maintenance]") {
  const std::string dsn = pg_test::shared_dsn();
  ScopedSchema a(dsn);
  ScopedSchema b(dsn);
  auto storage_a = open_pg(dsn, a.name());
  auto storage_b = open_pg(dsn, b.name());
  std::int64_t last_a = 0;
  std::vector<std::int64_t> b_ids;
  for (int i = 0; i < 5; ++i) {
    last_a = storage_a.episodes()->store_episode(Json{{"a", i}}, 0.5, "ctx", 1.0 + i);
    b_ids.push_back(storage_b.episodes()->store_episode(Json{{"b", i}}, 0.5, "ctx", 1.0 + i));
  }
  for (int i = 0; i < 3; ++i) {
    storage_a.episodes()->store_learning_event("task", 0.1, "s", Json{{"a", i}}, 1.0);
    storage_b.episodes()->store_learning_event("task", 0.1, "s", Json{{"b", i}}, 1.0);
  }
  // Rows of all four tables, put there through psql (the concepts role is
  // another test's).
  for (const ScopedSchema* s : {&a, &b}) {
    psql(dsn, "INSERT INTO " + s->table("concepts") +
                  " (name, embedding, creation_time) VALUES ('x', '\\x00', 1), ('y', '\\x00', 1);"
                  "INSERT INTO " +
                  s->table("concept_relationships") +
                  " (source_concept_id, target_concept_id, relationship_type) SELECT "
                  "(SELECT id FROM " +
                  s->table("concepts") + " WHERE name = 'x'), (SELECT id FROM " +
                  s->table("concepts") + " WHERE name = 'y'), 'r'");
  }

  storage_a.maintenance("pg")->clear_all();

  for (const char* table : {"episodes", "learning_events", "concepts", "concept_relationships"}) {
    INFO(table);
    CHECK(psql_int(dsn, "SELECT count(*) FROM " + a.table(table)) == 0);
  }
  CHECK(psql_int(dsn, "SELECT count(*) FROM " + b.table("episodes")) == 5);
  CHECK(psql_int(dsn, "SELECT count(*) FROM " + b.table("learning_events")) == 3);
  CHECK(psql_int(dsn, "SELECT count(*) FROM " + b.table("concepts")) == 2);
  CHECK(psql_int(dsn, "SELECT count(*) FROM " + b.table("concept_relationships")) == 1);
  for (std::size_t i = 0; i < b_ids.size(); ++i) {
    const auto back = storage_b.episodes()->retrieve_episode(b_ids[i]);
    REQUIRE(back);
    CHECK(std::get<Json>(back->experience_data) == Json{{"b", static_cast<int>(i)}});
  }
  CHECK(storage_a.maintenance("pg")->stats().at("total") == 0);
  CHECK(all_episodes(*storage_a.episodes()).empty());
  CHECK(all_events(*storage_a.episodes()).empty());
  CHECK(all_events(*storage_b.episodes()).size() == 3);
  // The sequences kept their values: no id is handed out again.
  CHECK(storage_a.episodes()->store_episode(Json{{"after", 1}}, 0.5, "ctx", 9.0) > last_a);
}

TEST_CASE("postgres: stats counts the schema's rows and reports its relations' sizes",
          "[postgres][maintenance]") {
  const std::string dsn = pg_test::shared_dsn();
  ScopedSchema schema(dsn);
  ScopedSchema other(dsn);
  auto storage = open_pg(dsn, schema.name());
  auto other_storage = open_pg(dsn, other.name());
  const std::vector<float> values(256, 0.5f);
  for (int i = 0; i < 3; ++i) {
    storage.episodes()->store_episode(ArrayView(values), 0.5, "ctx", 1.0 + i);
  }
  for (int i = 0; i < 2; ++i) storage.episodes()->store_learning_event("task", 0.1, "s");
  for (int i = 0; i < 7; ++i) other_storage.episodes()->store_learning_event("task", 0.1, "s");

  const Json stats = storage.maintenance("pg")->stats();
  INFO(stats.dump());
  CHECK(stats.at("episodes") == 3);
  CHECK(stats.at("learning_events") == 2);
  CHECK(stats.at("concepts") == 0);
  CHECK(stats.at("concept_relationships") == 0);
  CHECK(stats.at("total") == 5);
  CHECK(stats.at("schema") == schema.name());
  CHECK(stats.at("schema_version") ==
        psql_int(dsn, "SELECT max(version) FROM " + schema.table("schema_version")));
  std::int64_t sum = 0;
  for (const char* table : {"episodes", "learning_events", "concepts", "concept_relationships"}) {
    const std::string key = std::string(table) + "_bytes";
    REQUIRE(stats.contains(key));
    const auto bytes = stats.at(key).get<std::int64_t>();
    CHECK(bytes == psql_int(dsn, "SELECT pg_total_relation_size('" + schema.table(table) + "')"));
    sum += bytes;
  }
  CHECK(stats.at("episodes_bytes").get<std::int64_t>() > 0);
  CHECK(stats.at("total_bytes").get<std::int64_t>() == sum);
  CHECK(stats.at("total_bytes").get<std::int64_t>() > 0);
}

TEST_CASE("postgres: backup writes pg_dump's custom format of this schema only",
          "[postgres][maintenance][backup]") {
  const std::string dsn = pg_test::shared_dsn();
  ScopedSchema schema(dsn);
  ScopedSchema other(dsn);
  auto storage = open_pg(dsn, schema.name());
  auto other_storage = open_pg(dsn, other.name());
  storage.episodes()->store_episode(Json{{"in", "backup"}}, 0.5, "context-in-the-dump", 1.0);
  other_storage.episodes()->store_episode(Json{{"not", "here"}}, 0.5, "context-elsewhere", 1.0);
  engram_test::TempDir dir("engram-pg-backup");
  const fs::path target = dir / "schema.dump";

  const fs::path written = storage.maintenance("pg")->backup(target);
  CHECK(fs::equivalent(written, target));
  REQUIRE(fs::exists(target));
  int status = 0;
  const std::string list =
      engram_test::capture((pg_test::pg_bin() / "pg_restore").string() + " --list " +
                               engram_test::shell_quote(target.string()) + " 2>&1",
                           &status);
  INFO(list);
  REQUIRE(status == 0);
  for (const char* table :
       {"episodes", "learning_events", "concepts", "concept_relationships", "schema_version"}) {
    CHECK_THAT(list, Catch::Contains(std::string("TABLE ") + schema.name() + " " + table + " "));
    CHECK_THAT(list,
               Catch::Contains(std::string("TABLE DATA ") + schema.name() + " " + table + " "));
  }
  CHECK_THAT(list, !Catch::Contains(other.name()));
  // The episode's row is in it.
  const std::string data = engram_test::capture(
      (pg_test::pg_bin() / "pg_restore").string() + " --data-only --table=episodes -f - " +
          engram_test::shell_quote(target.string()) + " 2>&1",
      &status);
  CHECK(status == 0);
  CHECK_THAT(data, Catch::Contains("context-in-the-dump"));
  CHECK_THAT(data, !Catch::Contains("context-elsewhere"));
  // Nothing but the backup in the folder (no partial file left).
  CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);
}

TEST_CASE("postgres: backup without a path writes fresh timestamped names in the working folder",
          "[postgres][maintenance][backup]") {
  const std::string dsn = pg_test::shared_dsn();
  ScopedSchema schema(dsn);
  auto storage = open_pg(dsn, schema.name());
  storage.episodes()->store_episode(Json{{"x", 1}}, 0.5, "ctx", 1.0);
  engram_test::TempDir dir("engram-pg-backup");
  const fs::path saved = fs::current_path();
  fs::current_path(dir.path());
  std::vector<fs::path> written;
  try {
    for (int i = 0; i < 3; ++i) written.push_back(storage.maintenance("pg")->backup(std::nullopt));
  } catch (...) {
    fs::current_path(saved);
    throw;
  }
  fs::current_path(saved);
  REQUIRE(written.size() == 3);
  CHECK(std::set<fs::path>(written.begin(), written.end()).size() == 3);
  for (const fs::path& file : written) {
    INFO(file);
    CHECK(fs::equivalent(file.parent_path(), dir.path()));
    CHECK_THAT(file.filename().string(), Catch::StartsWith(schema.name() + "_backup_"));
    CHECK(file.extension() == ".dump");
    CHECK(fs::file_size(file) > 0);
  }
  CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 3);
}

TEST_CASE("postgres: backup over an existing file is InvalidArgument, the file untouched",
          "[postgres][maintenance][backup]") {
  const std::string dsn = pg_test::shared_dsn();
  ScopedSchema schema(dsn);
  auto storage = open_pg(dsn, schema.name());
  storage.episodes()->store_episode(Json{{"x", 1}}, 0.5, "ctx", 1.0);
  engram_test::TempDir dir("engram-pg-backup");
  const fs::path target = dir / "precious.dump";
  { std::ofstream(target) << "precious bytes"; }
  CHECK_THROWS_AS(storage.maintenance("pg")->backup(target), engram::InvalidArgument);
  std::ifstream in(target);
  const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  CHECK(content == "precious bytes");
  CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);
}

TEST_CASE("postgres: backup without pg_dump on the PATH is NotSupported, nothing written",
          "[postgres][maintenance][backup]") {
  const std::string dsn = pg_test::shared_dsn();
  ScopedSchema schema(dsn);
  auto storage = open_pg(dsn, schema.name());
  engram_test::TempDir dir("engram-pg-backup");
  fs::create_directory(dir / "empty-bin");
  const char* saved = std::getenv("PATH");
  const std::string saved_path = saved != nullptr ? saved : "";
  ::setenv("PATH", (dir / "empty-bin").c_str(), 1);
  std::optional<std::string> what;
  try {
    (void)storage.maintenance("pg")->backup(dir / "b.dump");
  } catch (const engram::NotSupported& e) {
    what = e.what();
  } catch (...) {
    ::setenv("PATH", saved_path.c_str(), 1);
    throw;
  }
  ::setenv("PATH", saved_path.c_str(), 1);
  REQUIRE(what);
  CHECK_THAT(*what, Catch::Contains("pg_dump"));
  CHECK_FALSE(fs::exists(dir / "b.dump"));
  CHECK(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()) == 1);
}

// ------------------------------------------------------------------ ids

TEST_CASE("postgres: a batch put keeps free ids, even far past the sequence", "[postgres][ids]") {
  const std::string dsn = pg_test::shared_dsn();
  ScopedSchema schema(dsn);
  auto storage = open_pg(dsn, schema.name());
  auto episodes = storage.episodes();
  const std::int64_t first = episodes->store_episode(Json{{"plain", 1}}, 0.5, "ids", 1.0);
  const std::int64_t first_event = episodes->store_learning_event("ids", 0.5, "plain", {}, 1.0);
  constexpr std::int64_t kFar = 1'000'000'000'000;

  engram::EpisodeBatch batch;
  auto put = [&](std::int64_t id, const char* tag) {
    Episode episode;
    episode.id = id;
    episode.timestamp = 2.0;
    episode.experience_data = Json{{"tag", tag}};
    episode.performance_score = 0.25;
    episode.context_hash = "ids";
    episode.metadata = Json{{"tag", tag}};
    batch.put(episode);
  };
  put(first + 100, "near");
  put(kFar, "far");
  put(first, "taken");  // the plain store's: a new id instead
  LearningEvent event;
  event.id = 777;
  event.task_type = "ids";
  event.performance_delta = 0.5;
  event.strategy_used = "kept";
  event.timestamp = 3.0;
  batch.put(event);
  event.id = first_event;
  event.strategy_used = "taken";
  batch.put(event);
  const auto ids = episodes->store_batch(batch);
  REQUIRE(ids.episode_ids.size() == 3);
  REQUIRE(ids.learning_event_ids.size() == 2);
  CHECK(ids.episode_ids[0] == first + 100);
  CHECK(ids.episode_ids[1] == kFar);
  CHECK(ids.episode_ids[2] != first);
  CHECK(ids.learning_event_ids[0] == 777);
  CHECK(ids.learning_event_ids[1] != first_event);
  CHECK(std::set<std::int64_t>(ids.episode_ids.begin(), ids.episode_ids.end()).size() == 3);

  const char* tags[] = {"near", "far", "taken"};
  for (int i = 0; i < 3; ++i) {
    const auto back = episodes->retrieve_episode(ids.episode_ids[i]);
    REQUIRE(back);
    CHECK(std::get<Json>(back->experience_data) == Json{{"tag", tags[i]}});
  }
  const auto plain = episodes->retrieve_episode(first);
  REQUIRE(plain);
  CHECK(std::get<Json>(plain->experience_data) == Json{{"plain", 1}});

  // The sequences moved past the kept ids: plain stores never collide.
  const std::int64_t next = episodes->store_episode(Json{{"next", 1}}, 0.5, "ids", 4.0);
  CHECK(next > kFar);
  const std::int64_t next_event = episodes->store_learning_event("ids", 0.5, "next", {}, 4.0);
  CHECK(next_event > 777);
  CHECK(psql_int(dsn, "SELECT count(*) FROM " + schema.table("episodes")) == 5);
  CHECK(psql_int(dsn, "SELECT count(*) FROM " + schema.table("learning_events")) == 4);
  // From another backend instance, too (it reads the sequence, not a cache).
  auto again = open_pg(dsn, schema.name());
  CHECK(again.episodes()->store_episode(Json{{"again", 1}}, 0.5, "ids", 5.0) > next);
}

// A batch of 8 rows or more goes by COPY, its new rows' ids reserved as a
// block first: kept ids beside them, and a kept id found taken (the COPY's
// unique violation) sends the batch row by row, whole.
TEST_CASE("postgres: a large batch keeps free ids beside new ones; a taken one gets a new id",
          "[postgres][ids]") {
  const std::string dsn = pg_test::shared_dsn();
  ScopedSchema schema(dsn);
  auto storage = open_pg(dsn, schema.name());
  auto episodes = storage.episodes();
  const std::int64_t first = episodes->store_episode(Json{{"plain", 1}}, 0.5, "copy", 1.0);
  constexpr std::int64_t kFar = 2'000'000'000;

  const auto episode_of = [](std::int64_t id, int n) {
    Episode episode;
    episode.id = id;
    episode.timestamp = 2.0 + n;
    episode.experience_data = Json{{"n", n}};
    episode.performance_score = 0.25;
    episode.context_hash = "copy";
    return episode;
  };
  const auto event_of = [](std::int64_t id, int n) {
    LearningEvent event;
    event.id = id;
    event.task_type = "copy";
    event.performance_delta = 0.5;
    event.strategy_used = "s" + std::to_string(n);
    event.timestamp = 2.0 + n;
    return event;
  };
  const auto check_stored = [&](const std::vector<std::int64_t>& ids, int from) {
    for (std::size_t i = 0; i < ids.size(); ++i) {
      const auto back = episodes->retrieve_episode(ids[i]);
      REQUIRE(back);
      CHECK(std::get<Json>(back->experience_data) == Json{{"n", from + static_cast<int>(i)}});
    }
  };

  SECTION("free kept ids are kept, new rows take ids past them") {
    engram::EpisodeBatch batch;
    for (int n = 0; n < 12; ++n) {
      batch.put(episode_of(n == 3 ? kFar : n == 7 ? first + 50 : 0, n));
      batch.put(event_of(n == 5 ? 4242 : 0, n));
    }
    const auto ids = episodes->store_batch(batch);
    REQUIRE(ids.episode_ids.size() == 12);
    REQUIRE(ids.learning_event_ids.size() == 12);
    CHECK(ids.episode_ids[3] == kFar);
    CHECK(ids.episode_ids[7] == first + 50);
    CHECK(ids.learning_event_ids[5] == 4242);
    CHECK(std::set<std::int64_t>(ids.episode_ids.begin(), ids.episode_ids.end()).size() == 12);
    for (int n = 0; n < 12; ++n) {
      if (n == 3 || n == 7) continue;
      CHECK(ids.episode_ids[n] > kFar);  // the block lies past every kept id
      CHECK(ids.episode_ids[n] != first);
    }
    check_stored(ids.episode_ids, 0);
    const auto events = episodes->get_learning_events_by_task("copy", 100);
    CHECK(events.size() == 12);
    CHECK(episodes->store_episode(Json{{"next", 1}}, 0.5, "copy", 9.0) >
          *std::max_element(ids.episode_ids.begin(), ids.episode_ids.end()));
  }
  SECTION("a taken kept id: the batch goes row by row, that record takes a new id") {
    engram::EpisodeBatch batch;
    for (int n = 0; n < 10; ++n) batch.put(episode_of(n == 4 ? first : 0, n));
    const auto ids = episodes->store_batch(batch);
    REQUIRE(ids.episode_ids.size() == 10);
    CHECK(ids.episode_ids[4] != first);
    CHECK(std::set<std::int64_t>(ids.episode_ids.begin(), ids.episode_ids.end()).size() == 10);
    check_stored(ids.episode_ids, 0);
    const auto plain = episodes->retrieve_episode(first);
    REQUIRE(plain);
    CHECK(std::get<Json>(plain->experience_data) == Json{{"plain", 1}});
    CHECK(psql_int(dsn, "SELECT count(*) FROM " + schema.table("episodes")) == 11);
  }
}

TEST_CASE("postgres: reserved id blocks from two threads never overlap nor meet plain stores",
          "[postgres][ids]") {
  const std::string dsn = pg_test::shared_dsn();
  ScopedSchema schema(dsn);
  // Two backend instances on one schema, as two processes would be.
  auto a = open_pg(dsn, schema.name(), ", pool_size: 2");
  auto b = open_pg(dsn, schema.name(), ", pool_size: 2");
  constexpr int kRounds = 20;
  constexpr std::int64_t kBlock = 10;
  for (const IdKind kind : {IdKind::kEpisode, IdKind::kLearningEvent}) {
    INFO(engram::id_kind_name(kind) << " ids");
    std::mutex mutex;
    std::vector<std::string> errors;
    std::vector<std::int64_t> blocks;
    std::vector<std::int64_t> stored;
    auto store = [&](engram::EpisodeStore& episodes, int i) {
      return kind == IdKind::kEpisode
                 ? episodes.store_episode(Json{{"i", i}}, 0.5, "plain", 1.0)
                 : episodes.store_learning_event("plain", 0.5, "s", Json{{"i", i}}, 1.0);
    };
    auto reserver = [&](engram::Storage& storage) {
      try {
        auto episodes = storage.episodes();
        for (int i = 0; i < kRounds; ++i) {
          const std::int64_t block = engram_test::reserve_ids(*episodes, kind, kBlock);
          const std::int64_t id = store(*episodes, i);
          std::lock_guard lock(mutex);
          blocks.push_back(block);
          stored.push_back(id);
        }
      } catch (const std::exception& e) {
        std::lock_guard lock(mutex);
        errors.push_back(e.what());
      }
    };
    auto plain = [&] {
      try {
        auto episodes = a.episodes();
        for (int i = 0; i < 2 * kRounds; ++i) {
          const std::int64_t id = store(*episodes, i);
          std::lock_guard lock(mutex);
          stored.push_back(id);
        }
      } catch (const std::exception& e) {
        std::lock_guard lock(mutex);
        errors.push_back(e.what());
      }
    };
    std::thread t1(reserver, std::ref(a));
    std::thread t2(reserver, std::ref(b));
    std::thread t3(plain);
    t1.join();
    t2.join();
    t3.join();
    INFO((errors.empty() ? std::string() : errors.front()));
    REQUIRE(errors.empty());
    REQUIRE(blocks.size() == 2 * kRounds);
    std::sort(blocks.begin(), blocks.end());
    for (std::size_t i = 0; i + 1 < blocks.size(); ++i) {
      CHECK(blocks[i] >= 1);
      CHECK(blocks[i] + kBlock <= blocks[i + 1]);
    }
    for (const std::int64_t id : stored) {
      const auto after = std::upper_bound(blocks.begin(), blocks.end(), id);
      const bool inside = after != blocks.begin() && id < *std::prev(after) + kBlock;
      CHECK_FALSE(inside);
    }
    CHECK(std::set<std::int64_t>(stored.begin(), stored.end()).size() == stored.size());

    // A batch put of records carrying reserved ids keeps them.
    engram::EpisodeBatch batch;
    for (std::int64_t id = blocks[0]; id < blocks[0] + 3; ++id) {
      if (kind == IdKind::kEpisode) {
        Episode episode;
        episode.id = id;
        episode.timestamp = 1.0;
        episode.experience_data = Json{{"reserved", id}};
        episode.context_hash = "reserved";
        batch.put(episode);
      } else {
        LearningEvent event;
        event.id = id;
        event.task_type = "reserved";
        event.strategy_used = "s";
        event.timestamp = 1.0;
        batch.put(event);
      }
    }
    const auto ids = b.episodes()->store_batch(batch);
    const auto& kept = kind == IdKind::kEpisode ? ids.episode_ids : ids.learning_event_ids;
    CHECK(kept == std::vector<std::int64_t>{blocks[0], blocks[0] + 1, blocks[0] + 2});
  }
}

// ------------------------------------------------------------------ values

TEST_CASE("postgres: JSON values jsonb would alter (-0.0, NUL characters) round-trip exactly",
          "[postgres][values]") {
  const std::string dsn = pg_test::shared_dsn();
  ScopedSchema schema(dsn);
  auto storage = open_pg(dsn, schema.name());
  auto episodes = storage.episodes();
  const std::string nul("a\0b", 3);
  const Json metadata = {
      {"neg_zero", -0.0}, {"nul", nul}, {std::string("k\0ey", 4), 1}, {"list", {-0.0, 0.0, 1.5}}};
  const Json experience = {{"x", -0.0}, {"s", std::string("\0", 1)}, {"nested", {{"z", -0.0}}}};
  const std::int64_t id = episodes->store_episode(experience, 0.5, "values", 1.0, metadata);
  const std::int64_t event_id = episodes->store_learning_event("values", 0.5, "s", metadata, 1.0);
  engram::EpisodeBatch batch;
  batch.store_episode(experience, 0.5, "values", 2.0, metadata);
  const auto batch_id = episodes->store_batch(batch).episode_ids.at(0);

  for (const std::int64_t each : {id, batch_id}) {
    const auto back = episodes->retrieve_episode(each);
    REQUIRE(back);
    // dump() tells -0.0 from 0.0 (== does not).
    CHECK(back->metadata.dump() == metadata.dump());
    REQUIRE(std::holds_alternative<Json>(back->experience_data));
    CHECK(std::get<Json>(back->experience_data).dump() == experience.dump());
    CHECK(std::signbit(back->metadata.at("neg_zero").get<double>()));
    CHECK(back->metadata.at("nul").get<std::string>() == nul);
  }
  const auto events = episodes->get_learning_events_by_task("values");
  REQUIRE(events.size() == 1);
  CHECK(events[0].id == event_id);
  CHECK(events[0].parameters.dump() == metadata.dump());
  const auto listed = all_episodes(*episodes);
  REQUIRE(listed.size() == 2);
  for (const Episode& episode : listed) CHECK(episode.metadata.dump() == metadata.dump());
  // The json column holds them as written (jsonb would have 0 and refuse
  // \u0000).
  const std::string column = psql(dsn, "SELECT metadata::text FROM " + schema.table("episodes") +
                                           " WHERE id = " + std::to_string(id));
  CHECK_THAT(column, Catch::Contains("-0.0") && Catch::Contains("\\u0000"));
}

// ------------------------------------------------------------------ quiet

TEST_CASE("postgres: the server's notices and warnings are not printed", "[postgres][quiet]") {
  const std::string dsn = pg_test::shared_dsn();
  ScopedSchema schema(dsn);
  engram_test::TempDir dir("engram-pg-quiet");
  const fs::path captured = dir / "stderr.txt";
  // The process's stderr into a file while the plugin works.
  std::fflush(stderr);
  const int saved = ::dup(STDERR_FILENO);
  REQUIRE(saved >= 0);
  const int fd = ::open(captured.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  REQUIRE(fd >= 0);
  ::dup2(fd, STDERR_FILENO);
  ::close(fd);
  auto restore = [&] {
    std::fflush(stderr);
    ::dup2(saved, STDERR_FILENO);
    ::close(saved);
  };
  try {
    {
      auto storage = open_pg(dsn, schema.name());
      storage.episodes()->store_episode(Json{{"x", 1}}, 0.5, "ctx", 1.0);
    }
    // Opened again: the schema exists (the server says so in a NOTICE).
    auto storage = open_pg(dsn, schema.name());
    storage.episodes()->store_episode(Json{{"x", 2}}, 0.5, "ctx", 2.0);
    storage.maintenance("pg")->compact();
    (void)storage.maintenance("pg")->stats();
  } catch (...) {
    restore();
    throw;
  }
  restore();
  std::ifstream in(captured);
  const std::string printed((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  INFO("printed on stderr: " << printed);
  CHECK(printed.empty());
}
