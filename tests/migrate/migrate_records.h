// tests/migrate/migrate_records.h — records for the migrate tests: configs,
// populating every role, and each kind's records as sorted strings so that
// two storages compare exactly.
#ifndef ENGRAM_TESTS_MIGRATE_MIGRATE_RECORDS_H_
#define ENGRAM_TESTS_MIGRATE_MIGRATE_RECORDS_H_

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "engram/concept_store.h"
#include "engram/episode_store.h"
#include "engram/migrate.h"
#include "engram/storage.h"
#include "engram/trace_store.h"
#include "engram/working_memory.h"

namespace migrate_records {

using engram::Array;
using engram::ArrayView;
using engram::Json;
using engram::Role;
using engram::Storage;

// ---------------------------------------------------------------- configs

inline std::string memory_config() {
  return "version: 1\nbackends:\n  mem: {plugin: memory}\nroles: {working_memory: mem, episodes: "
         "mem, concepts: mem, traces: mem}\n";
}

inline std::string sqlite_config(const std::filesystem::path& file) {
  return "version: 1\nbackends:\n  db: {plugin: sqlite, db_path: \"" + file.string() +
         "\"}\nroles: {episodes: db, concepts: db}\n";
}

// ---------------------------------------------------------------- records

inline std::vector<float> ramp(std::size_t n, float start) {
  std::vector<float> values(n);
  for (std::size_t i = 0; i < n; ++i) values[i] = start + 0.25f * static_cast<float>(i);
  return values;
}

inline void populate_working_memory(engram::WorkingMemory& wm, int n) {
  for (int i = 0; i < n; ++i) {
    const auto values = ramp(6, static_cast<float>(i));
    wm.store_working_memory_pattern("pattern" + std::to_string(i), ArrayView(values, {2, 3}),
                                    100.0 + i, {{"i", i}});
    if (i % 3 == 0) wm.update_working_memory_access("pattern" + std::to_string(i));
    wm.cache_spike_train(200.0 + i, ArrayView(values), std::vector<std::int64_t>{i, i + 1},
                         std::chrono::seconds(500 + i));
    wm.store_attention_weights("context" + std::to_string(i), ArrayView(values), 300.0 + i);
  }
}

inline void populate_episodes(engram::EpisodeStore& store, int n) {
  for (int i = 0; i < n; ++i) {
    if (i % 2 == 0) {
      store.store_episode(ramp(4, static_cast<float>(i)), 0.5 * i, "ctx" + std::to_string(i % 5),
                          1000.0 + i, {{"n", i}});
    } else {
      store.store_episode(Json{{"observation", i}, {"tags", {"a", "b"}}}, 0.1 * i, "ctx",
                          1000.0 + i);
    }
    store.store_learning_event("task" + std::to_string(i % 3), 0.01 * i, "strategy", {{"lr", 0.1}},
                               2000.0 + i);
  }
}

inline void populate_concepts(engram::ConceptStore& store, int n) {
  engram::ConceptBatch batch;
  std::vector<std::vector<float>> embeddings;
  embeddings.reserve(n);
  for (int i = 0; i < n; ++i) {
    embeddings.push_back(ramp(8, static_cast<float>(i)));
    engram::ConceptView concept_record;
    concept_record.name = "concept" + std::to_string(i);
    concept_record.embedding = ArrayView(embeddings.back());
    concept_record.creation_time = 500.0 + i;
    concept_record.access_count = i;
    concept_record.last_accessed = 600.0 + i;
    concept_record.metadata = {{"k", i}};
    batch.put(concept_record);
  }
  const auto ids = store.store_batch(batch);
  for (int i = 0; i + 1 < n; ++i) {
    store.add_concept_relationship(ids[i], ids[i + 1], "next", 0.5);
    if (i % 4 == 0) store.add_concept_relationship(ids[i + 1], ids[0], "back", 0.25);
  }
}

inline void populate_traces(engram::TraceStore& store, int n) {
  for (int i = 0; i < n; ++i) {
    const double t = 5000.0 + i;
    const std::vector<std::int64_t> adjacency{0, 1, 1, 0};
    const std::vector<double> weights{0.0, 0.5, 0.25, 0.0};
    const auto states = ramp(2, static_cast<float>(i));
    store.store_network_snapshot(t, ArrayView(adjacency, {2, 2}), ArrayView(weights, {2, 2}),
                                 ArrayView(states), {{"step", i}});
    const std::vector<double> times{0.1, 0.2, 0.3};
    const std::vector<std::int64_t> neurons{1, 2, 1};
    const std::vector<float> amplitudes{1.0f, 0.5f, 0.25f};
    store.store_spike_train(t, ArrayView(times), ArrayView(neurons), ArrayView(amplitudes));
    store.store_compressed_spike_train(t, ArrayView(ramp(5, 1.0f)), {{"method", "delta"}});
    store.store_reservoir_states(t, ArrayView(ramp(10, 2.0f), {2, 5}), "reservoir");
    const auto layer = ramp(3, 0.0f);
    store.store_layer_outputs(t, {{"hidden", ArrayView(layer)}, {"output", ArrayView(layer)}});
    store.store_plasticity_trace(t, ArrayView(ramp(4, -1.0f)));
    store.store_homeostatic_trace(t, ArrayView(ramp(4, 1.0f)));
    store.store_performance_metrics(t, {{"accuracy", 0.5 + 0.01 * i}, {"loss", 1.0}}, "eval");
  }
}

// ---------------------------------------------------------------- digests
//
// Every record of a kind as a sorted list of strings holding all of it
// (ids included or not), so two storages compare exactly.

inline std::string digest(const Array& array) {
  std::string text = std::string(engram::dtype_name(array.dtype())) + "[";
  for (const auto d : array.shape()) text += std::to_string(d) + ",";
  text += "]";
  const auto bytes = array.bytes();
  std::uint64_t hash = 1469598103934665603ull;
  for (const std::byte b : bytes) hash = (hash ^ static_cast<std::uint8_t>(b)) * 1099511628211ull;
  return text + std::to_string(hash);
}

inline std::string num(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return buffer;
}

// What each kind holds; `with_ids` includes integer ids.
inline std::map<std::string, std::vector<std::string>> contents(const Storage& storage,
                                                                bool with_ids) {
  std::map<std::string, std::vector<std::string>> out;
  auto list_all = [](auto&& list_page) {
    std::vector<std::string> rows;
    std::string cursor;
    do {
      auto page = list_page(cursor);
      for (auto& row : page.first) rows.push_back(std::move(row));
      cursor = page.second;
    } while (!cursor.empty());
    std::sort(rows.begin(), rows.end());
    return rows;
  };
  auto rows_of = [](const auto& page, auto&& text) {
    std::vector<std::string> rows;
    for (const auto& item : page.items) rows.push_back(text(item));
    return std::make_pair(rows, page.next_cursor);
  };
  if (storage.has(Role::kWorkingMemory)) {
    auto wm = storage.working_memory();
    out["patterns"] = list_all([&](const std::string& c) {
      return rows_of(wm->list_working_memory_patterns(c, 7), [](const auto& r) {
        return r.pattern_hash + "|" + digest(r.pattern) + "|" + num(r.timestamp) + "|" +
               r.metadata.dump() + "|" + (r.last_accessed ? "accessed" : "-");
      });
    });
    out["cached_spike_trains"] = list_all([&](const std::string& c) {
      return rows_of(wm->list_spike_trains(c, 7), [](const auto& r) {
        return num(r.timestamp) + "|" + digest(r.spike_data) + "|" + Json(r.neuron_ids).dump();
      });
    });
    out["attention_weights"] = list_all([&](const std::string& c) {
      return rows_of(wm->list_attention_weights(c, 7), [](const auto& r) {
        return r.context + "|" + digest(r.weights) + "|" + num(r.timestamp);
      });
    });
  }
  if (storage.has(Role::kEpisodes)) {
    auto store = storage.episodes();
    out["episodes"] = list_all([&](const std::string& c) {
      return rows_of(store->list_episodes(c, 7), [&](const auto& r) {
        const auto* array = std::get_if<Array>(&r.experience_data);
        return (with_ids ? std::to_string(r.id) + "|" : std::string()) + num(r.timestamp) + "|" +
               (array ? digest(*array) : std::get<Json>(r.experience_data).dump()) + "|" +
               num(r.performance_score) + "|" + r.context_hash + "|" + r.metadata.dump();
      });
    });
    out["learning_events"] = list_all([&](const std::string& c) {
      return rows_of(store->list_learning_events(c, 7), [&](const auto& r) {
        return (with_ids ? std::to_string(r.id) + "|" : std::string()) + r.task_type + "|" +
               num(r.performance_delta) + "|" + r.strategy_used + "|" + num(r.timestamp) + "|" +
               r.parameters.dump();
      });
    });
  }
  if (storage.has(Role::kConcepts)) {
    auto store = storage.concepts();
    std::map<std::int64_t, std::string> names;
    out["concepts"] = list_all([&](const std::string& c) {
      auto page = store->list_concepts(c, 7);
      for (const auto& r : page.items) names[r.id] = r.name;
      return rows_of(page, [&](const auto& r) {
        return (with_ids ? std::to_string(r.id) + "|" : std::string()) + r.name + "|" +
               digest(r.embedding) + "|" + num(r.creation_time) + "|" +
               std::to_string(r.access_count) + "|" + num(r.last_accessed) + "|" +
               r.metadata.dump();
      });
    });
    // Relationships by the names they join, so remapped ids compare too.
    out["relationships"] = list_all([&](const std::string& c) {
      return rows_of(store->list_relationships(c, 7), [&](const auto& r) {
        return names.at(r.source_id) + "->" + names.at(r.target_id) + "|" + r.type + "|" +
               num(r.strength);
      });
    });
  }
  if (storage.has(Role::kTraces)) {
    auto store = storage.traces();
    out["network_snapshots"] = list_all([&](const std::string& c) {
      return rows_of(store->list_network_snapshots(c, 3), [](const auto& r) {
        return r.id + "|" + num(r.timestamp) + "|" + digest(r.adjacency_matrix) +
               digest(r.weight_matrix) + digest(r.neuron_states) + "|" + r.metadata.dump();
      });
    });
    out["spike_trains"] = list_all([&](const std::string& c) {
      return rows_of(store->list_spike_trains(c, 3), [](const auto& r) {
        return r.id + "|" + num(r.timestamp) + "|" + digest(r.spike_times) + digest(r.neuron_ids) +
               (r.spike_amplitudes ? digest(*r.spike_amplitudes) : "-") + "|" + r.metadata.dump();
      });
    });
    out["compressed_spike_trains"] = list_all([&](const std::string& c) {
      return rows_of(store->list_compressed_spike_trains(c, 3), [](const auto& r) {
        return r.id + "|" + num(r.timestamp) + "|" + digest(r.spike_data) + "|" +
               r.compression_params.dump();
      });
    });
    out["reservoir_states"] = list_all([&](const std::string& c) {
      return rows_of(store->list_reservoir_states(c, 3), [](const auto& r) {
        return r.id + "|" + num(r.timestamp) + "|" + digest(r.reservoir_states) + "|" +
               r.reservoir_id;
      });
    });
    out["layer_outputs"] = list_all([&](const std::string& c) {
      return rows_of(store->list_layer_outputs(c, 3), [](const auto& r) {
        std::string text = r.id + "|" + num(r.timestamp);
        for (const auto& [name, array] : r.layer_outputs) text += "|" + name + ":" + digest(array);
        return text;
      });
    });
    out["plasticity_traces"] = list_all([&](const std::string& c) {
      return rows_of(store->list_plasticity_traces(c, 3), [](const auto& r) {
        return r.id + "|" + num(r.timestamp) + "|" + digest(r.synapse_changes) + "|" +
               r.plasticity_type;
      });
    });
    out["homeostatic_traces"] = list_all([&](const std::string& c) {
      return rows_of(store->list_homeostatic_traces(c, 3), [](const auto& r) {
        return r.id + "|" + num(r.timestamp) + "|" + digest(r.homeostatic_changes) + "|" +
               r.mechanism;
      });
    });
    out["performance_metrics"] = list_all([&](const std::string& c) {
      return rows_of(store->list_performance_metrics(c, 3), [](const auto& r) {
        std::string text = r.id + "|" + num(r.timestamp) + "|" + r.task_type;
        for (const auto& [name, value] : r.metrics) text += "|" + name + "=" + num(value);
        return text;
      });
    });
  }
  return out;
}

inline engram::MigrationOptions only(std::vector<Role> roles) {
  engram::MigrationOptions options;
  options.roles = std::move(roles);
  return options;
}

inline std::int64_t copied(const engram::MigrationReport& report, std::string_view kind) {
  for (const auto& row : report.kinds) {
    if (row.kind == kind) return row.records;
  }
  return -1;
}

}  // namespace migrate_records

#endif  // ENGRAM_TESTS_MIGRATE_MIGRATE_RECORDS_H_
