// plugins/postgres/concepts.h — the concepts role on PostgreSQL: concepts
// and their relationships in the seed's tables `concepts` and
// `concept_relationships` (schema_text.h), with the seed's queries, batches
// in one transaction, and keyset listings by id (listing.h).
//
// A concept is keyed by its name: storing a name already stored replaces
// its embedding and metadata and keeps its id, creation time and access
// history (a put of a listed record replaces those too). A new name keeps
// the record's id when free, else takes the sequence's next value
// (id_sequences.h). Values are encoded by the core's record_columns.h
// before a connection is leased; errors are pg_errors.h's.
//
// Recall answers from the role's RecallCache (engram/recall_cache.h): each
// write that changes what the cache holds (a concept stored, or an access:
// last_accessed is a filter's column) bumps the concepts change counter in
// its own transaction (change_counters.h) and, after its commit, puts the
// rows it wrote into the cache (keep_in_step); a recall that finds the
// counters moved by someone else reloads it. Such writes are ordered by the
// role's write mutex from their first statement to their cache update, so
// two of this backend's writes of one concept reach the cache in the order
// they committed, and hold the cache's writing() meanwhile, so no load
// counts them twice. Past recall_cache_bytes, recall scans the table
// (streamed_recall.h); both give the same hits.
//
// Thread safety: any number of threads; each call leases a connection from
// the Database's pool.
#ifndef ENGRAM_PLUGINS_POSTGRES_CONCEPTS_H_
#define ENGRAM_PLUGINS_POSTGRES_CONCEPTS_H_

#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "database.h"
#include "engram/concept_store.h"
#include "engram/embedding_matrix.h"
#include "engram/page.h"
#include "engram/recall_cache.h"
#include "engram/record_columns.h"

namespace engram::postgres {

class PgConcepts final : public ConceptStore {
 public:
  PgConcepts(Database& database, RecallCache<ConceptColumns>& cache);

 private:
  ColumnCodec codec() const noexcept { return database_.codec(); }

  std::int64_t do_store_concept(const ConceptView& record) override;

  std::optional<Concept> do_retrieve_concept(std::int64_t concept_id) override;

  // The access is counted and the row read in one statement: the record
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

  // A block of concept ids (id_sequences.h).
  std::int64_t do_reserve_ids(std::int64_t count) override;

  // The id by name: no access counted.
  std::optional<std::int64_t> do_concept_id(std::string_view name) override;

  // From the cache, refreshed first, or streamed past the bound; the hits
  // are then read back by id (cached_recall.cpp).
  Recall<Concept> do_nearest_concepts(const RecallQuery& query, std::size_t k,
                                      const ConceptRecallOptions& options, double now) override;

  // Puts the rows `ids` (just committed, with `bumps` bumps of the concepts
  // counter) into the cache if it is loaded, moving its version by `bumps`
  // (cached_recall.cpp); a failure drops the cache, never throws.
  // REQUIRES: write_mutex_ and cache_.writing() held since before the
  // write, outside a transaction.
  void keep_in_step(Connection& connection, const std::vector<std::int64_t>& ids,
                    std::int64_t bumps) noexcept;

  // Stores a concept and returns its id. Under a name already stored, the
  // embedding and metadata are replaced and the id, creation time and access
  // history kept, unless `whole` (a put of a listed record): then those
  // replace the stored ones too. A new name keeps the record's id when free.
  // REQUIRES: in a transaction holding the id lock (id_sequences.h).
  std::int64_t upsert(Connection& connection, const EncodedConcept& encoded, bool whole);

  // Adds the relationship or updates its strength, in one statement; both
  // ends must exist (InvalidArgument otherwise, never the foreign key's
  // failure).
  void relate(Connection& connection, const Relationship& relationship);

  Database& database_;
  RecallCache<ConceptColumns>& cache_;
  // Orders this backend's writes of embeddings (see above).
  std::mutex write_mutex_;
  // A store's statement, made once (the schema names its id lock): the id
  // lock, the counter (writer $7) and the row, inserted or updated by name.
  const std::string store_sql_;
};

}  // namespace engram::postgres

#endif  // ENGRAM_PLUGINS_POSTGRES_CONCEPTS_H_
