// A full disk mid-run: a separate process (sqlite_fill_disk) stores records
// on a 4 MiB tmpfs this test mounts (and, always, under RLIMIT_FSIZE) until
// the disk is full and goes on calling. Every call after is a typed engram
// error, the process exits normally, every record acknowledged before reads
// back intact after a fresh open, and once space returns the same file opens
// and takes new writes. Also: a new store created on a full disk.
#include <sched.h>
#include <sys/mount.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "engram/array.h"
#include "engram/errors.h"
#include "engram/storage.h"
#include "sqlite_test_util.h"

namespace fs = std::filesystem;

namespace {

// A tmpfs mounted on `folder` while this lives (when the process may mount).
// The mount is made in a mount namespace of this process's own when it can
// have one, so that it goes with the process even when a timeout kills it.
class TmpfsMount {
 public:
  TmpfsMount(const fs::path& folder, const std::string& options) : folder_(folder) {
    static const bool own_namespace =
        ::unshare(CLONE_NEWNS) == 0 &&
        ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0;
    (void)own_namespace;
    mounted_ = ::mount("tmpfs", folder.c_str(), "tmpfs", 0, options.c_str()) == 0;
  }
  TmpfsMount(const TmpfsMount&) = delete;
  TmpfsMount& operator=(const TmpfsMount&) = delete;
  // Gives the file system `options` (e.g. a larger size); true iff it took them.
  bool remount(const std::string& options) {
    return mounted_ && ::mount("tmpfs", folder_.c_str(), "tmpfs", MS_REMOUNT, options.c_str()) == 0;
  }
  ~TmpfsMount() {
    if (mounted_ && ::umount(folder_.c_str()) != 0) ::umount2(folder_.c_str(), MNT_DETACH);
  }
  bool mounted() const noexcept { return mounted_; }

 private:
  fs::path folder_;
  bool mounted_ = false;
};

// What sqlite_fill_disk reported.
struct FillReport {
  std::map<std::int64_t, std::int64_t> episodes;  // id → n
  std::map<std::int64_t, std::int64_t> concepts;
  std::map<std::int64_t, std::int64_t> events;
  std::vector<std::string> errors;  // "<kind> <first line>"
  std::vector<std::string> backup_errors;
  bool backup_ok = false;
  std::vector<std::string> compact;  // "ok" or "<kind> <first line>"
  std::int64_t stats_total = -1;
  std::vector<std::string> other;
};

FillReport parse(const std::string& output) {
  FillReport report;
  std::istringstream lines(output);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::string tag;
    words >> tag;
    std::int64_t id = 0;
    std::int64_t n = 0;
    if (tag == "episode" && words >> id >> n) {
      report.episodes[id] = n;
    } else if (tag == "concept" && words >> id >> n) {
      report.concepts[id] = n;
    } else if (tag == "event" && words >> id >> n) {
      report.events[id] = n;
    } else if (tag == "error") {
      report.errors.push_back(line.substr(6));
    } else if (tag == "compact-ok") {
      report.compact.push_back("ok");
    } else if (tag == "compact-error") {
      report.compact.push_back(line.substr(14));
    } else if (tag == "stats") {
      words >> report.stats_total;
    } else if (tag == "backup-ok") {
      report.backup_ok = true;
    } else if (tag == "backup-error") {
      report.backup_errors.push_back(line.substr(13));
    } else {
      report.other.push_back(line);
    }
  }
  return report;
}

engram::Array expected_episode(std::int64_t n) {
  std::vector<double> values(2048);
  for (std::size_t k = 0; k < values.size(); ++k) {
    values[k] = static_cast<double>(n) + static_cast<double>(k) / 4096.0;
  }
  return engram::Array(engram::ArrayView(values));
}

engram::Array expected_concept(std::int64_t n) {
  const std::vector<float> embedding(512, static_cast<float>(n));
  return engram::Array(engram::ArrayView(embedding));
}

