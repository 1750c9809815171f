// Files other tools read and write: h5py (python3-h5py) reads every kind of
// trace engram wrote — values, dtypes, shapes, the seed's attribute names —
// engram reads a file h5py wrote in the seed's layout, and h5ls / h5dump
// list the layout.
#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "engram/array.h"
#include "engram/json.h"
#include "engram/storage.h"
#include "engram/trace_store.h"
#include "hdf5_test_util.h"

namespace {

using engram::Array;
using engram::ArrayView;
using engram::DType;
using engram::Json;
using hdf5_test::capture;
using hdf5_test::python_script;
using hdf5_test::shell_quote;

std::string numpy_str(DType dtype) {
  switch (dtype) {
    case DType::kBool:
      return "|b1";
    case DType::kInt8:
      return "|i1";
    case DType::kInt16:
      return "<i2";
    case DType::kInt32:
      return "<i4";
    case DType::kInt64:
      return "<i8";
    case DType::kUInt8:
      return "|u1";
    case DType::kUInt16:
      return "<u2";
    case DType::kUInt32:
      return "<u4";
    case DType::kUInt64:
      return "<u8";
    case DType::kFloat16:
      return "<f2";
    case DType::kFloat32:
      return "<f4";
    case DType::kFloat64:
      return "<f8";
    case DType::kComplex64:
      return "<c8";
    case DType::kComplex128:
      return "<c16";
  }
  return "?";
}

std::string hex(const ArrayView& a) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (std::byte b : a.bytes()) {
    out += digits[static_cast<unsigned>(b) >> 4];
    out += digits[static_cast<unsigned>(b) & 15];
  }
  return out;
}

// Deterministic bytes of any dtype (bool 0/1).
Array make(DType dtype, engram::Shape shape, unsigned seed) {
  Array a(dtype, std::move(shape));
  auto bytes = a.mutable_bytes();
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    bytes[i] = dtype == DType::kBool ? std::byte((i + seed) % 2)
                                     : std::byte(static_cast<unsigned char>((i * 37 + seed) % 251));
  }
  if (dtype == DType::kFloat16 || dtype == DType::kFloat32 || dtype == DType::kFloat64 ||
      dtype == DType::kComplex64 || dtype == DType::kComplex128) {
    // Keep floats finite and ordinary: small integers.
    a = Array(dtype, a.shape());
    auto out = a.mutable_bytes();
    const std::size_t step = dtype == DType::kFloat16                                 ? 2
                             : dtype == DType::kFloat32 || dtype == DType::kComplex64 ? 4
                                                                                      : 8;
    for (std::size_t i = 0; i + step <= out.size(); i += step) {
      const double v = static_cast<double>((i / step + seed) % 17) - 8.0;
      if (step == 2) {
        const engram::Float16 h = engram::to_float16(static_cast<float>(v));
        std::memcpy(out.data() + i, &h.bits, 2);
      } else if (step == 4) {
        const float f = static_cast<float>(v);
        std::memcpy(out.data() + i, &f, 4);
      } else {
        std::memcpy(out.data() + i, &v, 8);
      }
    }
  }
  return a;
}

Json describe(const std::filesystem::path& file) {
  int status = 0;
  const std::string out = capture(python_script("describe " + shell_quote(file.string())), &status);
  REQUIRE(status == 0);
  return Json::parse(out);
}

void check_dataset(const Json& d, const std::string& path, const ArrayView& want) {
  INFO("dataset " << path);
  REQUIRE(d.contains(path));
  const Json& e = d.at(path);
  CHECK(e.at("kind") == "dataset");
  CHECK(e.at("dtype") == numpy_str(want.dtype()));
  CHECK(e.at("shape").get<std::vector<std::size_t>>() == want.shape());
  CHECK(e.at("hex") == hex(want));
  if (!want.shape().empty() && want.size() > 0) {
    CHECK_FALSE(e.at("chunks").is_null());
    CHECK(e.at("shuffle") == true);
    CHECK(e.at("fletcher32") == true);
    CHECK(e.at("compression") == "gzip");
  } else {
    CHECK(e.at("chunks").is_null());
  }
}

