// engram/concept_store.h — the concepts role (YAML key `concepts`): semantic
// concepts with embeddings, and directed, typed relationships between them
// (the seed's SQLiteStorage).
//
// Concept names are unique, non-empty UTF-8; ids are positive int64s
// assigned by the backend. Metadata must be a JSON object of finite numbers;
// strengths and times finite. A bad argument is InvalidArgument and stores
// nothing.
//
// Thread safety: every method may be called from several threads at once.
// Every method throws StorageError("closed") after the backend was closed,
// and BackendError (or a more precise kind) when the backend fails.
//
// Backends implement the private do_* functions; the public ones validate.
#ifndef ENGRAM_CONCEPT_STORE_H_
#define ENGRAM_CONCEPT_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engram/array.h"
#include "engram/clock.h"
#include "engram/export.h"
#include "engram/json.h"
#include "engram/maintenance.h"
#include "engram/page.h"
#include "engram/recall.h"

namespace engram {

namespace detail {
struct RoleAccess;
}

// A concept. In a batch put, `id` 0 asks for a new id; a positive id is kept
// when the backend can; access count and times are kept as given.
template <class ArrayT>
struct BasicConcept {
  std::int64_t id = 0;
  std::string name;
  ArrayT embedding;
  double creation_time = 0.0;
  std::int64_t access_count = 0;
  double last_accessed = 0.0;
  Json metadata = Json::object();
};
using Concept = BasicConcept<Array>;
using ConceptView = BasicConcept<ArrayView>;

// A directed relationship between two concepts. There is at most one per
// (source_id, target_id, type).
struct Relationship {
  std::int64_t source_id = 0;
  std::int64_t target_id = 0;
  std::string type;
  double strength = 1.0;
};

// Many concept and relationship stores applied by ConceptStore::store_batch,
// all or nothing; concepts first, then relationships, each in the order
// added. Arrays are borrowed until store_batch returns. Each add validates
// as the matching store does (InvalidArgument, batch unchanged). A
// store_concept without creation_time is stamped when the batch is applied.
class ENGRAM_API ConceptBatch {
 public:
  void store_concept(std::string_view name, ArrayView embedding,
                     const Json& metadata = Json::object(),
                     std::optional<double> creation_time = std::nullopt);
  void add_concept_relationship(std::int64_t source_id, std::int64_t target_id,
                                std::string_view relationship_type, double strength = 1.0);
  void put(ConceptView record);
  void put(const Concept& record);
  void put(Relationship record);

  // Concepts in the order added; a creation_time of NaN stands for "now".
  const std::vector<ConceptView>& concepts() const noexcept { return concepts_; }
  // True iff concepts()[index] came from put(): a whole record whose
  // creation time and access history replace those of a stored concept of
  // the same name. False for store_concept, which updates only embedding
  // and metadata, as ConceptStore::store_concept does.
  // REQUIRES: index < concepts().size().
  bool is_whole_record(std::size_t index) const noexcept { return whole_[index]; }
  const std::vector<Relationship>& relationships() const noexcept { return relationships_; }
  std::size_t size() const noexcept { return concepts_.size() + relationships_.size(); }
  bool empty() const noexcept { return size() == 0; }
  void clear() noexcept;

 private:
  std::vector<ConceptView> concepts_;
  std::vector<bool> whole_;  // per concept: added by put()
  std::vector<Relationship> relationships_;
};

// search_concepts' match, for a backend that searches without SQL: the
// query as SQL LIKE '%<query>%' runs it in SQLite — '%' any run of
// characters, '_' exactly one, anything else itself, ASCII letters
// case-insensitive, other characters exact. REQUIRES: valid UTF-8 (the role
// checks names and queries). Thread safety: immutable once made.
class ENGRAM_API ConceptNameQuery {
 public:
  explicit ConceptNameQuery(std::string_view query);
  bool matches(std::string_view name) const;

 private:
  std::u32string pattern_;
};

class ENGRAM_API ConceptStore {
 public:
  virtual ~ConceptStore();

  // Stores a concept and returns its id. When a concept of this name exists,
  // its embedding and metadata are replaced (creation time, access count
  // and id kept) and its id returned. `creation_time` defaults to now.
  std::int64_t store_concept(std::string_view name, ArrayView embedding,
                             const Json& metadata = Json::object(),
                             std::optional<double> creation_time = std::nullopt);
  // The concept; nullopt if none. Does not count as an access.
  std::optional<Concept> retrieve_concept(std::int64_t concept_id);
  // The concept named `name`, after incrementing its access_count and
  // setting last_accessed to now (the returned record shows both); nullopt,
  // changing nothing, if none.
  std::optional<Concept> retrieve_concept_by_name(std::string_view name);
  // Up to `limit` concepts whose name matches `query` as an SQL LIKE
  // pattern searched anywhere in the name (plain text matches as a
  // substring, '%' any run, '_' one character, ASCII case-insensitive), by
  // access_count then creation_time, both descending. Not an access.
  std::vector<Concept> search_concepts(std::string_view query, std::size_t limit = 10);
  // Adds the relationship source → target of `relationship_type`, or
  // updates its strength if it exists. Throws InvalidArgument when either
  // concept does not exist.
  void add_concept_relationship(std::int64_t source_id, std::int64_t target_id,
                                std::string_view relationship_type, double strength = 1.0);
  // The concept's outgoing relationships (of `relationship_type`, if given),
  // strongest first; empty if none or no such concept.
  std::vector<Relationship> get_concept_relationships(
      std::int64_t concept_id, std::optional<std::string> relationship_type = std::nullopt);

