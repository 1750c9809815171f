// The concepts role under write-behind. A store of a name the queue or the
// backend already has returns that concept's id and is written as the
// plugin's store by name (embedding and metadata replaced); a new name
// gets an id from a reserved block and is written as a put carrying it.
// Relationships are queued once both concepts are known to exist, so a
// missing one is still InvalidArgument at the call.
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "engram/errors.h"
#include "engram/owned_records.h"
#include "id_blocks.h"
#include "record_checks.h"
#include "role_access.h"
#include "write_behind_roles.h"
#include "write_queue.h"

namespace engram::detail {
namespace {

struct QueuedConcept {
  Concept record;       // id set
  bool is_new = false;  // a put of a new id; else a store by name
};
using ConceptItem = std::variant<QueuedConcept, Relationship>;

constexpr std::size_t kRecordOverhead = 256;

class QueuedConcepts final : public ConceptStore, public QueueControl {
 public:
  QueuedConcepts(ConceptStore& inner, const QueueSettings& settings)
      : inner_(inner),
        ids_(settings.options.max_pending),
        queue_(
            settings.options, settings.backend,
            "write-behind of backend `" + settings.backend + "` (concepts)",
            {[this](std::vector<ConceptItem>& items) { return write(items); },
             [this](const ConceptItem& item) { forget(item); }, &name_of, [this] { top_up(); }}) {
    RoleAccess::set_library(*this, RoleAccess::library(inner));
    RoleAccess::set_clock(*this, RoleAccess::clock(inner));
    RoleAccess::set_maintenance(*this, *settings.maintenance);
  }

  void drain() override { queue_.drain(); }
  void close() override { queue_.close(); }

 private:
  static std::string name_of(const ConceptItem& item) {
    if (const auto* c = std::get_if<QueuedConcept>(&item)) {
      return "concept " + std::to_string(c->record.id);
    }
    const auto& r = std::get<Relationship>(item);
    return "relationship " + std::to_string(r.source_id) + " -> " + std::to_string(r.target_id);
  }

  // --- stores: queued

  std::int64_t do_store_concept(const ConceptView& record) override {
    QueuedConcept item{owned(record)};
    const std::size_t bytes = item.record.embedding.nbytes() + kRecordOverhead;
    auto lock = queue_.lock();
    queue_.admit(lock, bytes);
    // An id in hand first: reserving lets the lock go, and the name may be
    // queued, or queued and written, meanwhile; the lookups below run with
    // the lock held throughout.
    ensure_id(
        ids_, lock,
        [&](std::int64_t count) { return RoleAccess::call_do_reserve_ids(inner_, count); },
        [&] { queue_.admit(lock, bytes); });
    std::int64_t id = 0;
    if (const auto queued = names_.find(item.record.name); queued != names_.end()) {
      id = queued->second.id;
    } else if (const auto stored = RoleAccess::call_do_concept_id(inner_, item.record.name)) {
      id = *stored;
    } else {
      id = *ids_.take();
      item.is_new = true;
    }
    item.record.id = id;
    Pending& pending = names_[item.record.name];
    pending.id = id;
    ++pending.count;
    ++ids_queued_[id];
    queue_.push(lock, std::move(item), bytes);
    return id;
  }

  void do_add_concept_relationship(const Relationship& relationship) override {
    auto lock = queue_.lock();
    queue_.admit(lock, kRecordOverhead);
    for (const std::int64_t id : {relationship.source_id, relationship.target_id}) {
      if (ids_queued_.count(id) == 0 && !RoleAccess::call_do_retrieve_concept(inner_, id)) {
        throw InvalidArgument("add_concept_relationship: no concept has id " + std::to_string(id));
      }
    }
    queue_.push(lock, relationship, kRecordOverhead);
  }

  // With the queue's lock held: the item is no longer queued.
  void forget(const ConceptItem& item) {
    const auto* c = std::get_if<QueuedConcept>(&item);
    if (c == nullptr) return;
    if (const auto name = names_.find(c->record.name);
        name != names_.end() && --name->second.count == 0) {
      names_.erase(name);
    }
    if (const auto id = ids_queued_.find(c->record.id);
        id != ids_queued_.end() && --id->second == 0) {
      ids_queued_.erase(id);
    }
  }