constexpr double kT = 1700000000.25;
const std::string kMs = "1700000000250";

}  // namespace

TEST_CASE("hdf5: h5py reads every kind of trace engram wrote, with the seed's attributes",
          "[hdf5][interop]") {
  hdf5_test::TempDir dir;
  const auto file = dir / "traces.h5";
  const Array adj = make(DType::kInt64, {5, 5}, 1);
  const Array weights = make(DType::kFloat64, {5, 5}, 2);
  const Array states = make(DType::kFloat32, {5, 2}, 3);
  const Array times = make(DType::kFloat64, {7}, 4);
  const Array ids = Array(std::vector<std::int32_t>{3, 1, 3, 2, 1, 0, 9});
  const Array amps = make(DType::kFloat32, {7}, 5);
  const Array packed = make(DType::kUInt8, {12}, 6);
  const Array changes = make(DType::kFloat64, {10}, 7);
  // Past HDF5's 64 KiB compact-attribute limit, h5py still reads it whole.
  const Json metadata = {{"step", 3},
                         {"lr", 0.5},
                         {"phase", "train"},
                         {"nested", {{"a", {1, 2}}}},
                         {"notes", std::string(100 * 1024, 'n')}};
  std::map<DType, std::string> reservoir_ids;
  {
    engram::Storage storage = hdf5_test::open_hdf5(file);
    auto s = storage.traces();
    REQUIRE(s->store_network_snapshot(kT, adj, weights, states, metadata) == "snapshot_" + kMs);
    REQUIRE(s->store_spike_train(kT, times, ids, ArrayView(amps), Json{{"trial", 2}}) ==
            "train_" + kMs);
    REQUIRE(s->store_compressed_spike_train(kT, packed,
                                            Json{{"original_shape", {4, 24}},
                                                 {"compression_ratio", 8.0},
                                                 {"codec", "bitpack"}}) == "compressed_" + kMs);
    for (DType dtype : engram::kAllDTypes) {
      reservoir_ids[dtype] = s->store_reservoir_states(kT, make(dtype, {2, 3}, 8),
                                                       std::string(engram::dtype_name(dtype)));
    }
    REQUIRE(s->store_reservoir_states(kT, Array::scalar(2.5), "zero_d") == "zero_d_" + kMs);
    REQUIRE(s->store_reservoir_states(kT, Array(DType::kInt16, {3, 0}), "empty") == "empty_" + kMs);
    REQUIRE(s->store_layer_outputs(kT, {{"hidden", states}, {"out", times}}) == "outputs_" + kMs);
    REQUIRE(s->store_plasticity_trace(kT, changes) == "stdp_" + kMs);
    REQUIRE(s->store_homeostatic_trace(kT, changes) == "intrinsic_plasticity_" + kMs);
    REQUIRE(s->store_performance_metrics(kT, {{"accuracy", 0.75}, {"loss", 0.25}},
                                         "classification") == "classification_" + kMs);
  }
  const Json d = describe(file);

  // File attributes and the seed's groups.
  CHECK(d.at("/").at("attrs").at("version") == "1.0");
  CHECK(d.at("/").at("attrs").at("compression") == "gzip");
  CHECK(d.at("/").at("attrs").at("chunk_size") == 1024);
  CHECK(d.at("/").at("attrs").contains("created_at"));
  for (const char* g : {"spike_trains/metadata", "activations/attention_maps"}) {
    CHECK(d.contains(g));
  }

  const std::string snap = "snapshot_" + kMs;
  check_dataset(d, "network_states/topology/" + snap + "/adjacency", adj);
  check_dataset(d, "network_states/weights/" + snap + "/weights", weights);
  check_dataset(d, "network_states/neuron_states/" + snap + "/states", states);
  const Json& top = d.at("network_states/topology/" + snap).at("attrs");
  CHECK(top.at("timestamp") == kT);
  CHECK(top.at("shape") == Json{5, 5});
  CHECK(top.at("meta_step") == 3);
  CHECK(top.at("meta_lr") == 0.5);
  CHECK(top.at("meta_phase") == "train");
  CHECK(top.at("meta_notes").get<std::string>().size() == 100 * 1024);
  CHECK(Json::parse(top.at("metadata_json").get<std::string>()) == metadata);
  CHECK(d.at("network_states/neuron_states/" + snap).at("attrs").at("shape") == Json{5, 2});

  const std::string train = "spike_trains/raw_data/train_" + kMs;
  check_dataset(d, train + "/spike_times", times);
  check_dataset(d, train + "/neuron_ids", ids);
  check_dataset(d, train + "/spike_amplitudes", amps);
  CHECK(d.at(train).at("attrs").at("num_spikes") == 7);
  CHECK(d.at(train).at("attrs").at("num_neurons") == 5);
  CHECK(d.at(train).at("attrs").at("meta_trial") == 2);

  const std::string comp = "spike_trains/compressed/compressed_" + kMs;
  check_dataset(d, comp, packed);
  CHECK(d.at(comp).at("attrs").at("original_shape") == Json{4, 24});
  CHECK(d.at(comp).at("attrs").at("compression_ratio") == 8.0);
  CHECK(d.at(comp).at("attrs").at("param_codec") == "bitpack");

  for (DType dtype : engram::kAllDTypes) {
    const std::string path = "activations/reservoir_states/" + reservoir_ids[dtype];
    check_dataset(d, path, make(dtype, {2, 3}, 8));
    CHECK(d.at(path).at("attrs").at("reservoir_id") == std::string(engram::dtype_name(dtype)));
    CHECK(d.at(path).at("attrs").at("shape") == Json{2, 3});
  }
  check_dataset(d, "activations/reservoir_states/zero_d_" + kMs, Array::scalar(2.5));
  check_dataset(d, "activations/reservoir_states/empty_" + kMs, Array(DType::kInt16, {3, 0}));

  check_dataset(d, "activations/layer_outputs/outputs_" + kMs + "/hidden", states);
  check_dataset(d, "activations/layer_outputs/outputs_" + kMs + "/out", times);
  CHECK(d.at("activations/layer_outputs/outputs_" + kMs).at("attrs").at("num_layers") == 2);

  const std::string plast = "learning_traces/plasticity/stdp_" + kMs;
  check_dataset(d, plast, changes);
  CHECK(d.at(plast).at("attrs").at("plasticity_type") == "stdp");
  CHECK(d.at(plast).at("attrs").at("num_synapses") == 10);
  CHECK(d.at(plast).at("attrs").contains("mean_change"));
  CHECK(d.at(plast).at("attrs").contains("std_change"));
  const std::string homeo = "learning_traces/homeostatic/intrinsic_plasticity_" + kMs;
  check_dataset(d, homeo, changes);
  CHECK(d.at(homeo).at("attrs").at("mechanism") == "intrinsic_plasticity");
  CHECK(d.at(homeo).at("attrs").at("num_neurons") == 10);

  const std::string perf = "learning_traces/performance/classification_" + kMs;
  check_dataset(d, perf + "/values", Array(std::vector<double>{0.75, 0.25}));
  CHECK(d.at(perf).at("attrs").at("task_type") == "classification");
  CHECK(d.at(perf).at("attrs").at("metric_names") == Json{"accuracy", "loss"});
}