// How many acknowledged records do not read back as stored.
std::int64_t count_lost(engram::Storage& storage, const FillReport& report) {
  std::int64_t lost = 0;
  auto episodes = storage.episodes();
  auto concepts = storage.concepts();
  for (const auto& [id, n] : report.episodes) {
    const auto episode = episodes->retrieve_episode(id);
    const bool intact = episode && episode->timestamp == 1000.0 + static_cast<double>(n) &&
                        std::get<engram::Array>(episode->experience_data) == expected_episode(n);
    if (!intact) ++lost;
  }
  for (const auto& [id, n] : report.concepts) {
    const auto record = concepts->retrieve_concept(id);
    const bool intact = record && record->name == "c" + std::to_string(n) &&
                        record->embedding == expected_concept(n);
    if (!intact) ++lost;
  }
  const auto events = episodes->get_learning_events_by_task("fill", 1'000'000);
  std::map<std::int64_t, std::int64_t> found;
  for (const auto& event : events)
    found[event.id] = static_cast<std::int64_t>(event.performance_delta);
  for (const auto& [id, n] : report.events) {
    if (!found.contains(id) || found[id] != n) ++lost;
  }
  return lost;
}

// Runs sqlite_fill_disk on `db` (with `limit_arg`, the file size limit it
// sets itself, when not empty), checks what it reported and that every
// acknowledged record reads back, calls `give_space_back`, and checks the
// same file opens and takes new writes. `fault` names the run in the
// figures printed.
void fill_then_recover(const fs::path& db, const std::string& limit_arg,
                       const std::function<void()>& give_space_back, const std::string& fault) {
  int status = -1;
  const std::string output =
      sqlite_test::capture(std::string(ENGRAM_SQLITE_FILL_DISK) + " " +
                               sqlite_test::shell_quote(db.string()) + limit_arg,
                           &status);
  const FillReport report = parse(output);
  INFO(output.substr(output.size() > 4000 ? output.size() - 4000 : 0));
  // Exited normally (not through a signal), every call typed.
  REQUIRE(status == 0);
  CHECK(report.other.empty());
  REQUIRE(!report.errors.empty());
  const std::string& first = report.errors.front();
  CHECK(first.starts_with("BackendError db: "));
  CHECK(first.find(db.string()) != std::string::npos);
  if (limit_arg.empty()) CHECK(first.find("database or disk is full") != std::string::npos);
  CHECK(first.size() < 200);
  // The backup tried after the failure either failed and left nothing in
  // the folder, or (under a file size limit, a copy smaller than the log)
  // wrote a sound copy.
  REQUIRE(report.backup_errors.size() + (report.backup_ok ? 1 : 0) == 1);
  if (report.backup_ok) {
    sqlite_test::RawDb copy(db.parent_path() / "while_full.db", true);
    CHECK(copy.integrity_check() == "ok");
  }
  for (const auto& entry : fs::directory_iterator(db.parent_path())) {
    const std::string name = entry.path().filename().string();
    INFO(name);
    CHECK(name.find(".partial-") == std::string::npos);
    if (!report.backup_ok) CHECK(name.find("while_full") == std::string::npos);
  }
  const std::size_t acknowledged =
      report.episodes.size() + report.concepts.size() + report.events.size();
  // compact() while full: a typed error (or done); stats() still reads.
  REQUIRE(report.compact.size() == 1);
  INFO("compact: " << report.compact.front());
  CHECK(
      (report.compact.front() == "ok" || report.compact.front().starts_with("BackendError db: ")));
  CHECK(report.stats_total >= 0);
  CHECK(report.episodes.size() > 20);

  // A fresh open while the disk is still full: everything acknowledged is
  // there.
  std::int64_t lost_while_full = 0;
  {
    engram::Storage storage = sqlite_test::open_sqlite(db);
    lost_while_full = count_lost(storage, report);
  }
  CHECK(lost_while_full == 0);

  // Space returns: the same file opens and takes new writes.
  give_space_back();
  std::int64_t lost_after = 0;
  {
    engram::Storage storage = sqlite_test::open_sqlite(db);
    const auto id =
        storage.episodes()->store_episode(expected_episode(-1), 0.5, "after", 1000.0 - 1.0);
    const auto concept_id = storage.concepts()->store_concept(
        "after", engram::ArrayView(std::vector<float>(512, 7.0f)));
    storage.maintenance("db")->sync();
    const auto episode = storage.episodes()->retrieve_episode(id);
    REQUIRE(episode);
    CHECK(std::get<engram::Array>(episode->experience_data) == expected_episode(-1));
    CHECK(storage.concepts()->retrieve_concept(concept_id));
    lost_after = count_lost(storage, report);
  }
  CHECK(lost_after == 0);
  sqlite_test::RawDb raw(db, true);
  CHECK(raw.integrity_check() == "ok");
  std::cout << "sqlite " << fault << ": " << acknowledged
            << " records acknowledged before the first failure, " << report.errors.size()
            << " typed errors after, lost while full " << lost_while_full
            << ", lost after space returned " << lost_after << "\n";
}

}  // namespace

