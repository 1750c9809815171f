#include "concepts.h"

#include <algorithm>
#include <array>
#include <limits>
#include <shared_mutex>
#include <string>
#include <utility>

#include "change_counters.h"
#include "engram/cursor.h"
#include "engram/errors.h"
#include "engram/ids.h"
#include "id_sequences.h"
#include "listing.h"
#include "transaction.h"

namespace engram::postgres {
namespace {

constexpr const char* kConceptColumns =
    "SELECT id, name, embedding, creation_time, access_count, last_accessed, metadata "
    "FROM concepts ";
constexpr const char* kInsertConcept =
    "INSERT INTO concepts (id, name, embedding, creation_time, access_count, last_accessed, "
    "metadata) ";
constexpr const char* kRelationshipColumns =
    "SELECT source_concept_id, target_concept_id, relationship_type, strength "
    "FROM concept_relationships ";
// Relationship types order by their bytes, as SQLite's do, whatever the
// database's collation.
constexpr const char* kRelationshipOrder =
    "ORDER BY source_concept_id, target_concept_id, relationship_type COLLATE \"C\" ";

// A stored name's row keeps its id, creation time and access history; a
// whole record (a put of a listed one) replaces those too.
constexpr const char* kUpdateByName =
    "ON CONFLICT (name) DO UPDATE SET embedding = EXCLUDED.embedding, "
    "metadata = EXCLUDED.metadata ";
constexpr const char* kReplaceByName =
    "ON CONFLICT (name) DO UPDATE SET embedding = EXCLUDED.embedding, "
    "metadata = EXCLUDED.metadata, creation_time = EXCLUDED.creation_time, "
    "access_count = EXCLUDED.access_count, last_accessed = EXCLUDED.last_accessed ";

// A concept's columns after its id, as $<first>...$<first + 5>: name,
// embedding, creation_time, access_count, last_accessed, metadata.
void add_concept(Params& params, const EncodedConcept& encoded) {
  const ConceptView& record = *encoded.record;
  params.text(record.name)
      .bytea(encoded.embedding)
      .float8(record.creation_time)
      .int8(record.access_count)
      .float8(record.last_accessed)
      .json(encoded.metadata);
}

//   0 source, 1 target, 2 type, 3 strength (NULL: the column's default)
Relationship read_relationship(const ColumnRow& row) {
  return {row.int64(0), row.int64(1), row.text(2), row.is_null(3) ? 1.0 : row.real(3)};
}

std::string relationship_cursor(const Relationship& r) {
  return cursor_after(r.source_id, r.target_id, r.type);
}

// Adds the relationship $1 -> $2 of type $3 with strength $4, or updates
// its strength, when both ends exist; returns whether each does. The ends
// are locked (FOR KEY SHARE, as the foreign key's check locks them) before
// the insert, so an end deleted meanwhile is seen missing here and the
// foreign key never fails (its 23503 would be a BackendError).
constexpr const char* kRelate =
    "WITH ends AS (SELECT id FROM concepts WHERE id = $1 OR id = $2 FOR KEY SHARE), "
    "stored AS (INSERT INTO concept_relationships (source_concept_id, target_concept_id, "
    "relationship_type, strength) "
    "SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM ends WHERE id = $1) "
    "AND EXISTS (SELECT 1 FROM ends WHERE id = $2) "
    "ON CONFLICT (source_concept_id, target_concept_id, relationship_type) "
    "DO UPDATE SET strength = EXCLUDED.strength RETURNING 1) "
    "SELECT (EXISTS (SELECT 1 FROM ends WHERE id = $1))::int::int8, "
    "(EXISTS (SELECT 1 FROM ends WHERE id = $2))::int::int8";

}  // namespace

PgConcepts::PgConcepts(Database& database, RecallCache<ConceptColumns>& cache)
    : database_(database),
      cache_(cache),
      store_sql_("WITH id_lock AS (" + shared_id_lock(database.settings().options.schema) +
                 "), changed AS (" + bump_sql(Counted::kConcepts, 7) + ") " + kInsertConcept +
                 "SELECT nextval('concepts_id_seq'), $1, $2, $3, $4, $5, $6 FROM id_lock " +
                 kUpdateByName + "RETURNING id") {}

std::int64_t PgConcepts::do_store_concept(const ConceptView& record) {
  const EncodedConcept encoded = encode(codec(), record);
  const std::lock_guard order(write_mutex_);
  auto connection = database_.lease();
  const auto writing = cache_.writing();
  // One statement, its own transaction: the id lock, the counter and the
  // row in one round trip. A stored name is updated in place (its id kept);
  // the sequence value the insert drew is then left unused, which loses
  // nothing.
  Params params;
  add_concept(params, encoded);
  params.text(connection.writer_id());
  const std::int64_t id = connection->run(store_sql_, params, "storing a concept").row(0).int64(0);
  keep_in_step(*connection, {id}, 1);
  return id;
}

std::optional<Concept> PgConcepts::do_retrieve_concept(std::int64_t concept_id) {
  auto connection = database_.lease();
  const Result result = connection->run(std::string(kConceptColumns) + "WHERE id = $1",
                                        Params().int8(concept_id), "retrieving a concept");
  if (result.rows() == 0) return std::nullopt;
  return read_concept(codec(), result.row(0));
}

std::optional<Concept> PgConcepts::do_retrieve_concept_by_name(std::string_view name, double now) {
  // last_accessed is a column recall filters on: an access is a write the
  // cache follows, ordered as the others.
  const std::lock_guard order(write_mutex_);
  auto connection = database_.lease();
  const auto writing = cache_.writing();
  std::optional<Concept> found;
  {
    Transaction transaction(*connection);
    const Result result = connection->run(
        "UPDATE concepts SET access_count = access_count + 1, last_accessed = $2 "
        "WHERE name = $1 RETURNING id, name, embedding, creation_time, access_count, "
        "last_accessed, metadata",
        Params().text(name).float8(now), "counting an access to a concept");
    if (result.rows() == 0) return std::nullopt;  // rolled back: nothing changed
    found = read_concept(codec(), result.row(0));
    // A miss bumps nothing, so it makes no other backend reload.
    bump(*connection, Counted::kConcepts, connection.writer_id());
    transaction.commit();
  }
  keep_in_step(*connection, {found->id}, 1);
  return found;
}

std::vector<Concept> PgConcepts::do_search_concepts(std::string_view query_text,
                                                    std::size_t limit) {
  auto connection = database_.lease();
  // SQLite's name LIKE '%' || ?1 || '%': no escape character ('%' and '_'
  // the only wildcards, '_' one character), ASCII letters alone folded —
  // ILIKE under COLLATE "C" folds ASCII only.
  const Result result = connection->run(
      std::string(kConceptColumns) +
          "WHERE name COLLATE \"C\" ILIKE '%' || $1 || '%' ESCAPE '' "
          "ORDER BY access_count DESC NULLS LAST, creation_time DESC, id DESC LIMIT $2",
      Params().text(query_text).int8(limit_value(limit)), "searching concepts");
  return read_all(result, [&](const ColumnRow& row) { return read_concept(codec(), row); });
}

void PgConcepts::do_add_concept_relationship(const Relationship& relationship) {
  auto connection = database_.lease();
  relate(*connection, relationship);
}

std::vector<Relationship> PgConcepts::do_get_concept_relationships(
    std::int64_t concept_id, const std::optional<std::string>& relationship_type) {
  auto connection = database_.lease();
  Params params;
  params.int8(concept_id);
  if (relationship_type) {
    params.text(*relationship_type);
  } else {
    params.null(Params::kText);
  }
  // NULL strengths last, as SQLite orders them descending.
  const Result result = connection->run(
      std::string(kRelationshipColumns) +
          "WHERE source_concept_id = $1 AND ($2::text IS NULL OR relationship_type = $2) "
          "ORDER BY strength DESC NULLS LAST, target_concept_id ASC, "
          "relationship_type COLLATE \"C\" ASC",
      params, "listing a concept's relationships");
  return read_all(result, read_relationship);
}

std::vector<std::int64_t> PgConcepts::do_store_batch(const ConceptBatch& batch) {
  const auto concepts = encode_all(codec(), batch.concepts());
  const bool changes_embeddings = !concepts.empty();
  std::array wanted{WantedIds{IdKind::kConcept, 0}};
  for (const EncodedConcept& encoded : concepts) {
    if (keepable(encoded.record->id)) {
      wanted[0].largest = std::max(wanted[0].largest, encoded.record->id);
    }
  }
  std::vector<std::int64_t> ids;
  ids.reserve(concepts.size());
  // Relationships alone change no embedding: they need no order.
  std::unique_lock order(write_mutex_, std::defer_lock);
  if (changes_embeddings) order.lock();
  auto connection = database_.lease();
  std::shared_lock<std::shared_mutex> writing;
  if (changes_embeddings) writing = cache_.writing();
  {
    Transaction transaction(*connection);
    if (changes_embeddings) {
      lock_ids(*connection, database_.settings().options.schema, wanted);
    }
    for (std::size_t i = 0; i < concepts.size(); ++i) {
      ids.push_back(upsert(*connection, concepts[i], batch.is_whole_record(i)));
    }
    for (const Relationship& relationship : batch.relationships()) {
      relate(*connection, relationship);
    }
    if (changes_embeddings) bump(*connection, Counted::kConcepts, connection.writer_id());
    transaction.commit();
  }
  if (changes_embeddings) keep_in_step(*connection, ids, 1);
  return ids;
}

Page<Concept> PgConcepts::do_list_concepts(std::string_view cursor, std::size_t limit,
                                           Undecodable undecodable) {
  auto connection = database_.lease();
  return page_by_id(*connection, database_.origin().backend, cursor, limit, undecodable,
                    std::string(kConceptColumns) + "WHERE id > $1 ORDER BY id LIMIT $2",
                    "listing concepts",
                    [&](const ColumnRow& row) { return read_concept(codec(), row); });
}

Page<Relationship> PgConcepts::do_list_relationships(std::string_view cursor, std::size_t limit,
                                                     Undecodable) {
  // Relationships always decode: `undecodable` has nothing to skip. The
  // key is (source, target, type), the type compared by its bytes.
  const auto after =
      cursor_key<std::int64_t, std::int64_t, std::string>(cursor, database_.origin().backend);
  const std::int64_t rows =
      limit_value(limit < std::numeric_limits<std::size_t>::max() ? limit + 1 : limit);
  auto connection = database_.lease();
  Params params;
  std::string sql = kRelationshipColumns;
  if (after) {
    const auto& [source, target, type] = *after;
    params.int8(source).int8(target).text(type).int8(rows);
    sql +=
        "WHERE (source_concept_id, target_concept_id, relationship_type COLLATE \"C\") > "
        "($1, $2, $3) " +
        std::string(kRelationshipOrder) + "LIMIT $4";
  } else {
    params.int8(rows);
    sql += std::string(kRelationshipOrder) + "LIMIT $1";
  }
  const Result result = connection->run(sql, params, "listing relationships");
  int at = -1;
  return engram::read_page(
      limit, [&] { return ++at < result.rows(); },
      [&] { return read_relationship(result.row(at)); }, relationship_cursor);
}

std::int64_t PgConcepts::do_reserve_ids(std::int64_t count) {
  auto connection = database_.lease();
  return reserve_id_block(*connection, database_.settings().options.schema, IdKind::kConcept,
                          count);
}

std::optional<std::int64_t> PgConcepts::do_concept_id(std::string_view name) {
  auto connection = database_.lease();
  const Result result = connection->run("SELECT id FROM concepts WHERE name = $1",
                                        Params().text(name), "looking up a concept's id");
  if (result.rows() == 0) return std::nullopt;
  return result.row(0).int64(0);
}

std::int64_t PgConcepts::upsert(Connection& connection, const EncodedConcept& encoded, bool whole) {
  if (keepable(encoded.record->id)) {
    // The record's id, when neither it nor the name is taken (any conflict
    // does nothing: a stored name is then updated below, keeping its id).
    Params kept;
    kept.int8(encoded.record->id);
    add_concept(kept, encoded);
    const Result result = connection.run(
        std::string(kInsertConcept) +
            "VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING RETURNING id",
        kept, "storing a concept");
    if (result.rows() > 0) return result.row(0).int64(0);
  }
  Params params;
  add_concept(params, encoded);
  return connection
      .run(std::string(kInsertConcept) +
               "VALUES (nextval('concepts_id_seq'), $1, $2, $3, $4, $5, $6) " +
               (whole ? kReplaceByName : kUpdateByName) + "RETURNING id",
           params, whole ? "replacing a concept" : "storing a concept")
      .row(0)
      .int64(0);
}

void PgConcepts::relate(Connection& connection, const Relationship& relationship) {
  const Result result = connection.run(kRelate,
                                       Params()
                                           .int8(relationship.source_id)
                                           .int8(relationship.target_id)
                                           .text(relationship.type)
                                           .float8(relationship.strength),
                                       "storing a relationship");
  const Result::Row row = result.row(0);
  for (const auto& [column, end] :
       {std::pair{0, relationship.source_id}, std::pair{1, relationship.target_id}}) {
    if (row.int64(column) != 0) continue;
    throw InvalidArgument("relating concept " + std::to_string(relationship.source_id) +
                              " to concept " + std::to_string(relationship.target_id) + " (" +
                              printable(relationship.type) + ") in " + database_.where() +
                              ": concept " + std::to_string(end) + " does not exist",
                          database_.origin().backend);
  }
}

}  // namespace engram::postgres
