// STUB (to be replaced): the concepts role.
#include "concepts.h"

#include "engram/errors.h"

namespace engram::postgres {
namespace {
[[noreturn]] void todo() { throw NotSupported("postgres concepts: not yet", "postgres"); }
}  // namespace
std::int64_t PgConcepts::do_store_concept(const ConceptView&) { todo(); }
std::optional<Concept> PgConcepts::do_retrieve_concept(std::int64_t) { todo(); }
std::optional<Concept> PgConcepts::do_retrieve_concept_by_name(std::string_view, double) { todo(); }
std::vector<Concept> PgConcepts::do_search_concepts(std::string_view, std::size_t) { todo(); }
void PgConcepts::do_add_concept_relationship(const Relationship&) { todo(); }
std::vector<Relationship> PgConcepts::do_get_concept_relationships(
    std::int64_t, const std::optional<std::string>&) {
  todo();
}
std::vector<std::int64_t> PgConcepts::do_store_batch(const ConceptBatch&) { todo(); }
Page<Concept> PgConcepts::do_list_concepts(std::string_view, std::size_t, Undecodable) { todo(); }
Page<Relationship> PgConcepts::do_list_relationships(std::string_view, std::size_t, Undecodable) {
  todo();
}
std::int64_t PgConcepts::do_reserve_ids(std::int64_t) { todo(); }
std::optional<std::int64_t> PgConcepts::do_concept_id(std::string_view) { todo(); }
}  // namespace engram::postgres
