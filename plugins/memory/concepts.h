// plugins/memory/concepts.h — the concepts role in memory: concepts by id
// and name, relationships by (source, target, type), the embeddings in an
// EmbeddingMatrix (engram/embedding_matrix.h) for recall, changed under the
// same lock as the records. A relationship's ends must exist
// (InvalidArgument, memory_errors.h).
//
// Thread safety: the backend's one lock (shared_state.h): lookups share it,
// stores hold it alone.
#ifndef ENGRAM_PLUGINS_MEMORY_CONCEPTS_H_
#define ENGRAM_PLUGINS_MEMORY_CONCEPTS_H_

#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "claim_id.h"
#include "engram/concept_store.h"
#include "engram/embedding_matrix.h"
#include "engram/ids.h"
#include "engram/json.h"
#include "engram/owned_records.h"
#include "engram/recall.h"
#include "engram/recall_kernel.h"
#include "engram/result_orders.h"
#include "listing.h"
#include "memory_errors.h"
#include "recall_index.h"
#include "shared_state.h"

namespace engram::memory {

// ---------------------------------------------------------------- concepts

class MemoryConcepts final : public ConceptStore {
 public:
  explicit MemoryConcepts(Shared& shared) : shared_(shared) {}

  // For the maintenance, with the lock held. Ids are not reused after clear().
  void count(Json& stats) const {
    stats["concepts"] = concepts_.size();
    stats["concept_relationships"] = relationships_.size();
  }
  void clear() {
    concepts_.clear();
    ids_by_name_.clear();
    relationships_.clear();
    index_.clear();
  }
  // recall_cache_bytes changed: the recall matrix again, within it. With
  // the lock held for writing.
  void set_recall_cache_bytes(std::size_t byte_bound) {
    index_.rebuild(byte_bound, [&](const auto& add) {
      for (const auto& [id, c] : concepts_) {
        add(id, c.embedding, {c.name, c.creation_time, c.last_accessed, c.metadata});
      }
    });
  }

 private:
  std::int64_t do_store_concept(const ConceptView& record) override {
    std::vector<Concept> concepts;
    concepts.push_back(owned(record));
    auto lock = shared_.write();
    return apply(std::move(concepts), {false}, {}).front();
  }

  std::optional<Concept> do_retrieve_concept(std::int64_t concept_id) override {
    auto lock = shared_.read();
    const auto found = concepts_.find(concept_id);
    if (found == concepts_.end()) return std::nullopt;
    return found->second;
  }

  std::optional<Concept> do_retrieve_concept_by_name(std::string_view name, double now) override {
    auto lock = shared_.write();
    const auto found = ids_by_name_.find(name);
    if (found == ids_by_name_.end()) return std::nullopt;
    Concept& concept_record = concepts_.at(found->second);
    count_access(concept_record, now);
    return concept_record;
  }

  Recall<Concept> do_nearest_concepts(const RecallQuery& query, std::size_t k,
                                      const ConceptRecallOptions& options, double now) override {
    EmbeddingMatrix<ConceptColumns>::Predicate admits;
    if (!options.filter.empty()) {
      admits = [&filter = options.filter](const ConceptColumns& c) { return c.passes(filter); };
    }
    // Counting accesses changes the records: then the search runs under the
    // write lock, so the hits and their counts are one step.
    std::shared_lock<std::shared_mutex> reading;
    std::unique_lock<std::shared_mutex> writing;
    if (options.count_access) {
      writing = shared_.write();
    } else {
      reading = shared_.read();
    }
    const auto found = index_.search(query, k, admits, [&](RecallScan& scan) {
      for (const auto& [id, c] : concepts_) {
        if (options.filter.admits(c.name, c.creation_time, c.last_accessed, c.metadata)) {
          scan.offer(id, c.embedding);
        }
      }
    });
    Recall<Concept> recall;
    recall.skipped = found.skipped;
    for (const ScoredId& hit : found.best) {
      Concept& concept_record = concepts_.at(hit.id);
      if (options.count_access) count_access(concept_record, now);
      recall.hits.push_back({concept_record, hit.score});
    }
    return recall;
  }

  // REQUIRES: the lock held for writing.
  void count_access(Concept& concept_record, double now) {
    ++concept_record.access_count;
    concept_record.last_accessed = now;
    if (auto* columns = index_.mutable_columns(concept_record.id)) columns->last_accessed = now;
  }

  std::vector<Concept> do_search_concepts(std::string_view query, std::size_t limit) override {
    const ConceptNameQuery search(query);
    auto lock = shared_.read();
    std::vector<const Concept*> found;
    for (const auto& [id, concept_record] : concepts_) {
      if (search.matches(concept_record.name)) found.push_back(&concept_record);
    }
    return top(std::move(found), limit, MostAccessedFirst());
  }

  void do_add_concept_relationship(const Relationship& relationship) override {
    auto lock = shared_.write();
    apply({}, {}, std::span(&relationship, 1));
  }

  std::vector<Relationship> do_get_concept_relationships(
      std::int64_t concept_id, const std::optional<std::string>& relationship_type) override {
    auto lock = shared_.read();
    std::vector<Relationship> relationships;
    const RelationshipKey from{concept_id, std::numeric_limits<std::int64_t>::min(), ""};
    for (auto it = relationships_.lower_bound(from);
         it != relationships_.end() && std::get<0>(it->first) == concept_id; ++it) {
      const auto& [source, target, type] = it->first;
      if (!relationship_type || type == *relationship_type) {
        relationships.push_back({source, target, type, it->second});
      }
    }
    std::sort(relationships.begin(), relationships.end(), StrongestFirst());
    return relationships;
  }

