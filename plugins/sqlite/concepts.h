// plugins/sqlite/concepts.h — the concepts role on SQLite: concepts and
// their relationships in the seed's tables `concepts` and
// `concept_relationships`, with the seed's queries (a concept's name is
// unique; looking one up by name counts the access), batches in one
// transaction, and keyset listings (concepts by id, relationships by
// source, target and type).
//
// A new concept's id comes from AUTOINCREMENT, past every id ever used or
// reserved (id_blocks.h). A relationship's ends must exist
// (InvalidArgument otherwise). Values are encoded by the core
// (engram/record_columns.h); errors are sqlite_errors.h's.
//
// Recall answers from the role's RecallCache (engram/recall_cache.h), which
// every write here keeps in step after its commit, or past
// recall_cache_bytes by streaming the table (streamed_recall.cpp); both give
// the same hits.
//
// Thread safety: any number of threads; each call leases a connection from
// the Database (writes take the one writer, each in a transaction).
#ifndef ENGRAM_PLUGINS_SQLITE_CONCEPTS_H_
#define ENGRAM_PLUGINS_SQLITE_CONCEPTS_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connection.h"
#include "database.h"
#include "engram/concept_store.h"
#include "engram/embedding_matrix.h"
#include "engram/maintenance.h"
#include "engram/page.h"
#include "engram/recall_cache.h"
#include "engram/record_columns.h"
#include "sqlite_errors.h"
#include "statement.h"

namespace engram::sqlite {

class SqliteConcepts final : public ConceptStore {
 public:
  SqliteConcepts(Database& database, RecallCache<ConceptColumns>& cache)
      : database_(database), cache_(cache) {}

 private:
  const Origin& origin() const noexcept { return database_.origin(); }
  ColumnCodec codec() const noexcept {
    return {database_.column_origin(), database_.settings().record_limit};
  }

  std::int64_t do_store_concept(const ConceptView& record) override;

  std::optional<Concept> do_retrieve_concept(std::int64_t concept_id) override;

  // The access is counted and the row read in one transaction: the record
  // returned shows this access and no later one.
  std::optional<Concept> do_retrieve_concept_by_name(std::string_view name, double now) override;

  std::vector<Concept> do_search_concepts(std::string_view query_text, std::size_t limit) override;

  void do_add_concept_relationship(const Relationship& relationship) override;

  std::vector<Relationship> do_get_concept_relationships(
      std::int64_t concept_id, const std::optional<std::string>& relationship_type) override;

  std::vector<std::int64_t> do_store_batch(const ConceptBatch& batch) override;

  Page<Concept> do_list_concepts(std::string_view cursor, std::size_t limit,
                                 Undecodable undecodable) override;

  Page<Relationship> do_list_relationships(std::string_view cursor, std::size_t limit,
                                           Undecodable undecodable) override;

  // A block of concept ids (id_blocks.h).
  std::int64_t do_reserve_ids(std::int64_t count) override;

  // The id by name, on a reader: no access counted.
  std::optional<std::int64_t> do_concept_id(std::string_view name) override;

  // From the cache, refreshed first, or streamed past the bound; the hits
  // are then read back by id (cached_recall.cpp).
  Recall<Concept> do_nearest_concepts(const RecallQuery& query, std::size_t k,
                                      const ConceptRecallOptions& options, double now) override;

  // The nearest by a scan of every concept through the listing, page by
  // page (streamed_recall.cpp).
  EmbeddingMatrix<ConceptColumns>::Result stream_nearest(const RecallQuery& query, std::size_t k,
                                                         const ConceptFilter& filter);

  // Feeds every concept row to `sink`, in one statement on `writer`
  // (cached_recall.cpp). REQUIRES: the writer.
  void load(Connection& writer, const RecallCache<ConceptColumns>::Sink& sink);

  // Reads the rows `ids` back into the cache, if it is loaded, after a
  // commit (cached_recall.cpp); a failure drops the cache, never throws.
  // REQUIRES: the writer, outside a transaction.
  void keep_in_step(Connection& writer, const std::vector<std::int64_t>& ids) noexcept;

  //   0 source, 1 target, 2 type, 3 strength
  static Relationship read_relationship(const Statement& row);

  // Stores a concept and returns its id. Under a name already stored, the
  // embedding and metadata are replaced and the id, creation time and access
  // history kept, unless `whole` (a put of a listed record): then those
  // replace the stored ones too. A new name keeps the record's id when free.
  // REQUIRES: the writer, in a transaction.
  std::int64_t upsert(Connection& writer, const EncodedConcept& encoded, bool whole);

  // Adds the relationship or updates its strength; both ends must exist
  // (checked here, in the transaction, so the error is InvalidArgument
  // whatever PRAGMA foreign_keys says). REQUIRES: the writer, in a
  // transaction.
  void relate(Connection& writer, const Relationship& relationship);

  Database& database_;
  RecallCache<ConceptColumns>& cache_;
};

}  // namespace engram::sqlite

#endif  // ENGRAM_PLUGINS_SQLITE_CONCEPTS_H_
