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
  connection.run(bump_sql(counted, 1), Params().text(writer_id), "counting a change");
}

std::int64_t version(Connection& connection, Counted counted) {
  const std::string sql =
      std::string("SELECT COALESCE(SUM(") + column_of(counted) + "), 0)::int8 FROM engram_changes";
  return connection.run(sql, "reading the change counters").row(0).int64(0);
}

}  // namespace engram::postgres
