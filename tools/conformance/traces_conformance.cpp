// Conformance: the traces role (engram/trace_store.h): network snapshots,
// spike trains (raw and pre-compressed), reservoir states, layer outputs,
// plasticity and homeostatic traces, performance metrics.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engram/trace_store.h"
#include "fixture.h"

namespace {

using conformance::open;
using engram::Array;
using engram::ArrayView;
using engram::CompressedSpikeTrain;
using engram::HomeostaticTrace;
using engram::InvalidArgument;
using engram::Json;
using engram::LayerOutputs;
using engram::NetworkSnapshot;
using engram::PerformanceMetrics;
using engram::PlasticityTrace;
using engram::ReservoirStates;
using engram::SpikeTrainData;
using engram::TraceBatch;
using engram::TraceStore;

// A timestamp whose millisecond stamp is exact: 1700000000125.
constexpr double kT = 1700000000.125;
const std::string kMs = "1700000000125";

// The seed's stamp, computed as Python computes int(ts * 1000).
std::string millis(double timestamp) {
  return std::to_string(static_cast<std::int64_t>(timestamp * 1000.0));
}

Array arr(engram::DType dtype, engram::Shape shape, std::uint64_t seed) {
  return conformance::make_array(dtype, std::move(shape), seed);
}

std::map<std::string, ArrayView> views(const std::map<std::string, Array>& arrays) {
  std::map<std::string, ArrayView> out;
  for (const auto& [name, array] : arrays) out.emplace(name, array.view());
  return out;
}

// ---- records to store and compare

NetworkSnapshot snapshot(double timestamp, std::uint64_t seed, Json metadata = Json::object()) {
  return {"", timestamp, arr(engram::DType::kBool, {3, 3}, seed),
          arr(engram::DType::kFloat32, {3, 3}, seed + 1), arr(engram::DType::kFloat64, {3}, seed + 2),
          std::move(metadata)};
}
SpikeTrainData train(double timestamp, std::uint64_t seed, bool amplitudes) {
  SpikeTrainData t{"", timestamp, arr(engram::DType::kFloat64, {5}, seed),
                   arr(engram::DType::kInt32, {5}, seed + 1), std::nullopt,
                   conformance::small_metadata(static_cast<int>(seed))};
  if (amplitudes) t.spike_amplitudes = arr(engram::DType::kFloat32, {5}, seed + 2);
  return t;
}
CompressedSpikeTrain compressed(double timestamp, std::uint64_t seed) {
  return {"", timestamp, arr(engram::DType::kUInt8, {64}, seed),
          Json{{"original_shape", {10, 100}}, {"compression_ratio", 2.5}, {"codec", "rle"},
               {"seed", seed}}};
}
ReservoirStates reservoir(double timestamp, std::uint64_t seed, std::string id = "default") {
  return {"", timestamp, arr(engram::DType::kFloat32, {4, 6}, seed), std::move(id)};
}
LayerOutputs outputs(double timestamp, std::uint64_t seed) {
  return {"", timestamp,
          {{"conv1", arr(engram::DType::kFloat32, {2, 4}, seed)},
           {"Attention", arr(engram::DType::kFloat16, {3}, seed + 1)},
           {"readout", arr(engram::DType::kInt64, {}, seed + 2)}}};
}
PlasticityTrace plasticity(double timestamp, std::uint64_t seed, std::string type = "stdp") {
  return {"", timestamp, arr(engram::DType::kFloat64, {10}, seed), std::move(type)};
}
HomeostaticTrace homeostatic(double timestamp, std::uint64_t seed,
                             std::string mechanism = "intrinsic_plasticity") {
  return {"", timestamp, arr(engram::DType::kFloat32, {7}, seed), std::move(mechanism)};
}
PerformanceMetrics metrics(double timestamp, double seed, std::string task = "general") {
  return {"", timestamp, {{"accuracy", seed}, {"loss", 1.0 - seed}, {"steps", 100.0}},
          std::move(task)};
}

std::string store(TraceStore& s, const NetworkSnapshot& r) {
  return s.store_network_snapshot(r.timestamp, r.adjacency_matrix, r.weight_matrix,
                                  r.neuron_states, r.metadata);
}
std::string store(TraceStore& s, const SpikeTrainData& r) {
  std::optional<ArrayView> amplitudes;
  if (r.spike_amplitudes) amplitudes = r.spike_amplitudes->view();
  return s.store_spike_train(r.timestamp, r.spike_times, r.neuron_ids, amplitudes, r.metadata);
}
std::string store(TraceStore& s, const CompressedSpikeTrain& r) {
  return s.store_compressed_spike_train(r.timestamp, r.spike_data, r.compression_params);
}
std::string store(TraceStore& s, const ReservoirStates& r) {
  return s.store_reservoir_states(r.timestamp, r.reservoir_states, r.reservoir_id);
}
std::string store(TraceStore& s, const LayerOutputs& r) {
  return s.store_layer_outputs(r.timestamp, views(r.layer_outputs));
}
std::string store(TraceStore& s, const PlasticityTrace& r) {
  return s.store_plasticity_trace(r.timestamp, r.synapse_changes, r.plasticity_type);
}
std::string store(TraceStore& s, const HomeostaticTrace& r) {
  return s.store_homeostatic_trace(r.timestamp, r.homeostatic_changes, r.mechanism);
}
std::string store(TraceStore& s, const PerformanceMetrics& r) {
  return s.store_performance_metrics(r.timestamp, r.metrics, r.task_type);
}

// Every field but the id.
void check_same(const NetworkSnapshot& got, const NetworkSnapshot& want) {
  CHECK(got.timestamp == want.timestamp);
  ENGRAM_CHECK_ARRAY(got.adjacency_matrix, want.adjacency_matrix);
  ENGRAM_CHECK_ARRAY(got.weight_matrix, want.weight_matrix);
  ENGRAM_CHECK_ARRAY(got.neuron_states, want.neuron_states);
  ENGRAM_CHECK_JSON(got.metadata, want.metadata);
}
void check_same(const SpikeTrainData& got, const SpikeTrainData& want) {
  CHECK(got.timestamp == want.timestamp);
  ENGRAM_CHECK_ARRAY(got.spike_times, want.spike_times);
  ENGRAM_CHECK_ARRAY(got.neuron_ids, want.neuron_ids);
  REQUIRE(got.spike_amplitudes.has_value() == want.spike_amplitudes.has_value());
  if (want.spike_amplitudes) ENGRAM_CHECK_ARRAY(*got.spike_amplitudes, *want.spike_amplitudes);
  ENGRAM_CHECK_JSON(got.metadata, want.metadata);
}
void check_same(const CompressedSpikeTrain& got, const CompressedSpikeTrain& want) {
  CHECK(got.timestamp == want.timestamp);
  ENGRAM_CHECK_ARRAY(got.spike_data, want.spike_data);
  ENGRAM_CHECK_JSON(got.compression_params, want.compression_params);
}
void check_same(const ReservoirStates& got, const ReservoirStates& want) {
  CHECK(got.timestamp == want.timestamp);
  ENGRAM_CHECK_ARRAY(got.reservoir_states, want.reservoir_states);
  CHECK(got.reservoir_id == want.reservoir_id);
}
void check_same(const LayerOutputs& got, const LayerOutputs& want) {
  CHECK(got.timestamp == want.timestamp);
  std::vector<std::string> got_names;
  std::vector<std::string> want_names;
  for (const auto& [name, array] : got.layer_outputs) got_names.push_back(name);
  for (const auto& [name, array] : want.layer_outputs) want_names.push_back(name);
  REQUIRE(got_names == want_names);
  for (const auto& [name, array] : want.layer_outputs) {
    INFO("layer " << name);
    ENGRAM_CHECK_ARRAY(got.layer_outputs.at(name), array);
  }
}
void check_same(const PlasticityTrace& got, const PlasticityTrace& want) {
  CHECK(got.timestamp == want.timestamp);
  ENGRAM_CHECK_ARRAY(got.synapse_changes, want.synapse_changes);
  CHECK(got.plasticity_type == want.plasticity_type);
}
void check_same(const HomeostaticTrace& got, const HomeostaticTrace& want) {
  CHECK(got.timestamp == want.timestamp);
  ENGRAM_CHECK_ARRAY(got.homeostatic_changes, want.homeostatic_changes);
  CHECK(got.mechanism == want.mechanism);
}
void check_same(const PerformanceMetrics& got, const PerformanceMetrics& want) {
  CHECK(got.timestamp == want.timestamp);
  CHECK(got.task_type == want.task_type);
  std::vector<std::string> got_names;
  std::vector<std::string> want_names;
  for (const auto& [name, value] : got.metrics) got_names.push_back(name);
  for (const auto& [name, value] : want.metrics) want_names.push_back(name);
  REQUIRE(got_names == want_names);
  for (const auto& [name, value] : want.metrics) {
    INFO("metric " << name << " = " << value);
    const double g = got.metrics.at(name);
    if (std::isnan(value)) {
      CHECK(std::isnan(g));
    } else {
      CHECK(g == value);
      CHECK(std::signbit(g) == std::signbit(value));
    }
  }
}

// One retrieve per kind, by a name that fits the store helpers.
std::optional<NetworkSnapshot> fetch(TraceStore& s, const NetworkSnapshot&, const std::string& id) {
  return s.retrieve_network_snapshot(id);
}
std::optional<SpikeTrainData> fetch(TraceStore& s, const SpikeTrainData&, const std::string& id) {
  return s.retrieve_spike_train(id);
}
std::optional<CompressedSpikeTrain> fetch(TraceStore& s, const CompressedSpikeTrain&,
                                          const std::string& id) {
  return s.retrieve_compressed_spike_train(id);
}
std::optional<ReservoirStates> fetch(TraceStore& s, const ReservoirStates&, const std::string& id) {
  return s.retrieve_reservoir_states(id);
}
std::optional<LayerOutputs> fetch(TraceStore& s, const LayerOutputs&, const std::string& id) {
  return s.retrieve_layer_outputs(id);
}
std::optional<PlasticityTrace> fetch(TraceStore& s, const PlasticityTrace&, const std::string& id) {
  return s.retrieve_plasticity_trace(id);
}
std::optional<HomeostaticTrace> fetch(TraceStore& s, const HomeostaticTrace&,
                                      const std::string& id) {
  return s.retrieve_homeostatic_trace(id);
}
std::optional<PerformanceMetrics> fetch(TraceStore& s, const PerformanceMetrics&,
                                        const std::string& id) {
  return s.retrieve_performance_metrics(id);
}

// Stores `records` (all in one millisecond) in order and checks the ids are
// <prefix>_<ms>, _1, _2, ... and every record reads back whole.
template <class Record>
void check_same_millisecond(TraceStore& s, const std::vector<Record>& records,
                            const std::string& prefix) {
  std::vector<std::string> ids;
  for (const Record& r : records) ids.push_back(store(s, r));
  const std::string base = prefix + "_" + millis(records.front().timestamp);
  for (std::size_t i = 0; i < records.size(); ++i) {
    INFO("store " << i << " of " << prefix);
    CHECK(ids[i] == (i == 0 ? base : base + "_" + std::to_string(i)));
    auto got = fetch(s, records[i], ids[i]);
    REQUIRE(got);
    CHECK(got->id == ids[i]);
    check_same(*got, records[i]);
  }
}

// A listed record is what a retrieve of its id returns.
template <class Record>
void check_listed(TraceStore& s, const Record& listed) {
  INFO("listed id " << listed.id);
  auto got = fetch(s, listed, listed.id);
  REQUIRE(got);
  CHECK(got->id == listed.id);
  check_same(*got, listed);
}

template <class Record>
std::vector<Record> list_kind(const std::function<engram::Page<Record>(std::string_view,
                                                                        std::size_t)>& list,
                              std::size_t limit) {
  return conformance::list_all<Record>(list, limit);
}

// Every record of every kind, listed.
struct Listing {
  std::vector<NetworkSnapshot> snapshots;
  std::vector<SpikeTrainData> trains;
  std::vector<CompressedSpikeTrain> compressed;
  std::vector<ReservoirStates> reservoirs;
  std::vector<LayerOutputs> outputs;
  std::vector<PlasticityTrace> plasticity;
  std::vector<HomeostaticTrace> homeostatic;
  std::vector<PerformanceMetrics> metrics;
};

Listing list_everything(TraceStore& s, std::size_t limit) {
  Listing l;
  l.snapshots = list_kind<NetworkSnapshot>(
      [&](std::string_view c, std::size_t n) { return s.list_network_snapshots(c, n); }, limit);
  l.trains = list_kind<SpikeTrainData>(
      [&](std::string_view c, std::size_t n) { return s.list_spike_trains(c, n); }, limit);
  l.compressed = list_kind<CompressedSpikeTrain>(
      [&](std::string_view c, std::size_t n) { return s.list_compressed_spike_trains(c, n); },
      limit);
  l.reservoirs = list_kind<ReservoirStates>(
      [&](std::string_view c, std::size_t n) { return s.list_reservoir_states(c, n); }, limit);
  l.outputs = list_kind<LayerOutputs>(
      [&](std::string_view c, std::size_t n) { return s.list_layer_outputs(c, n); }, limit);
  l.plasticity = list_kind<PlasticityTrace>(
      [&](std::string_view c, std::size_t n) { return s.list_plasticity_traces(c, n); }, limit);
  l.homeostatic = list_kind<HomeostaticTrace>(
      [&](std::string_view c, std::size_t n) { return s.list_homeostatic_traces(c, n); }, limit);
  l.metrics = list_kind<PerformanceMetrics>(
      [&](std::string_view c, std::size_t n) { return s.list_performance_metrics(c, n); },
      limit);
  return l;
}

template <class Record>
std::vector<std::string> ids_of(const std::vector<Record>& records) {
  std::vector<std::string> ids;
  for (const auto& r : records) ids.push_back(r.id);
  return ids;
}

}  // namespace

