// plugins/memory/listing.h — how the memory plugin's maps become pages:
// keys in order, the core's cursors.
//
// Errors: a cursor this plugin did not make is InvalidArgument.
//
// Thread safety: stateless; REQUIRES the caller holds the lock.
#ifndef ENGRAM_PLUGINS_MEMORY_LISTING_H_
#define ENGRAM_PLUGINS_MEMORY_LISTING_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "engram/cursor.h"
#include "engram/page.h"

namespace engram::memory {

// ---------------------------------------------------------------- listings
//
// Listings page each map in key order with the core's cursor kit
// (engram/cursor.h): a page's cursor is "after:<key>", the key of the last
// record it returned, so every record present for a whole listing is
// returned exactly once however the records change meanwhile.

// Spike trains in the cache: by timestamp, then in the order cached.
using TrainKey = std::pair<double, std::uint64_t>;
// Relationships: by source, target, type.
using RelationshipKey = std::tuple<std::int64_t, std::int64_t, std::string>;

// The key a cursor of this plugin carries; nullopt for the first page.
// String keys are ids (pattern hashes, contexts, trace ids).
template <class Key>
std::optional<Key> key_after(std::string_view cursor, const std::string& backend) {
  if constexpr (std::is_same_v<Key, std::string>) {
    return cursor_id(cursor, backend);
  } else {
    return cursor_key_as<Key>(cursor, backend);
  }
}

inline constexpr auto kEveryEntry = [](const auto&) { return true; };
inline constexpr auto kEntryValue = [](const auto& entry) { return entry.second; };

// One page of `map` after `cursor`, in key order: up to `limit` records made
// by `make` from the entries `visible` keeps. Throws InvalidArgument for a
// cursor this plugin did not make.
template <class Map, class Visible, class Make>
auto list_page(const Map& map, std::string_view cursor, std::size_t limit,
               const std::string& backend, Visible visible, Make make) {
  const auto after = key_after<typename Map::key_type>(cursor, backend);
  std::vector<const typename Map::value_type*> entries;
  for (auto it = after ? map.upper_bound(*after) : map.begin();
       it != map.end() && entries.size() <= limit; ++it) {
    if (visible(*it)) entries.push_back(&*it);
  }
  auto found = page_from(std::move(entries), limit,
                         [](const auto* entry) { return cursor_after_key(entry->first); });
  Page<std::invoke_result_t<Make&, const typename Map::value_type&>> page;
  for (const auto* entry : found.items) page.items.push_back(make(*entry));
  page.next_cursor = std::move(found.next_cursor);
  return page;
}

}  // namespace engram::memory

#endif  // ENGRAM_PLUGINS_MEMORY_LISTING_H_
