#include "engram/result_orders.h"

namespace engram {

void StrategyTally::add(const LearningEvent& event) {
  if (!(event.performance_delta > 0)) return;
  auto found = totals_.find(event.strategy_used);
  if (found == totals_.end()) found = totals_.emplace(event.strategy_used, std::pair{0.0, 0}).first;
  found->second.first += event.performance_delta;
  ++found->second.second;
}

std::vector<StrategyScore> StrategyTally::best(std::size_t limit) const {
  std::vector<StrategyScore> scores;
  for (const auto& [strategy, total] : totals_) {
    scores.push_back({strategy, total.first / static_cast<double>(total.second), total.second});
  }
  // Best average, then most events; the name last, so ties list alike.
  std::sort(scores.begin(), scores.end(), [](const StrategyScore& a, const StrategyScore& b) {
    return std::tie(b.avg_delta, b.count, a.strategy) < std::tie(a.avg_delta, a.count, b.strategy);
  });
  if (scores.size() > limit) scores.resize(limit);
  return scores;
}

}  // namespace engram
