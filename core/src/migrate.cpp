// migrate.cpp — see engram/migrate.h.
//
// One generic loop (copy_kind) pages through a listing and stores each page
// as one batch; the per-role functions only say how to list, how to put a
// record into a batch, which ids the batch gave back, and what a record's
// array bytes are.
#include "engram/migrate.h"

#include <algorithm>
#include <string>
#include <unordered_map>
#include <variant>

#include "engram/concept_store.h"
#include "engram/episode_store.h"
#include "engram/errors.h"
#include "engram/trace_store.h"
#include "engram/working_memory.h"

namespace engram {

namespace {

// Rethrows `error` as its own kind with `context` in front of its message.
[[noreturn]] void rethrow_with(const StorageError& error, const std::string& context) {
  // what() already names the backend; keep its native code.
  const std::string message = context + ": " + error.what();
  const auto code = error.native_code();
  if (dynamic_cast<const ConfigError*>(&error)) throw ConfigError(message, {}, code);
  if (dynamic_cast<const PluginError*>(&error)) throw PluginError(message, {}, code);
  if (dynamic_cast<const InvalidArgument*>(&error)) throw InvalidArgument(message, {}, code);
  if (dynamic_cast<const NotSupported*>(&error)) throw NotSupported(message, {}, code);
  if (dynamic_cast<const ConnectionError*>(&error)) throw ConnectionError(message, {}, code);
  if (dynamic_cast<const AccessDenied*>(&error)) throw AccessDenied(message, {}, code);
  if (dynamic_cast<const CorruptData*>(&error)) throw CorruptData(message, {}, code);
  if (dynamic_cast<const BackendError*>(&error)) throw BackendError(message, {}, code);
  throw StorageError(message, {}, code);
}

std::int64_t bytes_of(const Array& array) { return static_cast<std::int64_t>(array.nbytes()); }

// Counts the records a listing returns.
template <class List>
std::int64_t count_all(List&& list, std::size_t page_size) {
  std::int64_t count = 0;
  std::string cursor;
  do {
    auto page = list(cursor, page_size);
    count += static_cast<std::int64_t>(page.items.size());
    cursor = std::move(page.next_cursor);
  } while (!cursor.empty());
  return count;
}

class Migration {
 public:
  Migration(const MigrationOptions& options, MigrationReport& report)
      : options_(options), report_(report) {}

  // Copies one kind. `list(cursor, limit)` pages the source,
  // `list_target` the target; `put(batch, record)` adds a record (mapped as
  // needed) and returns its array bytes; `store(batch)` applies the batch
  // and returns the number of records whose id the target changed.
  template <class Batch, class List, class ListTarget, class Put, class Store>
  void copy_kind(Role role, std::string_view kind, std::size_t page_size, List&& list,
                 ListTarget&& list_target, Put&& put, Store&& store) {
    MigrationReport::Kind& row = report_.kinds.emplace_back();
    row.role = role;
    row.kind = std::string(kind);
    const std::string doing = "migrating " + row.kind;
    std::int64_t before = 0;
    try {
      before = count_all(list_target, page_size);
    } catch (const StorageError& e) {
      rethrow_with(e, doing + " (counting the target's records)");
    }
    // Whether a store may have replaced a record the target already had.
    const bool target_had_records = before > 0;
    std::string cursor;
    do {
      std::string stage = "reading";
      try {
        auto page = list(cursor, page_size);
        stage = "writing";
        Batch batch;
        std::int64_t bytes = 0;
        for (const auto& record : page.items) bytes += put(batch, record);
        if (!page.items.empty()) row.remapped += store(batch, page.items);
        row.records += static_cast<std::int64_t>(page.items.size());
        row.bytes += bytes;
        cursor = std::move(page.next_cursor);
      } catch (const StorageError& e) {
        rethrow_with(e, doing + ": " + std::to_string(row.records) +
                            " copied, then " + stage + " the next page failed (those stay stored)");
      }
      if (options_.on_progress) {
        options_.on_progress(MigrationProgress{role, row.kind, row.records, row.bytes});
      }
    } while (!cursor.empty());
    std::int64_t after = 0;
    try {
      after = count_all(list_target, page_size);
    } catch (const StorageError& e) {
      rethrow_with(e, doing + " (counting the target's records)");
    }
    const bool exact = after == before + row.records;
    const bool replaced = target_had_records && after >= row.records && after < before + row.records;
    if (!exact && !replaced) {
      throw BackendError(doing + ": " + std::to_string(row.records) +
                         " copied, but the target went from " + std::to_string(before) + " to " +
                         std::to_string(after) + " records");
    }
  }

  const MigrationOptions& options() const noexcept { return options_; }

