// The hdf5 plugin's latest seed stamp (TraceStore::do_latest_seed_stamp,
// for the core's write-behind, engram/write_behind.h), called as the core
// calls it (role_hooks.h): from the link names of a kind's groups alone —
// a snapshot's three, one for every other kind — reading no record. What
// every plugin's stamps promise is hook_checks.h's.
#include <catch2/catch.hpp>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engram/array.h"
#include "engram/errors.h"
#include "engram/ids.h"
#include "engram/page.h"
#include "engram/storage.h"
#include "engram/trace_store.h"
#include "hdf5_test_util.h"
#include "hook_checks.h"
#include "role_hooks.h"

namespace {

namespace fs = std::filesystem;
using engram::ArrayView;
using engram::TraceKind;
using engram_test::latest_seed_stamp;

constexpr double kT = 1'700'000'000.5;
const std::vector<double> kSquareValues{0, 1, 1, 0};
const std::vector<double> kValues{0.1, 0.2};
const std::vector<std::int32_t> kNeurons{4, 7};

int python(const std::string& code) {
  return hdf5_test::run(hdf5_test::shell_quote(ENGRAM_PYTHON) + " -c " +
                        hdf5_test::shell_quote(code));
}

// Every record a listing gives, page by page.
template <class Record>
std::vector<Record> list_all(
    const std::function<engram::Page<Record>(std::string_view, std::size_t)>& list) {
  std::vector<Record> all;
  std::string cursor;
  do {
    engram::Page<Record> page = list(cursor, 8);
    for (Record& record : page.items) all.push_back(std::move(record));
    cursor = page.next_cursor;
  } while (!cursor.empty());
  return all;
}

// Checks that the stamp of `kind` for each prefix its records have is the
// greatest that seed_id_stamp reads from their listed ids; returns how
// many records there were.
template <class Record>
std::size_t check_against_listing(engram::TraceStore& traces, TraceKind kind,
                                  const std::vector<Record>& records) {
  std::map<std::string, std::optional<std::int64_t>> expected;  // by prefix
  for (const Record& record : records) {
    const std::string prefix(engram::seed_id_prefix(record));
    const std::optional<std::int64_t> stamp = engram::seed_id_stamp(record.id, prefix);
    std::optional<std::int64_t>& latest = expected[prefix];
    if (stamp && (!latest || *stamp > *latest)) latest = stamp;
  }
  for (const auto& [prefix, stamp] : expected) {
    INFO(engram::trace_kind_name(kind) << " with prefix " << prefix);
    CHECK(latest_seed_stamp(traces, kind, prefix) == stamp);
  }
  return records.size();
}

}  // namespace

TEST_CASE("hdf5 hooks: the latest seed stamp of each kind of trace", "[hdf5][hooks]") {
  hdf5_test::TempDir dir;
  engram::Storage storage = hdf5_test::open_hdf5(dir / "traces.h5");
  engram_test::check_latest_seed_stamps(*storage.traces());
}

TEST_CASE("hdf5 hooks: the stamps are the file's, after it is reopened", "[hdf5][hooks]") {
  hdf5_test::TempDir dir;
  const fs::path file = dir / "traces.h5";
  {
    engram::Storage storage = hdf5_test::open_hdf5(file);
    storage.traces()->store_plasticity_trace(kT, ArrayView(kValues), "hebbian");
    storage.traces()->store_plasticity_trace(kT - 9, ArrayView(kValues), "hebbian");
  }
  engram::Storage storage = hdf5_test::open_hdf5(file);
  CHECK(latest_seed_stamp(*storage.traces(), TraceKind::kPlasticityTrace, "hebbian") ==
        engram::seed_millis(kT));
  CHECK_FALSE(latest_seed_stamp(*storage.traces(), TraceKind::kPlasticityTrace, "stdp"));
}

