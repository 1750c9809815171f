// Many writers on one database: threads sharing one Storage, and separate
// processes each with its own, all at once. Exact counts, no exception, no
// "database is locked".
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engram/array.h"
#include "engram/errors.h"
#include "engram/storage.h"
#include "sqlite_test_util.h"

namespace {

using engram::ArrayView;
using engram::Json;

constexpr int kThreads = 8;
constexpr int kOpsPerThread = 200;

// The child of the two-process case: stores `count` episodes once `go_fd`
// reads EOF, then exits 0, or 1 after printing the first error.
[[noreturn]] void child_writer(const std::filesystem::path& db, int go_fd, int writer,
                               int count) {
  try {
    engram::Storage storage = sqlite_test::open_sqlite(db);
    auto episodes = storage.episodes();
    char byte = 0;
    while (::read(go_fd, &byte, 1) > 0) {
    }
    const std::vector<double> values{static_cast<double>(writer), 1.0, 2.0};
    for (int i = 0; i < count; ++i) {
      episodes->store_episode(ArrayView(values), 0.5, "writer" + std::to_string(writer),
                              std::nullopt, Json{{"i", i}});
    }
    storage.close();
    ::_exit(0);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "writer %d: %s\n", writer, e.what());
    ::_exit(1);
  } catch (...) {
    ::_exit(2);
  }
}

void two_processes(const std::filesystem::path& db) {
  int go[2];
  REQUIRE(::pipe(go) == 0);
  std::vector<pid_t> children;
  for (int w = 0; w < 2; ++w) {
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
      ::close(go[1]);
      child_writer(db, go[0], w, 500);
    }
    children.push_back(child);
  }
  ::close(go[0]);
  ::close(go[1]);  // both start now
  for (const pid_t child : children) {
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    INFO("a writer's error is on stderr above");
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  sqlite_test::RawDb raw(db, true);
  CHECK(raw.integrity_check() == "ok");
  CHECK(raw.count("episodes") == 1000);
  CHECK(raw.scalar_int("SELECT count(*) FROM episodes WHERE context_hash = 'writer0'") == 500);
  CHECK(raw.scalar_int("SELECT count(*) FROM episodes WHERE context_hash = 'writer1'") == 500);
}

}  // namespace

TEST_CASE("sqlite: 8 threads of mixed stores and reads give exact counts", "[sqlite]") {
  sqlite_test::TempDir dir;
  const auto db = dir / "threads.db";
  engram::Storage storage = sqlite_test::open_sqlite(db);
  auto episodes = storage.episodes();
  auto concepts = storage.concepts();
  std::mutex errors_mutex;
  std::vector<std::string> errors;
  std::atomic<int> failed_reads{0};

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      try {
        const std::vector<double> values{static_cast<double>(t), 0.5};
        const std::vector<float> embedding(32, static_cast<float>(t));
        std::vector<std::int64_t> mine;
        std::int64_t last_concept = 0;
        for (int i = 0; i < kOpsPerThread; ++i) {
          const std::string tag = std::to_string(t) + "_" + std::to_string(i);
          switch (i % 5) {
            case 0:
              mine.push_back(episodes->store_episode(ArrayView(values), 0.5, "t" + std::to_string(t),
                                                     std::nullopt, Json{{"tag", tag}}));
              break;
            case 1: {
              const auto id = concepts->store_concept("c" + tag, ArrayView(embedding));
              if (last_concept != 0) concepts->add_concept_relationship(last_concept, id, "next");
              last_concept = id;
              break;
            }
            case 2:
              episodes->store_learning_event("task" + std::to_string(t % 2), 0.1, "s" + tag);
              break;
            case 3: {
              const auto e = episodes->retrieve_episode(mine.back());
              if (!e || std::get<engram::Array>(e->experience_data).values<double>()[0] != t) ++failed_reads;
              break;
            }
            default:
              // By i == 49 this thread has stored ten concepts "c<t>_...".
              if (i >= 49 && concepts->search_concepts("c" + std::to_string(t) + "_", 10).size() != 10) {
                ++failed_reads;
              }
              if (!concepts->retrieve_concept_by_name("c" + std::to_string(t) + "_1")) ++failed_reads;
              break;
          }
        }
      } catch (const std::exception& e) {
        std::lock_guard lock(errors_mutex);
        errors.push_back(e.what());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  INFO((errors.empty() ? std::string() : errors.front()));
  REQUIRE(errors.empty());
  CHECK(failed_reads == 0);

  const Json stats = storage.maintenance("db")->stats();
  CHECK(stats.value("episodes", Json()) == kThreads * kOpsPerThread / 5);
  CHECK(stats.value("concepts", Json()) == kThreads * kOpsPerThread / 5);
  CHECK(stats.value("learning_events", Json()) == kThreads * kOpsPerThread / 5);
  CHECK(stats.value("concept_relationships", Json()) == kThreads * (kOpsPerThread / 5 - 1));
  const auto first = concepts->retrieve_concept_by_name("c0_1");
  REQUIRE(first);
  // Thread 0's 40 steps with i % 5 == 4 accessed it, then this call.
  CHECK(first->access_count == kOpsPerThread / 5 + 1);
  storage.close();
  sqlite_test::RawDb raw(db, true);
  CHECK(raw.integrity_check() == "ok");
  CHECK(raw.count("episodes") == kThreads * kOpsPerThread / 5);
}

TEST_CASE("sqlite: two processes writing 500 episodes each into one file at once", "[sqlite]") {
  sqlite_test::TempDir dir;
  SECTION("into a database that exists") {
    const auto db = dir / "shared.db";
    { sqlite_test::open_sqlite(db).close(); }
    two_processes(db);
  }
  SECTION("both creating the database") {
    two_processes(dir / "created_by_both.db");
  }
}
