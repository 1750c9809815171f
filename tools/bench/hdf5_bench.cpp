// The hdf5 plugin through Storage beside the same work done with the HDF5 C
// API directly: the seed's layout (a group per snapshot part, a dataset per
// array, the seed's timestamp and shape attributes), the seed's chunks
// (min(1024, extent)), shuffle + Fletcher-32 + the codec, and H5Fflush after
// every store, as the plugin does (the plugin adds its undo journal, JSON
// metadata and id checks). Each workload runs for gzip level 6 and for LZ4,
// the fastest codec Debian's filter plugins offer. Each side works on a
// fresh file in its own temporary folder. bytes_per_second counts the
// arrays' bytes per CPU second; wall_MB_per_s is per wall-clock second, as
// ratio_vs_raw is.
#include <hdf5.h>
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <system_error>
#include <vector>

#include "engram/array.h"
#include "engram/storage.h"
#include "engram/trace_store.h"
#include "scratch_dir.h"
#include "ratio.h"

namespace engram::bench {
namespace {

namespace fs = std::filesystem;

using workloads::kArrayReadSet;
using workloads::kLargeNeurons;
using workloads::kNeuronStateColumns;
using workloads::kNeurons;
using workloads::kTrainSpikes;

// The two codecs measured: the seed's default and the fastest.
enum class Codec { kGzip6, kLz4 };
const char* codec_option(Codec c) {
  return c == Codec::kGzip6 ? "gzip, compression_opts: 6" : "lz4";
}

// ---- the raw side

void ok(herr_t result, const char* what) {
  if (result < 0) throw std::runtime_error(std::string("HDF5: ") + what);
}
hid_t ok_id(hid_t id, const char* what) {
  if (id < 0) throw std::runtime_error(std::string("HDF5: ") + what);
  return id;
}

// A file in the seed's layout, written and read with the C API.
class RawFile {
 public:
  RawFile(const fs::path& path, Codec codec) : codec_(codec) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    file_ = ok_id(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT), "create");
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    H5Pset_create_intermediate_group(lcpl, 1);
    for (const char* g : {"network_states/topology", "network_states/weights",
                          "network_states/neuron_states", "spike_trains/raw_data"}) {
      H5Gclose(ok_id(H5Gcreate2(file_, g, lcpl, H5P_DEFAULT, H5P_DEFAULT), "group"));
    }
    H5Pclose(lcpl);
  }
  ~RawFile() { H5Fclose(file_); }
  RawFile(const RawFile&) = delete;
  RawFile& operator=(const RawFile&) = delete;

