#include "schema_recognition.h"

#include <array>
#include <string_view>

namespace engram::sqlite {
namespace {

struct KnownTable {
  std::string_view name;
  std::array<std::string_view, 7> columns;  // empty entries unused
};

// The seed's tables and the columns engram reads or writes (SEED_FORMATS.md).
constexpr std::array<KnownTable, 4> kSeedTables = {{
    {"episodes",
     {"id", "timestamp", "experience_data", "performance_score", "context_hash", "metadata",
      "created_at"}},
    {"concepts",
     {"id", "name", "embedding", "creation_time", "access_count", "last_accessed", "metadata"}},
    {"learning_events",
     {"id", "task_type", "performance_delta", "strategy_used", "timestamp", "parameters", ""}},
    {"concept_relationships",
     {"id", "source_concept_id", "target_concept_id", "relationship_type", "strength", "created_at",
      ""}},
}};

constexpr std::string_view kVersionTable = "schema_version";

bool is_seed_table(const std::string& name) {
  for (const KnownTable& table : kSeedTables) {
    if (table.name == name) return true;
  }
  return false;
}

Recognition foreign(std::string why) { return {Verdict::kForeign, std::move(why)}; }

// The first of `wanted` that `columns` lacks, or nullopt.
template <class Columns>
std::optional<std::string> missing_column(const std::set<std::string>& columns,
                                          const Columns& wanted) {
  for (const std::string_view column : wanted) {
    if (!column.empty() && !columns.contains(std::string(column))) return std::string(column);
  }
  return std::nullopt;
}

}  // namespace

Recognition recognise(const DatabaseLayout& layout, std::int64_t known_version) {
  if (layout.objects == 0) return {Verdict::kEmpty, {}};
  const auto version_table = layout.tables.find(std::string(kVersionTable));
  const bool versioned = version_table != layout.tables.end();
  if (versioned) {
    if (const auto missing = missing_column(
            version_table->second, std::array<std::string_view, 2>{"version", "applied_at"})) {
      return foreign("table schema_version has no column " + *missing);
    }
  }
  bool shares_a_table = false;
  for (const KnownTable& known : kSeedTables) {
    const auto table = layout.tables.find(std::string(known.name));
    if (table == layout.tables.end()) continue;
    shares_a_table = true;
    if (const auto missing = missing_column(table->second, known.columns)) {
      return foreign("table " + std::string(known.name) + " has no column " + *missing);
    }
  }
  const std::int64_t version = layout.recorded_version.value_or(0);
  if (versioned && version > known_version) {
    if (shares_a_table) return {Verdict::kNewer, {}};
    return foreign("it has a schema_version table but none of the seed's tables");
  }
  if (versioned && version >= 1) {
    for (const KnownTable& known : kSeedTables) {
      if (!layout.tables.contains(std::string(known.name))) {
        return foreign("schema version " + std::to_string(version) + " but no table " +
                       std::string(known.name));
      }
    }
    if (version >= 2 && !layout.tables.at("episodes").contains("experience_format")) {
      return foreign("schema version " + std::to_string(version) +
                     " but table episodes has no column experience_format");
    }
    return {Verdict::kOurs, {}};  // tables a user added beside ours are left alone
  }
  // No version recorded yet: only the seed's tables and schema_version.
  for (const auto& [name, columns] : layout.tables) {
    if (name != kVersionTable && !is_seed_table(name)) {
      return foreign("table " + name + " is neither engram's nor the seed's");
    }
  }
  if (layout.tables.empty()) return foreign("it holds views or triggers but no table");
  return {Verdict::kOurs, {}};
}

}  // namespace engram::sqlite
