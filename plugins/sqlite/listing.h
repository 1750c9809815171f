// plugins/sqlite/listing.h — how a query's rows become a list or a page.
// Listings are keyset pagination with the core's cursors (engram/cursor.h):
// a cursor is "after:<key>", the key of the last record a page returned;
// the next page is the records past it, one query, never a whole table. A
// cursor this backend did not give is InvalidArgument.
//
// Thread safety: stateless; a Statement is read by the thread holding it.
#ifndef ENGRAM_PLUGINS_SQLITE_LISTING_H_
#define ENGRAM_PLUGINS_SQLITE_LISTING_H_

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "connection.h"
#include "engram/cursor.h"
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

// The id after which a listing goes on: 0 for the first page. Throws
// InvalidArgument for a cursor this backend did not give.
inline std::int64_t id_after(const Origin& origin, std::string_view cursor) {
  return cursor_key<std::int64_t>(cursor, origin.backend).value_or(0);
}

// One page from `query` (bound to ask for the records past the cursor, in
// key order, at most page_rows(limit) of them): up to `limit` rows read by
// `read`; the next cursor made by `cursor_of` from the last record when
// another row follows (that row is seen, not decoded). With
// Undecodable::kSkip a row `read` cannot decode is named by `row_key`
// (engram::read_page).
template <class Read, class CursorOf, class KeyOfRow>
auto read_page(Statement& query, std::size_t limit, Undecodable undecodable, Read read,
               CursorOf cursor_of, KeyOfRow row_key) {
  const Statement& row = query;
  return engram::read_page(
      limit, undecodable, [&] { return query.step(); }, [&] { return read(row); }, cursor_of,
      [&] { return row_key(row); });
}

// One more row than a page holds, to learn whether another page follows.
inline std::size_t page_rows(std::size_t limit) {
  return limit < std::numeric_limits<std::size_t>::max() ? limit + 1 : limit;
}

// One page of a table keyed by its integer id: `select` is
// "SELECT id, ... FROM <table> WHERE id > ?1 ORDER BY id LIMIT ?2", `read`
// makes a record (with its `id`) from a row; a row it cannot decode is
// skipped by its id with Undecodable::kSkip. Throws InvalidArgument for a
// cursor this backend did not give, and what the query throws.
template <class Read>
auto page_by_id(Connection& reader, const Origin& origin, std::string_view cursor,
                std::size_t limit, Undecodable undecodable, std::string_view select,
                std::string_view doing, Read read) {
  const std::int64_t after = id_after(origin, cursor);
  Statement query = reader.prepare(select, doing);
  query.bind(1, after).bind_limit(2, page_rows(limit));
  return read_page(
      query, limit, undecodable, read, [](const auto& last) { return cursor_after(last.id); },
      [](const Statement& row) {
        const std::int64_t id = row.int64(0);
        return RowKey{std::to_string(id), cursor_after(id)};
      });
}

}  // namespace engram::sqlite

#endif  // ENGRAM_PLUGINS_SQLITE_LISTING_H_
