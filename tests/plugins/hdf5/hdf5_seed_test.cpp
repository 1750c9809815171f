// The Python system's own file: engram reads ../shared/fixtures/seed_traces.h5
// (a copy) through the traces role, and every record seed_fixtures.json
// lists comes back with its ids, timestamps, metadata, names and values.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "engram/array.h"
#include "engram/json.h"
#include "engram/migrate.h"
#include "engram/storage.h"
#include "engram/trace_store.h"
#include "hdf5_test_util.h"

namespace {

using engram::Array;
using engram::DType;
using engram::Json;

std::string numpy_str(DType dtype) {
  switch (dtype) {
    case DType::kUInt8:
      return "|u1";
    case DType::kInt32:
      return "<i4";
    case DType::kInt64:
      return "<i8";
    case DType::kFloat32:
      return "<f4";
    case DType::kFloat64:
      return "<f8";
    default:
      return std::string(engram::dtype_name(dtype));
  }
}

std::vector<double> as_doubles(const Array& a) {
  std::vector<double> out;
  const auto add = [&]<class T>(std::span<const T> values) {
    for (const T v : values) out.push_back(static_cast<double>(v));
  };
  switch (a.dtype()) {
    case DType::kUInt8:
      add(a.values<std::uint8_t>());
      break;
    case DType::kInt32:
      add(a.values<std::int32_t>());
      break;
    case DType::kInt64:
      add(a.values<std::int64_t>());
      break;
    case DType::kFloat32:
      add(a.values<float>());
      break;
    case DType::kFloat64:
      add(a.values<double>());
      break;
    default:
      FAIL("unexpected dtype " << engram::dtype_name(a.dtype()));
  }
  return out;
}

// The manifest's {dtype, shape, sum, first} of one array.
void check_array(const Array& got, const Json& want, const std::string& what) {
  INFO(what);
  CHECK(numpy_str(got.dtype()) == want.at("dtype").get<std::string>());
  CHECK(got.shape() == want.at("shape").get<engram::Shape>());
  const std::vector<double> values = as_doubles(got);
  double sum = 0.0;
  for (double v : values) sum += v;
  CHECK(sum == Approx(want.at("sum").get<double>()).epsilon(1e-9).margin(1e-9));
  const auto first = want.at("first").get<std::vector<double>>();
  REQUIRE(values.size() >= first.size());
  for (std::size_t i = 0; i < first.size(); ++i) CHECK(values[i] == first[i]);
}

// The manifest's records of the seed's HDF5 file.
Json seed_records() {
  std::ifstream manifest_file(hdf5_test::fixture_path("seed_fixtures.json"));
  REQUIRE(manifest_file);
  const Json manifest = Json::parse(manifest_file);
  Json records = manifest.at("hdf5").at("records");
  REQUIRE(records.size() >= 11);
  return records;
}

// Every record of `records` comes back from `s` with its ids, timestamps,
// metadata, names and values.
void check_seed_records(engram::TraceStore* s, const Json& records) {
  std::vector<std::string> snapshot_ids;
  for (const Json& r : records) {
    const std::string kind = r.at("kind");
    const std::string id = r.at("id");
    const double timestamp = r.at("timestamp");
    INFO(kind << " " << id);
    if (kind == "network_snapshot") {
      auto got = s->retrieve_network_snapshot(id);
      REQUIRE(got);
      CHECK(got->timestamp == timestamp);
      CHECK(got->metadata == r.at("metadata"));
      check_array(got->adjacency_matrix, r.at("adjacency"), "adjacency");
      check_array(got->weight_matrix, r.at("weights"), "weights");
      check_array(got->neuron_states, r.at("neuron_states"), "neuron_states");
      snapshot_ids.push_back(id);
    } else if (kind == "spike_train") {
      auto got = s->retrieve_spike_train(id);
      REQUIRE(got);
      CHECK(got->timestamp == timestamp);
      CHECK(got->metadata == r.at("metadata"));
      check_array(got->spike_times, r.at("spike_times"), "spike_times");
      check_array(got->neuron_ids, r.at("neuron_ids"), "neuron_ids");
      CHECK(got->spike_amplitudes.has_value() == r.contains("spike_amplitudes"));
      if (got->spike_amplitudes && r.contains("spike_amplitudes")) {
        check_array(*got->spike_amplitudes, r.at("spike_amplitudes"), "spike_amplitudes");
      }
    } else if (kind == "compressed_spike_train") {
      auto got = s->retrieve_compressed_spike_train(id);
      REQUIRE(got);
      CHECK(got->timestamp == timestamp);
      CHECK(got->compression_params == r.at("params"));
      check_array(got->spike_data, r.at("data"), "data");
    } else if (kind == "reservoir_states") {
      auto got = s->retrieve_reservoir_states(id);
      REQUIRE(got);
      CHECK(got->timestamp == timestamp);
      CHECK(got->reservoir_id == r.at("reservoir_id"));
      check_array(got->reservoir_states, r.at("states"), "states");
    } else if (kind == "layer_outputs") {
      auto got = s->retrieve_layer_outputs(id);
      REQUIRE(got);
      CHECK(got->timestamp == timestamp);
      REQUIRE(got->layer_outputs.size() == r.at("layers").size());
      for (const auto& [name, want] : r.at("layers").items()) {
        REQUIRE(got->layer_outputs.count(name) == 1);
        check_array(got->layer_outputs.at(name), want, name);
      }
    } else if (kind == "plasticity_trace") {
      auto got = s->retrieve_plasticity_trace(id);
      REQUIRE(got);
      CHECK(got->timestamp == timestamp);
      CHECK(got->plasticity_type == r.at("plasticity_type"));
      check_array(got->synapse_changes, r.at("changes"), "changes");
    } else if (kind == "homeostatic_trace") {
      auto got = s->retrieve_homeostatic_trace(id);
      REQUIRE(got);
      CHECK(got->timestamp == timestamp);
      CHECK(got->mechanism == r.at("mechanism"));
      check_array(got->homeostatic_changes, r.at("changes"), "changes");
    } else if (kind == "performance_metrics") {
      auto got = s->retrieve_performance_metrics(id);
      REQUIRE(got);
      CHECK(got->timestamp == timestamp);
      CHECK(got->task_type == r.at("task_type"));
      CHECK(Json(got->metrics) == r.at("metrics"));
    } else {
      FAIL("the manifest has a kind this test does not know: " << kind);
    }
  }
  CHECK(s->get_network_snapshots_in_range(0.0, 4e9) == snapshot_ids);
  CHECK(s->list_network_snapshots({}, 100).items.size() == snapshot_ids.size());
}

}  // namespace

TEST_CASE("hdf5: every record of the seed's seed_traces.h5 comes back with its values",
          "[hdf5][seed]") {
  hdf5_test::TempDir dir;
  const auto file = hdf5_test::copy_fixture(dir, "seed_traces.h5");
  engram::Storage storage = hdf5_test::open_hdf5(file);
  check_seed_records(storage.traces().get(), seed_records());
}

TEST_CASE("hdf5: engram::migrate copies seed_traces.h5 into a fresh file, every record intact",
          "[hdf5][seed][migrate]") {
  hdf5_test::TempDir dir;
  const auto file = hdf5_test::copy_fixture(dir, "seed_traces.h5");
  engram::Storage seed = hdf5_test::open_hdf5(file);
  engram::Storage fresh = hdf5_test::open_hdf5(dir / "fresh.h5", ", compression: lz4");
  engram::MigrationOptions options;
  options.trace_page_size = 3;
  const auto report = engram::migrate(seed, fresh, options);
  for (const auto& kind : report.kinds) CHECK(kind.remapped == 0);
  const Json records = seed_records();
  CHECK(report.total_records() == static_cast<std::int64_t>(records.size()));
  check_seed_records(fresh.traces().get(), records);
}
