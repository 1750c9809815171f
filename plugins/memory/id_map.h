// plugins/memory/id_map.h — records keyed by id, kept in id order (the
// listings page through them with the core's cursors) and found through a
// hash of the id: a lookup costs one hash and one comparison, where a walk
// down the ordered tree compares the id with a dozen stored ones (ids
// share long prefixes: "pattern_", "context_").
//
// Thread safety: none of its own; REQUIRES the backend's lock (held shared
// to read, alone to change).
#ifndef ENGRAM_PLUGINS_MEMORY_ID_MAP_H_
#define ENGRAM_PLUGINS_MEMORY_ID_MAP_H_

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

namespace engram::memory {

template <class Value>
class IdMap {
 public:
  using Ordered = std::map<std::string, Value, std::less<>>;

  // Every record, in id order.
  const Ordered& ordered() const noexcept { return ordered_; }
  std::size_t size() const noexcept { return ordered_.size(); }

  // The record stored under `id`; null if there is none.
  Value* find(std::string_view id) {
    const auto found = index_.find(id);
    return found == index_.end() ? nullptr : &found->second->second;
  }
  const Value* find(std::string_view id) const {
    const auto found = index_.find(id);
    return found == index_.end() ? nullptr : &found->second->second;
  }

  // Stores `value` under `id`, assigning over the record there if there is
  // one. `id` may be part of `value`.
  void put(const std::string& id, Value&& value) {
    if (Value* stored = find(id)) {
      *stored = std::move(value);
      return;
    }
    std::string key = id;  // copied before `value`, which may hold it, moves
    const auto entry = ordered_.emplace(std::move(key), std::move(value)).first;
    try {
      index_.emplace(entry->first, entry);
    } catch (...) {
      ordered_.erase(entry);
      throw;
    }
  }

  // Removes every entry (id, value) `remove` picks; returns how many.
  template <class Remove>
  std::size_t erase_if(Remove remove) {
    std::size_t erased = 0;
    for (auto it = ordered_.begin(); it != ordered_.end();) {
      if (remove(*it)) {
        index_.erase(it->first);
        it = ordered_.erase(it);
        ++erased;
      } else {
        ++it;
      }
    }
    return erased;
  }

  void clear() noexcept {
    index_.clear();
    ordered_.clear();
  }

 private:
  Ordered ordered_;
  // Each entry of ordered_ by its id (a map's keys and iterators stay put
  // while their entry lives).
  std::unordered_map<std::string_view, typename Ordered::iterator> index_;
};

}  // namespace engram::memory

#endif  // ENGRAM_PLUGINS_MEMORY_ID_MAP_H_
