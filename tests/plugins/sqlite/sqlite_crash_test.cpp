// SIGKILL in the middle of writing: a child process stores episodes in a
// loop, reporting each id on a pipe after store_episode returns; the parent
// kills it at a random moment, 20 times over one file. After every kill the
// file passes PRAGMA integrity_check and every reported id is there.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <cstring>
#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "engram/array.h"
#include "engram/errors.h"
#include "engram/storage.h"
#include "killed_child.h"
#include "sqlite_test_util.h"

namespace {

using engram::ArrayView;
using engram::Json;

// The child: never returns.
[[noreturn]] void store_until_killed(const std::filesystem::path& db, int report_fd) {
  try {
    engram::Storage storage = sqlite_test::open_sqlite(db);
    auto episodes = storage.episodes();
    std::vector<double> values(64);
    for (std::int64_t n = 0;; ++n) {
      for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<double>(n) + static_cast<double>(i);
      const std::int64_t id =
          episodes->store_episode(ArrayView(values, engram::Shape{8, 8}), 0.5, "crash",
                                  std::nullopt, Json{{"n", n}});
      if (::write(report_fd, &id, sizeof id) != static_cast<ssize_t>(sizeof id)) ::_exit(4);
    }
  } catch (...) {
    ::_exit(3);
  }
}

}  // namespace

TEST_CASE("sqlite: SIGKILL while storing loses nothing reported and leaves a sound file",
          "[sqlite]") {
  sqlite_test::TempDir dir;
  const auto db = dir / "crash.db";
  std::mt19937 random(20261124);
  std::uniform_int_distribution<int> delay_ms(5, 250);
  std::vector<std::int64_t> reported;
  int killed_while_running = 0;

  for (int round = 0; round < 20; ++round) {
    const auto child = engram_test::run_until_killed(
        [&](int fd) { store_until_killed(db, fd); }, std::chrono::milliseconds(delay_ms(random)));
    INFO("round " << round);
    // It must have been running (killed), not have failed on its own.
    REQUIRE(child.killed);
    ++killed_while_running;
    for (std::size_t at = 0; at + sizeof(std::int64_t) <= child.reported.size();
         at += sizeof(std::int64_t)) {
      std::int64_t id = 0;
      std::memcpy(&id, child.reported.data() + at, sizeof id);
      reported.push_back(id);
    }

    if (!std::filesystem::exists(db)) continue;  // killed before it created the file
    {
      sqlite_test::RawDb raw(db);
      REQUIRE(raw.integrity_check() == "ok");
      CHECK(raw.count("episodes") >= static_cast<std::int64_t>(reported.size()));
    }
    engram::Storage storage = sqlite_test::open_sqlite(db);
    auto episodes = storage.episodes();
    for (const std::int64_t reported_id : reported) {
      INFO("id " << reported_id);
      const auto episode = episodes->retrieve_episode(reported_id);
      REQUIRE(episode);
      const auto& array = std::get<engram::Array>(episode->experience_data);
      CHECK(array.shape() == engram::Shape{8, 8});
      const auto n_stored = episode->metadata.at("n").get<double>();
      CHECK(array.values<double>()[0] == n_stored);
    }
  }
  CHECK(killed_while_running == 20);
  // The test is only meaningful if the children got some stores through.
  CHECK(reported.size() >= 20);
  WARN("episodes reported before SIGKILL over 20 rounds: " << reported.size());
}
