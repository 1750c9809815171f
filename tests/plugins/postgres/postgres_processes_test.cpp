// Several processes writing into one schema at once: four children forked
// from the test, each with a Storage of its own opened on a fresh schema at
// the same moment (so they race to migrate it too), storing episodes,
// learning events and concepts, singly and in batches. Afterwards every
// record of every process is there exactly once, with its content, under
// the id the process was given.
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "engram/storage.h"
#include "pg_test_util.h"
#include "temp_dir.h"

namespace {

namespace fs = std::filesystem;
using engram::ArrayView;
using engram::Json;

constexpr int kProcesses = 4;
constexpr int kRecords = 60;  // of each kind per process; the second half in batches of 10

std::vector<double> experience(int writer, int i) {
  return {static_cast<double>(writer), static_cast<double>(i), 0.5};
}
std::vector<float> embedding(int writer, int i) {
  return {static_cast<float>(writer), static_cast<float>(i), -1.0f, 0.25f};
}
std::string concept_name(int writer, int i) {
  return "w" + std::to_string(writer) + "_concept_" + std::to_string(i);
}

// The child: opens the schema, waits for `go_fd` to read EOF, stores its
// records and writes "<kind> <i> <id>" lines to `out`; exits 0, or 1 after
// printing the first error.
[[noreturn]] void child_writer(const std::string& dsn, const std::string& schema, int go_fd,
                               const fs::path& out, int writer) {
  try {
    engram::Storage storage = pg_test::open_pg(dsn, schema, ", pool_size: 2");
    auto episodes = storage.episodes();
    auto concepts = storage.concepts();
    char byte = 0;
    while (::read(go_fd, &byte, 1) > 0) {
    }
    std::ofstream lines(out);
    const int singles = kRecords / 2;
    // Episodes and learning events first, then concepts: each kind singly,
    // then in batches of 10.
    for (int i = 0; i < singles; ++i) {
      lines << "episode " << i << " "
            << episodes->store_episode(ArrayView(experience(writer, i)), 0.01 * i,
                                       "writer" + std::to_string(writer), 100.0 + i,
                                       Json{{"w", writer}, {"i", i}})
            << "\n";
      lines << "event " << i << " "
            << episodes->store_learning_event("writer" + std::to_string(writer), 0.01 * i,
                                              "s" + std::to_string(i),
                                              Json{{"w", writer}, {"i", i}}, 200.0 + i)
            << "\n";
    }
    for (int from = singles; from < kRecords; from += 10) {
      engram::EpisodeBatch batch;
      std::vector<std::vector<double>> experiences;
      experiences.reserve(10);
      for (int i = from; i < from + 10; ++i) {
        experiences.push_back(experience(writer, i));
        batch.store_episode(ArrayView(experiences.back()), 0.01 * i,
                            "writer" + std::to_string(writer), 100.0 + i,
                            Json{{"w", writer}, {"i", i}});
        batch.store_learning_event("writer" + std::to_string(writer), 0.01 * i,
                                   "s" + std::to_string(i), Json{{"w", writer}, {"i", i}},
                                   200.0 + i);
      }
      const auto ids = episodes->store_batch(batch);
      for (int k = 0; k < 10; ++k) {
        lines << "episode " << from + k << " " << ids.episode_ids.at(k) << "\n";
        lines << "event " << from + k << " " << ids.learning_event_ids.at(k) << "\n";
      }
    }
    for (int i = 0; i < singles; ++i) {
      const auto values = embedding(writer, i);
      lines << "concept " << i << " "
            << concepts->store_concept(concept_name(writer, i), ArrayView(values),
                                       Json{{"w", writer}, {"i", i}}, 300.0 + i)
            << "\n";
    }
    for (int from = singles; from < kRecords; from += 10) {
      engram::ConceptBatch batch;
      std::vector<std::vector<float>> embeddings;
      embeddings.reserve(10);
      for (int i = from; i < from + 10; ++i) {
        embeddings.push_back(embedding(writer, i));
        batch.store_concept(concept_name(writer, i), ArrayView(embeddings.back()),
                            Json{{"w", writer}, {"i", i}}, 300.0 + i);
      }
      const auto ids = concepts->store_batch(batch);
      for (int k = 0; k < 10; ++k) lines << "concept " << from + k << " " << ids.at(k) << "\n";
    }
    lines.close();
    storage.close();
    ::_exit(lines ? 0 : 3);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "writer %d: %s\n", writer, e.what());
    ::_exit(1);
  } catch (...) {
    ::_exit(2);
  }
}

// kind -> id -> (writer, i), from the children's reports.
using Reported = std::map<std::string, std::map<std::int64_t, std::pair<int, int>>>;

}  // namespace

