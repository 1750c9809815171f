// engram/cursor.h: the "after:<key>" listing cursor and page_from.
#include "engram/cursor.h"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "engram/errors.h"

using engram::cursor_after;
using engram::cursor_key;

namespace {

template <class... Parts>
void check_refused(std::string_view cursor) {
  INFO("cursor: " << cursor);
  try {
    (void)cursor_key<Parts...>(cursor, "db");
    FAIL("the cursor was accepted");
  } catch (const engram::InvalidArgument& e) {
    CHECK(e.backend() == "db");
    CHECK_THAT(e.what(), Catch::StartsWith("db: cursor \""));
    CHECK_THAT(e.what(), Catch::Contains("was not given by this backend"));
  }
}

}  // namespace

TEST_CASE("cursor: the empty cursor is the first page", "[cursor]") {
  CHECK_FALSE(cursor_key<std::int64_t>("", "db").has_value());
  CHECK_FALSE((cursor_key<std::int64_t, std::string>("", "db").has_value()));
}

TEST_CASE("cursor: every kind of key comes back exactly", "[cursor]") {
  CHECK(cursor_after(std::int64_t{42}) == "after:42");
  CHECK(cursor_key<std::int64_t>(cursor_after(std::int64_t{-7}), "db") == -7);
  const auto lowest = std::numeric_limits<std::int64_t>::min();
  CHECK(cursor_key<std::int64_t>(cursor_after(lowest), "db") == lowest);
  const auto highest = std::numeric_limits<std::uint64_t>::max();
  CHECK(cursor_key<std::uint64_t>(cursor_after(highest), "db") == highest);
  CHECK(cursor_key<std::string>(cursor_after(std::string("pattern_1")), "db") == "pattern_1");
  // Doubles by their bits: no rounding, and -0.0 stays -0.0.
  for (const double stamp : {1700000000.123456789, 0.1, -0.0, 5e-324, 1e308}) {
    INFO(stamp);
    const auto back = cursor_key<double>(cursor_after(stamp), "db");
    REQUIRE(back.has_value());
    CHECK(std::signbit(*back) == std::signbit(stamp));
    CHECK(*back == stamp);
  }
}

TEST_CASE("cursor: several parts, a string last that may hold ':'", "[cursor]") {
  const std::string cursor = cursor_after(std::int64_t{3}, std::int64_t{4}, std::string("is:a"));
  CHECK(cursor == "after:3:4:is:a");
  const auto key = cursor_key<std::int64_t, std::int64_t, std::string>(cursor, "db");
  REQUIRE(key.has_value());
  CHECK(*key == std::make_tuple(std::int64_t{3}, std::int64_t{4}, std::string("is:a")));
  const auto train = cursor_key<double, std::uint64_t>(cursor_after(2.5, std::uint64_t{9}), "db");
  REQUIRE(train.has_value());
  CHECK(*train == std::make_tuple(2.5, std::uint64_t{9}));
}

TEST_CASE("cursor: a cursor this backend did not make is InvalidArgument", "[cursor]") {
  check_refused<std::int64_t>("42");             // no prefix
  check_refused<std::int64_t>("before:42");      // another prefix
  check_refused<std::int64_t>("after:");         // no key
  check_refused<std::int64_t>("after:4x");       // not a number
  check_refused<std::int64_t>("after:4:5");      // parts left over
  check_refused<std::int64_t>("after:99999999999999999999");  // out of range
  check_refused<std::uint64_t>("after:-1");
  check_refused<double>("after:zz");
  check_refused<double>("after:7ff8000000000000");  // NaN was never a key
  check_refused<double>("after:7ff0000000000000");  // nor infinity
  check_refused<std::string>("after:");
  check_refused<std::string>("after:\xff\xfe");  // not UTF-8
  check_refused<std::int64_t, std::string>("after:4");     // a part missing
  check_refused<std::int64_t, std::string>("after:4:");    // an empty string part
  check_refused<std::int64_t, std::int64_t>("after:4;5");  // not the separator
}