  void write(hid_t parent, const char* name, hid_t type, const Shape& shape, const void* data) {
    std::vector<hsize_t> dims(shape.begin(), shape.end()), max = dims, chunk = dims;
    max[0] = H5S_UNLIMITED;
    for (auto& c : chunk) c = std::min<hsize_t>(c, 1024);
    hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), max.data());
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, static_cast<int>(chunk.size()), chunk.data());
    H5Pset_shuffle(dcpl);
    if (codec_ == Codec::kGzip6) {
      H5Pset_deflate(dcpl, 6);
    } else {
      const unsigned block = 0;
      H5Pset_filter(dcpl, 32004, H5Z_FLAG_OPTIONAL, 1, &block);
    }
    H5Pset_fletcher32(dcpl);
    hid_t dset =
        ok_id(H5Dcreate2(parent, name, type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT), "dataset");
    ok(H5Dwrite(dset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), "write");
    H5Dclose(dset);
    H5Pclose(dcpl);
    H5Sclose(space);
  }
  static void attr_double(hid_t obj, const char* name, double v) {
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, H5T_IEEE_F64LE, space, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, H5T_NATIVE_DOUBLE, &v);
    H5Aclose(a);
    H5Sclose(space);
  }
  static void attr_shape(hid_t obj, const Shape& shape) {
    const hsize_t n = shape.size();
    std::vector<std::int64_t> v(shape.begin(), shape.end());
    hid_t space = H5Screate_simple(1, &n, nullptr);
    hid_t a = H5Acreate2(obj, "shape", H5T_STD_I64LE, space, H5P_DEFAULT, H5P_DEFAULT);
    H5Awrite(a, H5T_NATIVE_INT64, v.data());
    H5Aclose(a);
    H5Sclose(space);
  }
  // One array under `<group>/<id>/<name>`, with the seed's attributes.
  void part(const char* group, const std::string& id, const char* name, hid_t type,
            const ArrayView& a, double t) {
    hid_t parent = H5Gopen2(file_, group, H5P_DEFAULT);
    hid_t g = ok_id(H5Gcreate2(parent, id.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "group");
    attr_double(g, "timestamp", t);
    attr_shape(g, a.shape());
    write(g, name, type, a.shape(), a.data());
    H5Gclose(g);
    H5Gclose(parent);
  }
  void flush() { ok(H5Fflush(file_, H5F_SCOPE_GLOBAL), "flush"); }

  // Reads `<path>` whole into a fresh Array of `dtype`.
  Array read(const std::string& path, DType dtype, hid_t type) {
    hid_t dset = ok_id(H5Dopen2(file_, path.c_str(), H5P_DEFAULT), "open dataset");
    hid_t space = H5Dget_space(dset);
    const int rank = H5Sget_simple_extent_ndims(space);
    std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
    H5Sget_simple_extent_dims(space, dims.data(), nullptr);
    Array out(dtype, Shape(dims.begin(), dims.end()));
    ok(H5Dread(dset, type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.mutable_data()), "read");
    H5Sclose(space);
    H5Dclose(dset);
    return out;
  }
  double read_timestamp(const std::string& path) {
    hid_t obj = H5Oopen(file_, path.c_str(), H5P_DEFAULT);
    hid_t a = H5Aopen(obj, "timestamp", H5P_DEFAULT);
    double t = 0;
    H5Aread(a, H5T_NATIVE_DOUBLE, &t);
    H5Aclose(a);
    H5Oclose(obj);
    return t;
  }
  hid_t id() const { return file_; }

 private:
  Codec codec_;
  hid_t file_ = -1;
};

// ---- the workloads' arrays

struct SnapshotArrays {
  Array adjacency, weights, states;
  std::size_t bytes() const { return adjacency.nbytes() + weights.nbytes() + states.nbytes(); }
};

// The seed's small snapshot: (100, 100) int64 adjacency, (100, 100) float64
// weights, (100, 5) float64 states.
const SnapshotArrays& small_snapshot() {
  static const SnapshotArrays s = [] {
    constexpr std::size_t n = kNeurons, columns = kNeuronStateColumns;
    std::vector<std::int64_t> adj(n * n);
    std::vector<double> w(n * n), st(n * columns);
    for (std::size_t i = 0; i < adj.size(); ++i) adj[i] = (i * 7919) % 10 == 0 ? 1 : 0;
    for (std::size_t i = 0; i < w.size(); ++i)
      w[i] = static_cast<double>((i * 2654435761u) % 1000) / 997.0;
    for (std::size_t i = 0; i < st.size(); ++i) st[i] = static_cast<double>(i % 13) * 0.1;
    return SnapshotArrays{Array(std::move(adj), {n, n}), Array(std::move(w), {n, n}),
                          Array(std::move(st), {n, columns})};
  }();
  return s;
}

// A snapshot around a 16 MB float32 weight matrix (2048 × 2048); the
// adjacency (same shape) as uint8.
const SnapshotArrays& large_snapshot() {
  static const SnapshotArrays s = [] {
    constexpr std::size_t n = kLargeNeurons, columns = kNeuronStateColumns;
    std::vector<std::uint8_t> adj(n * n);
    std::vector<float> w(n * n), st(n * columns);
    for (std::size_t i = 0; i < adj.size(); ++i) adj[i] = (i * 7919) % 10 == 0 ? 1 : 0;
    for (std::size_t i = 0; i < w.size(); ++i)
      w[i] = static_cast<float>((i * 2654435761u) % 4096) / 4093.0f;
    for (std::size_t i = 0; i < st.size(); ++i) st[i] = static_cast<float>(i % 13) * 0.1f;
    return SnapshotArrays{Array(std::move(adj), {n, n}), Array(std::move(w), {n, n}),
                          Array(std::move(st), {n, columns})};
  }();
  return s;
}

