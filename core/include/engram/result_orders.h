// engram/result_orders.h — the orders the role contracts promise, for a
// backend that ranks its results in process.
//
// An SQL backend says these in ORDER BY; one that keeps records in
// containers (the memory plugin, a cache) sorts with them, so every backend
// returns the same records in the same order and the conformance suite
// holds them all to it:
//   - episodes and learning events (get_episodes_by_context,
//     get_recent_episodes, get_learning_events_by_task): newest first —
//     timestamp, then id, descending (NewestFirst);
//   - search_concepts: most accessed first, then latest created, then the
//     highest id (MostAccessedFirst);
//   - get_concept_relationships: strongest first, then by target id and
//     type, ascending (StrongestFirst);
//   - get_best_strategies: by strategy over the task's events with a
//     positive delta, the average delta and the count; best average first,
//     then most events, then the strategy's name (StrategyTally).
//
// Thread safety: the orders are stateless; a StrategyTally is used by one
// thread at a time.
#ifndef ENGRAM_RESULT_ORDERS_H_
#define ENGRAM_RESULT_ORDERS_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "engram/concept_store.h"
#include "engram/episode_store.h"
#include "engram/export.h"

namespace engram {

struct NewestFirst {
  template <class Record>
  bool operator()(const Record& a, const Record& b) const {
    return std::tie(a.timestamp, a.id) > std::tie(b.timestamp, b.id);
  }
};

struct MostAccessedFirst {
  bool operator()(const Concept& a, const Concept& b) const {
    return std::tie(a.access_count, a.creation_time, a.id) >
           std::tie(b.access_count, b.creation_time, b.id);
  }
};

struct StrongestFirst {
  bool operator()(const Relationship& a, const Relationship& b) const {
    return a.strength > b.strength ||
           (a.strength == b.strength && std::tie(a.target_id, a.type) < std::tie(b.target_id, b.type));
  }
};

// The first `limit` of `found` in `order`, each copied once.
template <class Record, class Order>
std::vector<Record> top(std::vector<const Record*> found, std::size_t limit, Order order) {
  const auto end = found.begin() + static_cast<std::ptrdiff_t>(std::min(limit, found.size()));
  std::partial_sort(found.begin(), end, found.end(),
                    [&order](const Record* a, const Record* b) { return order(*a, *b); });
  std::vector<Record> records;
  records.reserve(static_cast<std::size_t>(end - found.begin()));
  for (auto it = found.begin(); it != end; ++it) records.push_back(**it);
  return records;
}

// get_best_strategies over the events added (the caller picks the task's).
class ENGRAM_API StrategyTally {
 public:
  // Counts `event` when its performance_delta is positive.
  void add(const LearningEvent& event);
  // The best `limit` strategies, in the contract's order.
  std::vector<StrategyScore> best(std::size_t limit) const;

 private:
  std::map<std::string, std::pair<double, std::int64_t>, std::less<>> totals_;  // sum, count
};

}  // namespace engram

#endif  // ENGRAM_RESULT_ORDERS_H_