  void top_up() {
    auto lock = queue_.lock();
    if (!ids_.low()) return;
    lock.unlock();
    const std::int64_t first = RoleAccess::call_do_reserve_ids(inner_, ids_.block());
    lock.lock();
    ids_.add(first, ids_.block());
  }

  std::vector<WriteFailure> write(std::vector<ConceptItem>& items) {
    return write_isolating(items.size(), [&](std::size_t first, std::size_t last) {
      ConceptBatch batch;
      for (std::size_t i = first; i < last; ++i) {
        if (const auto* c = std::get_if<QueuedConcept>(&items[i])) {
          if (c->is_new) {
            batch.put(as_view(c->record));
          } else {
            batch.store_concept(c->record.name, c->record.embedding.view(), c->record.metadata,
                                c->record.creation_time);
          }
        } else {
          batch.put(std::get<Relationship>(items[i]));
        }
      }
      const std::vector<std::int64_t> ids = RoleAccess::call_do_store_batch(inner_, batch);
      std::vector<WriteFailure> failures;
      std::size_t at = 0;
      for (std::size_t i = first; i < last; ++i) {
        const auto* c = std::get_if<QueuedConcept>(&items[i]);
        if (c == nullptr) continue;
        check_same_id(failures, i, ids, at, c->record.id);
        ++at;
      }
      return failures;
    });
  }

  // --- everything else: after the queue, as without write-behind

  std::optional<Concept> do_retrieve_concept(std::int64_t concept_id) override {
    queue_.drain();
    return RoleAccess::call_do_retrieve_concept(inner_, concept_id);
  }
  std::optional<Concept> do_retrieve_concept_by_name(std::string_view name, double now) override {
    queue_.drain();
    return RoleAccess::call_do_retrieve_concept_by_name(inner_, name, now);
  }
  std::vector<Concept> do_search_concepts(std::string_view query, std::size_t limit) override {
    queue_.drain();
    return RoleAccess::call_do_search_concepts(inner_, query, limit);
  }
  std::vector<Relationship> do_get_concept_relationships(
      std::int64_t concept_id, const std::optional<std::string>& relationship_type) override {
    queue_.drain();
    return RoleAccess::call_do_get_concept_relationships(inner_, concept_id, relationship_type);
  }
  std::vector<std::int64_t> do_store_batch(const ConceptBatch& batch) override {
    queue_.drain();
    std::vector<std::int64_t> ids = RoleAccess::call_do_store_batch(inner_, batch);
    auto lock = queue_.lock();
    ids_.drop_holding(ids);
    return ids;
  }
  Page<Concept> do_list_concepts(std::string_view cursor, std::size_t limit,
                                 Undecodable undecodable) override {
    queue_.drain();
    return RoleAccess::call_do_list_concepts(inner_, cursor, limit, undecodable);
  }
  Page<Relationship> do_list_relationships(std::string_view cursor, std::size_t limit,
                                           Undecodable undecodable) override {
    queue_.drain();
    return RoleAccess::call_do_list_relationships(inner_, cursor, limit, undecodable);
  }
  Recall<Concept> do_nearest_concepts(const RecallQuery& query, std::size_t k,
                                      const ConceptRecallOptions& options, double now) override {
    queue_.drain();
    return RoleAccess::call_do_nearest_concepts(inner_, query, k, options, now);
  }
  std::int64_t do_reserve_ids(std::int64_t count) override {
    return RoleAccess::call_do_reserve_ids(inner_, count);
  }
  std::optional<std::int64_t> do_concept_id(std::string_view name) override {
    queue_.drain();
    return RoleAccess::call_do_concept_id(inner_, name);
  }

  struct Pending {
    std::int64_t id = 0;
    std::size_t count = 0;  // queued stores of the name
  };

  ConceptStore& inner_;
  IdBlocks ids_;
  std::map<std::string, Pending, std::less<>> names_;  // queued names
  std::map<std::int64_t, std::size_t> ids_queued_;     // queued concept ids: stores of each
  // Last: its writer runs from construction and calls the members above.
  WriteQueue<ConceptItem> queue_;
};

}  // namespace

Queued<ConceptStore> queued(ConceptStore& inner, const QueueSettings& settings) {
  auto role = std::make_unique<QueuedConcepts>(inner, settings);
  QueueControl* control = role.get();
  return {std::move(role), control};
}

}  // namespace engram::detail
