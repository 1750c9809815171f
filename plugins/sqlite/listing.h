// plugins/sqlite/listing.h — how a query's rows become a list or a page,
// and the listing cursors of keyset pagination: a cursor is "after:<key>",
// the key of the last record a page returned; the next page is the records
// past it, one query, never a whole table. A cursor this backend did not
// give is InvalidArgument.
//
// Thread safety: stateless; a Statement is read by the thread holding it.
#ifndef ENGRAM_PLUGINS_SQLITE_LISTING_H_
#define ENGRAM_PLUGINS_SQLITE_LISTING_H_

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "engram/page.h"
#include "sqlite_errors.h"
#include "statement.h"

namespace engram::sqlite {

// Every row `query` gives, read by `read`.
template <class Read>
auto read_all(Statement& query, Read read) {
  std::vector<decltype(read(static_cast<const Statement&>(query)))> records;
  while (query.step()) records.push_back(read(static_cast<const Statement&>(query)));
  return records;
}

constexpr std::string_view kCursorPrefix = "after:";

// True iff `text` is a whole decimal number, then stored in `value`.
template <class Number>
bool parse_number(std::string_view text, Number& value) {
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  return !text.empty() && error == std::errc() && stop == end;
}

// The id after which a listing goes on: 0 for the first page.
inline std::int64_t id_after(const Origin& origin, std::string_view cursor) {
  if (cursor.empty()) return 0;
  std::int64_t id = 0;
  if (!cursor.starts_with(kCursorPrefix) ||
      !parse_number(cursor.substr(kCursorPrefix.size()), id)) {
    throw_bad_cursor(origin, cursor);
  }
  return id;
}

// One page from `query` (bound to ask for the records past the cursor, in
// key order, at most page_rows(limit) of them): up to `limit` rows read by
// `read`; the next cursor made by `key` from the last record when another
// row follows (that row is seen, not decoded).
template <class Read, class Key>
auto read_page(Statement& query, std::size_t limit, Read read, Key key) {
  Page<decltype(read(static_cast<const Statement&>(query)))> page;
  while (query.step()) {
    if (page.items.size() == limit) {
      page.next_cursor = std::string(kCursorPrefix) + key(page.items.back());
      break;
    }
    page.items.push_back(read(static_cast<const Statement&>(query)));
  }
  return page;
}

// One more row than a page holds, to learn whether another page follows.
inline std::size_t page_rows(std::size_t limit) {
  return limit < std::numeric_limits<std::size_t>::max() ? limit + 1 : limit;
}

}  // namespace engram::sqlite

#endif  // ENGRAM_PLUGINS_SQLITE_LISTING_H_