  // --- beyond the seed ---

  // Applies every store of `batch` in one transaction, or none. Returns the
  // concepts' ids in the order added.
  std::vector<std::int64_t> store_batch(const ConceptBatch& batch);
  // Pages through every record (engram/page.h): concepts in id order,
  // relationships by (source, target, type). With Undecodable::kSkip a
  // record the backend cannot decode (a concept whose embedding another
  // program wrote in a form engram does not read) is named in
  // Page::skipped instead of failing the page.
  Page<Concept> list_concepts(std::string_view cursor = {}, std::size_t limit = 100,
                              Undecodable undecodable = Undecodable::kFail);
  Page<Relationship> list_relationships(std::string_view cursor = {}, std::size_t limit = 100,
                                        Undecodable undecodable = Undecodable::kFail);

  // The k concepts whose embeddings are nearest `query` under
  // options.metric, among those options.filter admits, best first (ties:
  // lower id), and how many admitted embeddings were skipped
  // (engram/recall.h). With options.count_access each hit counts as an
  // access, as retrieve_concept_by_name does. Throws InvalidArgument for a
  // query that is not float16/32/64, empty, non-finite, or of zero norm
  // under cosine; for k == 0; for a NaN time bound or a name prefix or
  // metadata key that is not valid UTF-8.
  Recall<Concept> nearest_concepts(ArrayView query, std::size_t k,
                                   const ConceptRecallOptions& options = {});

  // The backend instance's maintenance interface (engram/maintenance.h):
  // its Backend::maintenance(), set by the core when it made the backend.
  // Throws StorageError for a role object the core did not make.
  Maintenance& maintenance();

 protected:
  // Now, in seconds since the epoch (see WorkingMemory::now).
  double now() const;

 private:
  friend struct detail::RoleAccess;
  // Set by the core for objects a plugin made: what keeps the plugin's
  // library loaded, to which every returned Array is tied.
  std::shared_ptr<const void> library_;
  // Set by the core with library_: what maintenance() returns.
  Maintenance* maintenance_ = nullptr;
  // Set by the core with library_: what now() reads.
  std::shared_ptr<const Clock> clock_;

  // `record.id` is 0, `record.creation_time` resolved.
  virtual std::int64_t do_store_concept(const ConceptView& record) = 0;
  virtual std::optional<Concept> do_retrieve_concept(std::int64_t concept_id) = 0;
  virtual std::optional<Concept> do_retrieve_concept_by_name(std::string_view name,
                                                             double now) = 0;
  virtual std::vector<Concept> do_search_concepts(std::string_view query,
                                                  std::size_t limit) = 0;
  virtual void do_add_concept_relationship(const Relationship& relationship) = 0;
  virtual std::vector<Relationship> do_get_concept_relationships(
      std::int64_t concept_id, const std::optional<std::string>& relationship_type) = 0;
  // Every creation_time in `batch` is resolved (no NaN).
  virtual std::vector<std::int64_t> do_store_batch(const ConceptBatch& batch) = 0;
  // A backend whose records always decode may ignore `undecodable`.
  virtual Page<Concept> do_list_concepts(std::string_view cursor, std::size_t limit,
                                         Undecodable undecodable) = 0;
  virtual Page<Relationship> do_list_relationships(std::string_view cursor, std::size_t limit,
                                                   Undecodable undecodable) = 0;
  // `query` validated and float32 (its metric options.metric), k >= 1,
  // `options` checked; `now` is the access time count_access records.
  // Score with the core's kernel (engram/recall_kernel.h).
  virtual Recall<Concept> do_nearest_concepts(const RecallQuery& query, std::size_t k,
                                              const ConceptRecallOptions& options, double now) = 0;
  // Reserves `count` (>= 1) consecutive new concept ids and returns the
  // first, as EpisodeStore::do_reserve_ids does for IdKind::kConcept. The
  // default throws NotSupported.
  virtual std::int64_t do_reserve_ids(std::int64_t count);
  // The id of the concept named `name`, or nullopt when there is none;
  // not an access. Write-behind asks it to return a stored name's id at
  // queue time. Implemented with do_reserve_ids (capabilities.reserves_ids);
  // the default throws NotSupported.
  virtual std::optional<std::int64_t> do_concept_id(std::string_view name);
};

}  // namespace engram

#endif  // ENGRAM_CONCEPT_STORE_H_