TEST_CASE("traces: ids take the seed's form prefix_ms with ms the timestamp in whole milliseconds", "[traces]") {
  engram::Storage storage = open();
  auto s = storage.traces();
  CHECK(store(*s, snapshot(kT, 1)) == "snapshot_" + kMs);
  CHECK(store(*s, train(kT, 1, true)) == "train_" + kMs);
  CHECK(store(*s, compressed(kT, 1)) == "compressed_" + kMs);
  CHECK(store(*s, reservoir(kT, 1)) == "default_" + kMs);
  CHECK(store(*s, reservoir(kT, 2, "res1")) == "res1_" + kMs);
  CHECK(store(*s, outputs(kT, 1)) == "outputs_" + kMs);
  CHECK(store(*s, plasticity(kT, 1)) == "stdp_" + kMs);
  CHECK(store(*s, plasticity(kT, 2, "hebbian")) == "hebbian_" + kMs);
  CHECK(store(*s, homeostatic(kT, 1)) == "intrinsic_plasticity_" + kMs);
  CHECK(store(*s, homeostatic(kT, 2, "synaptic_scaling")) == "synaptic_scaling_" + kMs);
  CHECK(store(*s, metrics(kT, 0.5)) == "general_" + kMs);
  CHECK(store(*s, metrics(kT, 0.5, "navigation")) == "navigation_" + kMs);

  // The default arguments are the seed's.
  const Array a = arr(engram::DType::kFloat32, {2}, 1);
  const double t2 = 1700000001.5;
  CHECK(s->store_reservoir_states(t2, a) == "default_1700000001500");
  CHECK(s->store_plasticity_trace(t2, a) == "stdp_1700000001500");
  CHECK(s->store_homeostatic_trace(t2, a) == "intrinsic_plasticity_1700000001500");
  CHECK(s->store_performance_metrics(t2, {{"m", 1.0}}) == "general_1700000001500");

  // int() truncates toward zero, as Python's does.
  for (double t : {1.0019, 0.0, 7.0009, 1234.5678, 4102444800.999, -1.0019}) {
    INFO("timestamp " << t);
    CHECK(store(*s, snapshot(t, 9)) == "snapshot_" + millis(t));
  }
  CHECK(millis(1.0019) == "1001");
  CHECK(millis(-1.0019) == "-1001");
}