TEST_CASE("postgres: 4 processes writing into one schema at once lose nothing",
          "[postgres][processes]") {
  const std::string dsn = pg_test::shared_dsn();
  pg_test::ScopedSchema schema(dsn);
  engram_test::TempDir dir("engram-pg-processes");
  int go[2];
  REQUIRE(::pipe(go) == 0);
  std::vector<pid_t> children;
  for (int w = 0; w < kProcesses; ++w) {
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      ::close(go[1]);
      child_writer(dsn, schema.name(), go[0], dir / ("writer" + std::to_string(w) + ".txt"), w);
    }
    children.push_back(child);
  }
  ::close(go[0]);
  ::close(go[1]);  // all start now (once each has opened)
  for (const pid_t child : children) {
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    INFO("a writer's error is on stderr above");
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }

  Reported reported;
  bool duplicate = false;
  for (int w = 0; w < kProcesses; ++w) {
    std::ifstream lines(dir / ("writer" + std::to_string(w) + ".txt"));
    std::string kind;
    int i = 0;
    std::int64_t id = 0;
    int n = 0;
    while (lines >> kind >> i >> id) {
      duplicate |= !reported[kind].emplace(id, std::make_pair(w, i)).second;
      ++n;
    }
    CHECK(n == 3 * kRecords);
  }
  CHECK_FALSE(duplicate);  // no id handed to two records
  for (const char* kind : {"episode", "event", "concept"}) {
    INFO(kind);
    CHECK(reported[kind].size() == kProcesses * kRecords);
  }

  // Migrated once, though all four opened the fresh schema at once.
  const std::string versions = schema.table("schema_version");
  CHECK(pg_test::psql_int(dsn, "SELECT count(*) FROM " + versions) ==
        pg_test::psql_int(dsn, "SELECT count(DISTINCT version) FROM " + versions));

  // Everything, read back through a Storage of the test's own.
  auto storage = pg_test::open_pg(dsn, schema.name());
  auto episodes = storage.episodes();
  auto concepts = storage.concepts();
  std::set<std::pair<int, int>> seen;
  std::string cursor;
  std::size_t total = 0;
  do {
    auto page = episodes->list_episodes(cursor, 100);
    for (const auto& episode : page.items) {
      ++total;
      const auto found = reported["episode"].find(episode.id);
      REQUIRE(found != reported["episode"].end());
      const auto [w, i] = found->second;
      CHECK(seen.emplace(w, i).second);
      const auto values = std::get<engram::Array>(episode.experience_data).values<double>();
      CHECK(std::vector<double>(values.begin(), values.end()) == experience(w, i));
      CHECK(episode.context_hash == "writer" + std::to_string(w));
      CHECK(episode.timestamp == 100.0 + i);
      CHECK(episode.performance_score == 0.01 * i);
      CHECK(episode.metadata == Json{{"w", w}, {"i", i}});
    }
    cursor = page.next_cursor;
  } while (!cursor.empty());
  CHECK(total == kProcesses * kRecords);

  seen.clear();
  total = 0;
  do {
    auto page = episodes->list_learning_events(cursor, 100);
    for (const auto& event : page.items) {
      ++total;
      const auto found = reported["event"].find(event.id);
      REQUIRE(found != reported["event"].end());
      const auto [w, i] = found->second;
      CHECK(seen.emplace(w, i).second);
      CHECK(event.task_type == "writer" + std::to_string(w));
      CHECK(event.strategy_used == "s" + std::to_string(i));
      CHECK(event.timestamp == 200.0 + i);
      CHECK(event.parameters == Json{{"w", w}, {"i", i}});
    }
    cursor = page.next_cursor;
  } while (!cursor.empty());
  CHECK(total == kProcesses * kRecords);

  const auto stats = storage.maintenance("pg")->stats();
  CHECK(stats.at("episodes") == kProcesses * kRecords);
  CHECK(stats.at("learning_events") == kProcesses * kRecords);
  CHECK(stats.at("concepts") == kProcesses * kRecords);

  seen.clear();
  total = 0;
  do {
    auto page = concepts->list_concepts(cursor, 100);
    for (const auto& record : page.items) {
      ++total;
      const auto found = reported["concept"].find(record.id);
      REQUIRE(found != reported["concept"].end());
      const auto [w, i] = found->second;
      CHECK(seen.emplace(w, i).second);
      CHECK(record.name == concept_name(w, i));
      const auto values = record.embedding.values<float>();
      CHECK(std::vector<float>(values.begin(), values.end()) == embedding(w, i));
      CHECK(record.creation_time == 300.0 + i);
      CHECK(record.metadata == Json{{"w", w}, {"i", i}});
    }
    cursor = page.next_cursor;
  } while (!cursor.empty());
  CHECK(total == kProcesses * kRecords);
}