TEST_CASE("sqlite: a full disk mid-run: typed errors, a clean exit, nothing acknowledged lost",
          "[sqlite][full_disk]") {
  sqlite_test::TempDir dir;
  const fs::path small = dir / "small";
  fs::create_directory(small);
  TmpfsMount mount(small, "size=4m");
  if (!mount.mounted()) {
    WARN("mount not permitted: RLIMIT_FSIZE of 3 MB instead of a full tmpfs");
    fill_then_recover(
        small / "engram.db", " 3000000", [] {}, "file size limit (EFBIG)");
    return;
  }
  // Space to give back later.
  const fs::path filler = small / "filler";
  std::ofstream(filler, std::ios::binary) << std::string(512 * 1024, 'f');
  fill_then_recover(
      small / "engram.db", "",
      [&] {
        fs::remove(filler);
        REQUIRE(mount.remount("size=16m"));
      },
      "full 4 MiB tmpfs (ENOSPC)");
}

TEST_CASE("sqlite: a file size limit mid-run (EFBIG): typed errors, nothing acknowledged lost",
          "[sqlite][full_disk]") {
  sqlite_test::TempDir dir;
  fill_then_recover(
      dir / "engram.db", " 3000000", [] {}, "file size limit (EFBIG)");
}

TEST_CASE("sqlite: a new store on a full disk fails typed and opens once space returns",
          "[sqlite][full_disk]") {
  sqlite_test::TempDir dir;
  const fs::path small = dir / "small";
  fs::create_directory(small);
  TmpfsMount mount(small, "size=1m");
  if (!mount.mounted()) {
    WARN("mount not permitted: skipped");
    return;
  }
  const fs::path filler = small / "filler";
  {
    // Fill every block: write until the file system says no.
    std::ofstream out(filler, std::ios::binary);
    const std::string block(4096, 'f');
    while (out.write(block.data(), static_cast<std::streamsize>(block.size()))) out.flush();
  }
  const fs::path db = small / "engram.db";
  try {
    engram::Storage storage = sqlite_test::open_sqlite(db);
    storage.episodes()->store_learning_event("t", 1.0, "s");
    FAIL("stored on a full disk");
  } catch (const engram::StorageError& e) {
    const std::string what = e.what();
    INFO(what);
    CHECK(what.find(db.string()) != std::string::npos);
    CHECK(what.find('\n') == std::string::npos);
  }
  // What the failed create left (nothing, or a 0-byte file) is a new store.
  fs::remove(filler);
  {
    engram::Storage storage = sqlite_test::open_sqlite(db);
    storage.episodes()->store_learning_event("t", 1.0, "s");
  }
  sqlite_test::RawDb raw(db, true);
  CHECK(raw.count("learning_events") == 1);
  CHECK(raw.integrity_check() == "ok");
}