TEST_CASE("traces: stores in one millisecond get _1, _2 and overwrite nothing", "[traces]") {
  engram::Storage storage = open();
  auto s = storage.traces();
  const double t0 = kT;
  const double t1 = kT + 0.0001;
  const double t2 = kT + 0.0009;
  check_same_millisecond(*s, std::vector{snapshot(t0, 1), snapshot(t1, 2), snapshot(t2, 3)},
                         "snapshot");
  check_same_millisecond(*s, std::vector{train(t0, 1, true), train(t1, 2, false), train(t2, 3, true)},
                         "train");
  check_same_millisecond(*s, std::vector{compressed(t0, 1), compressed(t1, 2), compressed(t2, 3)},
                         "compressed");
  check_same_millisecond(
      *s, std::vector{reservoir(t0, 1, "r"), reservoir(t1, 2, "r"), reservoir(t2, 3, "r")}, "r");
  check_same_millisecond(*s, std::vector{outputs(t0, 1), outputs(t1, 2), outputs(t2, 3)},
                         "outputs");
  check_same_millisecond(
      *s, std::vector{plasticity(t0, 1, "p"), plasticity(t1, 2, "p"), plasticity(t2, 3, "p")},
      "p");
  check_same_millisecond(
      *s, std::vector{homeostatic(t0, 1, "h"), homeostatic(t1, 2, "h"), homeostatic(t2, 3, "h")},
      "h");
  check_same_millisecond(
      *s, std::vector{metrics(t0, 0.1, "m"), metrics(t1, 0.2, "m"), metrics(t2, 0.3, "m")}, "m");

  // The next millisecond starts over.
  CHECK(store(*s, snapshot(kT + 0.0015, 4)) == "snapshot_1700000000126");
  // Prefixes and kinds are separate: the same stem in other kinds, or
  // another reservoir in the same millisecond, takes no suffix.
  CHECK(store(*s, reservoir(t0, 5, "other")) == "other_" + kMs);
  CHECK(store(*s, reservoir(t0, 6, "x")) == "x_" + kMs);
  CHECK(store(*s, plasticity(t0, 7, "x")) == "x_" + kMs);
  CHECK(store(*s, homeostatic(t0, 8, "x")) == "x_" + kMs);
  CHECK(store(*s, metrics(t0, 0.9, "x")) == "x_" + kMs);
  CHECK(store(*s, reservoir(t0, 9, "snapshot")) == "snapshot_" + kMs);
  auto x_reservoir = s->retrieve_reservoir_states("x_" + kMs);
  REQUIRE(x_reservoir);
  check_same(*x_reservoir, reservoir(t0, 6, "x"));
  auto x_plasticity = s->retrieve_plasticity_trace("x_" + kMs);
  REQUIRE(x_plasticity);
  check_same(*x_plasticity, plasticity(t0, 7, "x"));
  auto x_homeostatic = s->retrieve_homeostatic_trace("x_" + kMs);
  REQUIRE(x_homeostatic);
  check_same(*x_homeostatic, homeostatic(t0, 8, "x"));
  auto x_metrics = s->retrieve_performance_metrics("x_" + kMs);
  REQUIRE(x_metrics);
  check_same(*x_metrics, metrics(t0, 0.9, "x"));
  auto first_snapshot = s->retrieve_network_snapshot("snapshot_" + kMs);
  REQUIRE(first_snapshot);
  check_same(*first_snapshot, snapshot(t0, 1));

  // An id of one kind is not found as another.
  CHECK_FALSE(s->retrieve_spike_train("snapshot_" + kMs));
  CHECK_FALSE(s->retrieve_compressed_spike_train("train_" + kMs));
  CHECK_FALSE(s->retrieve_network_snapshot("compressed_" + kMs));
  CHECK_FALSE(s->retrieve_layer_outputs("r_" + kMs));
  CHECK_FALSE(s->retrieve_reservoir_states("p_" + kMs));
  CHECK_FALSE(s->retrieve_plasticity_trace("h_" + kMs));
  CHECK_FALSE(s->retrieve_homeostatic_trace("m_" + kMs));
  CHECK_FALSE(s->retrieve_performance_metrics("outputs_" + kMs));
  CHECK_FALSE(s->retrieve_network_snapshot("snapshot_" + kMs + "_3"));
}

