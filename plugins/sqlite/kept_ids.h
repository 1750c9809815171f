// plugins/sqlite/kept_ids.h — whether a put keeps the id its record
// carries (a record listed from another store, put here): it does when the
// id is free, else the row takes a new one (AUTOINCREMENT, past every id
// ever used or reserved: id_blocks.h).
//
// Thread safety: REQUIRES the writer (Database::writer()).
#ifndef ENGRAM_PLUGINS_SQLITE_KEPT_IDS_H_
#define ENGRAM_PLUGINS_SQLITE_KEPT_IDS_H_

#include <cstdint>
#include <limits>
#include <string_view>

#include "connection.h"
#include "statement.h"

namespace engram::sqlite {

// The id a store asks for, when the backend can keep it: positive, not the
// largest (AUTOINCREMENT could not go past it) and free in `table`'s query.
// `exists_sql` selects a row by id ?1. REQUIRES: the writer, in a transaction.
inline bool id_is_free(Connection& connection, std::string_view exists_sql, std::int64_t wanted) {
  if (wanted <= 0 || wanted == std::numeric_limits<std::int64_t>::max()) return false;
  Statement exists = connection.prepare(exists_sql, "checking whether an id is taken");
  exists.bind(1, wanted);
  return !exists.step();
}

}  // namespace engram::sqlite

#endif  // ENGRAM_PLUGINS_SQLITE_KEPT_IDS_H_
