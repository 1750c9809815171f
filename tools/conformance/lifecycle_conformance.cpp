// Conformance: instances and lifetime (engram/storage.h, engram/maintenance.h):
// handles outlive Storage, roles on one backend share it, a closed backend
// refuses every call, and maintenance works or says NotSupported.
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engram/concept_store.h"
#include "engram/episode_store.h"
#include "engram/maintenance.h"
#include "engram/trace_store.h"
#include "engram/working_memory.h"
#include "fixture.h"

namespace {

using conformance::expect_closed;
using conformance::open;
using engram::Array;
using engram::ConceptStore;
using engram::EpisodeStore;
using engram::Json;
using engram::Maintenance;
using engram::Role;
using engram::TraceStore;
using engram::WorkingMemory;

const Array& sample() {
  static const Array array = conformance::make_array(engram::DType::kFloat32, {2, 3}, 77);
  return array;
}

// ---- one store and read per role; the read's array is handed out

Array round_trip(WorkingMemory& wm) {
  wm.store_working_memory_pattern("life", sample(), 1.0, Json{{"k", 1}});
  auto got = wm.retrieve_working_memory_pattern("life");
  REQUIRE(got);
  ENGRAM_CHECK_ARRAY(got->pattern, sample());
  return std::move(got->pattern);
}
Array round_trip(EpisodeStore& store) {
  const std::int64_t id = store.store_episode(sample(), 0.5, "life", 1.0);
  auto got = store.retrieve_episode(id);
  REQUIRE(got);
  Array* array = std::get_if<Array>(&got->experience_data);
  REQUIRE(array != nullptr);
  ENGRAM_CHECK_ARRAY(*array, sample());
  return std::move(*array);
}
Array round_trip(ConceptStore& store) {
  const std::int64_t id = store.store_concept("life", sample());
  auto got = store.retrieve_concept(id);
  REQUIRE(got);
  ENGRAM_CHECK_ARRAY(got->embedding, sample());
  return std::move(got->embedding);
}
Array round_trip(TraceStore& store) {
  const std::string id = store.store_plasticity_trace(1700000000.5, sample(), "life");
  auto got = store.retrieve_plasticity_trace(id);
  REQUIRE(got);
  ENGRAM_CHECK_ARRAY(got->synapse_changes, sample());
  return std::move(got->synapse_changes);
}

// ---- whether the stored record is still there (after clear_all: not)

bool holds_record(WorkingMemory& wm) {
  return wm.retrieve_working_memory_pattern("life").has_value() ||
         !wm.list_working_memory_patterns({}, 10).items.empty();
}
bool holds_record(EpisodeStore& store) { return !store.list_episodes({}, 10).items.empty(); }
bool holds_record(ConceptStore& store) {
  return store.retrieve_concept_by_name("life").has_value() ||
         !store.list_concepts({}, 10).items.empty();
}
bool holds_record(TraceStore& store) {
  return !store.list_plasticity_traces({}, 10).items.empty();
}

// ---- every call of a role, on a closed backend

void check_all_closed(WorkingMemory& wm) {
  const Array& a = sample();
  expect_closed("store_working_memory_pattern",
                [&] { wm.store_working_memory_pattern("p", a, 1.0); });
  expect_closed("retrieve_working_memory_pattern", [&] { wm.retrieve_working_memory_pattern("p"); });
  expect_closed("update_working_memory_access", [&] { wm.update_working_memory_access("p"); });
  expect_closed("cache_spike_train", [&] { wm.cache_spike_train(1.0, a); });
  expect_closed("retrieve_spike_train", [&] { wm.retrieve_spike_train(1.0); });
  expect_closed("get_recent_spike_trains", [&] { wm.get_recent_spike_trains(1.0); });
  expect_closed("store_attention_weights", [&] { wm.store_attention_weights("c", a, 1.0); });
  expect_closed("retrieve_attention_weights", [&] { wm.retrieve_attention_weights("c"); });
  expect_closed("store_batch", [&] {
    engram::WorkingMemoryBatch batch;
    batch.store_working_memory_pattern("p", a, 1.0);
    wm.store_batch(batch);
  });
  expect_closed("list_working_memory_patterns", [&] { wm.list_working_memory_patterns({}, 10); });
  expect_closed("list_spike_trains", [&] { wm.list_spike_trains({}, 10); });
  expect_closed("list_attention_weights", [&] { wm.list_attention_weights({}, 10); });
  expect_closed("maintenance().stats", [&] { wm.maintenance().stats(); });
}

void check_all_closed(EpisodeStore& store) {
  const Array& a = sample();
  expect_closed("store_episode (array)", [&] { store.store_episode(a, 0.5, "c", 1.0); });
  expect_closed("store_episode (JSON)",
                [&] { store.store_episode(Json{{"x", 1}}, 0.5, "c", 1.0); });
  expect_closed("retrieve_episode", [&] { store.retrieve_episode(1); });
  expect_closed("get_episodes_by_context", [&] { store.get_episodes_by_context("c"); });
  expect_closed("get_recent_episodes", [&] { store.get_recent_episodes(); });
  expect_closed("store_learning_event", [&] { store.store_learning_event("t", 0.5, "s"); });
  expect_closed("get_learning_events_by_task", [&] { store.get_learning_events_by_task("t"); });
  expect_closed("get_best_strategies", [&] { store.get_best_strategies("t"); });
  expect_closed("store_batch", [&] {
    engram::EpisodeBatch batch;
    batch.store_episode(a, 0.5, "c", 1.0);
    store.store_batch(batch);
  });
  expect_closed("list_episodes", [&] { store.list_episodes({}, 10); });
  expect_closed("list_learning_events", [&] { store.list_learning_events({}, 10); });
  expect_closed("nearest_episodes", [&] { store.nearest_episodes(std::vector<float>{1, 0}, 3); });
  expect_closed("maintenance().stats", [&] { store.maintenance().stats(); });
}

void check_all_closed(ConceptStore& store) {
  const Array& a = sample();
  expect_closed("store_concept", [&] { store.store_concept("n", a); });
  expect_closed("retrieve_concept", [&] { store.retrieve_concept(1); });
  expect_closed("retrieve_concept_by_name", [&] { store.retrieve_concept_by_name("n"); });
  expect_closed("search_concepts", [&] { store.search_concepts("n"); });
  expect_closed("add_concept_relationship", [&] { store.add_concept_relationship(1, 2, "t"); });
  expect_closed("get_concept_relationships", [&] { store.get_concept_relationships(1); });
  expect_closed("store_batch", [&] {
    engram::ConceptBatch batch;
    batch.store_concept("n", a);
    store.store_batch(batch);
  });
  expect_closed("list_concepts", [&] { store.list_concepts({}, 10); });
  expect_closed("list_relationships", [&] { store.list_relationships({}, 10); });
  expect_closed("nearest_concepts", [&] { store.nearest_concepts(std::vector<float>{1, 0}, 3); });
  expect_closed("nearest_concepts (count_access)", [&] {
    engram::ConceptRecallOptions options;
    options.count_access = true;
    store.nearest_concepts(std::vector<float>{1, 0}, 3, options);
  });
  expect_closed("maintenance().stats", [&] { store.maintenance().stats(); });
}

void check_all_closed(TraceStore& store) {
  const Array& a = sample();
  const double t = 1700000000.5;
  expect_closed("store_network_snapshot", [&] { store.store_network_snapshot(t, a, a, a); });
  expect_closed("retrieve_network_snapshot", [&] { store.retrieve_network_snapshot("snapshot_1"); });
  expect_closed("get_network_snapshots_in_range",
                [&] { store.get_network_snapshots_in_range(0.0, 2e9); });
  const Array v = conformance::make_array(engram::DType::kFloat64, {4}, 1);
  expect_closed("store_spike_train", [&] { store.store_spike_train(t, v, v); });
  expect_closed("retrieve_spike_train", [&] { store.retrieve_spike_train("train_1"); });
  expect_closed("store_compressed_spike_train",
                [&] { store.store_compressed_spike_train(t, a, Json::object()); });
  expect_closed("retrieve_compressed_spike_train",
                [&] { store.retrieve_compressed_spike_train("compressed_1"); });
  expect_closed("store_reservoir_states", [&] { store.store_reservoir_states(t, a); });
  expect_closed("retrieve_reservoir_states", [&] { store.retrieve_reservoir_states("default_1"); });
  expect_closed("store_layer_outputs", [&] { store.store_layer_outputs(t, {{"l", a}}); });
  expect_closed("retrieve_layer_outputs", [&] { store.retrieve_layer_outputs("outputs_1"); });
  expect_closed("store_plasticity_trace", [&] { store.store_plasticity_trace(t, a); });
  expect_closed("retrieve_plasticity_trace", [&] { store.retrieve_plasticity_trace("stdp_1"); });
  expect_closed("store_homeostatic_trace", [&] { store.store_homeostatic_trace(t, a); });
  expect_closed("retrieve_homeostatic_trace",
                [&] { store.retrieve_homeostatic_trace("intrinsic_plasticity_1"); });
  expect_closed("store_performance_metrics",
                [&] { store.store_performance_metrics(t, {{"m", 1.0}}); });
  expect_closed("retrieve_performance_metrics",
                [&] { store.retrieve_performance_metrics("general_1"); });
  expect_closed("store_batch", [&] {
    engram::TraceBatch batch;
    batch.put(engram::PlasticityTraceView{"", t, a, "stdp"});
    store.store_batch(batch);
  });
  expect_closed("list_network_snapshots", [&] { store.list_network_snapshots({}, 10); });
  expect_closed("list_spike_trains", [&] { store.list_spike_trains({}, 10); });
  expect_closed("list_compressed_spike_trains",
                [&] { store.list_compressed_spike_trains({}, 10); });
  expect_closed("list_reservoir_states", [&] { store.list_reservoir_states({}, 10); });
  expect_closed("list_layer_outputs", [&] { store.list_layer_outputs({}, 10); });
  expect_closed("list_plasticity_traces", [&] { store.list_plasticity_traces({}, 10); });
  expect_closed("list_homeostatic_traces", [&] { store.list_homeostatic_traces({}, 10); });
  expect_closed("list_performance_metrics", [&] { store.list_performance_metrics({}, 10); });
  expect_closed("maintenance().stats", [&] { store.maintenance().stats(); });
}

// ---- the role handle of a Storage, by type

template <class R>
std::shared_ptr<R> role_of(const engram::Storage& storage);
template <>
std::shared_ptr<WorkingMemory> role_of(const engram::Storage& storage) {
  return storage.working_memory();
}
template <>
std::shared_ptr<EpisodeStore> role_of(const engram::Storage& storage) {
  return storage.episodes();
}
template <>
std::shared_ptr<ConceptStore> role_of(const engram::Storage& storage) {
  return storage.concepts();
}
template <>
std::shared_ptr<TraceStore> role_of(const engram::Storage& storage) {
  return storage.traces();
}

// ---- the scenarios, for any role

template <class R>
void handle_outlives_storage() {
  std::shared_ptr<R> handle;
  {
    engram::Storage storage = open();
    handle = role_of<R>(storage);
  }
  // Storage is gone; the handle still works, and so does what it returns
  // after the handle is gone too (the plugin's library stays loaded).
  Array kept = round_trip(*handle);
  CHECK(holds_record(*handle));
  handle.reset();
  ENGRAM_CHECK_ARRAY(kept, sample());
}

template <class R>
void closed_refuses_every_call() {
  SECTION("Storage::close()") {
    engram::Storage storage = open();
    auto handle = role_of<R>(storage);
    round_trip(*handle);
    storage.close();
    check_all_closed(*handle);
    storage.close();  // idempotent
    check_all_closed(*handle);
  }
  SECTION("maintenance().close() on the role") {
    engram::Storage storage = open();
    auto handle = role_of<R>(storage);
    round_trip(*handle);
    handle->maintenance().close();
    check_all_closed(*handle);
    handle->maintenance().close();  // idempotent
    storage.close();
    check_all_closed(*handle);
  }
  SECTION("closed, then Storage destroyed") {
    std::shared_ptr<R> handle;
    {
      engram::Storage storage = open();
      handle = role_of<R>(storage);
      round_trip(*handle);
      storage.close();
    }
    check_all_closed(*handle);
  }
}

template <class R>
void maintenance_works_or_not_supported() {
  engram::Storage storage = open();
  auto handle = role_of<R>(storage);
  round_trip(*handle);
  Maintenance& m = handle->maintenance();
  CHECK_FALSE(m.backend_name().empty());

  const Json stats = m.stats();
  CHECK(stats.is_object());

  using conformance::works_or_not_supported;
  works_or_not_supported("sync", [&] { m.sync(); });
  works_or_not_supported("compact", [&] { m.compact(); });
  works_or_not_supported("clear_expired", [&] {
    const std::int64_t removed = m.clear_expired();
    CHECK(removed >= 0);
  });
  works_or_not_supported("cleanup(30)", [&] {
    const std::int64_t removed = m.cleanup(30);
    CHECK(removed >= 0);
  });
  {
    INFO("cleanup(-1)");
    try {
      m.cleanup(-1);
      FAIL_CHECK("cleanup(-1) did not throw");
    } catch (const engram::InvalidArgument&) {
    } catch (const engram::NotSupported&) {
    }
  }
  {
    INFO("set_option of an option no backend has");
    try {
      m.set_option("engram_conformance_no_such_option", 1);
      FAIL_CHECK("set_option of an unknown option did not throw");
    } catch (const engram::InvalidArgument&) {
    } catch (const engram::NotSupported&) {
    }
  }
  // Every option the plugin declares live takes its own default back.
  for (const engram::BackendInfo& backend : storage.backends()) {
    if (backend.name != m.backend_name()) continue;
    for (const engram::OptionSpec& spec : backend.options) {
      if (!spec.live) continue;
      INFO("set_option(" << spec.key << ", its default " << spec.default_value.dump() << ")");
      CHECK_NOTHROW(m.set_option(spec.key, spec.default_value));
    }
  }
  const std::filesystem::path target = conformance::scratch_dir() / "explicit-backup";
  works_or_not_supported("backup(path)", [&] {
    const std::filesystem::path written = m.backup(target);
    CHECK(written == target);
    CHECK(std::filesystem::exists(written));
  });
  works_or_not_supported("backup()", [&] {
    const std::filesystem::path written = m.backup();
    CHECK_FALSE(written.empty());
  });
  works_or_not_supported("backup_if_due", [&] {
    const std::optional<std::filesystem::path> written = m.backup_if_due();
    if (written) CHECK_FALSE(written->empty());
  });
  works_or_not_supported("rotate_if_needed", [&] { m.rotate_if_needed(); });
  works_or_not_supported("rotate", [&] {
    const std::filesystem::path moved = m.rotate();
    CHECK_FALSE(moved.empty());
  });
  CHECK(m.stats().is_object());

  // The backend still works after all of that.
  round_trip(*handle);
  const bool cleared = works_or_not_supported("clear_all", [&] { m.clear_all(); });
  if (cleared) {
    CHECK_FALSE(holds_record(*handle));
    round_trip(*handle);
    CHECK(holds_record(*handle));
  }
  m.close();
  m.close();
  expect_closed("stats after close", [&] { m.stats(); });
}

}  // namespace