TEST_CASE("hdf5: num_neurons counts the distinct neuron ids of every width and spread",
          "[hdf5][interop]") {
  hdf5_test::TempDir dir;
  const auto file = dir.path() / "traces.h5";
  // Small spreads (counted in a table over their range) and wide ones
  // (sorted), of each integer width, negative values included.
  const std::vector<std::pair<Array, std::int64_t>> cases = {
      {Array(std::vector<std::uint8_t>{7, 7, 255, 0, 3, 255}), 4},
      {Array(std::vector<std::int16_t>{-5, 300, -5, 12, 300, 1}), 4},
      {Array(std::vector<std::int32_t>{2, 2, 2}), 1},
      {Array(std::vector<std::int64_t>{-1, 1, -1, 1, 0}), 3},
      {Array(std::vector<std::int64_t>{0, INT64_MAX, INT64_MIN, 0, 5, INT64_MAX}), 4},
      {Array(std::vector<std::uint64_t>{UINT64_MAX, 1, 1, UINT64_MAX / 2}), 3},
      {Array(std::vector<std::int64_t>{42}), 1},
  };
  std::vector<std::string> ids;
  {
    engram::Storage storage = hdf5_test::open_hdf5(file);
    auto s = storage.traces();
    for (std::size_t i = 0; i < cases.size(); ++i) {
      const Array& neurons = cases[i].first;
      const Array times(std::vector<double>(neurons.size(), 0.5));
      ids.push_back(s->store_spike_train(kT + static_cast<double>(i), times, neurons));
    }
  }
  const Json d = describe(file);
  for (std::size_t i = 0; i < cases.size(); ++i) {
    INFO("case " << i << " (" << ids[i] << ")");
    const Json& attrs = d.at("spike_trains/raw_data/" + ids[i]).at("attrs");
    CHECK(attrs.at("num_neurons") == cases[i].second);
    CHECK(attrs.at("num_spikes") == cases[i].first.size());
  }
}