struct TrainArrays {
  Array times, ids;
  std::size_t bytes() const { return times.nbytes() + ids.nbytes(); }
};

// 10,000 spikes: float64 times, int64 neuron ids.
const TrainArrays& spike_train() {
  static const TrainArrays t = [] {
    std::vector<double> times(kTrainSpikes);
    std::vector<std::int64_t> ids(kTrainSpikes);
    for (std::size_t i = 0; i < times.size(); ++i) {
      times[i] = static_cast<double>(i) * 0.0001;
      ids[i] = static_cast<std::int64_t>((i * 7919) % 1000);
    }
    return TrainArrays{Array(std::move(times)), Array(std::move(ids))};
  }();
  return t;
}

hid_t type_of(DType d) {
  switch (d) {
    case DType::kUInt8:
      return H5T_STD_U8LE;
    case DType::kInt64:
      return H5T_STD_I64LE;
    case DType::kFloat32:
      return H5T_IEEE_F32LE;
    default:
      return H5T_IEEE_F64LE;
  }
}

constexpr double kTime = 1'764'000'000.0;

Storage open_engram(const fs::path& file, Codec codec) {
  return Storage::from_yaml(
      std::string("version: 1\nbackends:\n  arrays: {plugin: hdf5, file_path: \"") + file.string() +
      "\", compression: " + codec_option(codec) + "}\nroles: {traces: arrays}\n");
}

// The arrays' bytes per CPU second and per wall-clock second.
Rates array_rates(std::size_t bytes) {
  return Rates{.bytes = static_cast<double>(bytes), .wall_mb = true};
}

// A pair's workload name: hdf5_<name>_<codec>.
std::string workload(const std::string& name, Codec codec) {
  return "hdf5_" + name + (codec == Codec::kGzip6 ? "_gzip6" : "_lz4");
}

// --- store_network_snapshot ---

void raw_store_snapshot(RawFile& raw, const SnapshotArrays& s, const std::string& id, double t) {
  raw.part("network_states/topology", id, "adjacency", type_of(s.adjacency.dtype()), s.adjacency,
           t);
  raw.part("network_states/weights", id, "weights", type_of(s.weights.dtype()), s.weights, t);
  raw.part("network_states/neuron_states", id, "states", type_of(s.states.dtype()), s.states, t);
  raw.flush();
}

template <const SnapshotArrays& (*Arrays)(), Codec C>
void store_snapshot_raw(benchmark::State& state, const std::string& key) {
  ScratchDir dir("hdf5");
  RawFile raw(dir / "raw.h5", C);
  const SnapshotArrays& s = Arrays();
  std::int64_t n = 0;
  time_loop(state, Compare::kRawBaseline, key, array_rates(s.bytes()), [&] {
    raw_store_snapshot(raw, s, "snapshot_" + std::to_string(n),
                       kTime + static_cast<double>(n) * 0.001);
    ++n;
  });
}

template <const SnapshotArrays& (*Arrays)(), Codec C>
void store_snapshot_engram(benchmark::State& state, const std::string& key) {
  ScratchDir dir("hdf5");
  Storage storage = open_engram(dir / "engram.h5", C);
  auto traces = storage.traces();
  const SnapshotArrays& s = Arrays();
  std::int64_t n = 0;
  const Json metadata{{"source", "bench"}};
  time_loop(state, Compare::kVsRaw, key, array_rates(s.bytes()), [&] {
    benchmark::DoNotOptimize(traces->store_network_snapshot(
        kTime + static_cast<double>(n++) * 0.001, s.adjacency, s.weights, s.states, metadata));
  });
}