TEST_CASE("traces: get_network_snapshots_in_range is inclusive and sorted by id", "[traces]") {
  engram::Storage storage = open();
  auto s = storage.traces();
  CHECK(store(*s, snapshot(300.0, 1)) == "snapshot_300000");
  CHECK(store(*s, snapshot(100.0, 2)) == "snapshot_100000");
  CHECK(store(*s, snapshot(1000.0, 3)) == "snapshot_1000000");
  CHECK(store(*s, snapshot(200.0, 4)) == "snapshot_200000");
  CHECK(store(*s, snapshot(200.0005, 5)) == "snapshot_200000_1");
  // Other kinds are not snapshots.
  store(*s, train(150.0, 6, false));
  store(*s, reservoir(150.0, 7, "snapshot"));

  using Ids = std::vector<std::string>;
  CHECK(s->get_network_snapshots_in_range(100.0, 1000.0) ==
        Ids{"snapshot_100000", "snapshot_1000000", "snapshot_200000", "snapshot_200000_1",
            "snapshot_300000"});
  CHECK(s->get_network_snapshots_in_range(200.0, 300.0) ==
        Ids{"snapshot_200000", "snapshot_200000_1", "snapshot_300000"});
  CHECK(s->get_network_snapshots_in_range(200.0001, 300.0) ==
        Ids{"snapshot_200000_1", "snapshot_300000"});
  CHECK(s->get_network_snapshots_in_range(100.0, 100.0) == Ids{"snapshot_100000"});
  CHECK(s->get_network_snapshots_in_range(300.0001, 999.9999).empty());
  CHECK(s->get_network_snapshots_in_range(1000.0, 100.0).empty());
  CHECK(s->get_network_snapshots_in_range(-std::numeric_limits<double>::infinity(),
                                          std::numeric_limits<double>::infinity())
            .size() == 5);
  CHECK_THROWS_AS(
      s->get_network_snapshots_in_range(std::numeric_limits<double>::quiet_NaN(), 1.0),
      InvalidArgument);
}

TEST_CASE("traces: each kind round-trips whole", "[traces]") {
  engram::Storage storage = open();
  auto s = storage.traces();
  SECTION("network snapshots") {
    const NetworkSnapshot want = snapshot(kT, 1, conformance::small_metadata(4));
    auto got = s->retrieve_network_snapshot(store(*s, want));
    REQUIRE(got);
    CHECK(got->id == "snapshot_" + kMs);
    check_same(*got, want);
    const Array square = arr(engram::DType::kInt8, {2, 2}, 1);
    const Array other = arr(engram::DType::kInt8, {2, 3}, 2);
    CHECK_THROWS_AS(s->store_network_snapshot(kT, square, other, square), InvalidArgument);
  }
  SECTION("spike trains, with and without amplitudes") {
    const SpikeTrainData with = train(kT, 1, true);
    const SpikeTrainData without = train(kT + 1.0, 2, false);
    auto got_with = s->retrieve_spike_train(store(*s, with));
    auto got_without = s->retrieve_spike_train(store(*s, without));
    REQUIRE(got_with);
    REQUIRE(got_without);
    check_same(*got_with, with);
    check_same(*got_without, without);
    CHECK_FALSE(got_without->spike_amplitudes.has_value());
    const Array five = arr(engram::DType::kFloat64, {5}, 1);
    const Array four = arr(engram::DType::kFloat64, {4}, 1);
    const Array grid = arr(engram::DType::kFloat64, {5, 1}, 1);
    CHECK_THROWS_AS(s->store_spike_train(kT, five, four), InvalidArgument);
    CHECK_THROWS_AS(s->store_spike_train(kT, grid, grid), InvalidArgument);
    CHECK_THROWS_AS(s->store_spike_train(kT, five, five, four.view()), InvalidArgument);
    CHECK_THROWS_AS(s->store_spike_train(kT, five, five, grid.view()), InvalidArgument);
    const Array empty = arr(engram::DType::kFloat64, {0}, 1);
    auto got_empty = s->retrieve_spike_train(s->store_spike_train(kT, empty, empty));
    REQUIRE(got_empty);
    ENGRAM_CHECK_ARRAY(got_empty->spike_times, empty);
    CHECK(s->list_spike_trains({}, 100).items.size() == 3);
  }
  SECTION("compressed spike trains") {
    const CompressedSpikeTrain want = compressed(kT, 3);
    auto got = s->retrieve_compressed_spike_train(store(*s, want));
    REQUIRE(got);
    check_same(*got, want);
    const Array bytes = arr(engram::DType::kUInt8, {3}, 1);
    auto bare = s->retrieve_compressed_spike_train(
        s->store_compressed_spike_train(kT + 1.0, bytes, Json::object()));
    REQUIRE(bare);
    ENGRAM_CHECK_JSON(bare->compression_params, Json::object());
  }
  SECTION("reservoir states") {
    const ReservoirStates want = reservoir(kT, 4, "echo-state");
    auto got = s->retrieve_reservoir_states(store(*s, want));
    REQUIRE(got);
    CHECK(got->id == "echo-state_" + kMs);
    check_same(*got, want);
  }
  SECTION("layer outputs, sorted by name") {
    const LayerOutputs want = outputs(kT, 5);
    auto got = s->retrieve_layer_outputs(store(*s, want));
    REQUIRE(got);
    check_same(*got, want);
    std::vector<std::string> order;
    for (const auto& [name, array] : got->layer_outputs) order.push_back(name);
    CHECK(order == std::vector<std::string>{"Attention", "conv1", "readout"});
    auto none = s->retrieve_layer_outputs(s->store_layer_outputs(kT + 1.0, {}));
    REQUIRE(none);
    CHECK(none->layer_outputs.empty());
  }
  SECTION("plasticity and homeostatic traces") {
    const PlasticityTrace p = plasticity(kT, 6, "bcm");
    const HomeostaticTrace h = homeostatic(kT, 7, "threshold");
    auto got_p = s->retrieve_plasticity_trace(store(*s, p));
    auto got_h = s->retrieve_homeostatic_trace(store(*s, h));
    REQUIRE(got_p);
    REQUIRE(got_h);
    check_same(*got_p, p);
    check_same(*got_h, h);
  }
  SECTION("performance metrics, any double") {
    PerformanceMetrics want = metrics(kT, 0.25, "nav");
    want.metrics["nan"] = std::numeric_limits<double>::quiet_NaN();
    want.metrics["inf"] = std::numeric_limits<double>::infinity();
    want.metrics["minus_inf"] = -std::numeric_limits<double>::infinity();
    want.metrics["minus_zero"] = -0.0;
    want.metrics["denormal"] = 5e-324;
    want.metrics["max"] = std::numeric_limits<double>::max();
    want.metrics["\xc3\xa9lan"] = 0.1;
    auto got = s->retrieve_performance_metrics(store(*s, want));
    REQUIRE(got);
    check_same(*got, want);
    auto none = s->retrieve_performance_metrics(s->store_performance_metrics(kT + 1.0, {}));
    REQUIRE(none);
    CHECK(none->metrics.empty());
  }
}