TEST_CASE("hdf5 hooks: a snapshot's stamp counts while any of its three groups holds it",
          "[hdf5][hooks]") {
  hdf5_test::TempDir dir;
  const fs::path file = dir / "traces.h5";
  const ArrayView square(kSquareValues, {2, 2});
  std::string latest_id;
  {
    engram::Storage storage = hdf5_test::open_hdf5(file);
    storage.traces()->store_network_snapshot(kT - 5, square, square, ArrayView(kValues));
    latest_id = storage.traces()->store_network_snapshot(kT, square, square, ArrayView(kValues));
  }
  // Its topology group gone, the snapshot is not listed, but its id is
  // still taken in the weights and neuron_states groups.
  REQUIRE(python("import h5py\n"
                 "with h5py.File('" +
                 file.string() + "', 'a') as f:\n    del f['network_states/topology/" + latest_id +
                 "']\n") == 0);
  engram::Storage storage = hdf5_test::open_hdf5(file);
  auto traces = storage.traces();
  REQUIRE(traces->list_network_snapshots().items.size() == 1);
  CHECK(latest_seed_stamp(*traces, TraceKind::kNetworkSnapshot, "snapshot") ==
        engram::seed_millis(kT));
  // A store in that millisecond does not take the id either.
  CHECK(traces->store_network_snapshot(kT, square, square, ArrayView(kValues)) != latest_id);
}

TEST_CASE("hdf5 hooks: the stamps read no record, so an unreadable one does not stop them",
          "[hdf5][hooks]") {
  hdf5_test::TempDir dir;
  const fs::path file = dir / "traces.h5";
  std::string latest_id;
  {
    engram::Storage storage = hdf5_test::open_hdf5(file);
    storage.traces()->store_spike_train(kT - 5, ArrayView(kValues), ArrayView(kNeurons));
    latest_id = storage.traces()->store_spike_train(kT, ArrayView(kValues), ArrayView(kNeurons));
  }
  // The latest train's datasets gone: the record no longer reads.
  REQUIRE(python("import h5py\n"
                 "with h5py.File('" +
                 file.string() + "', 'a') as f:\n    g = f['spike_trains/raw_data/" + latest_id +
                 "']\n    for name in list(g):\n        del g[name]\n") == 0);
  engram::Storage storage = hdf5_test::open_hdf5(file);
  auto traces = storage.traces();
  CHECK_THROWS_AS(traces->retrieve_spike_train(latest_id), engram::StorageError);
  CHECK(latest_seed_stamp(*traces, TraceKind::kSpikeTrain, "train") == engram::seed_millis(kT));
}

TEST_CASE("hdf5 hooks: on the seed's seed_traces.h5 the stamps are its listings'",
          "[hdf5][hooks][seed]") {
  hdf5_test::TempDir dir;
  const auto file = hdf5_test::copy_fixture(dir, "seed_traces.h5");
  engram::Storage storage = hdf5_test::open_hdf5(file);
  auto t = storage.traces();
  const auto lister = [&](auto list) {
    return [t, list](std::string_view cursor, std::size_t limit) {
      return ((*t).*list)(cursor, limit);
    };
  };
  std::size_t records = 0;
  records += check_against_listing(
      *t, TraceKind::kNetworkSnapshot,
      list_all<engram::NetworkSnapshot>(lister(&engram::TraceStore::list_network_snapshots)));
  records += check_against_listing(
      *t, TraceKind::kSpikeTrain,
      list_all<engram::SpikeTrainData>(lister(&engram::TraceStore::list_spike_trains)));
  records += check_against_listing(*t, TraceKind::kCompressedSpikeTrain,
                                   list_all<engram::CompressedSpikeTrain>(
                                       lister(&engram::TraceStore::list_compressed_spike_trains)));
  records += check_against_listing(
      *t, TraceKind::kReservoirStates,
      list_all<engram::ReservoirStates>(lister(&engram::TraceStore::list_reservoir_states)));
  records += check_against_listing(
      *t, TraceKind::kLayerOutputs,
      list_all<engram::LayerOutputs>(lister(&engram::TraceStore::list_layer_outputs)));
  records += check_against_listing(
      *t, TraceKind::kPlasticityTrace,
      list_all<engram::PlasticityTrace>(lister(&engram::TraceStore::list_plasticity_traces)));
  records += check_against_listing(
      *t, TraceKind::kHomeostaticTrace,
      list_all<engram::HomeostaticTrace>(lister(&engram::TraceStore::list_homeostatic_traces)));
  records += check_against_listing(
      *t, TraceKind::kPerformanceMetrics,
      list_all<engram::PerformanceMetrics>(lister(&engram::TraceStore::list_performance_metrics)));
  CHECK(records > 0);
}
