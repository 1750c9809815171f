// sqlite_fill_disk DB_PATH [FSIZE_LIMIT_BYTES] — stores records into the
// sqlite backend at DB_PATH until a store fails (the disk is full, or with
// FSIZE_LIMIT_BYTES, RLIMIT_FSIZE with SIGXFSZ ignored), then goes on calling
// for a while, as a program that does not know the disk is full would.
//
// Standard output, one line per event:
//   episode <id> <n>   the store of episode n was acknowledged with id
//   concept <id> <n>   the store of concept "c<n>" was acknowledged
//   event <id> <n>     the store of learning event n was acknowledged
//   error <kind> <what's first line>   a call threw an engram error
//   backup-error <kind> <what's first line>, or backup-ok
//   compact-error <kind> <what's first line>, or compact-ok
//   stats <total records>
// Exit status: 0 when every call returned or threw an engram error and the
// backend closed; 2 for any other exception; 3 when no store ever failed.
// Episode n's experience is 2048 float64 values n + k/4096; concept n's
// embedding 512 float32 values n (see expected_episode / expected_concept in
// sqlite_full_disk_test.cpp).
#include <sys/resource.h>

#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "engram/array.h"
#include "engram/errors.h"
#include "engram/maintenance.h"
#include "engram/storage.h"

namespace {

std::string kind_of(const engram::StorageError& e) {
  if (dynamic_cast<const engram::BackendError*>(&e)) return "BackendError";
  if (dynamic_cast<const engram::CorruptData*>(&e)) return "CorruptData";
  if (dynamic_cast<const engram::AccessDenied*>(&e)) return "AccessDenied";
  if (dynamic_cast<const engram::InvalidArgument*>(&e)) return "InvalidArgument";
  return "StorageError";
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

std::vector<double> episode_values(std::int64_t n) {
  std::vector<double> values(2048);
  for (std::size_t k = 0; k < values.size(); ++k) {
    values[k] = static_cast<double>(n) + static_cast<double>(k) / 4096.0;
  }
  return values;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << "usage: sqlite_fill_disk DB_PATH [FSIZE_LIMIT_BYTES]\n";
    return 64;
  }
  const std::filesystem::path db = argv[1];
  if (argc > 2) {
    std::signal(SIGXFSZ,
                SIG_IGN);  // writes past the limit fail with EFBIG instead
    const rlim_t limit = std::strtoull(argv[2], nullptr, 10);
    const rlimit fsize{limit, limit};
    if (::setrlimit(RLIMIT_FSIZE, &fsize) != 0) return 65;
  }
  try {
    engram::Storage storage =
        engram::Storage::from_yaml("version: 1\nbackends:\n  db: {plugin: sqlite, db_path: \"" +
                                   db.string() + "\"}\nroles: {episodes: db, concepts: db}\n");
    auto episodes = storage.episodes();
    auto concepts = storage.concepts();
    auto maintenance = storage.maintenance("db");
    int failures = 0;
    // Stores until one fails, then 20 more calls of every kind.
    for (std::int64_t n = 0; n < 100000 && failures < 20; ++n) {
      try {
        switch (n % 3) {
          case 0: {
            const std::int64_t id = episodes->store_episode(episode_values(n), 0.5, "fill",
                                                            1000.0 + static_cast<double>(n));
            std::cout << "episode " << id << ' ' << n << std::endl;
            break;
          }
          case 1: {
            const std::vector<float> embedding(512, static_cast<float>(n));
            const std::int64_t id =
                concepts->store_concept("c" + std::to_string(n), engram::ArrayView(embedding));
            std::cout << "concept " << id << ' ' << n << std::endl;
            break;
          }
          default: {
            const std::int64_t id = episodes->store_learning_event("fill", static_cast<double>(n),
                                                                   "s" + std::to_string(n));
            std::cout << "event " << id << ' ' << n << std::endl;
            break;
          }
        }
      } catch (const engram::StorageError& e) {
        ++failures;
        std::cout << "error " << kind_of(e) << ' ' << first_line(e.what()) << std::endl;
        if (failures == 1) {
          // A backup now fails too, leaving nothing behind.
          try {
            maintenance->backup(db.parent_path() / "while_full.db");
            std::cout << "backup-ok" << std::endl;
          } catch (const engram::StorageError& b) {
            std::cout << "backup-error " << kind_of(b) << ' ' << first_line(b.what()) << std::endl;
          }
          // VACUUM needs room for a copy: it fails and leaves the file as it was.
          try {
            maintenance->compact();
            std::cout << "compact-ok" << std::endl;
          } catch (const engram::StorageError& c) {
            std::cout << "compact-error " << kind_of(c) << ' ' << first_line(c.what()) << std::endl;
          }
          // Reading needs no room.
          std::cout << "stats " << maintenance->stats().value("total", std::int64_t{-1})
                    << std::endl;
        }
      }
    }
    if (failures == 0) return 3;
    try {
      maintenance->sync();
    } catch (const engram::StorageError& e) {
      std::cout << "error " << kind_of(e) << ' ' << first_line(e.what()) << std::endl;
    }
    storage.close();
  } catch (const engram::StorageError& e) {
    std::cout << "error " << kind_of(e) << ' ' << first_line(e.what()) << std::endl;
    return 0;
  } catch (const std::exception& e) {
    std::cout << "other " << e.what() << std::endl;
    return 2;
  }
  return 0;
}