TEST_CASE("traces: every dtype and shape round-trips in every array field", "[traces]") {
  engram::Storage storage = open();
  auto s = storage.traces();
  const auto samples = conformance::sample_arrays();
  for (std::size_t i = 0; i < samples.size(); ++i) {
    INFO("sample " << samples[i].label);
    const Array& a = samples[i].array;
    const double t = 1000.0 + static_cast<double>(i);
    auto snap = s->retrieve_network_snapshot(s->store_network_snapshot(t, a, a, a));
    REQUIRE(snap);
    ENGRAM_CHECK_ARRAY(snap->adjacency_matrix, a);
    ENGRAM_CHECK_ARRAY(snap->weight_matrix, a);
    ENGRAM_CHECK_ARRAY(snap->neuron_states, a);
    auto comp = s->retrieve_compressed_spike_train(s->store_compressed_spike_train(t, a, Json::object()));
    REQUIRE(comp);
    ENGRAM_CHECK_ARRAY(comp->spike_data, a);
    auto res = s->retrieve_reservoir_states(s->store_reservoir_states(t, a));
    REQUIRE(res);
    ENGRAM_CHECK_ARRAY(res->reservoir_states, a);
    auto out = s->retrieve_layer_outputs(s->store_layer_outputs(t, {{"layer", a}}));
    REQUIRE(out);
    REQUIRE(out->layer_outputs.count("layer") == 1);
    ENGRAM_CHECK_ARRAY(out->layer_outputs.at("layer"), a);
    auto plast = s->retrieve_plasticity_trace(s->store_plasticity_trace(t, a));
    REQUIRE(plast);
    ENGRAM_CHECK_ARRAY(plast->synapse_changes, a);
    auto homeo = s->retrieve_homeostatic_trace(s->store_homeostatic_trace(t, a));
    REQUIRE(homeo);
    ENGRAM_CHECK_ARRAY(homeo->homeostatic_changes, a);
  }
  // Spike trains take 1-d arrays of one length, of any dtype each.
  const auto vectors = conformance::sample_vectors();
  for (std::size_t i = 0; i < vectors.size(); ++i) {
    for (std::size_t j = 0; j < vectors.size(); ++j) {
      const Array& times = vectors[i].array;
      const Array& ids = vectors[j].array;
      if (times.size() != ids.size() || (i + j) % 3 != 0) continue;
      INFO("times " << vectors[i].label << ", neuron ids " << vectors[j].label);
      const double t = 5000.0 + static_cast<double>(i * 100 + j);
      auto got = s->retrieve_spike_train(s->store_spike_train(t, times, ids, ids.view()));
      REQUIRE(got);
      ENGRAM_CHECK_ARRAY(got->spike_times, times);
      ENGRAM_CHECK_ARRAY(got->neuron_ids, ids);
      REQUIRE(got->spike_amplitudes);
      ENGRAM_CHECK_ARRAY(*got->spike_amplitudes, ids);
    }
  }
}

TEST_CASE("traces: metadata and compression parameters round-trip exactly, at any size",
          "[traces]") {
  engram::Storage storage = open();
  auto s = storage.traces();
  const Json rich = conformance::rich_metadata();
  const NetworkSnapshot snap = snapshot(kT, 1, rich);
  auto got_snap = s->retrieve_network_snapshot(store(*s, snap));
  REQUIRE(got_snap);
  ENGRAM_CHECK_JSON(got_snap->metadata, rich);

  SpikeTrainData t = train(kT, 2, true);
  t.metadata = rich;
  auto got_train = s->retrieve_spike_train(store(*s, t));
  REQUIRE(got_train);
  ENGRAM_CHECK_JSON(got_train->metadata, rich);

  CompressedSpikeTrain c = compressed(kT, 3);
  c.compression_params = rich;
  auto got_compressed = s->retrieve_compressed_spike_train(store(*s, c));
  REQUIRE(got_compressed);
  ENGRAM_CHECK_JSON(got_compressed->compression_params, rich);

  const Listing listed = list_everything(*s, 1);
  REQUIRE(listed.snapshots.size() == 1);
  ENGRAM_CHECK_JSON(listed.snapshots[0].metadata, rich);
  REQUIRE(listed.trains.size() == 1);
  ENGRAM_CHECK_JSON(listed.trains[0].metadata, rich);
  REQUIRE(listed.compressed.size() == 1);
  ENGRAM_CHECK_JSON(listed.compressed[0].compression_params, rich);
}

TEST_CASE("traces: ids and names are validated on store and on retrieve", "[traces]") {
  engram::Storage storage = open();
  auto s = storage.traces();
  const Array a = arr(engram::DType::kFloat32, {3}, 1);
  for (const std::string& bad : conformance::bad_ids()) {
    INFO("bad id '" << conformance::printable(bad) << "' (" << bad.size() << " bytes)");
    CHECK_THROWS_AS(s->store_reservoir_states(kT, a, bad), InvalidArgument);
    CHECK_THROWS_AS(s->store_plasticity_trace(kT, a, bad), InvalidArgument);
    CHECK_THROWS_AS(s->store_homeostatic_trace(kT, a, bad), InvalidArgument);
    CHECK_THROWS_AS(s->store_performance_metrics(kT, {{"m", 1.0}}, bad), InvalidArgument);
    CHECK_THROWS_AS(s->store_performance_metrics(kT, {{bad, 1.0}}), InvalidArgument);
    CHECK_THROWS_AS(s->store_layer_outputs(kT, {{bad, a}}), InvalidArgument);
    CHECK_THROWS_AS(s->retrieve_network_snapshot(bad), InvalidArgument);
    CHECK_THROWS_AS(s->retrieve_spike_train(bad), InvalidArgument);
    CHECK_THROWS_AS(s->retrieve_compressed_spike_train(bad), InvalidArgument);
    CHECK_THROWS_AS(s->retrieve_reservoir_states(bad), InvalidArgument);
    CHECK_THROWS_AS(s->retrieve_layer_outputs(bad), InvalidArgument);
    CHECK_THROWS_AS(s->retrieve_plasticity_trace(bad), InvalidArgument);
    CHECK_THROWS_AS(s->retrieve_homeostatic_trace(bad), InvalidArgument);
    CHECK_THROWS_AS(s->retrieve_performance_metrics(bad), InvalidArgument);
    if (!bad.empty()) {
      TraceBatch batch;
      ReservoirStates r = reservoir(kT, 1);
      r.id = bad;
      CHECK_THROWS_AS(batch.put(r), InvalidArgument);
      CHECK(batch.empty());
    }
  }
  const Listing nothing = list_everything(*s, 100);
  CHECK(nothing.reservoirs.empty());
  CHECK(nothing.plasticity.empty());
  CHECK(nothing.homeostatic.empty());
  CHECK(nothing.metrics.empty());
  CHECK(nothing.outputs.empty());

  // Well-formed names make retrievable records, each its own.
  const auto good = conformance::good_ids();
  for (std::size_t i = 0; i < good.size(); ++i) {
    const std::string& name = good[i];
    if (name.size() > 200) continue;  // the id adds "_<ms>"
    INFO("good name '" << conformance::printable(name) << "'");
    const double t = kT + static_cast<double>(i);
    const Array value = arr(engram::DType::kInt32, {2}, 50 + i);
    const std::string rid = s->store_reservoir_states(t, value, name);
    CHECK(rid == name + "_" + millis(t));
    auto r = s->retrieve_reservoir_states(rid);
    REQUIRE(r);
    CHECK(r->reservoir_id == name);
    ENGRAM_CHECK_ARRAY(r->reservoir_states, value);
    const std::string pid = s->store_plasticity_trace(t, value, name);
    auto p = s->retrieve_plasticity_trace(pid);
    REQUIRE(p);
    CHECK(p->plasticity_type == name);
    const std::string hid = s->store_homeostatic_trace(t, value, name);
    auto h = s->retrieve_homeostatic_trace(hid);
    REQUIRE(h);
    CHECK(h->mechanism == name);
    const std::string mid = s->store_performance_metrics(t, {{name, 1.5}}, name);
    auto m = s->retrieve_performance_metrics(mid);
    REQUIRE(m);
    CHECK(m->task_type == name);
    CHECK(m->metrics == std::map<std::string, double>{{name, 1.5}});
    auto o = s->retrieve_layer_outputs(s->store_layer_outputs(t, {{name, value}}));
    REQUIRE(o);
    REQUIRE(o->layer_outputs.count(name) == 1);
    ENGRAM_CHECK_ARRAY(o->layer_outputs.at(name), value);
  }

  // Well-formed ids that are not there.
  for (const std::string& absent : {std::string("snapshot_1"), std::string("*"),
                                    std::string("snapshot_%"), std::string("train_*")}) {
    INFO("absent id " << absent);
    CHECK_FALSE(s->retrieve_network_snapshot(absent));
    CHECK_FALSE(s->retrieve_spike_train(absent));
    CHECK_FALSE(s->retrieve_compressed_spike_train(absent));
    CHECK_FALSE(s->retrieve_reservoir_states(absent));
    CHECK_FALSE(s->retrieve_layer_outputs(absent));
    CHECK_FALSE(s->retrieve_plasticity_trace(absent));
    CHECK_FALSE(s->retrieve_homeostatic_trace(absent));
    CHECK_FALSE(s->retrieve_performance_metrics(absent));
  }

  // Values that cannot be stored.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_AS(s->store_network_snapshot(nan, a, a, a), InvalidArgument);
  CHECK_THROWS_AS(s->store_network_snapshot(1e300, a, a, a), InvalidArgument);
  CHECK_THROWS_AS(s->store_network_snapshot(kT, a, a, a, Json{{"x", nan}}), InvalidArgument);
  CHECK_THROWS_AS(s->store_compressed_spike_train(kT, a, Json{{"x", {nan}}}), InvalidArgument);
  CHECK_THROWS_AS(s->store_spike_train(kT, a, a, std::nullopt, Json::array()), InvalidArgument);
  CHECK_THROWS_AS(s->store_reservoir_states(std::numeric_limits<double>::infinity(), a),
                  InvalidArgument);
  CHECK(s->list_network_snapshots({}, 10).items.empty());
  CHECK(s->list_compressed_spike_trains({}, 10).items.empty());
  CHECK(s->list_spike_trains({}, 10).items.empty());
}