 private:
  const MigrationOptions& options_;
  MigrationReport& report_;
};

// Number of positions where `given` (0 or empty: "assign one") differs from
// what the target gave back.
template <class Items, class Ids, class IdOf>
std::int64_t count_changed(const Items& items, const Ids& ids, IdOf&& id_of) {
  std::int64_t changed = 0;
  for (std::size_t i = 0; i < items.size() && i < ids.size(); ++i) {
    if (id_of(items[i]) != ids[i]) ++changed;
  }
  return changed;
}

void migrate_working_memory(Migration& m, WorkingMemory& from, WorkingMemory& to) {
  const std::size_t n = m.options().page_size;
  const Role role = Role::kWorkingMemory;
  auto store = [&](const WorkingMemoryBatch& batch, const auto&) -> std::int64_t {
    to.store_batch(batch);
    return 0;
  };
  m.copy_kind<WorkingMemoryBatch>(
      role, "patterns", n,
      [&](std::string_view c, std::size_t l) { return from.list_working_memory_patterns(c, l); },
      [&](std::string_view c, std::size_t l) { return to.list_working_memory_patterns(c, l); },
      [](WorkingMemoryBatch& batch, const WorkingMemoryPattern& record) {
        batch.put(record);
        return bytes_of(record.pattern);
      },
      store);
  m.copy_kind<WorkingMemoryBatch>(
      role, "cached_spike_trains", n,
      [&](std::string_view c, std::size_t l) { return from.list_spike_trains(c, l); },
      [&](std::string_view c, std::size_t l) { return to.list_spike_trains(c, l); },
      [](WorkingMemoryBatch& batch, const CachedSpikeTrain& record) {
        batch.put(record);
        return bytes_of(record.spike_data);
      },
      store);
  m.copy_kind<WorkingMemoryBatch>(
      role, "attention_weights", n,
      [&](std::string_view c, std::size_t l) { return from.list_attention_weights(c, l); },
      [&](std::string_view c, std::size_t l) { return to.list_attention_weights(c, l); },
      [](WorkingMemoryBatch& batch, const AttentionWeights& record) {
        batch.put(record);
        return bytes_of(record.weights);
      },
      store);
}

void migrate_episodes(Migration& m, EpisodeStore& from, EpisodeStore& to) {
  const std::size_t n = m.options().page_size;
  const Role role = Role::kEpisodes;
  m.copy_kind<EpisodeBatch>(
      role, "episodes", n,
      [&](std::string_view c, std::size_t l) { return from.list_episodes(c, l); },
      [&](std::string_view c, std::size_t l) { return to.list_episodes(c, l); },
      [](EpisodeBatch& batch, const Episode& record) {
        batch.put(record);
        const auto* array = std::get_if<Array>(&record.experience_data);
        return array ? bytes_of(*array) : std::int64_t{0};
      },
      [&](const EpisodeBatch& batch, const std::vector<Episode>& items) {
        const auto ids = to.store_batch(batch).episode_ids;
        return count_changed(items, ids, [](const Episode& e) { return e.id; });
      });
  m.copy_kind<EpisodeBatch>(
      role, "learning_events", n,
      [&](std::string_view c, std::size_t l) { return from.list_learning_events(c, l); },
      [&](std::string_view c, std::size_t l) { return to.list_learning_events(c, l); },
      [](EpisodeBatch& batch, const LearningEvent& record) {
        batch.put(record);
        return std::int64_t{0};
      },
      [&](const EpisodeBatch& batch, const std::vector<LearningEvent>& items) {
        const auto ids = to.store_batch(batch).learning_event_ids;
        return count_changed(items, ids, [](const LearningEvent& e) { return e.id; });
      });
}

void migrate_concepts(Migration& m, ConceptStore& from, ConceptStore& to) {
  const std::size_t n = m.options().page_size;
  const Role role = Role::kConcepts;
  // Only the ids the target changed: empty when it keeps them all.
  std::unordered_map<std::int64_t, std::int64_t> new_id;
  m.copy_kind<ConceptBatch>(
      role, "concepts", n,
      [&](std::string_view c, std::size_t l) { return from.list_concepts(c, l); },
      [&](std::string_view c, std::size_t l) { return to.list_concepts(c, l); },
      [](ConceptBatch& batch, const Concept& record) {
        batch.put(record);
        return bytes_of(record.embedding);
      },
      [&](const ConceptBatch& batch, const std::vector<Concept>& items) {
        const auto ids = to.store_batch(batch);
        std::int64_t changed = 0;
        for (std::size_t i = 0; i < items.size() && i < ids.size(); ++i) {
          if (items[i].id != ids[i]) {
            new_id[items[i].id] = ids[i];
            ++changed;
          }
        }
        return changed;
      });
  auto mapped = [&](std::int64_t id) {
    const auto found = new_id.find(id);
    return found == new_id.end() ? id : found->second;
  };
  m.copy_kind<ConceptBatch>(
      role, "relationships", n,
      [&](std::string_view c, std::size_t l) { return from.list_relationships(c, l); },
      [&](std::string_view c, std::size_t l) { return to.list_relationships(c, l); },
      [&](ConceptBatch& batch, const Relationship& record) {
        Relationship copy = record;
        copy.source_id = mapped(record.source_id);
        copy.target_id = mapped(record.target_id);
        batch.put(std::move(copy));
        return std::int64_t{0};
      },
      [&](const ConceptBatch& batch, const std::vector<Relationship>& items) {
        to.store_batch(batch);
        std::int64_t changed = 0;
        for (const Relationship& r : items) {
          if (mapped(r.source_id) != r.source_id || mapped(r.target_id) != r.target_id) ++changed;
        }
        return changed;
      });
}

void migrate_traces(Migration& m, TraceStore& from, TraceStore& to) {
  const std::size_t n = m.options().trace_page_size;
  const Role role = Role::kTraces;
  auto by_id = [](const auto& record) -> const std::string& { return record.id; };
#define ENGRAM_COPY_TRACES(kind, list, Record, ids_field, bytes_expr)                       \
  m.copy_kind<TraceBatch>(                                                                  \
      role, kind, n, [&](std::string_view c, std::size_t l) { return from.list(c, l); },   \
      [&](std::string_view c, std::size_t l) { return to.list(c, l); },                    \
      [](TraceBatch& batch, const Record& record) {                                        \
        batch.put(record);                                                                  \
        return static_cast<std::int64_t>(bytes_expr);                                       \
      },                                                                                    \
      [&](const TraceBatch& batch, const std::vector<Record>& items) {                      \
        return count_changed(items, to.store_batch(batch).ids_field, by_id);                \
      })
  ENGRAM_COPY_TRACES("network_snapshots", list_network_snapshots, NetworkSnapshot,
                     network_snapshots,
                     record.adjacency_matrix.nbytes() + record.weight_matrix.nbytes() +
                         record.neuron_states.nbytes());
  ENGRAM_COPY_TRACES("spike_trains", list_spike_trains, SpikeTrainData, spike_trains,
                     record.spike_times.nbytes() + record.neuron_ids.nbytes() +
                         (record.spike_amplitudes ? record.spike_amplitudes->nbytes() : 0));
  ENGRAM_COPY_TRACES("compressed_spike_trains", list_compressed_spike_trains,
                     CompressedSpikeTrain, compressed_spike_trains, record.spike_data.nbytes());
  ENGRAM_COPY_TRACES("reservoir_states", list_reservoir_states, ReservoirStates,
                     reservoir_states, record.reservoir_states.nbytes());
  ENGRAM_COPY_TRACES("layer_outputs", list_layer_outputs, LayerOutputs, layer_outputs, [&] {
    std::size_t total = 0;
    for (const auto& [name, array] : record.layer_outputs) total += array.nbytes();
    return total;
  }());
  ENGRAM_COPY_TRACES("plasticity_traces", list_plasticity_traces, PlasticityTrace,
                     plasticity_traces, record.synapse_changes.nbytes());
  ENGRAM_COPY_TRACES("homeostatic_traces", list_homeostatic_traces, HomeostaticTrace,
                     homeostatic_traces, record.homeostatic_changes.nbytes());
  ENGRAM_COPY_TRACES("performance_metrics", list_performance_metrics, PerformanceMetrics,
                     performance_metrics, 0);
#undef ENGRAM_COPY_TRACES
}

}  // namespace

MigrationReport migrate(const Storage& from, const Storage& to, const MigrationOptions& options) {
  if (options.page_size == 0 || options.trace_page_size == 0) {
    throw InvalidArgument("migrate: page sizes must be at least 1");
  }
  std::vector<Role> roles = options.roles;
  if (roles.empty()) {
    for (Role role : kAllRoles) {
      if (from.has(role)) roles.push_back(role);
    }
  }
  for (Role role : roles) {
    if (!from.has(role)) {
      throw ConfigError("migrate: the source config assigns no backend to role `" +
                        std::string(role_name(role)) + "`");
    }
    if (!to.has(role)) {
      throw ConfigError("migrate: the target config assigns no backend to role `" +
                        std::string(role_name(role)) + "`");
    }
  }
  MigrationReport report;
  Migration migration(options, report);
  for (Role role : kAllRoles) {
    if (std::find(roles.begin(), roles.end(), role) == roles.end()) continue;
    switch (role) {
      case Role::kWorkingMemory:
        migrate_working_memory(migration, *from.working_memory(), *to.working_memory());
        break;
      case Role::kEpisodes:
        migrate_episodes(migration, *from.episodes(), *to.episodes());
        break;
      case Role::kConcepts:
        migrate_concepts(migration, *from.concepts(), *to.concepts());
        break;
      case Role::kTraces:
        migrate_traces(migration, *from.traces(), *to.traces());
        break;
    }
  }
  return report;
}

}  // namespace engram
