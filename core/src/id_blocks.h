// The integer ids a write-behind role hands out at queue time: blocks its
// backend reserved (EpisodeStore::do_reserve_ids, ConceptStore::
// do_reserve_ids), which no store of the backend hands out again.
//
// take() gives the next id, or nullopt when none is left: the caller
// first makes sure of one with ensure_id (which reserves a block, a backend
// call, without the queue's lock). The writer tops the blocks up between writes (low()), so a
// store rarely waits for a reservation. Ids left in a block when the role
// closes are never used: gaps, not reuse.
//
// Thread safety: none; the queue's lock guards it.
#ifndef ENGRAM_CORE_SRC_ID_BLOCKS_H_
#define ENGRAM_CORE_SRC_ID_BLOCKS_H_

#include <algorithm>
#include <cstdint>
#include <deque>
#include <optional>
#include <utility>
#include <vector>

namespace engram::detail {

class IdBlocks {
 public:
  // `block`: how many ids one reservation asks for.
  explicit IdBlocks(std::int64_t block) : block_(std::max<std::int64_t>(block, 1)) {}

  std::int64_t block() const noexcept { return block_; }

  // True iff take() has an id to give.
  bool has_id() {
    while (!ranges_.empty() && ranges_.front().first >= ranges_.front().second) {
      ranges_.pop_front();
    }
    return !ranges_.empty();
  }

  // The next id, or nullopt when none is left.
  std::optional<std::int64_t> take() {
    used_ = true;
    if (!has_id()) return std::nullopt;
    return ranges_.front().first++;
  }

  // The block [first, first + count).
  void add(std::int64_t first, std::int64_t count) { ranges_.emplace_back(first, first + count); }

  // True when the role has handed out ids and fewer than half a block are
  // left: time to reserve the next.
  bool low() const {
    if (!used_) return false;
    std::int64_t left = 0;
    for (const auto& [first, end] : ranges_) left += end - first;
    return left < block_ / 2;
  }

  // Forgets every block holding one of `ids` (a batch put the caller made
  // itself may have taken ids of a block), so none is handed out twice.
  void drop_holding(const std::vector<std::int64_t>& ids) {
    std::erase_if(ranges_, [&](const std::pair<std::int64_t, std::int64_t>& range) {
      return std::any_of(ids.begin(), ids.end(),
                         [&](std::int64_t id) { return id >= range.first && id < range.second; });
    });
  }

 private:
  const std::int64_t block_;
  bool used_ = false;
  std::deque<std::pair<std::int64_t, std::int64_t>> ranges_;  // [first, end)
};

// With `lock` held: makes sure `ids` has an id to take. When none is left,
// reserves a block by `reserve(count)` (returning its first id) with the
// lock let go, then calls `readmit()` (the queue's room may have gone
// meanwhile; it may let the lock go again). On return the lock is held and
// take() gives an id; whatever the caller looked up before this call may
// have changed while the lock was let go, so it looks up after.
template <class Lock, class Reserve, class Readmit>
void ensure_id(IdBlocks& ids, Lock& lock, Reserve reserve, Readmit readmit) {
  while (!ids.has_id()) {
    lock.unlock();
    const std::int64_t first = reserve(ids.block());
    lock.lock();
    ids.add(first, ids.block());
    readmit();
  }
}

}  // namespace engram::detail

#endif  // ENGRAM_CORE_SRC_ID_BLOCKS_H_