TEST_CASE("traces: store_batch stores everything and returns ids in order", "[traces]") {
  engram::Storage storage = open();
  auto s = storage.traces();
  const std::string taken = store(*s, snapshot(kT, 100));  // "snapshot_<ms>"
  REQUIRE(taken == "snapshot_" + kMs);

  const NetworkSnapshot s1 = snapshot(kT, 1);
  const NetworkSnapshot s2 = snapshot(kT + 0.0002, 2);
  NetworkSnapshot kept = snapshot(5.0, 3);
  kept.id = "snapshot_5000";
  NetworkSnapshot clash = snapshot(kT, 4);
  clash.id = taken;
  const SpikeTrainData t1 = train(kT, 5, true);
  const CompressedSpikeTrain c1 = compressed(kT, 6);
  const ReservoirStates r1 = reservoir(kT, 7, "res");
  const ReservoirStates r2 = reservoir(kT, 8, "res");
  const LayerOutputs o1 = outputs(kT, 9);
  const PlasticityTrace p1 = plasticity(kT, 10);
  const HomeostaticTrace h1 = homeostatic(kT, 11);
  const PerformanceMetrics m1 = metrics(kT, 0.5, "task");
  const PerformanceMetrics m2 = metrics(kT, 0.75, "task");

  TraceBatch batch;
  batch.put(s1);
  batch.put(kept);
  batch.put(s2);
  batch.put(clash);
  batch.put(t1);
  batch.put(c1);
  batch.put(r1);
  batch.put(r2);
  batch.put(o1);
  batch.put(p1);
  batch.put(h1);
  batch.put(m1);
  batch.put(m2);
  REQUIRE(batch.size() == 13);
  const engram::TraceBatchIds ids = s->store_batch(batch);

  const std::string b = "snapshot_" + kMs;
  CHECK(ids.network_snapshots ==
        std::vector<std::string>{b + "_1", "snapshot_5000", b + "_2", b + "_3"});
  CHECK(ids.spike_trains == std::vector<std::string>{"train_" + kMs});
  CHECK(ids.compressed_spike_trains == std::vector<std::string>{"compressed_" + kMs});
  CHECK(ids.reservoir_states == std::vector<std::string>{"res_" + kMs, "res_" + kMs + "_1"});
  CHECK(ids.layer_outputs == std::vector<std::string>{"outputs_" + kMs});
  CHECK(ids.plasticity_traces == std::vector<std::string>{"stdp_" + kMs});
  CHECK(ids.homeostatic_traces == std::vector<std::string>{"intrinsic_plasticity_" + kMs});
  CHECK(ids.performance_metrics == std::vector<std::string>{"task_" + kMs, "task_" + kMs + "_1"});

  // Nothing was overwritten; everything reads back.
  auto original = s->retrieve_network_snapshot(taken);
  REQUIRE(original);
  check_same(*original, snapshot(kT, 100));
  const std::vector<const NetworkSnapshot*> snaps{&s1, &kept, &s2, &clash};
  REQUIRE(ids.network_snapshots.size() == snaps.size());
  for (std::size_t i = 0; i < snaps.size(); ++i) {
    auto got = s->retrieve_network_snapshot(ids.network_snapshots[i]);
    REQUIRE(got);
    check_same(*got, *snaps[i]);
  }
  auto got_t1 = s->retrieve_spike_train("train_" + kMs);
  REQUIRE(got_t1);
  check_same(*got_t1, t1);
  auto got_c1 = s->retrieve_compressed_spike_train("compressed_" + kMs);
  REQUIRE(got_c1);
  check_same(*got_c1, c1);
  auto got_r2 = s->retrieve_reservoir_states("res_" + kMs + "_1");
  REQUIRE(got_r2);
  check_same(*got_r2, r2);
  auto got_o1 = s->retrieve_layer_outputs("outputs_" + kMs);
  REQUIRE(got_o1);
  check_same(*got_o1, o1);
  auto got_p1 = s->retrieve_plasticity_trace("stdp_" + kMs);
  REQUIRE(got_p1);
  check_same(*got_p1, p1);
  auto got_h1 = s->retrieve_homeostatic_trace("intrinsic_plasticity_" + kMs);
  REQUIRE(got_h1);
  check_same(*got_h1, h1);
  auto got_m2 = s->retrieve_performance_metrics("task_" + kMs + "_1");
  REQUIRE(got_m2);
  check_same(*got_m2, m2);
  CHECK(s->get_network_snapshots_in_range(kT, kT + 0.001) ==
        std::vector<std::string>{b, b + "_1", b + "_2", b + "_3"});

  // The next single store in that millisecond continues the suffixes.
  CHECK(store(*s, snapshot(kT, 12)) == b + "_4");
  const engram::TraceBatchIds none = s->store_batch(TraceBatch{});
  CHECK(none.network_snapshots.empty());
}

