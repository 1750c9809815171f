#include "id_sequences.h"

#include <limits>
#include <string>
#include <vector>

#include "engram/errors.h"
#include "schema.h"
#include "schema_text.h"
#include "transaction.h"

namespace engram::postgres {
namespace {

constexpr std::int64_t kLargest = std::numeric_limits<std::int64_t>::max();

// The value the sequence's next nextval() gives.
std::int64_t next_value(Connection& connection, IdKind kind) {
  const std::string sql =
      "SELECT CASE WHEN is_called THEN last_value + 1 ELSE last_value END "
      "FROM " +
      std::string(sequence_of(kind));
  return connection.run(sql, "reading an id sequence").row(0).int64(0);
}

}  // namespace

std::string_view table_of(IdKind kind) noexcept {
  switch (kind) {
    case IdKind::kEpisode:
      return "episodes";
    case IdKind::kLearningEvent:
      return "learning_events";
    case IdKind::kConcept:
      break;
  }
  return "concepts";
}

std::string_view sequence_of(IdKind kind) noexcept {
  switch (kind) {
    case IdKind::kEpisode:
      return "episodes_id_seq";
    case IdKind::kLearningEvent:
      return "learning_events_id_seq";
    case IdKind::kConcept:
      break;
  }
  return "concepts_id_seq";
}

bool keepable(std::int64_t wanted) noexcept { return wanted > 0 && wanted < kLargest; }

std::string shared_id_lock(std::string_view schema) {
  return "SELECT pg_advisory_xact_lock_shared(" + advisory_key(schema, kIdLock) + ")";
}

void lock_ids(Connection& connection, std::string_view schema, std::span<const WantedIds> wanted) {
  // Sequences only grow: an id below the next value now stays below it, so
  // reading them before the lock is safe; one at or past it needs the lock
  // alone, and is read again under it.
  std::vector<WantedIds> beyond;
  for (const WantedIds& table : wanted) {
    if (keepable(table.largest) && table.largest >= next_value(connection, table.kind)) {
      beyond.push_back(table);
    }
  }
  if (beyond.empty()) {
    connection.run(shared_id_lock(schema), "waiting for the id lock");
    return;
  }
  connection.run("SELECT pg_advisory_xact_lock(" + advisory_key(schema, kIdLock) + ")",
                 "waiting for the id lock");
  for (const WantedIds& table : beyond) {
    // setval(s, v) makes the next value v + 1. Not undone by a rollback:
    // then the ids up to v are never handed out, which loses nothing.
    const std::string sql = "SELECT setval('" + std::string(sequence_of(table.kind)) +
                            "', GREATEST($1, (SELECT CASE WHEN is_called THEN last_value "
                            "ELSE last_value - 1 END FROM " +
                            std::string(sequence_of(table.kind)) + ")))";
    connection.run(sql, Params().int8(table.largest), "moving an id sequence past kept ids");
  }
}

std::int64_t reserve_id_block(Connection& connection, std::string_view schema, IdKind kind,
                              std::int64_t count) {
  const Origin& origin = connection.origin();
  const auto refuse = [&](const std::string& why) {
    throw InvalidArgument("reserving " + std::to_string(count) + " " +
                              std::string(id_kind_name(kind)) + " ids in schema " +
                              std::string(schema) + " on " + origin.server + ": " + why,
                          origin.backend);
  };
  if (count < 1) refuse("the count must be at least 1");
  Transaction transaction(connection);
  connection.run("SELECT pg_advisory_xact_lock(" + advisory_key(schema, kIdLock) + ")",
                 "waiting for the id lock");
  const std::int64_t first = next_value(connection, kind);
  if (first > kLargest - count) {
    refuse("the block after id " + std::to_string(first - 1) + " would pass the largest id");
  }
  const std::string sql = "SELECT setval('" + std::string(sequence_of(kind)) + "', $1)";
  connection.run(sql, Params().int8(first + count - 1), "reserving a block of ids");
  transaction.commit();
  return first;
}

std::int64_t reserve_batch_ids(Connection& connection, std::string_view schema, IdKind kind,
                               std::int64_t count, std::int64_t largest_wanted) {
  const std::string sequence(sequence_of(kind));
  // nextval first (the lock taken in FROM before the row is projected),
  // then setval to the block's last id.
  const std::string sql = "SELECT setval('" + sequence + "', GREATEST(nextval('" + sequence +
                          "'), $2 + 1) + $1 - 1) - $1 + 1 FROM (SELECT pg_advisory_xact_lock(" +
                          advisory_key(schema, kIdLock) + ")) AS id_lock";
  const std::int64_t wanted = keepable(largest_wanted) ? largest_wanted : 0;
  if (count < 1 || wanted > kLargest - 1 - count) {
    throw InvalidArgument("storing a batch of " + std::to_string(count) + " " +
                              std::string(id_kind_name(kind)) + "s in schema " +
                              std::string(schema) + " on " + connection.origin().server +
                              ": its ids would pass the largest id",
                          connection.origin().backend);
  }
  return connection.run(sql, Params().int8(count).int8(wanted), "reserving a batch's ids")
      .row(0)
      .int64(0);
}

}  // namespace engram::postgres