  std::vector<std::int64_t> do_store_batch(const ConceptBatch& batch) override {
    std::vector<Concept> concepts = owned_all(batch.concepts());
    std::vector<bool> whole(concepts.size());
    for (std::size_t i = 0; i < whole.size(); ++i) whole[i] = batch.is_whole_record(i);
    auto lock = shared_.write();
    return apply(std::move(concepts), whole, batch.relationships());
  }

  // Records here are always decoded: nothing to skip.
  Page<Concept> do_list_concepts(std::string_view cursor, std::size_t limit, Undecodable) override {
    auto lock = shared_.read();
    return list_page(concepts_, cursor, limit, shared_.name(), kEveryEntry, kEntryValue);
  }
  Page<Relationship> do_list_relationships(std::string_view cursor, std::size_t limit,
                                           Undecodable) override {
    auto lock = shared_.read();
    return list_page(relationships_, cursor, limit, shared_.name(), kEveryEntry,
                     [](const auto& entry) {
                       const auto& [source, target, type] = entry.first;
                       return Relationship{source, target, type, entry.second};
                     });
  }

  // --- write-behind ---

  // The block comes off the next-id counter (claim_id.h); choose_ids starts
  // past it.
  std::int64_t do_reserve_ids(std::int64_t count) override {
    auto lock = shared_.write();
    return reserve_ids(next_id_, count, IdKind::kConcept, shared_.name());
  }

  std::optional<std::int64_t> do_concept_id(std::string_view name) override {
    auto lock = shared_.read();
    const auto found = ids_by_name_.find(name);
    if (found == ids_by_name_.end()) return std::nullopt;
    return found->second;
  }

  // Stores `concepts`, then `relationships`, all or nothing: the ids are
  // chosen and every relationship's ends checked before anything changes.
  // Returns the concepts' ids. REQUIRES: the lock held for writing.
  std::vector<std::int64_t> apply(std::vector<Concept> concepts, const std::vector<bool>& whole,
                                  std::span<const Relationship> relationships) {
    const std::vector<std::int64_t> ids = choose_ids(concepts);
    const std::set<std::int64_t> coming(ids.begin(), ids.end());
    for (const Relationship& relationship : relationships) {
      for (const std::int64_t end : {relationship.source_id, relationship.target_id}) {
        if (!concepts_.contains(end) && !coming.contains(end)) {
          throw_missing_concept(relationship, end, shared_.name());
        }
      }
    }
    for (std::size_t i = 0; i < concepts.size(); ++i) {
      commit(std::move(concepts[i]), ids[i], whole[i]);
    }
    for (const Relationship& r : relationships) {
      relationships_.insert_or_assign(RelationshipKey{r.source_id, r.target_id, r.type},
                                      r.strength);
    }
    return ids;
  }

  // The id each concept will have: that of the concept with its name (one
  // stored, or one earlier in `concepts`), else its own id when positive and
  // free, else a new one. Changes nothing.
  std::vector<std::int64_t> choose_ids(const std::vector<Concept>& concepts) const {
    std::map<std::string_view, std::int64_t> named;  // new names, in this call
    std::set<std::int64_t> claimed;
    const auto taken = [&](std::int64_t id) {
      return concepts_.contains(id) || claimed.contains(id);
    };
    std::int64_t next = next_id_;
    std::vector<std::int64_t> ids;
    for (const Concept& concept_record : concepts) {
      if (const auto stored = ids_by_name_.find(concept_record.name);
          stored != ids_by_name_.end()) {
        ids.push_back(stored->second);
      } else if (const auto earlier = named.find(concept_record.name); earlier != named.end()) {
        ids.push_back(earlier->second);
      } else {
        const std::int64_t wanted = concept_record.id;
        const bool keep =
            wanted > 0 && wanted < std::numeric_limits<std::int64_t>::max() && !taken(wanted);
        while (!keep && taken(next)) ++next;
        const std::int64_t id = keep ? wanted : next++;
        named.emplace(concept_record.name, id);
        claimed.insert(id);
        ids.push_back(id);
      }
    }
    return ids;
  }

  // Stores `incoming` as concept `id`. Under a name already stored, the
  // embedding and metadata are replaced and id, creation time and access
  // history kept — unless `incoming` is a `whole` record (a put of a listed
  // concept): then its creation time and access history replace them too.
  void commit(Concept&& incoming, std::int64_t id, bool whole) {
    const auto stored = concepts_.find(id);
    if (stored == concepts_.end()) {
      incoming.id = id;
      next_id_ = std::max(next_id_, id + 1);
      ids_by_name_.emplace(incoming.name, id);
      index(incoming);
      concepts_.emplace(id, std::move(incoming));
      return;
    }
    Concept& kept = stored->second;
    kept.embedding = std::move(incoming.embedding);
    kept.metadata = std::move(incoming.metadata);
    if (whole) {
      kept.creation_time = incoming.creation_time;
      kept.access_count = incoming.access_count;
      kept.last_accessed = incoming.last_accessed;
    }
    index(kept);
  }

  // (Re)places the concept's row in the recall matrix.
  void index(const Concept& concept_record) {
    index_.upsert(concept_record.id, concept_record.embedding,
                  {concept_record.name, concept_record.creation_time, concept_record.last_accessed,
                   concept_record.metadata});
  }

  Shared& shared_;
  std::map<std::int64_t, Concept> concepts_;
  RecallIndex<ConceptColumns> index_{shared_.recall_cache_bytes()};  // concepts_' embeddings
  std::map<std::string, std::int64_t, std::less<>> ids_by_name_;
  std::map<RelationshipKey, double> relationships_;  // strength
  std::int64_t next_id_ = 1;
};

}  // namespace engram::memory

#endif  // ENGRAM_PLUGINS_MEMORY_CONCEPTS_H_
