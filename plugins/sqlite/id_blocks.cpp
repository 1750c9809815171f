#include "id_blocks.h"

#include <limits>

#include "statement.h"
#include "transaction.h"

namespace engram::sqlite {
namespace {

// A table whose ids are reserved, and the query of its last id given: the
// greater of its sqlite_sequence row and its largest id (0 for neither).
// The table's name is part of the SQL: a name cannot be bound.
struct SequencedTable {
  const char* name;
  const char* last_id_sql;
};

SequencedTable table_of(IdKind kind) {
  switch (kind) {
    case IdKind::kEpisode:
      return {"episodes",
              "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'episodes'), 0), "
              "coalesce((SELECT max(id) FROM episodes), 0))"};
    case IdKind::kLearningEvent:
      return {"learning_events",
              "SELECT max(coalesce((SELECT seq FROM sqlite_sequence "
              "WHERE name = 'learning_events'), 0), "
              "coalesce((SELECT max(id) FROM learning_events), 0))"};
    case IdKind::kConcept:
      break;
  }
  return {"concepts",
          "SELECT max(coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'concepts'), 0), "
          "coalesce((SELECT max(id) FROM concepts), 0))"};
}

// True iff the table was created AUTOINCREMENT (its CREATE TABLE says so:
// SQLite keeps no other mark of it).
bool is_autoincrement(Connection& writer, const char* table) {
  Statement query = writer.prepare(
      "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1 "
      "AND sql LIKE '%AUTOINCREMENT%'",
      "checking a table is AUTOINCREMENT");
  query.bind_text(1, table);
  return query.step();
}

}  // namespace

std::int64_t reserve_id_block(Connection& writer, const Origin& origin, IdKind kind,
                              std::int64_t count) {
  if (count < 1) throw_bad_id_block(origin, kind, count, 0);
  const SequencedTable table = table_of(kind);
  Transaction transaction(writer);
  if (!is_autoincrement(writer, table.name)) throw_not_autoincrement(origin, table.name);
  std::int64_t last = 0;
  {
    Statement query = writer.prepare(table.last_id_sql, "reading the last id given");
    if (query.step()) last = query.int64(0);
  }
  // The block [last + 1, last + count] ends below the largest id, which
  // no put keeps (id_is_free).
  if (count >= std::numeric_limits<std::int64_t>::max() - last) {
    throw_bad_id_block(origin, kind, count, last);
  }
  const std::int64_t seq = last + count;
  {
    Statement update =
        writer.prepare("UPDATE sqlite_sequence SET seq = ?2 WHERE name = ?1", "reserving ids");
    update.bind_text(1, table.name).bind(2, seq).run();
  }
  {
    // A table that never had a row has no sequence row yet.
    Statement insert = writer.prepare(
        "INSERT INTO sqlite_sequence (name, seq) SELECT ?1, ?2 "
        "WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = ?1)",
        "reserving ids");
    insert.bind_text(1, table.name).bind(2, seq).run();
  }
  transaction.commit();
  return last + 1;
}

}  // namespace engram::sqlite