// --- retrieve_network_snapshot ---

constexpr int kStored = static_cast<int>(kArrayReadSet);

template <const SnapshotArrays& (*Arrays)(), Codec C>
void retrieve_snapshot_raw(benchmark::State& state, const std::string& key) {
  ScratchDir dir("hdf5");
  RawFile raw(dir / "raw.h5", C);
  const SnapshotArrays& s = Arrays();
  for (int i = 0; i < kStored; ++i)
    raw_store_snapshot(raw, s, "snapshot_" + std::to_string(i), kTime + i);
  int i = 0;
  time_loop(state, Compare::kRawBaseline, key, array_rates(s.bytes()), [&] {
    const std::string id = "snapshot_" + std::to_string(i++ % kStored);
    NetworkSnapshot got;
    got.id = id;
    got.timestamp = raw.read_timestamp("network_states/topology/" + id);
    got.adjacency_matrix = raw.read("network_states/topology/" + id + "/adjacency",
                                    s.adjacency.dtype(), type_of(s.adjacency.dtype()));
    got.weight_matrix = raw.read("network_states/weights/" + id + "/weights", s.weights.dtype(),
                                 type_of(s.weights.dtype()));
    got.neuron_states = raw.read("network_states/neuron_states/" + id + "/states", s.states.dtype(),
                                 type_of(s.states.dtype()));
    benchmark::DoNotOptimize(got);
  });
}

template <const SnapshotArrays& (*Arrays)(), Codec C>
void retrieve_snapshot_engram(benchmark::State& state, const std::string& key) {
  ScratchDir dir("hdf5");
  Storage storage = open_engram(dir / "engram.h5", C);
  auto traces = storage.traces();
  const SnapshotArrays& s = Arrays();
  std::vector<std::string> ids;
  for (int i = 0; i < kStored; ++i) {
    ids.push_back(traces->store_network_snapshot(kTime + i, s.adjacency, s.weights, s.states));
  }
  std::size_t i = 0;
  time_loop(state, Compare::kVsRaw, key, array_rates(s.bytes()), [&] {
    benchmark::DoNotOptimize(traces->retrieve_network_snapshot(ids[i++ % ids.size()]));
  });
}

// --- store_spike_train / retrieve_spike_train: 10,000 spikes ---

void raw_store_train(RawFile& raw, const TrainArrays& t, const std::string& id, double ts) {
  hid_t parent = H5Gopen2(raw.id(), "spike_trains/raw_data", H5P_DEFAULT);
  hid_t g = ok_id(H5Gcreate2(parent, id.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT), "group");
  raw.write(g, "spike_times", H5T_IEEE_F64LE, t.times.shape(), t.times.data());
  raw.write(g, "neuron_ids", H5T_STD_I64LE, t.ids.shape(), t.ids.data());
  RawFile::attr_double(g, "timestamp", ts);
  H5Gclose(g);
  H5Gclose(parent);
  raw.flush();
}

template <Codec C>
void store_train_raw(benchmark::State& state, const std::string& key) {
  ScratchDir dir("hdf5");
  RawFile raw(dir / "raw.h5", C);
  const TrainArrays& t = spike_train();
  std::int64_t n = 0;
  time_loop(state, Compare::kRawBaseline, key, array_rates(t.bytes()), [&] {
    raw_store_train(raw, t, "train_" + std::to_string(n), kTime + static_cast<double>(n) * 0.001);
    ++n;
  });
}

template <Codec C>
void store_train_engram(benchmark::State& state, const std::string& key) {
  ScratchDir dir("hdf5");
  Storage storage = open_engram(dir / "engram.h5", C);
  auto traces = storage.traces();
  const TrainArrays& t = spike_train();
  std::int64_t n = 0;
  time_loop(state, Compare::kVsRaw, key, array_rates(t.bytes()), [&] {
    benchmark::DoNotOptimize(
        traces->store_spike_train(kTime + static_cast<double>(n++) * 0.001, t.times, t.ids));
  });
}

