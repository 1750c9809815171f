#include "maintenance.h"

#include <array>
#include <string>

#include "change_counters.h"
#include "pg_dump_backup.h"
#include "pg_options.h"
#include "transaction.h"

namespace engram::postgres {
namespace {

constexpr std::array<const char*, 4> kTables{"episodes", "learning_events", "concepts",
                                             "concept_relationships"};

}  // namespace

Json PgMaintenance::stats() {
  auto connection = database_.lease();
  Json stats = Json::object();
  stats["schema"] = database_.settings().options.schema;
  stats["server"] = database_.origin().server;
  stats["schema_version"] = database_.schema_version();
  std::int64_t total = 0;
  std::int64_t total_bytes = 0;
  for (const char* table : kTables) {
    const Result result = connection->run(
        std::string("SELECT (SELECT COUNT(*) FROM ") + table +
            ")::int8, pg_total_relation_size(to_regclass($1))::int8",
        Params().text(database_.settings().options.schema + "." + table), "counting rows");
    const std::int64_t rows = result.row(0).int64(0);
    const std::int64_t bytes = result.row(0).int64(1);
    stats[table] = rows;
    stats[std::string(table) + "_bytes"] = bytes;
    total += rows;
    total_bytes += bytes;
  }
  stats["total"] = total;
  stats["total_bytes"] = total_bytes;
  return stats;
}

std::filesystem::path PgMaintenance::backup(std::optional<std::filesystem::path> path) {
  auto connection = database_.lease();
  return dump_schema(*connection, database_.settings().options.schema, database_.where(),
                     std::move(path), database_.now());
}

void PgMaintenance::compact() {
  auto connection = database_.lease();
  for (const char* table : kTables) {
    connection->execute(std::string("VACUUM ANALYZE ") + table, "vacuuming");
  }
}

void PgMaintenance::clear_all() {
  auto connection = database_.lease();
  {
    Transaction transaction(*connection);
    connection->execute(
        "DELETE FROM concept_relationships; DELETE FROM concepts; DELETE FROM learning_events; "
        "DELETE FROM episodes",
        "clearing the schema's tables");
    bump(*connection, Counted::kConcepts, connection.writer_id());
    bump(*connection, Counted::kEpisodes, connection.writer_id());
    transaction.commit();
  }
  recall_caches_.drop();
}

void PgMaintenance::set_option(std::string_view key, const Json& value) {
  const PgOptions updated =
      option_table().update(database_.settings().options, key, value, backend_name());
  if (key == "recall_cache_bytes") {
    recall_caches_.set_byte_bound(static_cast<std::size_t>(updated.recall_cache_bytes));
  }
}

}  // namespace engram::postgres