// ---------------------------------------------------------------- per role

TEST_CASE("working_memory: a role handle stays usable after its Storage is destroyed",
          "[working_memory][lifecycle]") {
  handle_outlives_storage<WorkingMemory>();
}
TEST_CASE("episodes: a role handle stays usable after its Storage is destroyed",
          "[episodes][lifecycle]") {
  handle_outlives_storage<EpisodeStore>();
}
TEST_CASE("concepts: a role handle stays usable after its Storage is destroyed",
          "[concepts][lifecycle]") {
  handle_outlives_storage<ConceptStore>();
}
TEST_CASE("traces: a role handle stays usable after its Storage is destroyed",
          "[traces][lifecycle]") {
  handle_outlives_storage<TraceStore>();
}

TEST_CASE("working_memory: after close every call throws StorageError closed",
          "[working_memory][lifecycle]") {
  closed_refuses_every_call<WorkingMemory>();
}
TEST_CASE("episodes: after close every call throws StorageError closed",
          "[episodes][lifecycle]") {
  closed_refuses_every_call<EpisodeStore>();
}
TEST_CASE("concepts: after close every call throws StorageError closed",
          "[concepts][lifecycle]") {
  closed_refuses_every_call<ConceptStore>();
}
TEST_CASE("traces: after close every call throws StorageError closed", "[traces][lifecycle]") {
  closed_refuses_every_call<TraceStore>();
}

