// engram/cursor.h — the listing cursor a plugin over an ordered key space uses.
//
// Every role lists its records in pages (engram/page.h). A backend whose
// records sit in key order (a std::map, an SQL table by id, a sorted set, a
// sorted group listing) pages them by key: a page's cursor is "after:<key>",
// the key of the last record it returned, and the next page starts past that
// key. So every record present for a whole listing is returned exactly once,
// whatever is stored or removed meanwhile, and a cursor stays valid as long
// as the backend does.
//
// A key is one or more parts, each an integer (std::int64_t, std::uint64_t),
// a double or a string:
//   - integers are written in decimal;
//   - a finite double as its IEEE-754 bits in hex, so it comes back exactly;
//   - a string as itself. A string may only be the last part (it may hold
//     ':'), and must be non-empty valid UTF-8 (an id-like key is checked
//     further by the plugin, e.g. with engram::is_valid_id).
// Parts are separated by ':'.
//
// A plugin lists in a few lines; with an ordered map:
//
//   const auto after = engram::cursor_key<std::int64_t>(cursor, backend_name);
//   auto it = after ? map.upper_bound(*after) : map.begin();
//   std::vector<Episode> items;
//   for (; it != map.end() && items.size() <= limit; ++it) items.push_back(it->second);
//   return engram::page_from(std::move(items), limit,
//                            [](const Episode& e) { return engram::cursor_after(e.id); });
//
// and with SQL: "WHERE id > ?1 ORDER BY id LIMIT ?2", bound to
// after.value_or(0) and limit + 1, then page_from.
//
// Errors: a cursor this backend did not make (no "after:" prefix, a part
// that does not parse, a string part that is empty or not UTF-8, parts
// left over) is InvalidArgument naming the backend and the cursor
// (printable, cut to about 80 bytes). The empty cursor is the first page.
//
// Thread safety: stateless.
#ifndef ENGRAM_CURSOR_H_
#define ENGRAM_CURSOR_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "engram/errors.h"
#include "engram/export.h"
#include "engram/page.h"

