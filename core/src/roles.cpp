// The role interfaces' public calls: validate, resolve "now", then hand the
// call to the backend's do_* implementation. Keeping validation here is what
// makes every backend check ids, names and values the same way.
#include <chrono>
#include <cmath>

#include "engram/concept_store.h"
#include "engram/episode_store.h"
#include "engram/errors.h"
#include "engram/ids.h"
#include "engram/trace_store.h"
#include "engram/working_memory.h"
#include "record_checks.h"
#include "role_access.h"

namespace engram {
namespace {

double wall_clock_now() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

// maintenance() of a role object the core did not make (a test's probe).
[[noreturn]] void throw_no_maintenance() {
  throw StorageError("this role object was not made by engram's core: it has no maintenance");
}

void check_time_range(const std::optional<TimeRange>& range, std::string_view what) {
  if (range && (std::isnan(range->from) || std::isnan(range->to))) {
    throw InvalidArgument(std::string(what) + " has a NaN bound");
  }
}

void check_k(std::size_t k) {
  if (k == 0) throw InvalidArgument("a recall's k must be at least 1");
}

void check_window(double window, std::string_view what) {
  check_finite(window, what);
  if (window < 0) throw InvalidArgument(std::string(what) + " must not be negative");
}

}  // namespace

// ---------------------------------------------------------------- WorkingMemory

WorkingMemory::~WorkingMemory() = default;

double WorkingMemory::now() const { return clock_ ? clock_->now() : wall_clock_now(); }
Maintenance& WorkingMemory::maintenance() {
  if (maintenance_ == nullptr) throw_no_maintenance();
  return *maintenance_;
}

void WorkingMemory::store_working_memory_pattern(std::string_view pattern_hash, ArrayView pattern,
                                                 double timestamp, const Json& metadata) {
  const WorkingMemoryPatternView record{std::string(pattern_hash), std::move(pattern), timestamp,
                                        metadata, std::nullopt, std::nullopt};
  detail::check_record(record);
  do_store_working_memory_pattern(record);
}

std::optional<WorkingMemoryPattern> WorkingMemory::retrieve_working_memory_pattern(
    std::string_view pattern_hash) {
  check_id(pattern_hash, "pattern_hash");
  auto record = do_retrieve_working_memory_pattern(pattern_hash);
  detail::tie(record, library_);
  return record;
}

bool WorkingMemory::update_working_memory_access(std::string_view pattern_hash) {
  check_id(pattern_hash, "pattern_hash");
  return do_update_working_memory_access(pattern_hash, now());
}

void WorkingMemory::cache_spike_train(double timestamp, ArrayView spike_data,
                                      std::optional<std::vector<std::int64_t>> neuron_ids,
                                      std::optional<std::chrono::milliseconds> ttl) {
  CachedSpikeTrainView record{timestamp, std::move(spike_data), {}, ttl};
  if (neuron_ids) record.neuron_ids = std::move(*neuron_ids);
  detail::check_record(record);
  do_cache_spike_train(record);
}

std::optional<CachedSpikeTrain> WorkingMemory::retrieve_spike_train(double timestamp) {
  check_finite(timestamp, "timestamp");
  auto record = do_retrieve_spike_train(timestamp);
  detail::tie(record, library_);
  return record;
}

std::vector<CachedSpikeTrain> WorkingMemory::get_recent_spike_trains(double time_window) {
  check_window(time_window, "time_window");
  return detail::tied(do_get_spike_trains_since(now() - time_window), library_);
}

void WorkingMemory::store_attention_weights(std::string_view context, ArrayView weights,
                                            double timestamp) {
  const AttentionWeightsView record{std::string(context), std::move(weights), timestamp,
                                    std::nullopt};
  detail::check_record(record);
  do_store_attention_weights(record);
}

std::optional<AttentionWeights> WorkingMemory::retrieve_attention_weights(
    std::string_view context) {
  check_id(context, "context");
  auto record = do_retrieve_attention_weights(context);
  detail::tie(record, library_);
  return record;
}

void WorkingMemory::store_batch(const WorkingMemoryBatch& batch) {
  if (!batch.empty()) do_store_batch(batch);
}

Page<WorkingMemoryPattern> WorkingMemory::list_working_memory_patterns(std::string_view cursor,
                                                                       std::size_t limit) {
  detail::check_limit(limit);
  return detail::tied(do_list_working_memory_patterns(cursor, limit), library_);
}

Page<CachedSpikeTrain> WorkingMemory::list_spike_trains(std::string_view cursor,
                                                        std::size_t limit) {
  detail::check_limit(limit);
  return detail::tied(do_list_spike_trains(cursor, limit), library_);
}

Page<AttentionWeights> WorkingMemory::list_attention_weights(std::string_view cursor,
                                                             std::size_t limit) {
  detail::check_limit(limit);
  return detail::tied(do_list_attention_weights(cursor, limit), library_);
}

// ---------------------------------------------------------------- EpisodeStore

EpisodeStore::~EpisodeStore() = default;

double EpisodeStore::now() const { return clock_ ? clock_->now() : wall_clock_now(); }
Maintenance& EpisodeStore::maintenance() {
  if (maintenance_ == nullptr) throw_no_maintenance();
  return *maintenance_;
}

std::int64_t EpisodeStore::store_episode(ArrayView experience_data, double performance_score,
                                         std::string_view context_hash,
                                         std::optional<double> timestamp, const Json& metadata) {
  const EpisodeView record{0, timestamp ? *timestamp : now(), std::move(experience_data),
                           performance_score, std::string(context_hash), metadata};
  detail::check_record(record, false);
  return do_store_episode(record);
}

std::int64_t EpisodeStore::store_episode(const Json& experience_data, double performance_score,
                                         std::string_view context_hash,
                                         std::optional<double> timestamp, const Json& metadata) {
  const EpisodeView record{0, timestamp ? *timestamp : now(), experience_data, performance_score,
                           std::string(context_hash), metadata};
  detail::check_record(record, false);
  return do_store_episode(record);
}

std::optional<Episode> EpisodeStore::retrieve_episode(std::int64_t episode_id) {
  if (episode_id <= 0) return std::nullopt;  // no episode ever has such an id
  auto record = do_retrieve_episode(episode_id);
  detail::tie(record, library_);
  return record;
}

std::vector<Episode> EpisodeStore::get_episodes_by_context(std::string_view context_hash,
                                                           std::size_t limit,
                                                           std::optional<double> min_score) {
  check_text(context_hash, "context_hash");
  if (min_score && std::isnan(*min_score)) throw InvalidArgument("min_score is NaN");
  if (limit == 0) return {};
  return detail::tied(do_get_episodes_by_context(context_hash, limit, min_score), library_);
}

std::vector<Episode> EpisodeStore::get_recent_episodes(double time_window, std::size_t limit) {
  check_window(time_window, "time_window");
  if (limit == 0) return {};
  return detail::tied(do_get_episodes_since(now() - time_window, limit), library_);
}

std::int64_t EpisodeStore::store_learning_event(std::string_view task_type,
                                                double performance_delta,
                                                std::string_view strategy_used,
                                                const Json& parameters,
                                                std::optional<double> timestamp) {
  const LearningEvent record{0, std::string(task_type), performance_delta,
                             std::string(strategy_used), timestamp ? *timestamp : now(),
                             parameters};
  detail::check_record(record, false);
  return do_store_learning_event(record);
}

std::vector<LearningEvent> EpisodeStore::get_learning_events_by_task(
    std::string_view task_type, std::size_t limit, std::optional<double> min_performance_delta) {
  check_id(task_type, "task_type");
  if (min_performance_delta && std::isnan(*min_performance_delta)) {
    throw InvalidArgument("min_performance_delta is NaN");
  }
  if (limit == 0) return {};
  return do_get_learning_events_by_task(task_type, limit, min_performance_delta);
}

std::vector<StrategyScore> EpisodeStore::get_best_strategies(std::string_view task_type,
                                                             std::size_t limit) {
  check_id(task_type, "task_type");
  if (limit == 0) return {};
  return do_get_best_strategies(task_type, limit);
}

EpisodeBatchIds EpisodeStore::store_batch(const EpisodeBatch& batch) {
  if (batch.empty()) return {};
  // Stamp the stores that asked for "now" with this backend's clock.
  const auto unstamped = [](double t) { return std::isnan(t); };
  bool any_unstamped = false;
  for (const auto& e : batch.episodes()) any_unstamped |= unstamped(e.timestamp);
  for (const auto& e : batch.learning_events()) any_unstamped |= unstamped(e.timestamp);
  if (!any_unstamped) return do_store_batch(batch);

  const double stamp = now();
  EpisodeBatch stamped;
  for (EpisodeView e : batch.episodes()) {
    if (unstamped(e.timestamp)) e.timestamp = stamp;
    stamped.put(std::move(e));
  }
  for (LearningEvent e : batch.learning_events()) {
    if (unstamped(e.timestamp)) e.timestamp = stamp;
    stamped.put(std::move(e));
  }
  return do_store_batch(stamped);
}

Page<Episode> EpisodeStore::list_episodes(std::string_view cursor, std::size_t limit,
                                          Undecodable undecodable) {
  detail::check_limit(limit);
  return detail::tied(do_list_episodes(cursor, limit, undecodable), library_);
}

Page<LearningEvent> EpisodeStore::list_learning_events(std::string_view cursor, std::size_t limit,
                                                       Undecodable undecodable) {
  detail::check_limit(limit);
  return detail::tied(do_list_learning_events(cursor, limit, undecodable), library_);
}

Recall<Episode> EpisodeStore::nearest_episodes(ArrayView query, std::size_t k,
                                               const EpisodeRecallOptions& options) {
  const RecallQuery float_query = make_recall_query(query, options.metric);
  check_k(k);
  if (options.count_access) {
    throw InvalidArgument("episodes keep no access count: count_access is for concepts");
  }
  const EpisodeFilter& filter = options.filter;
  if (filter.context_hash) check_text(*filter.context_hash, "context_hash");
  if (filter.min_score && std::isnan(*filter.min_score)) throw InvalidArgument("min_score is NaN");
  check_time_range(filter.time_between, "time_between");
  return detail::tied(do_nearest_episodes(float_query, k, options), library_);
}

// ---------------------------------------------------------------- ConceptStore

ConceptStore::~ConceptStore() = default;

double ConceptStore::now() const { return clock_ ? clock_->now() : wall_clock_now(); }
Maintenance& ConceptStore::maintenance() {
  if (maintenance_ == nullptr) throw_no_maintenance();
  return *maintenance_;
}

std::int64_t ConceptStore::store_concept(std::string_view name, ArrayView embedding,
                                         const Json& metadata,
                                         std::optional<double> creation_time) {
  const ConceptView record{0, std::string(name), std::move(embedding),
                           creation_time ? *creation_time : now(), 0, 0.0, metadata};
  detail::check_record(record, false);
  return do_store_concept(record);
}

std::optional<Concept> ConceptStore::retrieve_concept(std::int64_t concept_id) {
  if (concept_id <= 0) return std::nullopt;
  auto record = do_retrieve_concept(concept_id);
  detail::tie(record, library_);
  return record;
}

std::optional<Concept> ConceptStore::retrieve_concept_by_name(std::string_view name) {
  check_text(name, "concept name");
  auto record = do_retrieve_concept_by_name(name, now());
  detail::tie(record, library_);
  return record;
}

std::vector<Concept> ConceptStore::search_concepts(std::string_view query, std::size_t limit) {
  if (!is_valid_utf8(query)) throw InvalidArgument("search query is not valid UTF-8");
  if (limit == 0) return {};
  return detail::tied(do_search_concepts(query, limit), library_);
}

void ConceptStore::add_concept_relationship(std::int64_t source_id, std::int64_t target_id,
                                            std::string_view relationship_type,
                                            double strength) {
  const Relationship record{source_id, target_id, std::string(relationship_type), strength};
  detail::check_record(record);
  do_add_concept_relationship(record);
}

std::vector<Relationship> ConceptStore::get_concept_relationships(
    std::int64_t concept_id, std::optional<std::string> relationship_type) {
  if (relationship_type) check_text(*relationship_type, "relationship_type");
  if (concept_id <= 0) return {};
  return do_get_concept_relationships(concept_id, relationship_type);
}

std::vector<std::int64_t> ConceptStore::store_batch(const ConceptBatch& batch) {
  if (batch.empty()) return {};
  bool any_unstamped = false;
  for (const auto& c : batch.concepts()) any_unstamped |= std::isnan(c.creation_time);
  if (!any_unstamped) return do_store_batch(batch);

  const double stamp = now();
  ConceptBatch stamped;
  for (std::size_t i = 0; i < batch.concepts().size(); ++i) {
    ConceptView c = batch.concepts()[i];
    if (std::isnan(c.creation_time)) c.creation_time = stamp;
    if (batch.is_whole_record(i)) {
      stamped.put(std::move(c));
    } else {
      stamped.store_concept(c.name, c.embedding, c.metadata, c.creation_time);
    }
  }
  for (const Relationship& r : batch.relationships()) stamped.put(r);
  return do_store_batch(stamped);
}

Page<Concept> ConceptStore::list_concepts(std::string_view cursor, std::size_t limit,
                                          Undecodable undecodable) {
  detail::check_limit(limit);
  return detail::tied(do_list_concepts(cursor, limit, undecodable), library_);
}

Page<Relationship> ConceptStore::list_relationships(std::string_view cursor, std::size_t limit,
                                                    Undecodable undecodable) {
  detail::check_limit(limit);
  return detail::tied(do_list_relationships(cursor, limit, undecodable), library_);
}

Recall<Concept> ConceptStore::nearest_concepts(ArrayView query, std::size_t k,
                                               const ConceptRecallOptions& options) {
  const RecallQuery float_query = make_recall_query(query, options.metric);
  check_k(k);
  const ConceptFilter& filter = options.filter;
  if (filter.name_prefix && !is_valid_utf8(*filter.name_prefix)) {
    throw InvalidArgument("name_prefix is not valid UTF-8");
  }
  if (filter.metadata_equals) check_text(filter.metadata_equals->first, "metadata key");
  check_time_range(filter.created_between, "created_between");
  check_time_range(filter.accessed_between, "accessed_between");
  return detail::tied(do_nearest_concepts(float_query, k, options, now()), library_);
}

// ---------------------------------------------------------------- TraceStore

TraceStore::~TraceStore() = default;

Maintenance& TraceStore::maintenance() {
  if (maintenance_ == nullptr) throw_no_maintenance();
  return *maintenance_;
}

std::string TraceStore::store_network_snapshot(double timestamp, ArrayView adjacency_matrix,
                                               ArrayView weight_matrix, ArrayView neuron_states,
                                               const Json& metadata) {
  const NetworkSnapshotView record{{}, timestamp, std::move(adjacency_matrix),
                                   std::move(weight_matrix), std::move(neuron_states), metadata};
  detail::check_record(record);
  return do_store_network_snapshot(record);
}

std::optional<NetworkSnapshot> TraceStore::retrieve_network_snapshot(
    std::string_view snapshot_id) {
  check_id(snapshot_id, "snapshot_id");
  auto record = do_retrieve_network_snapshot(snapshot_id);
  detail::tie(record, library_);
  return record;
}

std::vector<std::string> TraceStore::get_network_snapshots_in_range(double start_time,
                                                                    double end_time) {
  if (std::isnan(start_time) || std::isnan(end_time)) {
    throw InvalidArgument("snapshot time range has a NaN bound");
  }
  if (start_time > end_time) return {};
  return do_get_network_snapshots_in_range(start_time, end_time);
}

std::string TraceStore::store_spike_train(double timestamp, ArrayView spike_times,
                                          ArrayView neuron_ids,
                                          std::optional<ArrayView> spike_amplitudes,
                                          const Json& metadata) {
  const SpikeTrainDataView record{{},         timestamp, std::move(spike_times),
                                  std::move(neuron_ids), std::move(spike_amplitudes), metadata};
  detail::check_record(record);
  return do_store_spike_train(record);
}

std::optional<SpikeTrainData> TraceStore::retrieve_spike_train(std::string_view train_id) {
  check_id(train_id, "train_id");
  auto record = do_retrieve_spike_train(train_id);
  detail::tie(record, library_);
  return record;
}

std::string TraceStore::store_compressed_spike_train(double timestamp, ArrayView spike_data,
                                                     const Json& compression_params) {
  const CompressedSpikeTrainView record{{}, timestamp, std::move(spike_data), compression_params};
  detail::check_record(record);
  return do_store_compressed_spike_train(record);
}

std::optional<CompressedSpikeTrain> TraceStore::retrieve_compressed_spike_train(
    std::string_view train_id) {
  check_id(train_id, "train_id");
  auto record = do_retrieve_compressed_spike_train(train_id);
  detail::tie(record, library_);
  return record;
}

std::string TraceStore::store_reservoir_states(double timestamp, ArrayView reservoir_states,
                                               std::string_view reservoir_id) {
  const ReservoirStatesView record{{}, timestamp, std::move(reservoir_states),
                                   std::string(reservoir_id)};
  detail::check_record(record);
  return do_store_reservoir_states(record);
}

std::optional<ReservoirStates> TraceStore::retrieve_reservoir_states(std::string_view state_id) {
  check_id(state_id, "state_id");
  auto record = do_retrieve_reservoir_states(state_id);
  detail::tie(record, library_);
  return record;
}

std::string TraceStore::store_layer_outputs(double timestamp,
                                            const std::map<std::string, ArrayView>& layer_outputs) {
  const LayerOutputsView record{{}, timestamp, layer_outputs};
  detail::check_record(record);
  return do_store_layer_outputs(record);
}

std::optional<LayerOutputs> TraceStore::retrieve_layer_outputs(std::string_view output_id) {
  check_id(output_id, "output_id");
  auto record = do_retrieve_layer_outputs(output_id);
  detail::tie(record, library_);
  return record;
}

std::string TraceStore::store_plasticity_trace(double timestamp, ArrayView synapse_changes,
                                               std::string_view plasticity_type) {
  const PlasticityTraceView record{{}, timestamp, std::move(synapse_changes),
                                   std::string(plasticity_type)};
  detail::check_record(record);
  return do_store_plasticity_trace(record);
}

std::optional<PlasticityTrace> TraceStore::retrieve_plasticity_trace(std::string_view trace_id) {
  check_id(trace_id, "trace_id");
  auto record = do_retrieve_plasticity_trace(trace_id);
  detail::tie(record, library_);
  return record;
}

std::string TraceStore::store_homeostatic_trace(double timestamp, ArrayView homeostatic_changes,
                                                std::string_view mechanism) {
  const HomeostaticTraceView record{{}, timestamp, std::move(homeostatic_changes),
                                    std::string(mechanism)};
  detail::check_record(record);
  return do_store_homeostatic_trace(record);
}

std::optional<HomeostaticTrace> TraceStore::retrieve_homeostatic_trace(
    std::string_view trace_id) {
  check_id(trace_id, "trace_id");
  auto record = do_retrieve_homeostatic_trace(trace_id);
  detail::tie(record, library_);
  return record;
}

std::string TraceStore::store_performance_metrics(double timestamp,
                                                  const std::map<std::string, double>& metrics,
                                                  std::string_view task_type) {
  const PerformanceMetrics record{{}, timestamp, metrics, std::string(task_type)};
  detail::check_record(record);
  return do_store_performance_metrics(record);
}

std::optional<PerformanceMetrics> TraceStore::retrieve_performance_metrics(
    std::string_view metrics_id) {
  check_id(metrics_id, "metrics_id");
  auto record = do_retrieve_performance_metrics(metrics_id);
  detail::tie(record, library_);
  return record;
}

TraceBatchIds TraceStore::store_batch(const TraceBatch& batch) {
  if (batch.empty()) return {};
  return do_store_batch(batch);
}

#define ENGRAM_TRACE_LISTING(Record, name)                                          \
  Page<Record> TraceStore::name(std::string_view cursor, std::size_t limit) {        \
    detail::check_limit(limit);                                                     \
    return detail::tied(do_##name(cursor, limit), library_);                        \
  }
ENGRAM_TRACE_LISTING(NetworkSnapshot, list_network_snapshots)
ENGRAM_TRACE_LISTING(SpikeTrainData, list_spike_trains)
ENGRAM_TRACE_LISTING(CompressedSpikeTrain, list_compressed_spike_trains)
ENGRAM_TRACE_LISTING(ReservoirStates, list_reservoir_states)
ENGRAM_TRACE_LISTING(LayerOutputs, list_layer_outputs)
ENGRAM_TRACE_LISTING(PlasticityTrace, list_plasticity_traces)
ENGRAM_TRACE_LISTING(HomeostaticTrace, list_homeostatic_traces)
ENGRAM_TRACE_LISTING(PerformanceMetrics, list_performance_metrics)
#undef ENGRAM_TRACE_LISTING

}  // namespace engram