TEST_CASE("cursor: a refused cursor is shown printable and cut", "[cursor]") {
  const std::string long_cursor = "after:" + std::string(500, 'x') + "\x01";
  try {
    (void)cursor_key<std::int64_t>(long_cursor, "db");
    FAIL("accepted");
  } catch (const engram::InvalidArgument& e) {
    const std::string what = e.what();
    CHECK(what.size() < 200);
    CHECK(what.find('\x01') == std::string::npos);
  }
}

TEST_CASE("cursor: page_from keeps limit items and points past the last", "[cursor]") {
  const auto cursor_of = [](int record) { return cursor_after(std::int64_t{record}); };
  auto full = engram::page_from(std::vector<int>{1, 2, 3, 4}, 3, cursor_of);
  CHECK(full.items == std::vector<int>{1, 2, 3});
  CHECK(full.next_cursor == "after:3");
  auto last = engram::page_from(std::vector<int>{1, 2, 3}, 3, cursor_of);
  CHECK(last.items == std::vector<int>{1, 2, 3});
  CHECK(last.last());
  CHECK(engram::page_from(std::vector<int>{}, 3, cursor_of).last());
}

TEST_CASE("cursor: paging an ordered map returns every record once", "[cursor]") {
  std::map<std::int64_t, int> records;
  for (std::int64_t id = 1; id <= 10; ++id) records[id * 3] = static_cast<int>(id);
  std::vector<int> seen;
  std::string cursor;
  int pages = 0;
  do {
    const auto after = cursor_key<std::int64_t>(cursor, "db");
    auto it = after ? records.upper_bound(*after) : records.begin();
    std::vector<std::pair<std::int64_t, int>> items;
    for (; it != records.end() && items.size() <= 4; ++it) items.push_back(*it);
    const auto page = engram::page_from(std::move(items), 4, [](const auto& entry) {
      return cursor_after(entry.first);
    });
    for (const auto& entry : page.items) seen.push_back(entry.second);
    // A record removed between pages does not disturb the listing.
    if (pages == 0) records.erase(15);
    cursor = page.next_cursor;
    ++pages;
  } while (!cursor.empty());
  CHECK(seen == std::vector<int>{1, 2, 3, 4, 6, 7, 8, 9, 10});
  CHECK(pages == 3);
}

TEST_CASE("cursor: a map's key as one value, a part, a pair or a tuple", "[cursor]") {
  using Train = std::pair<double, std::uint64_t>;
  using Edge = std::tuple<std::int64_t, std::int64_t, std::string>;
  CHECK(engram::cursor_after_key(std::int64_t{5}) == "after:5");
  CHECK(engram::cursor_key_as<std::int64_t>("after:5", "db") == 5);
  const Train train{1.5, 7};
  CHECK(engram::cursor_key_as<Train>(engram::cursor_after_key(train), "db") == train);
  const Edge edge{1, 2, "part:of"};
  CHECK(engram::cursor_after_key(edge) == "after:1:2:part:of");
  CHECK(engram::cursor_key_as<Edge>(engram::cursor_after_key(edge), "db") == edge);
  CHECK_FALSE(engram::cursor_key_as<Edge>("", "db").has_value());
  check_refused<std::int64_t, std::int64_t, std::string>("after:1:2");
  CHECK_THROWS_AS(engram::cursor_key_as<Train>("after:1", "db"), engram::InvalidArgument);
}

TEST_CASE("cursor: an id cursor refuses a key that is no valid id", "[cursor]") {
  CHECK(engram::cursor_id(cursor_after(std::string("pattern_1")), "db") == "pattern_1");
  CHECK_FALSE(engram::cursor_id("", "db").has_value());
  CHECK_THROWS_AS(engram::cursor_id("after:a/b", "db"), engram::InvalidArgument);
  CHECK_THROWS_AS(engram::cursor_id("after:..", "db"), engram::InvalidArgument);
  CHECK_THROWS_AS(engram::cursor_id("after:" + std::string(300, 'x'), "db"),
                  engram::InvalidArgument);
}