TEST_CASE("traces: a batch add that fails validation leaves the batch unchanged", "[traces]") {
  engram::Storage storage = open();
  auto s = storage.traces();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  TraceBatch batch;
  const NetworkSnapshot good = snapshot(kT, 1);
  batch.put(good);
  const PerformanceMetrics good_metrics = metrics(kT, 0.5);
  batch.put(good_metrics);

  NetworkSnapshot bad_shape = snapshot(kT, 2);
  bad_shape.weight_matrix = arr(engram::DType::kFloat32, {2, 2}, 1);
  CHECK_THROWS_AS(batch.put(bad_shape), InvalidArgument);
  NetworkSnapshot bad_time = snapshot(nan, 3);
  CHECK_THROWS_AS(batch.put(bad_time), InvalidArgument);
  NetworkSnapshot bad_id = snapshot(kT, 4);
  bad_id.id = "..";
  CHECK_THROWS_AS(batch.put(bad_id), InvalidArgument);
  NetworkSnapshot bad_metadata = snapshot(kT, 5, Json{{"x", nan}});
  CHECK_THROWS_AS(batch.put(bad_metadata), InvalidArgument);
  SpikeTrainData bad_train = train(kT, 6, false);
  bad_train.neuron_ids = arr(engram::DType::kInt32, {4}, 1);
  CHECK_THROWS_AS(batch.put(bad_train), InvalidArgument);
  CHECK_THROWS_AS(batch.put(reservoir(kT, 7, "a/b")), InvalidArgument);
  LayerOutputs bad_layer = outputs(kT, 8);
  bad_layer.layer_outputs.emplace("x/y", arr(engram::DType::kInt8, {1}, 1));
  CHECK_THROWS_AS(batch.put(bad_layer), InvalidArgument);
  CHECK_THROWS_AS(batch.put(plasticity(kT, 9, "")), InvalidArgument);
  CHECK_THROWS_AS(batch.put(homeostatic(kT, 10, ".")), InvalidArgument);
  PerformanceMetrics bad_metric = metrics(kT, 0.5);
  bad_metric.metrics["bad\nname"] = 1.0;
  CHECK_THROWS_AS(batch.put(bad_metric), InvalidArgument);
  CompressedSpikeTrain bad_params = compressed(kT, 11);
  bad_params.compression_params = Json::array();
  CHECK_THROWS_AS(batch.put(bad_params), InvalidArgument);

  CHECK(batch.size() == 2);
  CHECK(batch.network_snapshots().size() == 1);
  CHECK(batch.performance_metrics().size() == 1);
  CHECK(batch.spike_trains().empty());
  CHECK(s->list_network_snapshots({}, 10).items.empty());

  const auto ids = s->store_batch(batch);
  CHECK(ids.network_snapshots == std::vector<std::string>{"snapshot_" + kMs});
  CHECK(ids.performance_metrics == std::vector<std::string>{"general_" + kMs});
}

TEST_CASE("traces: listings return every record exactly once, in id order", "[traces]") {
  engram::Storage storage = open();
  auto s = storage.traces();
  std::vector<std::string> want_ids[8];
  for (int i = 1; i <= 5; ++i) {
    const double t = 1700000000.0 + 0.001 * i + 0.0002;  // ms ...001 to ...005
    const auto seed = static_cast<std::uint64_t>(i);
    want_ids[0].push_back(store(*s, snapshot(t, seed)));
    want_ids[1].push_back(store(*s, train(t, seed, i % 2 == 0)));
    want_ids[2].push_back(store(*s, compressed(t, seed)));
    want_ids[3].push_back(store(*s, reservoir(t, seed)));
    want_ids[4].push_back(store(*s, outputs(t, seed)));
    want_ids[5].push_back(store(*s, plasticity(t, seed)));
    want_ids[6].push_back(store(*s, homeostatic(t, seed)));
    want_ids[7].push_back(store(*s, metrics(t, 0.1 * i)));
  }
  for (auto& ids : want_ids) std::sort(ids.begin(), ids.end());
  CHECK(want_ids[0].front() == "snapshot_1700000000001");

  for (const std::size_t limit :
       {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{100}}) {
    INFO("limit " << limit);
    const Listing l = list_everything(*s, limit);
    CHECK(ids_of(l.snapshots) == want_ids[0]);
    CHECK(ids_of(l.trains) == want_ids[1]);
    CHECK(ids_of(l.compressed) == want_ids[2]);
    CHECK(ids_of(l.reservoirs) == want_ids[3]);
    CHECK(ids_of(l.outputs) == want_ids[4]);
    CHECK(ids_of(l.plasticity) == want_ids[5]);
    CHECK(ids_of(l.homeostatic) == want_ids[6]);
    CHECK(ids_of(l.metrics) == want_ids[7]);
    for (const auto& r : l.snapshots) check_listed(*s, r);
    for (const auto& r : l.trains) check_listed(*s, r);
    for (const auto& r : l.compressed) check_listed(*s, r);
    for (const auto& r : l.reservoirs) check_listed(*s, r);
    for (const auto& r : l.outputs) check_listed(*s, r);
    for (const auto& r : l.plasticity) check_listed(*s, r);
    for (const auto& r : l.homeostatic) check_listed(*s, r);
    for (const auto& r : l.metrics) check_listed(*s, r);
  }

  const std::string bogus = "this is not a cursor \x01\xff";
  CHECK_THROWS_AS(s->list_network_snapshots(bogus, 2), InvalidArgument);
  CHECK_THROWS_AS(s->list_spike_trains(bogus, 2), InvalidArgument);
  CHECK_THROWS_AS(s->list_compressed_spike_trains(bogus, 2), InvalidArgument);
  CHECK_THROWS_AS(s->list_reservoir_states(bogus, 2), InvalidArgument);
  CHECK_THROWS_AS(s->list_layer_outputs(bogus, 2), InvalidArgument);
  CHECK_THROWS_AS(s->list_plasticity_traces(bogus, 2), InvalidArgument);
  CHECK_THROWS_AS(s->list_homeostatic_traces(bogus, 2), InvalidArgument);
  CHECK_THROWS_AS(s->list_performance_metrics(bogus, 2), InvalidArgument);
  CHECK_THROWS_AS(s->list_network_snapshots({}, 0), InvalidArgument);
  CHECK_THROWS_AS(s->list_performance_metrics({}, 0), InvalidArgument);
}

