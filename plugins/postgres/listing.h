// plugins/postgres/listing.h — how a query's rows become a list or a page.
// Listings are keyset pagination with the core's cursors (engram/cursor.h):
// a cursor is "after:<id>", the id of the last record a page returned; the
// next page is the records past it, one query of at most limit + 1 rows,
// never a whole table. A cursor this backend did not give is
// InvalidArgument.
//
// Thread safety: stateless.
#ifndef ENGRAM_PLUGINS_POSTGRES_LISTING_H_
#define ENGRAM_PLUGINS_POSTGRES_LISTING_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "connection.h"
#include "engram/cursor.h"
#include "engram/page.h"

namespace engram::postgres {

// Every row of `result`, read by `read`.
template <class Read>
auto read_all(const Result& result, Read read) {
  std::vector<decltype(read(result.row(0)))> records;
  records.reserve(static_cast<std::size_t>(result.rows()));
  for (int i = 0; i < result.rows(); ++i) records.push_back(read(result.row(i)));
  return records;
}

// A LIMIT's value: the server takes a bigint.
inline std::int64_t limit_value(std::size_t limit) {
  return static_cast<std::int64_t>(
      std::min<std::size_t>(limit, std::numeric_limits<std::int64_t>::max()));
}

// One page of a table keyed by its integer id: `select` is
// "SELECT id, ... FROM <table> WHERE id > $1 ORDER BY id LIMIT $2", `read`
// makes a record (with its `id`) from a row; a row it cannot decode is
// skipped by its id with Undecodable::kSkip. Throws InvalidArgument for a
// cursor this backend did not give, and what the query throws.
template <class Read>
auto page_by_id(Connection& connection, std::string_view backend, std::string_view cursor,
                std::size_t limit, Undecodable undecodable, std::string_view select,
                std::string_view doing, Read read) {
  const std::int64_t after = cursor_key<std::int64_t>(cursor, backend).value_or(0);
  const std::size_t rows = limit < std::numeric_limits<std::size_t>::max() ? limit + 1 : limit;
  const Result result = connection.run(select, Params().int8(after).int8(limit_value(rows)), doing);
  int at = -1;
  return engram::read_page(
      limit, undecodable, [&] { return ++at < result.rows(); },
      [&] { return read(result.row(at)); }, [](const auto& last) { return cursor_after(last.id); },
      [&] {
        const std::int64_t id = result.row(at).int64(0);
        return RowKey{std::to_string(id), cursor_after(id)};
      });
}

}  // namespace engram::postgres

#endif  // ENGRAM_PLUGINS_POSTGRES_LISTING_H_