TEST_CASE("hdf5: engram reads a file h5py wrote in the seed's layout", "[hdf5][interop]") {
  hdf5_test::TempDir dir;
  const auto file = dir / "seed_layout.h5";
  REQUIRE(hdf5_test::run(python_script("write " + shell_quote(file.string()))) == 0);
  engram::Storage storage = hdf5_test::open_hdf5(file);
  auto s = storage.traces();
  const std::string ms = "1700000000500";

  auto snap = s->retrieve_network_snapshot("snapshot_" + ms);
  REQUIRE(snap);
  CHECK(snap->timestamp == 1700000000.5);
  CHECK(snap->metadata == Json{{"step", 7}, {"lr", 0.125}, {"phase", "eval"}});
  REQUIRE(snap->adjacency_matrix.dtype() == DType::kInt64);
  REQUIRE(snap->adjacency_matrix.shape() == engram::Shape{6, 6});
  const auto adj = snap->adjacency_matrix.values<std::int64_t>();
  for (std::size_t i = 0; i < adj.size(); ++i) CHECK(adj[i] == (i % 3 == 0 ? 1 : 0));
  REQUIRE(snap->weight_matrix.dtype() == DType::kFloat64);
  const auto w = snap->weight_matrix.values<double>();
  for (std::size_t i = 0; i < w.size(); ++i) CHECK(w[i] == static_cast<double>(i) / 4.0);
  REQUIRE(snap->neuron_states.dtype() == DType::kFloat32);
  CHECK(snap->neuron_states.shape() == engram::Shape{6, 2});
  CHECK(s->get_network_snapshots_in_range(1700000000.0, 1700000001.0) ==
        std::vector<std::string>{"snapshot_" + ms});

  auto train = s->retrieve_spike_train("train_" + ms);
  REQUIRE(train);
  CHECK(train->metadata == Json{{"trial", 3}});
  CHECK(train->neuron_ids == Array(std::vector<std::int32_t>{3, 1, 4, 1, 5, 9, 2, 6, 5}));
  REQUIRE(train->spike_amplitudes);
  CHECK(*train->spike_amplitudes == Array(std::vector<float>(9, 0.5f)));
  CHECK(train->spike_times.size() == 9);

  auto comp = s->retrieve_compressed_spike_train("compressed_" + ms);
  REQUIRE(comp);
  CHECK(comp->compression_params == Json{{"codec", "bitpack"}, {"original_shape", {4, 32}}});
  CHECK(comp->spike_data.dtype() == DType::kUInt8);
  CHECK(comp->spike_data.size() == 16);

  auto res = s->retrieve_reservoir_states("lsm_" + ms);
  REQUIRE(res);
  CHECK(res->reservoir_id == "lsm");
  CHECK(res->reservoir_states.shape() == engram::Shape{4, 5});

  auto outs = s->retrieve_layer_outputs("outputs_" + ms);
  REQUIRE(outs);
  REQUIRE(outs->layer_outputs.size() == 2);
  CHECK(outs->layer_outputs.at("output") == Array(std::vector<double>{0.25, 0.75}));
  CHECK(outs->layer_outputs.at("hidden") == Array(std::vector<float>(6, 1.0f), {2, 3}));

  auto plast = s->retrieve_plasticity_trace("stdp_" + ms);
  REQUIRE(plast);
  CHECK(plast->plasticity_type == "stdp");
  CHECK(plast->synapse_changes == Array(std::vector<double>{0.5, -0.25, 0.125}));
  auto homeo = s->retrieve_homeostatic_trace("intrinsic_plasticity_" + ms);
  REQUIRE(homeo);
  CHECK(homeo->mechanism == "intrinsic_plasticity");

  auto perf = s->retrieve_performance_metrics("classification_" + ms);
  REQUIRE(perf);
  CHECK(perf->task_type == "classification");
  CHECK(perf->metrics == std::map<std::string, double>{{"accuracy", 0.875}, {"loss", 0.5}});

  // engram goes on storing into that file, never over what h5py wrote.
  CHECK(s->store_network_snapshot(1700000000.5, snap->adjacency_matrix, snap->weight_matrix,
                                  snap->neuron_states) == "snapshot_" + ms + "_1");
  CHECK(s->list_network_snapshots({}, 10).items.size() == 2);
}