TEST_CASE("traces: records put from a listing into a fresh backend are reproduced",
          "[traces]") {
  engram::Storage source_storage = open();
  auto source = source_storage.traces();
  store(*source, snapshot(kT, 1, conformance::rich_metadata()));
  store(*source, snapshot(kT, 2));  // _1
  store(*source, snapshot(50.0, 3));
  store(*source, train(kT, 4, true));
  store(*source, train(kT, 5, false));
  store(*source, compressed(kT, 6));
  store(*source, reservoir(kT, 7, "a"));
  store(*source, reservoir(kT, 8, "b"));
  store(*source, outputs(kT, 9));
  store(*source, plasticity(kT, 10));
  store(*source, homeostatic(kT, 11));
  PerformanceMetrics odd = metrics(kT, 0.5);
  odd.metrics["nan"] = std::numeric_limits<double>::quiet_NaN();
  store(*source, odd);
  const Listing listed = list_everything(*source, 2);
  REQUIRE(listed.snapshots.size() == 3);
  REQUIRE(listed.trains.size() == 2);

  engram::Storage target_storage = open();
  auto target = target_storage.traces();
  TraceBatch batch;
  for (const auto& r : listed.snapshots) batch.put(r);
  for (const auto& r : listed.trains) batch.put(r);
  for (const auto& r : listed.compressed) batch.put(r);
  for (const auto& r : listed.reservoirs) batch.put(r);
  for (const auto& r : listed.outputs) batch.put(r);
  for (const auto& r : listed.plasticity) batch.put(r);
  for (const auto& r : listed.homeostatic) batch.put(r);
  for (const auto& r : listed.metrics) batch.put(r);
  const engram::TraceBatchIds ids = target->store_batch(batch);

  // Trace ids are kept when free (every backend).
  CHECK(ids.network_snapshots == ids_of(listed.snapshots));
  CHECK(ids.spike_trains == ids_of(listed.trains));
  CHECK(ids.compressed_spike_trains == ids_of(listed.compressed));
  CHECK(ids.reservoir_states == ids_of(listed.reservoirs));
  CHECK(ids.layer_outputs == ids_of(listed.outputs));
  CHECK(ids.plasticity_traces == ids_of(listed.plasticity));
  CHECK(ids.homeostatic_traces == ids_of(listed.homeostatic));
  CHECK(ids.performance_metrics == ids_of(listed.metrics));

  const Listing copied = list_everything(*target, 3);
  REQUIRE(ids_of(copied.snapshots) == ids_of(listed.snapshots));
  for (std::size_t i = 0; i < listed.snapshots.size(); ++i) {
    check_same(copied.snapshots[i], listed.snapshots[i]);
  }
  REQUIRE(ids_of(copied.trains) == ids_of(listed.trains));
  for (std::size_t i = 0; i < listed.trains.size(); ++i) {
    check_same(copied.trains[i], listed.trains[i]);
  }
  REQUIRE(ids_of(copied.compressed) == ids_of(listed.compressed));
  check_same(copied.compressed[0], listed.compressed[0]);
  REQUIRE(ids_of(copied.reservoirs) == ids_of(listed.reservoirs));
  for (std::size_t i = 0; i < listed.reservoirs.size(); ++i) {
    check_same(copied.reservoirs[i], listed.reservoirs[i]);
  }
  REQUIRE(ids_of(copied.outputs) == ids_of(listed.outputs));
  check_same(copied.outputs[0], listed.outputs[0]);
  REQUIRE(ids_of(copied.plasticity) == ids_of(listed.plasticity));
  check_same(copied.plasticity[0], listed.plasticity[0]);
  REQUIRE(ids_of(copied.homeostatic) == ids_of(listed.homeostatic));
  check_same(copied.homeostatic[0], listed.homeostatic[0]);
  REQUIRE(ids_of(copied.metrics) == ids_of(listed.metrics));
  check_same(copied.metrics[0], listed.metrics[0]);
  CHECK(target->get_network_snapshots_in_range(0.0, 2e9) ==
        source->get_network_snapshots_in_range(0.0, 2e9));
  // New stores continue after the copied ids.
  CHECK(store(*target, snapshot(kT, 20)) == "snapshot_" + kMs + "_2");
}

TEST_CASE("traces: 8 threads storing and reading lose nothing", "[traces]") {
  engram::Storage storage = open();
  auto s = storage.traces();
  constexpr int kThreads = 8;
  constexpr int kEach = 25;
  std::mutex mutex;
  std::vector<std::string> snapshot_ids;
  std::vector<std::string> metric_ids;

  const std::vector<std::string> errors = conformance::run_threads(
      kThreads, [&](int t, const conformance::Fail& fail) {
        for (int i = 0; i < kEach; ++i) {
          const auto seed = static_cast<std::uint64_t>(t * 1000 + i);
          const NetworkSnapshot want = snapshot(kT, seed);  // all in one millisecond
          const std::string id = store(*s, want);
          auto got = s->retrieve_network_snapshot(id);
          if (!got || !(got->neuron_states == want.neuron_states) ||
              !(got->weight_matrix == want.weight_matrix)) {
            fail("snapshot " + id + " not read back as stored");
          }
          const std::string mid = s->store_performance_metrics(
              kT, {{"thread", static_cast<double>(t)}, {"i", static_cast<double>(i)}}, "shared");
          auto m = s->retrieve_performance_metrics(mid);
          if (!m || m->metrics.at("thread") != static_cast<double>(t) ||
              m->metrics.at("i") != static_cast<double>(i)) {
            fail("metrics " + mid + " not read back as stored");
          }
          const std::string rid =
              store(*s, reservoir(kT, seed, "r" + std::to_string(t)));
          if (!s->retrieve_reservoir_states(rid)) fail("reservoir " + rid + " missing");
          std::lock_guard<std::mutex> lock(mutex);
          snapshot_ids.push_back(id);
          metric_ids.push_back(mid);
        }
      });
  INFO("first error: " << (errors.empty() ? std::string() : errors.front()));
  CHECK(errors.empty());

  const std::size_t total = static_cast<std::size_t>(kThreads * kEach);
  std::set<std::string> expected_snapshots{"snapshot_" + kMs};
  std::set<std::string> expected_metrics{"shared_" + kMs};
  for (std::size_t n = 1; n < total; ++n) {
    expected_snapshots.insert("snapshot_" + kMs + "_" + std::to_string(n));
    expected_metrics.insert("shared_" + kMs + "_" + std::to_string(n));
  }
  CHECK(std::set<std::string>(snapshot_ids.begin(), snapshot_ids.end()) == expected_snapshots);
  CHECK(std::set<std::string>(metric_ids.begin(), metric_ids.end()) == expected_metrics);
  const Listing l = list_everything(*s, 64);
  CHECK(l.snapshots.size() == total);
  CHECK(l.metrics.size() == total);
  CHECK(l.reservoirs.size() == total);
  CHECK(s->get_network_snapshots_in_range(kT, kT).size() == total);
}
