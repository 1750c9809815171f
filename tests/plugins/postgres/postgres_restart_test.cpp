// The postgres plugin when its server goes away mid-run and comes back: a
// server of the test's own, stopped with `pg_ctl -m immediate` (every
// connection dropped, as in a crash) and started again on the same port.
// Calls during the outage fail with ConnectionError in bounded time, never
// hang; a batch in flight at the stop is there whole or not at all, and
// every acknowledged one survives; calls once it is back succeed on the same
// Storage, and nothing stored before is lost.
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engram/errors.h"
#include "engram/storage.h"
#include "pg_test_util.h"

namespace {

using engram::ArrayView;
using engram::Json;
using pg_test::OwnPgServer;
using Clock = std::chrono::steady_clock;

// connect_timeout 1 (libpq waits at least 2 s), a statement timeout of 2 s,
// a pool smaller than the threads that call. The bound checked is
// generous: what matters is that a failing call returns.
constexpr const char* kQuick = ", connect_timeout: 1, statement_timeout: 2, pool_size: 2";
constexpr auto kBound = std::chrono::seconds(15);

std::vector<float> embedding(int i) { return {static_cast<float>(i), 1.0f, 0.5f}; }

// Stores `n` episodes and learning events tagged `tag`; returns the
// episodes' ids.
std::vector<std::int64_t> store_some(engram::EpisodeStore& episodes, const std::string& tag,
                                     int n) {
  std::vector<std::int64_t> ids;
  for (int i = 0; i < n; ++i) {
    const auto values = embedding(i);
    ids.push_back(episodes.store_episode(ArrayView(values), 0.1 * i, tag, 1000.0 + i,
                                         Json{{"tag", tag}, {"i", i}}));
    episodes.store_learning_event(tag, 0.1 * i, "s" + std::to_string(i), Json{{"i", i}},
                                  1000.0 + i);
  }
  return ids;
}

// Every record stored under `tag` is there, as stored.
void check_there(engram::EpisodeStore& episodes, const std::string& tag,
                 const std::vector<std::int64_t>& ids) {
  INFO(tag);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const auto back = episodes.retrieve_episode(ids[i]);
    REQUIRE(back);
    const auto values = std::get<engram::Array>(back->experience_data).values<float>();
    CHECK(std::vector<float>(values.begin(), values.end()) == embedding(static_cast<int>(i)));
    CHECK(back->metadata == Json{{"tag", tag}, {"i", static_cast<int>(i)}});
  }
  CHECK(episodes.get_episodes_by_context(tag, 1000).size() == ids.size());
  CHECK(episodes.get_learning_events_by_task(tag, 1000).size() == ids.size());
}

// Runs `call`, which must throw ConnectionError within kBound.
void check_connection_error(const std::string& what, const std::function<void()>& call) {
  INFO(what);
  const auto start = Clock::now();
  bool connection_error = false;
  std::string other = "no exception: it succeeded while the server was down";
  try {
    call();
  } catch (const engram::ConnectionError&) {
    connection_error = true;
  } catch (const std::exception& e) {
    other = std::string("another exception: ") + e.what();
  }
  const auto took = Clock::now() - start;
  INFO((connection_error ? std::string() : other));
  CHECK(connection_error);
  CHECK(took < kBound);
}

void check_every_call_fails(engram::Storage& storage) {
  auto episodes = storage.episodes();
  const auto values = embedding(1);
  check_connection_error("store_episode",
                         [&] { episodes->store_episode(ArrayView(values), 0.5, "during", 5.0); });
  check_connection_error("retrieve_episode", [&] { (void)episodes->retrieve_episode(1); });
  check_connection_error("get_episodes_by_context",
                         [&] { (void)episodes->get_episodes_by_context("before"); });
  check_connection_error("get_recent_episodes", [&] { (void)episodes->get_recent_episodes(1e9); });
  check_connection_error("store_learning_event",
                         [&] { episodes->store_learning_event("during", 0.1, "s"); });
  check_connection_error("get_best_strategies",
                         [&] { (void)episodes->get_best_strategies("before"); });
  check_connection_error("store_batch", [&] {
    engram::EpisodeBatch batch;
    batch.store_episode(ArrayView(values), 0.5, "during", 5.0);
    batch.store_learning_event("during", 0.1, "s");
    (void)episodes->store_batch(batch);
  });
  check_connection_error("list_episodes", [&] { (void)episodes->list_episodes(); });
  check_connection_error("nearest_episodes",
                         [&] { (void)episodes->nearest_episodes(ArrayView(values), 3); });
  check_connection_error("stats", [&] { (void)storage.maintenance("pg")->stats(); });
  // More threads than the pool holds, at once: none hangs, each fails.
  std::atomic<int> failed{0};
  std::atomic<int> other{0};
  std::vector<std::thread> threads;
  const auto start = Clock::now();
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      try {
        episodes->store_episode(Json{{"t", t}}, 0.5, "during", 5.0);
      } catch (const engram::ConnectionError&) {
        ++failed;
      } catch (...) {
        ++other;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(failed == 6);
  CHECK(other == 0);
  CHECK(Clock::now() - start < 2 * kBound);
}

}  // namespace

