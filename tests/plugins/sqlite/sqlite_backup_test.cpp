// Online backups: a consistent copy while another thread writes, automatic
// names that never overwrite each other, the max_backups limit,
// backup_if_due's interval; explicit paths that never overwrite a file or
// land on the database's own files (files()), and nothing a backup killed
// midway leaves carries the target's name.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engram/array.h"
#include "engram/errors.h"
#include "engram/maintenance.h"
#include "engram/storage.h"
#include "killed_child.h"
#include "sqlite_test_util.h"
#include "file_bytes.h"

namespace fs = std::filesystem;

namespace {

using engram::ArrayView;
using engram::Json;

// The automatic backups of `<stem>.db` in `dir`: `<stem>_backup_<unix
// seconds>[_<n>].db`.
std::set<fs::path> auto_backups(const fs::path& dir, const std::string& stem) {
  const std::regex name(stem + "_backup_[0-9]+(_[0-9]+)?\\.db");
  std::set<fs::path> found;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (std::regex_match(entry.path().filename().string(), name)) found.insert(entry.path());
  }
  return found;
}

}  // namespace

TEST_CASE("sqlite: backup() while another thread writes gives a sound, readable copy",
          "[sqlite]") {
  sqlite_test::TempDir dir;
  const auto db = dir / "live.db";
  engram::Storage storage = sqlite_test::open_sqlite(db);
  auto episodes = storage.episodes();
  auto maintenance = storage.maintenance("db");
  std::atomic<bool> stop{false};
  std::atomic<std::int64_t> stored{0};
  std::string writer_error;
  std::thread writer([&] {
    try {
      const std::vector<double> values(1000, 0.5);
      while (!stop) {
        episodes->store_episode(ArrayView(values), 0.5, "live");
        ++stored;
      }
    } catch (const std::exception& e) {
      writer_error = e.what();
    }
  });
  while (stored < 20) std::this_thread::sleep_for(std::chrono::milliseconds(5));

  fs::path automatic, explicit_path;
  std::string backup_error;
  try {
    automatic = maintenance->backup();
    explicit_path = maintenance->backup(dir / "explicit_copy.db");
  } catch (const std::exception& e) {
    backup_error = e.what();
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  stop = true;
  writer.join();
  INFO("writer: " << writer_error << " backup: " << backup_error);
  REQUIRE(writer_error.empty());
  REQUIRE(backup_error.empty());

  CHECK(explicit_path == dir / "explicit_copy.db");
  CHECK(automatic.parent_path() == db.parent_path());
  CHECK(std::regex_match(automatic.filename().string(),
                         std::regex("live_backup_[0-9]+(_[0-9]+)?\\.db")));
  for (const auto& copy : {automatic, explicit_path}) {
    INFO(copy);
    REQUIRE(fs::exists(copy));
    sqlite_test::RawDb raw(copy, true);
    CHECK(raw.integrity_check() == "ok");
    const auto rows = raw.count("episodes");
    CHECK(rows >= 20);
    CHECK(rows <= stored.load());
    CHECK(raw.scalar_int("SELECT max(version) FROM schema_version") == 2);
  }
  // The copy opens with engram too.
  engram::Storage copy = sqlite_test::open_sqlite(automatic);
  const auto first = copy.episodes()->retrieve_episode(1);
  REQUIRE(first);
  CHECK(std::get<engram::Array>(first->experience_data).shape() == engram::Shape{1000});
}

TEST_CASE("sqlite: automatic backups never overwrite each other, the newest max_backups stay",
          "[sqlite]") {
  sqlite_test::TempDir dir;
  const auto db = dir / "rotating.db";
  engram::Storage storage = sqlite_test::open_sqlite(db, ", max_backups: 3");
  auto episodes = storage.episodes();
  auto maintenance = storage.maintenance("db");
  std::vector<fs::path> written;
  for (int i = 0; i < 5; ++i) {  // max_backups + 2, most within one second
    episodes->store_learning_event("t", 1.0, "s" + std::to_string(i));
    written.push_back(maintenance->backup());
    // What backup() returns exists when it returns.
    CHECK(fs::exists(written.back()));
  }
  const std::set<fs::path> distinct(written.begin(), written.end());
  CHECK(distinct.size() == written.size());
  const auto kept = auto_backups(dir.path(), "rotating");
  CHECK(kept == std::set<fs::path>(written.end() - 3, written.end()));
  // The newest holds every event stored before it.
  REQUIRE(fs::exists(written.back()));
  sqlite_test::RawDb newest(written.back(), true);
  CHECK(newest.count("learning_events") == 5);
  CHECK(fs::exists(db));
}

TEST_CASE("sqlite: backup_if_due honours backup_interval", "[sqlite]") {
  sqlite_test::TempDir dir;
  const auto db = dir / "due.db";

  SECTION("interval 1 s") {
    engram::Storage storage = sqlite_test::open_sqlite(db, ", backup_interval: 1");
    storage.episodes()->store_learning_event("t", 1.0, "s");
    auto maintenance = storage.maintenance("db");
    // Whether one is due right after opening is the plugin's choice; right
    // after that call, none is.
    (void)maintenance->backup_if_due();
    CHECK_FALSE(maintenance->backup_if_due());
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    const auto first = maintenance->backup_if_due();
    REQUIRE(first);
    CHECK(fs::exists(*first));
    CHECK_FALSE(maintenance->backup_if_due());
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
    const auto second = maintenance->backup_if_due();
    REQUIRE(second);
    CHECK(*second != *first);
    CHECK(fs::exists(*second));
    sqlite_test::RawDb raw(*second, true);
    CHECK(raw.integrity_check() == "ok");
    CHECK(raw.count("learning_events") == 1);
  }

  SECTION("the default hour: none due right after a backup") {
    engram::Storage storage = sqlite_test::open_sqlite(db);
    auto maintenance = storage.maintenance("db");
    const auto path = maintenance->backup();
    CHECK(fs::exists(path));
    CHECK_FALSE(maintenance->backup_if_due());
    CHECK(auto_backups(dir.path(), "due").size() == 1);
  }
}

TEST_CASE("sqlite: max_backups and backup_interval change on a running backend (set_option)",
          "[sqlite]") {
  sqlite_test::TempDir dir;
  const auto db = dir / "live.db";
  engram::Storage storage = sqlite_test::open_sqlite(db, ", max_backups: 5");
  auto episodes = storage.episodes();
  auto maintenance = storage.maintenance("db");
  std::vector<fs::path> written;
  for (int i = 0; i < 4; ++i) {
    episodes->store_learning_event("t", 1.0, "s" + std::to_string(i));
    written.push_back(maintenance->backup());
  }
  CHECK(auto_backups(dir.path(), "live").size() == 4);
  // Fewer kept from the next backup on.
  maintenance->set_option("max_backups", 2);
  written.push_back(maintenance->backup());
  CHECK(auto_backups(dir.path(), "live") == std::set<fs::path>(written.end() - 2, written.end()));

  // The default hour: none due right after a backup, until the interval is 0.
  CHECK_FALSE(maintenance->backup_if_due());
  maintenance->set_option("backup_interval", 0);
  const auto due = maintenance->backup_if_due();
  REQUIRE(due);
  CHECK(fs::exists(*due));

  // Refused, each naming the option, and nothing changed by a refusal.
  CHECK_THROWS_AS(maintenance->set_option("max_backups", 0), engram::InvalidArgument);
  CHECK_THROWS_AS(maintenance->set_option("max_backups", "3"), engram::InvalidArgument);
  CHECK_THROWS_AS(maintenance->set_option("max_backupz", 3), engram::InvalidArgument);
  CHECK_THROWS_WITH(maintenance->set_option("enable_wal", false),
                    Catch::Contains("option 'enable_wal': read when the backend opens"));
  CHECK_THROWS_AS(maintenance->set_option("db_path", "other.db"), engram::NotSupported);
  written.push_back(maintenance->backup());
  CHECK(auto_backups(dir.path(), "live").size() == 2);
}

namespace {

std::set<std::string> folder_names(const fs::path& folder) {
  std::set<std::string> names;
  for (const auto& entry : fs::directory_iterator(folder)) {
    names.insert(entry.path().filename().string());
  }
  return names;
}

// backup(target) must be InvalidArgument naming `target`, with `reason`.
void require_backup_refused(engram::Maintenance& maintenance, const fs::path& target,
                            const std::string& reason) {
  try {
    const fs::path written = maintenance.backup(target);
    FAIL("backup to " << target << " reported ok, wrote " << written);
  } catch (const engram::InvalidArgument& e) {
    const std::string what = e.what();
    INFO(what);
    CHECK(what.find(target.string()) != std::string::npos);
    CHECK(what.find(reason) != std::string::npos);
    CHECK(what.find('\n') == std::string::npos);
  }
}

}  // namespace

TEST_CASE("sqlite: backup(path) never writes over an existing file", "[sqlite]") {
  sqlite_test::TempDir dir;
  const auto db = dir / "live.db";
  engram::Storage storage = sqlite_test::open_sqlite(db);
  storage.episodes()->store_learning_event("t", 1.0, "s");
  auto maintenance = storage.maintenance("db");

  const auto precious = dir / "precious.db";
  std::ofstream(precious, std::ios::binary) << "somebody's data";
  const auto names = folder_names(dir.path());
  require_backup_refused(*maintenance, precious, "refusing to overwrite");
  CHECK(engram_test::file_bytes(precious) == "somebody's data");
  // No partial copy left beside it.
  CHECK(folder_names(dir.path()) == names);

  // A fresh name works, and the next backup to it is refused in turn.
  const auto fresh = dir / "fresh.db";
  CHECK(maintenance->backup(fresh) == fresh);
  require_backup_refused(*maintenance, fresh, "refusing to overwrite");
  sqlite_test::RawDb raw(fresh, true);
  CHECK(raw.count("learning_events") == 1);
}

TEST_CASE("sqlite: backup(path) never writes onto the database's own files", "[sqlite]") {
  sqlite_test::TempDir dir;
  const auto db = dir / "own.db";
  engram::Storage storage = sqlite_test::open_sqlite(db);
  for (int i = 0; i < 5; ++i) storage.episodes()->store_learning_event("t", 1.0, "s");
  auto maintenance = storage.maintenance("db");
  // The database under other spellings, and its log and journal (the
  // journal does not exist in WAL mode: refused all the same).
  for (const fs::path& target :
       {dir.path() / "." / "own.db", dir.path() / "sub" / ".." / "own.db",
        fs::path(db.string() + "-wal"), fs::path(db.string() + "-journal")}) {
    INFO(target);
    if (target.string().find("sub") != std::string::npos) fs::create_directories(dir / "sub");
    require_backup_refused(*maintenance, target, "own file");
  }
  CHECK_FALSE(fs::exists(db.string() + "-journal"));
  CHECK(storage.episodes()->get_learning_events_by_task("t").size() == 5);
  storage.close();
  sqlite_test::RawDb raw(db, true);
  CHECK(raw.integrity_check() == "ok");
  CHECK(raw.count("learning_events") == 5);
}

TEST_CASE("sqlite: files() lists the database, its log, index and journal, absolute", "[sqlite]") {
  sqlite_test::TempDir dir;
  const auto db = dir / "listed.db";
  engram::Storage storage = sqlite_test::open_sqlite(db);
  storage.episodes()->store_learning_event("t", 1.0, "s");
  auto maintenance = storage.maintenance("db");
  const std::vector<fs::path> files = maintenance->files();
  const std::vector<fs::path> expected{db, fs::path(db.string() + "-wal"),
                                       fs::path(db.string() + "-shm"),
                                       fs::path(db.string() + "-journal")};
  REQUIRE(files == expected);
  for (const auto& file : files) CHECK(file.is_absolute());
  // In WAL mode, while open, the first three exist.
  CHECK(fs::exists(files[0]));
  CHECK(fs::exists(files[1]));
  CHECK(fs::exists(files[2]));
  storage.close();
  CHECK(maintenance->files() == expected);  // still valid after close
}

TEST_CASE("sqlite: a backup killed midway leaves no file under the target's name", "[sqlite]") {
  sqlite_test::TempDir dir;
  const auto db = dir / "big.db";
  constexpr int kEpisodes = 40;
  {
    // About 32 MB, so a backup takes long enough to be killed in the middle.
    engram::Storage storage = sqlite_test::open_sqlite(db);
    const std::vector<double> values(100'000, 0.5);
    for (int i = 0; i < kEpisodes; ++i) {
      storage.episodes()->store_episode(ArrayView(values), 0.5, "big");
    }
  }
  int round = 0;
  for (const int delay_ms : {30, 90, 200, 400, 700}) {
    const fs::path copies = dir / ("copies_" + std::to_string(round++));
    fs::create_directory(copies);
    const auto child = engram_test::run_until_killed(
        [&](int report_fd) {
          engram::Storage storage = sqlite_test::open_sqlite(db);
          auto maintenance = storage.maintenance("db");
          for (int i = 0;; ++i) {
            maintenance->backup(copies / ("copy_" + std::to_string(i) + ".db"));
            const std::string line = std::to_string(i) + "\n";
            if (::write(report_fd, line.data(), line.size()) < 0) return;
          }
        },
        std::chrono::milliseconds(delay_ms));
    INFO("killed after " << delay_ms << " ms; reported: " << child.reported);
    CHECK(child.killed);
    // Whatever carries a final name is a whole copy; partial files are hidden.
    int whole = 0;
    for (const auto& entry : fs::directory_iterator(copies)) {
      const std::string name = entry.path().filename().string();
      INFO(name);
      if (name.starts_with(".")) {
        CHECK(name.find(".partial-") != std::string::npos);
        continue;
      }
      REQUIRE(std::regex_match(name, std::regex("copy_[0-9]+\\.db")));
      sqlite_test::RawDb raw(entry.path(), true);
      CHECK(raw.integrity_check() == "ok");
      CHECK(raw.count("episodes") == kEpisodes);
      ++whole;
    }
    // Every backup reported done is there.
    CHECK(whole >=
          static_cast<int>(std::count(child.reported.begin(), child.reported.end(), '\n')));
  }
  // The database itself is untouched by it all.
  sqlite_test::RawDb raw(db, true);
  CHECK(raw.integrity_check() == "ok");
  CHECK(raw.count("episodes") == kEpisodes);
}
