#include "change_counters.h"

namespace engram::postgres {
namespace {

const char* column_of(Counted counted) noexcept {
  return counted == Counted::kConcepts ? "concepts" : "episodes";
}

}  // namespace

std::string bump_sql(Counted counted, int param) {
  const std::string column = column_of(counted);
  return "INSERT INTO engram_changes (writer, " + column + ") VALUES ($" + std::to_string(param) +
         ", 1) ON CONFLICT (writer) DO UPDATE SET " + column + " = engram_changes." + column +
         " + 1";
}

void bump(Connection& connection, Counted counted, std::string_view writer_id) {
  // Made once: every write that changes embeddings sends one.
  static const std::string kConcepts = bump_sql(Counted::kConcepts, 1);
  static const std::string kEpisodes = bump_sql(Counted::kEpisodes, 1);
  connection.run(counted == Counted::kConcepts ? kConcepts : kEpisodes, Params().text(writer_id),
                 "counting a change");
}

std::int64_t version(Connection& connection, Counted counted) {
  // Every recall reads it.
  static constexpr const char* kConcepts =
      "SELECT COALESCE(SUM(concepts), 0)::int8 FROM engram_changes";
  static constexpr const char* kEpisodes =
      "SELECT COALESCE(SUM(episodes), 0)::int8 FROM engram_changes";
  return connection
      .run(counted == Counted::kConcepts ? kConcepts : kEpisodes, "reading the change counters")
      .row(0)
      .int64(0);
}

}  // namespace engram::postgres