TEST_CASE("postgres: a server stopped mid-run: calls fail fast, then recover without reopening",
          "[postgres][restart]") {
  OwnPgServer server;
  auto storage = pg_test::open_pg(server.dsn(), "engram", kQuick);
  auto episodes = storage.episodes();
  const auto before = store_some(*episodes, "before", 10);
  // A recall before the outage, so its cache is loaded.
  const auto query = embedding(3);
  CHECK(episodes->nearest_episodes(ArrayView(query), 1).hits.at(0).record.id == before[3]);

  // A writer storing batches of 10 until the server goes away under it.
  std::vector<int> acknowledged;
  int attempted = 0;
  std::string writer_error;
  std::thread writer([&] {
    for (int k = 0;; ++k) {
      engram::EpisodeBatch batch;
      for (int j = 0; j < 10; ++j) {
        batch.store_episode(Json{{"k", k}, {"j", j}}, 0.5, "batch" + std::to_string(k), 1.0 + j);
      }
      attempted = k + 1;
      try {
        (void)episodes->store_batch(batch);
        acknowledged.push_back(k);
      } catch (const engram::ConnectionError&) {
        return;  // the server went away
      } catch (const std::exception& e) {
        writer_error = e.what();
        return;
      }
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  server.stop();
  writer.join();
  INFO(writer_error);
  CHECK(writer_error.empty());
  CHECK_FALSE(acknowledged.empty());
  check_every_call_fails(storage);
  server.restart();

  // The same Storage, not reopened.
  const auto after = store_some(*episodes, "after", 10);
  check_there(*episodes, "before", before);
  check_there(*episodes, "after", after);
  CHECK(episodes->get_episodes_by_context("during").empty());
  // Each batch in flight at the stop is there whole or not at all; each
  // acknowledged one is there.
  std::map<int, std::int64_t> rows;
  for (int k = 0; k < attempted; ++k) {
    rows[k] = static_cast<std::int64_t>(
        episodes->get_episodes_by_context("batch" + std::to_string(k), 100).size());
    INFO("batch " << k);
    CHECK((rows[k] == 0 || rows[k] == 10));
  }
  std::int64_t batched = 0;
  for (const auto& [k, n] : rows) batched += n;
  for (const int k : acknowledged) {
    INFO("acknowledged batch " << k);
    CHECK(rows[k] == 10);
  }
  CHECK(storage.maintenance("pg")->stats().at("episodes") == 20 + batched);
  CHECK(pg_test::psql_int(server.dsn(), "SELECT count(*) FROM engram.episodes") == 20 + batched);
  const auto recall = episodes->nearest_episodes(ArrayView(query), 2);
  REQUIRE(recall.hits.size() == 2);
  CHECK(recall.hits[0].record.id == before[3]);
  CHECK(recall.hits[1].record.id == after[3]);
}

TEST_CASE("postgres: a server restarted while the backend was idle: the next calls succeed",
          "[postgres][restart]") {
  OwnPgServer server;
  auto storage = pg_test::open_pg(server.dsn(), "engram", kQuick);
  auto episodes = storage.episodes();
  // Both pooled connections opened and idle.
  std::vector<std::thread> threads;
  std::vector<std::vector<std::int64_t>> ids(2);
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back(
        [&, t] { ids[t] = store_some(*episodes, "before" + std::to_string(t), 5); });
  }
  for (auto& thread : threads) thread.join();

  server.stop();
  server.restart();

  // No call was made during the outage: the pooled connections died
  // unseen. The first calls after must not fail for it.
  for (int round = 0; round < 3; ++round) {
    INFO("round " << round);
    CHECK_NOTHROW(check_there(*episodes, "before0", ids[0]));
    CHECK_NOTHROW(check_there(*episodes, "before1", ids[1]));
  }
  const auto after = store_some(*episodes, "after", 5);
  check_there(*episodes, "after", after);
}

// Hidden ([.]): the plugin has no client-side deadline yet, so a call to a
// server that accepts but never answers (a hung host; the server's own
// statement_timeout cannot run) waits until the server answers. Run it by
// its tag: postgres_plugin_tests "[frozen]". The test never hangs: it
// thaws the server after the bound, then fails.
TEST_CASE("postgres: a frozen server: calls fail with ConnectionError in bounded time",
          "[.][postgres][restart][frozen]") {
  OwnPgServer server;
  auto storage = pg_test::open_pg(server.dsn(), "engram", kQuick);
  auto episodes = storage.episodes();
  const auto before = store_some(*episodes, "before", 5);

  server.freeze();
  std::mutex mutex;
  std::condition_variable done;
  enum class Outcome { kRunning, kConnectionError, kOther, kReturned } outcome = Outcome::kRunning;
  std::string other;
  std::thread call([&] {
    Outcome result = Outcome::kReturned;
    try {
      (void)episodes->retrieve_episode(before[0]);
    } catch (const engram::ConnectionError&) {
      result = Outcome::kConnectionError;
    } catch (const std::exception& e) {
      result = Outcome::kOther;
      other = e.what();
    }
    std::lock_guard lock(mutex);
    outcome = result;
    done.notify_all();
  });
  bool in_time = false;
  {
    std::unique_lock lock(mutex);
    in_time = done.wait_for(lock, kBound, [&] { return outcome != Outcome::kRunning; });
  }
  server.thaw();  // lets a call still waiting finish
  call.join();
  INFO(other);
  CHECK(in_time);
  CHECK(outcome == Outcome::kConnectionError);
  // Thawed: the same Storage works again.
  check_there(*episodes, "before", before);
}