template <Codec C>
void retrieve_train_raw(benchmark::State& state, const std::string& key) {
  ScratchDir dir("hdf5");
  RawFile raw(dir / "raw.h5", C);
  const TrainArrays& t = spike_train();
  for (int i = 0; i < kStored; ++i)
    raw_store_train(raw, t, "train_" + std::to_string(i), kTime + i);
  int i = 0;
  time_loop(state, Compare::kRawBaseline, key, array_rates(t.bytes()), [&] {
    const std::string id = "spike_trains/raw_data/train_" + std::to_string(i++ % kStored);
    SpikeTrainData got;
    got.timestamp = raw.read_timestamp(id);
    got.spike_times = raw.read(id + "/spike_times", DType::kFloat64, H5T_IEEE_F64LE);
    got.neuron_ids = raw.read(id + "/neuron_ids", DType::kInt64, H5T_STD_I64LE);
    benchmark::DoNotOptimize(got);
  });
}

template <Codec C>
void retrieve_train_engram(benchmark::State& state, const std::string& key) {
  ScratchDir dir("hdf5");
  Storage storage = open_engram(dir / "engram.h5", C);
  auto traces = storage.traces();
  const TrainArrays& t = spike_train();
  std::vector<std::string> ids;
  for (int i = 0; i < kStored; ++i)
    ids.push_back(traces->store_spike_train(kTime + i, t.times, t.ids));
  std::size_t i = 0;
  time_loop(state, Compare::kVsRaw, key, array_rates(t.bytes()), [&] {
    benchmark::DoNotOptimize(traces->retrieve_spike_train(ids[i++ % ids.size()]));
  });
}

// Registers `<workload>/raw` then `<workload>/engram`, workload(name, codec);
// each gets the workload's name as its key.
template <class Raw, class Engram>
void pair(const std::string& name, Codec codec, Raw raw, Engram engram, int iterations = 0) {
  const std::string w = workload(name, codec);
  auto* r = benchmark::RegisterBenchmark(raw_entry(w).c_str(), raw, w);
  auto* e = benchmark::RegisterBenchmark(engram_entry(w).c_str(), engram, w);
  for (auto* b : {r, e}) {
    b->Unit(benchmark::kMillisecond)->UseRealTime();
    if (iterations > 0) b->Iterations(iterations);
  }
}

template <Codec C>
void register_codec() {
  using workloads::kRetrieveNetworkSnapshot;
  using workloads::kRetrieveSpikeTrain;
  using workloads::kStoreNetworkSnapshot;
  using workloads::kStoreSpikeTrain;
  const std::string large = "_16MB";
  // Stores run a fixed count on both sides: each store adds to the file,
  // and a flush's cost grows with what it holds.
  pair(std::string(kStoreNetworkSnapshot.name), C, store_snapshot_raw<small_snapshot, C>,
       store_snapshot_engram<small_snapshot, C>, 1000);
  pair(std::string(kRetrieveNetworkSnapshot.name), C, retrieve_snapshot_raw<small_snapshot, C>,
       retrieve_snapshot_engram<small_snapshot, C>);
  pair(std::string(kStoreNetworkSnapshot.name) + large, C, store_snapshot_raw<large_snapshot, C>,
       store_snapshot_engram<large_snapshot, C>, 6);
  pair(std::string(kRetrieveNetworkSnapshot.name) + large, C,
       retrieve_snapshot_raw<large_snapshot, C>, retrieve_snapshot_engram<large_snapshot, C>, 8);
  pair(std::string(kStoreSpikeTrain.name), C, store_train_raw<C>, store_train_engram<C>, 1000);
  pair(std::string(kRetrieveSpikeTrain.name), C, retrieve_train_raw<C>, retrieve_train_engram<C>);
}

const bool kRegistered = [] {
  register_codec<Codec::kGzip6>();
  register_codec<Codec::kLz4>();
  return true;
}();

}  // namespace
}  // namespace engram::bench