TEST_CASE("hdf5: h5ls and h5dump list the seed's layout", "[hdf5][interop]") {
  hdf5_test::TempDir dir;
  const auto file = dir / "traces.h5";
  {
    engram::Storage storage = hdf5_test::open_hdf5(file);
    auto s = storage.traces();
    const Array m = make(DType::kFloat32, {4, 4}, 1);
    s->store_network_snapshot(kT, m, m, m);
    s->store_spike_train(kT, Array(std::vector<double>{0.1, 0.2}),
                         Array(std::vector<std::int64_t>{1, 2}));
  }
  int status = 0;
  const std::string listing = capture("h5ls -r " + shell_quote(file.string()), &status);
  REQUIRE(status == 0);
  for (const std::string& want : std::vector<std::string>{
           "/network_states/topology/snapshot_" + kMs + "/adjacency", "/network_states/weights",
           "/network_states/neuron_states/snapshot_" + kMs + "/states",
           "/spike_trains/raw_data/train_" + kMs + "/neuron_ids", "/spike_trains/compressed",
           "/spike_trains/metadata", "/activations/reservoir_states", "/activations/layer_outputs",
           "/activations/attention_maps", "/learning_traces/plasticity",
           "/learning_traces/homeostatic", "/learning_traces/performance"}) {
    INFO(want);
    CHECK(listing.find(want) != std::string::npos);
  }
  const std::string header = capture("h5dump -H -p -d /network_states/topology/snapshot_" + kMs +
                                         "/adjacency " + shell_quote(file.string()),
                                     &status);
  REQUIRE(status == 0);
  CHECK(header.find("CHUNKED") != std::string::npos);
  CHECK(header.find("SHUFFLE") != std::string::npos);
  CHECK(header.find("CHECKSUM FLETCHER32") != std::string::npos);
  CHECK(header.find("DEFLATE") != std::string::npos);
  CHECK(header.find("H5S_UNLIMITED") != std::string::npos);
}
