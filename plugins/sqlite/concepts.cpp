#include "concepts.h"

#include <sqlite3.h>

#include "id_blocks.h"
#include "kept_ids.h"
#include "listing.h"
#include "transaction.h"

namespace engram::sqlite {
namespace {

// A relationship listing's key: source, target, type (the type last: it
// may hold ':').
std::string relationship_cursor(const Relationship& r) {
  return cursor_after(r.source_id, r.target_id, r.type);
}

// A relationship row a listing skips: "source>target>type" (rows of
// SELECT source_concept_id, target_concept_id, relationship_type, ...).
RowKey relationship_row_key(const Statement& row) {
  const Relationship key{row.int64(0), row.int64(1), row.text(2), 0.0};
  return {std::to_string(key.source_id) + ">" + std::to_string(key.target_id) + ">" + key.type,
          relationship_cursor(key)};
}

// The relationship after which a listing goes on; nullopt for the first page.
std::optional<Relationship> relationship_after(const Origin& origin, std::string_view cursor) {
  const auto key = cursor_key<std::int64_t, std::int64_t, std::string>(cursor, origin.backend);
  if (!key) return std::nullopt;
  const auto& [source, target, type] = *key;
  return Relationship{source, target, type, 0.0};
}

}  // namespace

std::int64_t SqliteConcepts::do_store_concept(const ConceptView& record) {
  const EncodedConcept encoded = encode(codec(), record);
  auto writer = database_.writer();
  Transaction transaction(*writer);
  const std::int64_t id = upsert(*writer, encoded, false);
  transaction.commit();
  keep_in_step(*writer, {id});
  return id;
}

std::optional<Concept> SqliteConcepts::do_retrieve_concept(std::int64_t concept_id) {
  auto reader = database_.reader();
  Statement query = reader->prepare(
      "SELECT id, name, embedding, creation_time, access_count, last_accessed, metadata "
      "FROM concepts WHERE id = ?1",
      "retrieving a concept");
  query.bind(1, concept_id);
  if (!query.step()) return std::nullopt;
  return read_concept(codec(), query);
}

std::optional<Concept> SqliteConcepts::do_retrieve_concept_by_name(std::string_view name,
                                                                   double now) {
  auto writer = database_.writer();
  Transaction transaction(*writer);
  std::optional<Concept> found;
  {
    Statement update = writer->prepare(
        "UPDATE concepts SET access_count = access_count + 1, last_accessed = ?2 "
        "WHERE name = ?1 RETURNING id, name, embedding, creation_time, access_count, "
        "last_accessed, metadata",
        "counting an access to a concept");
    update.bind_text(1, name).bind(2, now);
    if (update.step()) {
      found = read_concept(codec(), update);
      update.run();
    }
  }
  transaction.commit();
  if (found) keep_in_step(*writer, {found->id});
  return found;
}

std::vector<Concept> SqliteConcepts::do_search_concepts(std::string_view query_text,
                                                        std::size_t limit) {
  auto reader = database_.reader();
  // The pattern is the query between two '%'.
  const int max_pattern = sqlite3_limit(reader->get(), SQLITE_LIMIT_LIKE_PATTERN_LENGTH, -1);
  if (query_text.size() + 2 > static_cast<std::size_t>(max_pattern)) {
    throw_query_too_long(origin(), query_text.size(), max_pattern);
  }
  Statement query = reader->prepare(
      "SELECT id, name, embedding, creation_time, access_count, last_accessed, metadata "
      "FROM concepts WHERE name LIKE '%' || ?1 || '%' "
      "ORDER BY access_count DESC, creation_time DESC, id DESC LIMIT ?2",
      "searching concepts");
  query.bind_text(1, query_text).bind_limit(2, limit);
  return read_all(query, [&](const Statement& row) { return read_concept(codec(), row); });
}

void SqliteConcepts::do_add_concept_relationship(const Relationship& relationship) {
  auto writer = database_.writer();
  Transaction transaction(*writer);
  relate(*writer, relationship);
  transaction.commit();
}

std::vector<Relationship> SqliteConcepts::do_get_concept_relationships(
    std::int64_t concept_id, const std::optional<std::string>& relationship_type) {
  auto reader = database_.reader();
  Statement query = reader->prepare(
      "SELECT source_concept_id, target_concept_id, relationship_type, strength "
      "FROM concept_relationships WHERE source_concept_id = ?1 "
      "AND (?2 IS NULL OR relationship_type = ?2) "
      "ORDER BY strength DESC, target_concept_id ASC, relationship_type ASC",
      "listing a concept's relationships");
  query.bind(1, concept_id);
  if (relationship_type) query.bind_text(2, *relationship_type);
  return read_all(query, read_relationship);
}

std::vector<std::int64_t> SqliteConcepts::do_store_batch(const ConceptBatch& batch) {
  const auto concepts = encode_all(codec(), batch.concepts());
  std::vector<std::int64_t> ids;
  ids.reserve(concepts.size());
  auto writer = database_.writer();
  Transaction transaction(*writer);
  for (std::size_t i = 0; i < concepts.size(); ++i) {
    ids.push_back(upsert(*writer, concepts[i], batch.is_whole_record(i)));
  }
  for (const Relationship& relationship : batch.relationships()) relate(*writer, relationship);
  transaction.commit();
  keep_in_step(*writer, ids);
  return ids;
}

std::int64_t SqliteConcepts::do_reserve_ids(std::int64_t count) {
  auto writer = database_.writer();
  return reserve_id_block(*writer, origin(), IdKind::kConcept, count);
}

std::optional<std::int64_t> SqliteConcepts::do_concept_id(std::string_view name) {
  auto reader = database_.reader();
  Statement query =
      reader->prepare("SELECT id FROM concepts WHERE name = ?1", "looking up a concept's id");
  query.bind_text(1, name);
  if (!query.step()) return std::nullopt;
  return query.int64(0);
}

Page<Concept> SqliteConcepts::do_list_concepts(std::string_view cursor, std::size_t limit,
                                               Undecodable undecodable) {
  auto reader = database_.reader();
  return page_by_id(
      *reader, origin(), cursor, limit, undecodable,
      "SELECT id, name, embedding, creation_time, access_count, last_accessed, metadata "
      "FROM concepts WHERE id > ?1 ORDER BY id LIMIT ?2",
      "listing concepts", [&](const Statement& row) { return read_concept(codec(), row); });
}

Page<Relationship> SqliteConcepts::do_list_relationships(std::string_view cursor,
                                                         std::size_t limit,
                                                         Undecodable undecodable) {
  const std::optional<Relationship> after = relationship_after(origin(), cursor);
  auto reader = database_.reader();
  if (!after) {
    Statement query = reader->prepare(
        "SELECT source_concept_id, target_concept_id, relationship_type, strength "
        "FROM concept_relationships "
        "ORDER BY source_concept_id, target_concept_id, relationship_type LIMIT ?1",
        "listing relationships");
    query.bind_limit(1, page_rows(limit));
    return read_page(query, limit, undecodable, read_relationship, relationship_cursor,
                     relationship_row_key);
  }
  Statement query = reader->prepare(
      "SELECT source_concept_id, target_concept_id, relationship_type, strength "
      "FROM concept_relationships "
      "WHERE (source_concept_id, target_concept_id, relationship_type) > (?1, ?2, ?3) "
      "ORDER BY source_concept_id, target_concept_id, relationship_type LIMIT ?4",
      "listing relationships");
  query.bind(1, after->source_id)
      .bind(2, after->target_id)
      .bind_text(3, after->type)
      .bind_limit(4, page_rows(limit));
  return read_page(query, limit, undecodable, read_relationship, relationship_cursor,
                   relationship_row_key);
}

Relationship SqliteConcepts::read_relationship(const Statement& row) {
  return {row.int64(0), row.int64(1), row.text(2), row.is_null(3) ? 1.0 : row.real(3)};
}

std::int64_t SqliteConcepts::upsert(Connection& writer, const EncodedConcept& encoded, bool whole) {
  const ConceptView& record = *encoded.record;
  std::optional<std::int64_t> stored;
  {
    Statement find =
        writer.prepare("SELECT id FROM concepts WHERE name = ?1", "looking up a concept's name");
    find.bind_text(1, record.name);
    if (find.step()) stored = find.int64(0);
  }
  if (stored && whole) {
    Statement update = writer.prepare(
        "UPDATE concepts SET embedding = ?2, metadata = ?3, creation_time = ?4, "
        "access_count = ?5, last_accessed = ?6 WHERE id = ?1",
        "replacing a concept");
    update.bind(1, *stored)
        .bind_blob(2, encoded.embedding)
        .bind_text(3, encoded.metadata)
        .bind(4, record.creation_time)
        .bind(5, record.access_count)
        .bind(6, record.last_accessed)
        .run();
    return *stored;
  }
  if (stored) {
    Statement update = writer.prepare(
        "UPDATE concepts SET embedding = ?2, metadata = ?3 WHERE id = ?1", "updating a concept");
    update.bind(1, *stored).bind_blob(2, encoded.embedding).bind_text(3, encoded.metadata).run();
    return *stored;
  }
  const bool keep = id_is_free(writer, "SELECT 1 FROM concepts WHERE id = ?1", record.id);
  Statement insert = writer.prepare(
      "INSERT INTO concepts (id, name, embedding, creation_time, access_count, last_accessed, "
      "metadata) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
      "storing a concept");
  if (keep) insert.bind(1, record.id);
  insert.bind_text(2, record.name)
      .bind_blob(3, encoded.embedding)
      .bind(4, record.creation_time)
      .bind(5, record.access_count)
      .bind(6, record.last_accessed)
      .bind_text(7, encoded.metadata)
      .run();
  return writer.last_insert_id();
}

void SqliteConcepts::relate(Connection& writer, const Relationship& relationship) {
  for (const std::int64_t end : {relationship.source_id, relationship.target_id}) {
    Statement exists =
        writer.prepare("SELECT 1 FROM concepts WHERE id = ?1", "checking a concept exists");
    exists.bind(1, end);
    if (!exists.step()) throw_missing_concept(origin(), relationship, end);
  }
  Statement upsert_relationship = writer.prepare(
      "INSERT INTO concept_relationships (source_concept_id, target_concept_id, "
      "relationship_type, strength) VALUES (?1, ?2, ?3, ?4) "
      "ON CONFLICT (source_concept_id, target_concept_id, relationship_type) "
      "DO UPDATE SET strength = excluded.strength",
      "storing a relationship");
  upsert_relationship.bind(1, relationship.source_id)
      .bind(2, relationship.target_id)
      .bind_text(3, relationship.type)
      .bind(4, relationship.strength)
      .run();
}
}  // namespace engram::sqlite