TEST_CASE("cursor: read_page decodes at most limit rows and only steps to the next",
          "[cursor]") {
  const std::vector<int> rows{10, 20, 30, 40};
  std::size_t at = 0;
  int decoded = 0;
  std::size_t current = 0;
  const auto page = engram::read_page(
      2, [&] { current = at; return at++ < rows.size(); },
      [&] { ++decoded; return rows[current]; },
      [](int last) { return cursor_after(std::int64_t{last}); });
  CHECK(page.items == std::vector<int>{10, 20});
  CHECK(page.next_cursor == "after:20");
  CHECK(decoded == 2);
  at = 2;
  const auto rest = engram::read_page(
      2, [&] { current = at; return at++ < rows.size(); }, [&] { return rows[current]; },
      [](int last) { return cursor_after(std::int64_t{last}); });
  CHECK(rest.items == std::vector<int>{30, 40});
  CHECK(rest.last());
}

namespace {

// Rows 10..60; a row whose value is in `bad` throws from read(), one in
// `broken` throws InvalidArgument (not a decoding failure).
struct Rows {
  std::vector<int> rows{10, 20, 30, 40, 50, 60};
  std::vector<int> corrupt, unsupported, broken;
  std::size_t at = 0, current = 0;

  engram::Page<int> page(std::size_t limit, engram::Undecodable undecodable) {
    auto contains = [](const std::vector<int>& v, int x) {
      return std::find(v.begin(), v.end(), x) != v.end();
    };
    return engram::read_page(
        limit, undecodable, [&] { current = at; return at++ < rows.size(); },
        [&] {
          const int row = rows[current];
          if (contains(corrupt, row)) throw engram::CorruptData("row " + std::to_string(row), "db");
          if (contains(unsupported, row)) {
            throw engram::NotSupported("row " + std::to_string(row) + " holds os.system", "db");
          }
          if (contains(broken, row)) throw engram::InvalidArgument("broken", "db");
          return row;
        },
        [](int last) { return cursor_after(std::int64_t{last}); },
        [&] {
          return engram::RowKey{std::to_string(rows[current]),
                                cursor_after(std::int64_t{rows[current]})};
        });
  }
};

}  // namespace

TEST_CASE("cursor: read_page with kSkip passes over rows that do not decode, named",
          "[cursor]") {
  Rows source;
  source.corrupt = {20};
  source.unsupported = {40};
  const auto first = source.page(3, engram::Undecodable::kSkip);
  CHECK(first.items == std::vector<int>{10, 30});
  REQUIRE(first.skipped.size() == 1);
  CHECK(first.skipped[0].key == "20");
  CHECK(first.skipped[0].error == "CorruptData");
  CHECK_THAT(first.skipped[0].reason, Catch::Contains("db: row 20"));
  // A skipped row takes a place: three rows, then the cursor past row 30.
  CHECK(first.next_cursor == "after:30");

  source.at = 3;
  const auto second = source.page(1, engram::Undecodable::kSkip);
  CHECK(second.items.empty());
  REQUIRE(second.skipped.size() == 1);
  CHECK(second.skipped[0].key == "40");
  CHECK(second.skipped[0].error == "NotSupported");
  CHECK_THAT(second.skipped[0].reason, Catch::Contains("os.system"));
  // The last row of a full page was skipped: the cursor goes past it.
  CHECK(second.next_cursor == "after:40");

  source.at = 4;
  const auto rest = source.page(5, engram::Undecodable::kSkip);
  CHECK(rest.items == std::vector<int>{50, 60});
  CHECK(rest.skipped.empty());
  CHECK(rest.last());
}

TEST_CASE("cursor: read_page with kFail throws the row's error; kSkip never hides others",
          "[cursor]") {
  Rows source;
  source.corrupt = {20};
  CHECK_THROWS_AS(source.page(3, engram::Undecodable::kFail), engram::CorruptData);
  Rows unsupported;
  unsupported.unsupported = {10};
  CHECK_THROWS_AS(unsupported.page(3, engram::Undecodable::kFail), engram::NotSupported);
  // An error that is not about the record's bytes is not skipped.
  Rows broken;
  broken.broken = {30};
  CHECK_THROWS_AS(broken.page(6, engram::Undecodable::kSkip), engram::InvalidArgument);
  // Nothing to skip: the same page either way.
  Rows clean_a, clean_b;
  const auto a = clean_a.page(4, engram::Undecodable::kFail);
  const auto b = clean_b.page(4, engram::Undecodable::kSkip);
  CHECK(a.items == b.items);
  CHECK(a.next_cursor == b.next_cursor);
  CHECK(b.skipped.empty());
}