namespace engram {

inline constexpr std::string_view kCursorPrefix = "after:";

// Throws InvalidArgument: `cursor` was not given by `backend`.
[[noreturn]] ENGRAM_API void throw_bad_cursor(std::string_view cursor, std::string_view backend);

namespace cursor_detail {

ENGRAM_API void append_part(std::string& out, std::int64_t value);
ENGRAM_API void append_part(std::string& out, std::uint64_t value);
ENGRAM_API void append_part(std::string& out, double value);
ENGRAM_API void append_part(std::string& out, std::string_view value);

// Each reads one part from the front of `text` (up to the next ':', or all
// of it for a string) and removes it; false when it does not parse.
ENGRAM_API bool take_part(std::string_view& text, std::int64_t& value);
ENGRAM_API bool take_part(std::string_view& text, std::uint64_t& value);
ENGRAM_API bool take_part(std::string_view& text, double& value);
ENGRAM_API bool take_part(std::string_view& text, std::string& value);

template <class Part>
using Stored = std::conditional_t<
    std::is_same_v<Part, double>, double,
    std::conditional_t<std::is_integral_v<Part>,
                       std::conditional_t<std::is_signed_v<Part>, std::int64_t, std::uint64_t>,
                       std::string>>;

template <class Part>
void append(std::string& out, const Part& part) {
  if constexpr (std::is_same_v<Stored<Part>, std::string>) {
    append_part(out, std::string_view(part));
  } else {
    append_part(out, static_cast<Stored<Part>>(part));
  }
}

template <class Tuple, std::size_t... I>
bool take_all(std::string_view& text, Tuple& key, std::index_sequence<I...>) {
  bool ok = true;
  // Parts in order; after the first failure the rest are not read.
  ((ok = ok && (I == 0 || (!text.empty() && text.front() == ':' && (text.remove_prefix(1), true))) &&
         take_part(text, std::get<I>(key))),
   ...);
  return ok;
}

}  // namespace cursor_detail

// "after:<parts>": the cursor of the page that starts past this key. A
// string part must be the last.
template <class... Parts>
std::string cursor_after(const Parts&... parts) {
  static_assert(sizeof...(Parts) > 0, "a key has at least one part");
  std::string out(kCursorPrefix);
  bool first = true;
  ((out += first ? "" : ":", first = false, cursor_detail::append(out, parts)), ...);
  return out;
}

// The key in `cursor`: std::nullopt for the empty cursor (the first page),
// the parts otherwise — one part as itself, several as a std::tuple. Throws
// InvalidArgument (throw_bad_cursor) for a cursor not made by cursor_after
// with parts of these types.
template <class... Parts>
auto cursor_key(std::string_view cursor, std::string_view backend) {
  static_assert(sizeof...(Parts) > 0, "a key has at least one part");
  using Key = std::tuple<cursor_detail::Stored<Parts>...>;
  std::optional<Key> key;
  if (!cursor.empty()) {
    std::string_view text = cursor;
    Key parts{};
    if (!text.starts_with(kCursorPrefix)) throw_bad_cursor(cursor, backend);
    text.remove_prefix(kCursorPrefix.size());
    if (!cursor_detail::take_all(text, parts, std::index_sequence_for<Parts...>{}) ||
        !text.empty()) {
      throw_bad_cursor(cursor, backend);
    }
    key = std::move(parts);
  }
  if constexpr (sizeof...(Parts) == 1) {
    using One = std::tuple_element_t<0, Key>;
    return key ? std::optional<One>(std::move(std::get<0>(*key))) : std::optional<One>();
  } else {
    return key;
  }
}

namespace cursor_detail {

// A key held as one value — a part, or a std::pair or std::tuple of parts
// (an ordered map's key_type) — as its parts, and back.
template <class Key>
struct KeyParts {
  static auto split(const Key& key) { return std::tie(key); }
  static std::optional<Key> read(std::string_view cursor, std::string_view backend) {
    const auto key = cursor_key<Key>(cursor, backend);
    return key ? std::optional<Key>(static_cast<Key>(*key)) : std::nullopt;
  }
};
template <class A, class B>
struct KeyParts<std::pair<A, B>> {
  static auto split(const std::pair<A, B>& key) { return std::tie(key.first, key.second); }
  static auto read(std::string_view cursor, std::string_view backend) {
    const auto key = cursor_key<A, B>(cursor, backend);
    return key ? std::optional<std::pair<A, B>>(std::in_place, static_cast<A>(std::get<0>(*key)),
                                                static_cast<B>(std::get<1>(*key)))
               : std::nullopt;
  }
};
template <class... Parts>
struct KeyParts<std::tuple<Parts...>> {
  static const std::tuple<Parts...>& split(const std::tuple<Parts...>& key) { return key; }
  static auto read(std::string_view cursor, std::string_view backend) {
    auto key = cursor_key<Parts...>(cursor, backend);
    return key ? std::optional<std::tuple<Parts...>>(std::move(*key)) : std::nullopt;
  }
};

}  // namespace cursor_detail

// cursor_after and cursor_key for a key held as one value: a part, or a
// std::pair or std::tuple of parts, as an ordered map's key_type is.
template <class Key>
std::string cursor_after_key(const Key& key) {
  return std::apply([](const auto&... parts) { return cursor_after(parts...); },
                    cursor_detail::KeyParts<Key>::split(key));
}
template <class Key>
std::optional<Key> cursor_key_as(std::string_view cursor, std::string_view backend) {
  return cursor_detail::KeyParts<Key>::read(cursor, backend);
}

// The key of a cursor whose one part is an id (engram/ids.h): a pattern
// hash, a context, a trace id. Throws as cursor_key does, and for a key
// that is no valid id.
ENGRAM_API std::optional<std::string> cursor_id(std::string_view cursor,
                                                std::string_view backend);

// The page of `items` — records fetched in key order after the cursor,
// up to `limit` + 1 of them (one more than the page holds tells that there
// is a next page): the first `limit` items, and when there were more, the
// next cursor `cursor_of(last item kept)`. REQUIRES: limit > 0 (the role
// interfaces refuse a listing limit of 0 before a plugin sees it).
template <class Record, class CursorOf>
Page<Record> page_from(std::vector<Record> items, std::size_t limit, CursorOf cursor_of) {
  Page<Record> page;
  if (items.size() > limit) {
    items.resize(limit);
    page.next_cursor = cursor_of(items.back());
  }
  page.items = std::move(items);
  return page;
}

// The page of a source that steps through rows in key order after the
// cursor (an SQL query's "WHERE key > ? ORDER BY key LIMIT limit + 1"):
// while `next()` says there is a row, `read()` decodes it, up to `limit`
// records; a row past those is only stepped to, not decoded, and gives the
// next cursor `cursor_of(last record)`. REQUIRES: limit > 0.
template <class Next, class Read, class CursorOf>
auto read_page(std::size_t limit, Next next, Read read, CursorOf cursor_of) {
  Page<std::invoke_result_t<Read&>> page;
  while (next()) {
    if (page.items.size() == limit) {
      page.next_cursor = cursor_of(page.items.back());
      break;
    }
    page.items.push_back(read());
  }
  return page;
}

// A row as a skipped record names it, read without decoding the record:
// its key (SkippedRecord::key) and the cursor past it.
struct RowKey {
  std::string key;
  std::string cursor;
};

// read_page for a listing asked what to do with a record it cannot decode
// (engram/page.h): with Undecodable::kFail exactly the above; with kSkip a
// row whose `read()` throws CorruptData or NotSupported is passed over and
// named in the page's `skipped` by `row_key()` (called on that row, which
// must not decode it), with the error's kind and message. A skipped row
// takes a place of the page like a record; when it is the last of a full
// page, the next cursor is its RowKey::cursor. Errors of `next()` (the
// backend's own) and of `row_key()` are never skipped. REQUIRES: limit > 0.
template <class Next, class Read, class CursorOf, class KeyOfRow>
auto read_page(std::size_t limit, Undecodable undecodable, Next next, Read read,
               CursorOf cursor_of, KeyOfRow row_key) {
  if (undecodable == Undecodable::kFail) return read_page(limit, next, read, cursor_of);
  Page<std::invoke_result_t<Read&>> page;
  std::size_t rows = 0;
  std::string skipped_cursor;  // set while the last row taken was skipped
  auto skip = [&](std::string_view error, const StorageError& e) {
    RowKey key = row_key();
    page.skipped.push_back({std::move(key.key), std::string(error), e.what()});
    skipped_cursor = std::move(key.cursor);
  };
  while (next()) {
    if (rows == limit) {
      page.next_cursor = skipped_cursor.empty() ? cursor_of(page.items.back()) : skipped_cursor;
      break;
    }
    ++rows;
    try {
      page.items.push_back(read());
      skipped_cursor.clear();
    } catch (const CorruptData& e) {
      skip("CorruptData", e);
    } catch (const NotSupported& e) {
      skip("NotSupported", e);
    }
  }
  return page;
}

}  // namespace engram

#endif  // ENGRAM_CURSOR_H_
