// engram/result_orders.h: the orders the role contracts promise.
#include "engram/result_orders.h"

#include <catch2/catch.hpp>
#include <limits>

using engram::Concept;
using engram::LearningEvent;
using engram::Relationship;

TEST_CASE("result orders: newest first by timestamp, then id", "[result_orders]") {
  std::vector<LearningEvent> events(4);
  events[0].id = 1, events[0].timestamp = 10;
  events[1].id = 2, events[1].timestamp = 30;
  events[2].id = 3, events[2].timestamp = 30;
  events[3].id = 4, events[3].timestamp = 20;
  std::vector<const LearningEvent*> found;
  for (const auto& e : events) found.push_back(&e);
  const auto newest = engram::top(found, 3, engram::NewestFirst());
  REQUIRE(newest.size() == 3);
  CHECK(newest[0].id == 3);
  CHECK(newest[1].id == 2);
  CHECK(newest[2].id == 4);
  CHECK(engram::top(found, 10, engram::NewestFirst()).size() == 4);
  CHECK(engram::top(found, 0, engram::NewestFirst()).empty());
}

TEST_CASE("result orders: search by access count, creation time, id", "[result_orders]") {
  Concept a, b, c;
  a.id = 1, a.access_count = 5, a.creation_time = 1;
  b.id = 2, b.access_count = 5, b.creation_time = 2;
  c.id = 3, c.access_count = 9, c.creation_time = 0;
  const auto ranked = engram::top<Concept>({&a, &b, &c}, 3, engram::MostAccessedFirst());
  CHECK(ranked[0].id == 3);
  CHECK(ranked[1].id == 2);
  CHECK(ranked[2].id == 1);
}

TEST_CASE("result orders: relationships strongest first, then target and type",
          "[result_orders]") {
  std::vector<Relationship> r{{1, 5, "b", 0.5}, {1, 4, "z", 0.5}, {1, 4, "a", 0.5}, {1, 9, "a", 0.9}};
  std::sort(r.begin(), r.end(), engram::StrongestFirst());
  CHECK(r[0].target_id == 9);
  CHECK((r[1].target_id == 4 && r[1].type == "a"));
  CHECK((r[2].target_id == 4 && r[2].type == "z"));
  CHECK(r[3].target_id == 5);
}

TEST_CASE("result orders: best strategies average positive deltas only", "[result_orders]") {
  engram::StrategyTally tally;
  // Names break ties last: a strategy named before another of equal
  // average and count comes first.
  const auto event = [](const char* strategy, double delta) {
    LearningEvent e;
    e.strategy_used = strategy;
    e.performance_delta = delta;
    return e;
  };
  for (const auto& e : {event("a", 0.2), event("a", 0.4), event("b", 0.3), event("b", 0.3),
                        event("b", -5.0), event("c", 0.3), event("d", 0.0),
                        event("e", std::numeric_limits<double>::quiet_NaN())}) {
    tally.add(e);
  }
  const auto best = tally.best(10);
  REQUIRE(best.size() == 3);  // d (0) and e (NaN) are not positive
  // b and c both average 0.3: the one with more events first.
  CHECK(best[0].strategy == "a");
  CHECK(best[0].avg_delta == Approx(0.3));
  CHECK(best[0].count == 2);
  CHECK(best[1].strategy == "b");
  CHECK(best[1].count == 2);
  CHECK(best[2].strategy == "c");
  CHECK(tally.best(1).size() == 1);

  engram::StrategyTally tied;
  tied.add(event("y", 0.5));
  tied.add(event("x", 0.5));
  CHECK(tied.best(2)[0].strategy == "x");
}
