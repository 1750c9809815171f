// engram/life_lock.h: calls run while open, close() waits for them, and
// every call after close() is the closed error.
#include "engram/life_lock.h"

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "engram/errors.h"

TEST_CASE("life lock: after close every call is the closed error, naming the backend",
          "[life_lock]") {
  engram::LifeLock life("db", "database /data/x.db");
  { auto held = life.enter(); }
  { auto held = life.enter_alone(); }
  int released = 0;
  CHECK(life.close([&] { ++released; }));
  CHECK_FALSE(life.close([&] { ++released; }));
  CHECK(released == 1);
  try {
    auto held = life.enter();
    FAIL("entered a closed backend");
  } catch (const engram::StorageError& e) {
    CHECK(typeid(e) == typeid(engram::StorageError));
    CHECK(e.backend() == "db");
    CHECK(std::string(e.what()) == "db: the backend is closed (database /data/x.db)");
  }
  CHECK_THROWS_AS(life.enter_alone(), engram::StorageError);
}

TEST_CASE("life lock: close waits for the call under way", "[life_lock]") {
  engram::LifeLock life("db");
  std::atomic<bool> call_done{false};
  std::atomic<bool> entered{false};
  std::thread call([&] {
    auto held = life.enter();
    entered = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    call_done = true;
  });
  while (!entered) std::this_thread::yield();
  bool done_at_release = false;
  life.close([&] { done_at_release = call_done.load(); });
  call.join();
  CHECK(done_at_release);
}