TEST_CASE("working_memory: maintenance calls work or throw NotSupported",
          "[working_memory][lifecycle]") {
  maintenance_works_or_not_supported<WorkingMemory>();
}
TEST_CASE("episodes: maintenance calls work or throw NotSupported", "[episodes][lifecycle]") {
  maintenance_works_or_not_supported<EpisodeStore>();
}
TEST_CASE("concepts: maintenance calls work or throw NotSupported", "[concepts][lifecycle]") {
  maintenance_works_or_not_supported<ConceptStore>();
}
TEST_CASE("traces: maintenance calls work or throw NotSupported", "[traces][lifecycle]") {
  maintenance_works_or_not_supported<TraceStore>();
}

// ---------------------------------------------------------------- across roles

// Uses whichever roles the config under test assigns.
TEST_CASE("lifecycle: roles on one backend share its instance",
          "[working_memory][episodes][concepts][traces][lifecycle]") {
  engram::Storage storage = open();
  REQUIRE_FALSE(storage.backends().empty());
  for (const engram::BackendInfo& backend : storage.backends()) {
    INFO("backend " << backend.name << " (plugin " << backend.plugin << ")");
    REQUIRE(backend.maintenance);
    CHECK(backend.maintenance->backend_name() == backend.name);
    CHECK(storage.maintenance(backend.name) == backend.maintenance);
    std::vector<Maintenance*> seen;
    for (Role role : backend.roles) {
      switch (role) {
        case Role::kWorkingMemory: seen.push_back(&storage.working_memory()->maintenance()); break;
        case Role::kEpisodes: seen.push_back(&storage.episodes()->maintenance()); break;
        case Role::kConcepts: seen.push_back(&storage.concepts()->maintenance()); break;
        case Role::kTraces: seen.push_back(&storage.traces()->maintenance()); break;
      }
    }
    for (Maintenance* m : seen) CHECK(m == backend.maintenance.get());
  }

  // Closing a backend through one role closes it for every role it serves.
  const engram::BackendInfo& first = storage.backends().front();
  REQUIRE_FALSE(first.roles.empty());
  std::shared_ptr<WorkingMemory> wm;
  std::shared_ptr<EpisodeStore> episodes;
  std::shared_ptr<ConceptStore> concepts;
  std::shared_ptr<TraceStore> traces;
  for (Role role : first.roles) {
    switch (role) {
      case Role::kWorkingMemory: wm = storage.working_memory(); break;
      case Role::kEpisodes: episodes = storage.episodes(); break;
      case Role::kConcepts: concepts = storage.concepts(); break;
      case Role::kTraces: traces = storage.traces(); break;
    }
  }
  // Both handles of one role are the same object.
  if (wm) CHECK(wm.get() == storage.working_memory().get());
  if (episodes) CHECK(episodes.get() == storage.episodes().get());
  if (concepts) CHECK(concepts.get() == storage.concepts().get());
  if (traces) CHECK(traces.get() == storage.traces().get());

  Maintenance* closer = first.maintenance.get();
  if (wm) closer = &wm->maintenance();
  else if (episodes) closer = &episodes->maintenance();
  else if (concepts) closer = &concepts->maintenance();
  else if (traces) closer = &traces->maintenance();
  closer->close();
  if (wm) check_all_closed(*wm);
  if (episodes) check_all_closed(*episodes);
  if (concepts) check_all_closed(*concepts);
  if (traces) check_all_closed(*traces);
}
