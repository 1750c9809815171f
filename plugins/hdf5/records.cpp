// The traces role's records (records.h).
#include "records.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "datasets.h"
#include "engram/errors.h"
#include "engram/ids.h"
#include "handles.h"
#include "hdf5_errors.h"
#include "seed_layout.h"

namespace engram::hdf5 {
namespace {

std::vector<std::int64_t> shape_ints(const Shape& shape) { return {shape.begin(), shape.end()}; }

// Distinct element values of a 1-d array (the seed's num_neurons), by
// their bits. Neuron ids are small integers: a bitmap over their range
// counts them in linear time; other values are sorted.
std::int64_t count_unique(const ArrayView& ids) {
  const std::size_t size = dtype_size(ids.dtype());
  const auto* bytes = static_cast<const unsigned char*>(ids.data());
  if (size > 8) {
    std::vector<std::string_view> values;
    values.reserve(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) {
      values.emplace_back(reinterpret_cast<const char*>(bytes) + i * size, size);
    }
    std::sort(values.begin(), values.end());
    return static_cast<std::int64_t>(std::unique(values.begin(), values.end()) - values.begin());
  }
  if (ids.size() == 0) return 0;
  // Each value's bits, zero-extended (a fixed-size copy per width, so the
  // compiler inlines it).
  const auto value_at = [&]<std::size_t kSize>(std::size_t i) {
    std::uint64_t v = 0;
    std::memcpy(&v, bytes + i * kSize, kSize);
    return v;
  };
  const auto count = [&]<std::size_t kSize>() -> std::int64_t {
    const std::size_t n = ids.size();
    std::uint64_t lo = value_at.template operator()<kSize>(0), hi = lo;
    for (std::size_t i = 1; i < n; ++i) {
      const std::uint64_t v = value_at.template operator()<kSize>(i);
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    if (hi - lo < 8 * n + 4096) {
      std::vector<unsigned char> seen(hi - lo + 1, 0);
      std::int64_t distinct = 0;
      for (std::size_t i = 0; i < n; ++i) {
        unsigned char& s = seen[value_at.template operator()<kSize>(i) - lo];
        distinct += s ^ 1;
        s = 1;
      }
      return distinct;
    }
    std::vector<std::uint64_t> values(n);
    for (std::size_t i = 0; i < n; ++i) values[i] = value_at.template operator()<kSize>(i);
    std::sort(values.begin(), values.end());
    return static_cast<std::int64_t>(std::unique(values.begin(), values.end()) - values.begin());
  };
  switch (size) {
    case 1:
      return count.template operator()<1>();
    case 2:
      return count.template operator()<2>();
    case 4:
      return count.template operator()<4>();
    default:
      return count.template operator()<8>();
  }
}

double mean_of(const ArrayView& a, double* stddev) {
  // The seed's mean_change / std_change, for float and integer arrays.
  std::vector<double> v;
  const auto collect = [&]<class T>(T*) {
    for (const T x : a.values<T>()) v.push_back(static_cast<double>(x));
  };
  switch (a.dtype()) {
    case DType::kFloat64:
      collect(static_cast<double*>(nullptr));
      break;
    case DType::kFloat32:
      collect(static_cast<float*>(nullptr));
      break;
    case DType::kInt64:
      collect(static_cast<std::int64_t*>(nullptr));
      break;
    case DType::kInt32:
      collect(static_cast<std::int32_t*>(nullptr));
      break;
    default:
      break;
  }
  if (v.empty()) {
    *stddev = std::nan("");
    return std::nan("");
  }
  double sum = 0.0;
  for (double x : v) sum += x;
  const double mean = sum / static_cast<double>(v.size());
  double sq = 0.0;
  for (double x : v) sq += (x - mean) * (x - mean);
  *stddev = std::sqrt(sq / static_cast<double>(v.size()));
  return mean;
}

}  // namespace

std::string Records::free_id(std::initializer_list<const char*> groups, const std::string& wanted,
                             std::string_view prefix, double timestamp) {
  const auto is_free = [&](const std::string& id) {
    for (const char* g : groups) {
      Hid group = file_.open_group(g);
      if (file_.exists(group.get(), id)) return false;
    }
    return true;
  };
  if (!wanted.empty() && is_free(wanted)) return wanted;
  const std::string key = std::string(*groups.begin()) + '/' + seed_id(prefix, timestamp);
  const auto hint = next_suffix_.find(key);
  for (unsigned n = hint == next_suffix_.end() ? 0 : hint->second;; ++n) {
    std::string id = seed_id(prefix, timestamp, n);
    if (is_free(id)) {
      // Remembered only for crowded milliseconds, and boundedly.
      if (n > 0) {
        if (next_suffix_.size() >= kMaxSuffixHints) next_suffix_.clear();
        next_suffix_[key] = n + 1;
      }
      return id;
    }
  }
}

std::string Records::put(const NetworkSnapshotView& r, std::vector<Created>& created) {
  const std::string id =
      free_id({kTopology, kWeights, kNeuronStates}, r.id, seed_id_prefix(r), r.timestamp);
  const auto part = [&](const char* group_path, const char* dataset, const ArrayView& array,
                        bool with_metadata) {
    Hid group = create_record(group_path, id, "creating snapshot ", created);
    Attributes a(file_, group.get());
    a.put_double("timestamp", r.timestamp);
    a.put_ints("shape", shape_ints(array.shape()));
    if (with_metadata) a.put_object(kMetaPrefix, r.metadata, kMetadataJson);
    write_array(file_, group.get(), dataset, array);
  };
  part(kTopology, "adjacency", r.adjacency_matrix, true);
  part(kWeights, "weights", r.weight_matrix, false);
  part(kNeuronStates, "states", r.neuron_states, false);
  return id;
}

Hid Records::create_record(const char* group_path, const std::string& id, const char* what,
                           std::vector<Created>& created) {
  file_.stop_after_failed_write();
  Hid parent = file_.open_group(group_path);
  Hid group = create_group(parent.get(), id, file_.link_plist(), file_.backend(), what + id);
  created.push_back({group_path, id});
  return group;
}

std::optional<Hid> Records::open_record(const char* group_path, const std::string& id,
                                        const char* what) {
  const std::string path = std::string(group_path) + '/' + id;
  Hid group(H5Gopen2(file_.id(), path.c_str(), H5P_DEFAULT), H5Gclose);
  if (group) return group;
  if (!file_.exists(file_.id(), path)) return std::nullopt;
  return open_group(file_.id(), path, file_.backend(), what + id);
}

std::optional<NetworkSnapshot> Records::get_snapshot(const std::string& id) {
  std::optional<Hid> top = open_record(kTopology, id, "opening snapshot ");
  if (!top) return std::nullopt;
  NetworkSnapshot r;
  r.id = id;
  Attributes a(file_, top->get());
  r.timestamp = a.get_double("timestamp");
  r.metadata = object_of(a, kMetaPrefix, kMetadataJson);
  r.adjacency_matrix = read_array(file_, top->get(), "adjacency");
  r.weight_matrix = read_array(file_, file_.id(), std::string(kWeights) + '/' + id + "/weights");
  r.neuron_states =
      read_array(file_, file_.id(), std::string(kNeuronStates) + '/' + id + "/states");
  return r;
}

std::vector<std::string> Records::snapshots_in_range(double start, double end) {
  Hid topology = file_.open_group(kTopology);
  std::vector<std::string> ids;
  for (const std::string& id : file_.names(topology.get())) {
    Hid group = open_group(topology.get(), id, file_.backend(), "opening snapshot " + id);
    const double t = Attributes(file_, group.get()).get_double("timestamp");
    if (t >= start && t <= end) ids.push_back(id);
  }
  return ids;
}

std::string Records::put(const SpikeTrainDataView& r, std::vector<Created>& created) {
  const std::string id = free_id({kRawTrains}, r.id, seed_id_prefix(r), r.timestamp);
  Hid group = create_record(kRawTrains, id, "creating spike train ", created);
  write_array(file_, group.get(), "spike_times", r.spike_times);
  write_array(file_, group.get(), "neuron_ids", r.neuron_ids);
  if (r.spike_amplitudes) write_array(file_, group.get(), "spike_amplitudes", *r.spike_amplitudes);
  Attributes a(file_, group.get());
  a.put_double("timestamp", r.timestamp);
  a.put_int("num_spikes", static_cast<std::int64_t>(r.spike_times.size()));
  a.put_int("num_neurons", count_unique(r.neuron_ids));
  a.put_object(kMetaPrefix, r.metadata, kMetadataJson);
  return id;
}

std::optional<SpikeTrainData> Records::get_train(const std::string& id) {
  std::optional<Hid> found = open_record(kRawTrains, id, "opening spike train ");
  if (!found) return std::nullopt;
  const Hid& group = *found;
  SpikeTrainData r;
  r.id = id;
  Attributes a(file_, group.get());
  r.timestamp = a.get_double("timestamp");
  r.metadata = object_of(a, kMetaPrefix, kMetadataJson);
  r.spike_times = read_array(file_, group.get(), "spike_times");
  r.neuron_ids = read_array(file_, group.get(), "neuron_ids");
  if (file_.exists(group.get(), "spike_amplitudes")) {
    r.spike_amplitudes = read_array(file_, group.get(), "spike_amplitudes");
  }
  return r;
}

std::string Records::put(const CompressedSpikeTrainView& r, std::vector<Created>& created) {
  const std::string id = free_id({kCompressed}, r.id, seed_id_prefix(r), r.timestamp);
  Hid parent = file_.open_group(kCompressed);
  Hid dataset = write_array(file_, parent.get(), id, r.spike_data);
  created.push_back({kCompressed, id});
  Attributes a(file_, dataset.get());
  a.put_double("timestamp", r.timestamp);
  std::vector<std::int64_t> original = shape_ints(r.spike_data.shape());
  if (const auto found = r.compression_params.find("original_shape");
      found != r.compression_params.end() && found->is_array() &&
      std::all_of(found->begin(), found->end(),
                  [](const Json& v) { return v.is_number_integer(); })) {
    original = found->get<std::vector<std::int64_t>>();
  }
  a.put_ints("original_shape", original);
  double ratio = 1.0;
  if (const auto found = r.compression_params.find("compression_ratio");
      found != r.compression_params.end() && found->is_number()) {
    ratio = found->get<double>();
  }
  a.put_double("compression_ratio", ratio);
  a.put_object(kParamPrefix, r.compression_params, kParamsJson);
  return id;
}

std::optional<CompressedSpikeTrain> Records::get_compressed(const std::string& id) {
  Hid parent = file_.open_group(kCompressed);
  if (!file_.exists(parent.get(), id)) return std::nullopt;
  Hid dataset(H5Dopen2(parent.get(), id.c_str(), H5P_DEFAULT), H5Dclose);
  if (!dataset) throw_hdf5(file_.backend(), "opening " + id);
  CompressedSpikeTrain r;
  r.id = id;
  Attributes a(file_, dataset.get());
  r.timestamp = a.get_double("timestamp");
  if (a.has(kParamsJson)) {
    r.compression_params = parse_json(a.get_string(kParamsJson), id);
  } else {
    // A file the seed wrote: its scalar params, and the original shape.
    r.compression_params = a.get_object(kParamPrefix);
    if (a.has("original_shape"))
      r.compression_params["original_shape"] = a.get_ints("original_shape");
  }
  r.spike_data = read_array(file_, parent.get(), id);
  return r;
}

std::string Records::put_named(const char* group_path, const std::string& wanted, double timestamp,
                               const ArrayView& array, const char* name_attr,
                               const std::string& name, std::vector<Created>& created,
                               const std::function<void(Attributes&)>& more) {
  const std::string id = free_id({group_path}, wanted, name, timestamp);
  Hid parent = file_.open_group(group_path);
  Hid dataset = write_array(file_, parent.get(), id, array);
  created.push_back({group_path, id});
  Attributes a(file_, dataset.get());
  a.put_double("timestamp", timestamp);
  a.put_string(name_attr, name);
  more(a);
  return id;
}

std::optional<NamedArray> Records::get_named(const char* group_path, const std::string& id,
                                             const char* name_attr) {
  Hid parent = file_.open_group(group_path);
  if (!file_.exists(parent.get(), id)) return std::nullopt;
  Hid dataset(H5Dopen2(parent.get(), id.c_str(), H5P_DEFAULT), H5Dclose);
  if (!dataset) throw_hdf5(file_.backend(), "opening " + id);
  Attributes a(file_, dataset.get());
  NamedArray n;
  n.timestamp = a.get_double("timestamp");
  n.name = a.get_string(name_attr);
  n.array = read_array(file_, parent.get(), id);
  return n;
}

std::string Records::put(const ReservoirStatesView& r, std::vector<Created>& created) {
  return put_named(
      kReservoirs, r.id, r.timestamp, r.reservoir_states, "reservoir_id", r.reservoir_id, created,
      [&](Attributes& a) { a.put_ints("shape", shape_ints(r.reservoir_states.shape())); });
}

std::optional<ReservoirStates> Records::get_reservoir(const std::string& id) {
  auto n = get_named(kReservoirs, id, "reservoir_id");
  if (!n) return std::nullopt;
  return ReservoirStates{id, n->timestamp, std::move(n->array), std::move(n->name)};
}

std::string Records::put(const PlasticityTraceView& r, std::vector<Created>& created) {
  return put_named(kPlasticity, r.id, r.timestamp, r.synapse_changes, "plasticity_type",
                   r.plasticity_type, created, [&](Attributes& a) {
                     double stddev = 0.0;
                     const double mean = mean_of(r.synapse_changes, &stddev);
                     a.put_int("num_synapses", static_cast<std::int64_t>(r.synapse_changes.size()));
                     a.put_double("mean_change", mean);
                     a.put_double("std_change", stddev);
                   });
}

std::optional<PlasticityTrace> Records::get_plasticity(const std::string& id) {
  auto n = get_named(kPlasticity, id, "plasticity_type");
  if (!n) return std::nullopt;
  return PlasticityTrace{id, n->timestamp, std::move(n->array), std::move(n->name)};
}

std::string Records::put(const HomeostaticTraceView& r, std::vector<Created>& created) {
  return put_named(kHomeostatic, r.id, r.timestamp, r.homeostatic_changes, "mechanism", r.mechanism,
                   created, [&](Attributes& a) {
                     a.put_int("num_neurons",
                               static_cast<std::int64_t>(r.homeostatic_changes.size()));
                   });
}

std::optional<HomeostaticTrace> Records::get_homeostatic(const std::string& id) {
  auto n = get_named(kHomeostatic, id, "mechanism");
  if (!n) return std::nullopt;
  return HomeostaticTrace{id, n->timestamp, std::move(n->array), std::move(n->name)};
}

std::string Records::put(const LayerOutputsView& r, std::vector<Created>& created) {
  const std::string id = free_id({kLayerOutputs}, r.id, seed_id_prefix(r), r.timestamp);
  Hid group = create_record(kLayerOutputs, id, "creating layer outputs ", created);
  for (const auto& [name, array] : r.layer_outputs) write_array(file_, group.get(), name, array);
  Attributes a(file_, group.get());
  a.put_double("timestamp", r.timestamp);
  a.put_int("num_layers", static_cast<std::int64_t>(r.layer_outputs.size()));
  return id;
}

std::optional<LayerOutputs> Records::get_outputs(const std::string& id) {
  std::optional<Hid> found = open_record(kLayerOutputs, id, "opening layer outputs ");
  if (!found) return std::nullopt;
  const Hid& group = *found;
  LayerOutputs r;
  r.id = id;
  r.timestamp = Attributes(file_, group.get()).get_double("timestamp");
  for (const std::string& name : file_.names(group.get())) {
    r.layer_outputs.emplace(name, read_array(file_, group.get(), name));
  }
  return r;
}

std::string Records::put(const PerformanceMetrics& r, std::vector<Created>& created) {
  const std::string id = free_id({kPerformance}, r.id, r.task_type, r.timestamp);
  Hid group = create_record(kPerformance, id, "creating performance metrics ", created);
  std::vector<std::string> names;
  std::vector<double> values;
  for (const auto& [name, value] : r.metrics) {
    names.push_back(name);
    values.push_back(value);
  }
  write_array(file_, group.get(), "values", ArrayView(values));
  Attributes a(file_, group.get());
  a.put_double("timestamp", r.timestamp);
  a.put_string("task_type", r.task_type);
  a.put_strings("metric_names", names);
  return id;
}

std::optional<PerformanceMetrics> Records::get_metrics(const std::string& id) {
  std::optional<Hid> found = open_record(kPerformance, id, "opening performance metrics ");
  if (!found) return std::nullopt;
  const Hid& group = *found;
  PerformanceMetrics r;
  r.id = id;
  Attributes a(file_, group.get());
  r.timestamp = a.get_double("timestamp");
  r.task_type = a.get_string("task_type");
  const std::vector<std::string> names = a.get_strings("metric_names");
  const Array values = read_array(file_, group.get(), "values");
  if (values.dtype() != DType::kFloat64 || values.size() != names.size()) {
    throw CorruptData("performance metrics " + id + ": values do not match metric_names",
                      file_.backend());
  }
  const auto v = values.values<double>();
  for (std::size_t i = 0; i < names.size(); ++i) r.metrics[names[i]] = v[i];
  return r;
}

std::optional<std::int64_t> Records::latest_seed_stamp(std::span<const char* const> group_paths,
                                                       std::string_view prefix) {
  // H5Lexists fails, rather than says no, when a parent is missing: each
  // link of the path is looked up in turn.
  const auto exists = [&](std::string_view path) {
    for (std::size_t end = path.find('/');; end = path.find('/', end + 1)) {
      if (!file_.exists(file_.id(), std::string(path.substr(0, end)))) return false;
      if (end == std::string_view::npos) return true;
    }
  };
  std::optional<std::int64_t> latest;
  for (const char* group_path : group_paths) {
    if (!exists(group_path)) continue;
    Hid group = file_.open_group(group_path);
    file_.for_each_name(group.get(), [&](const char* name) noexcept {
      const std::optional<std::int64_t> stamp = seed_id_stamp(name, prefix);
      if (stamp && (!latest || *stamp > *latest)) latest = stamp;
    });
  }
  return latest;
}

void Records::remove(const std::string& group_path, const std::string& name) {
  Hid group = file_.open_group(group_path);
  if (file_.exists(group.get(), name)) {
    file_.ok(H5Ldelete(group.get(), name.c_str(), H5P_DEFAULT), "deleting", name);
  }
}

const std::vector<std::string>& Records::names_of(const char* group_path) {
  auto found = names_.find(group_path);
  if (found == names_.end()) {
    Hid group = file_.open_group(group_path);
    found = names_.emplace(group_path, file_.names(group.get())).first;
  }
  return found->second;
}

Json Records::object_of(const Attributes& a, const char* prefix, const char* json_name) const {
  if (a.has(json_name)) return parse_json(a.get_string(json_name), json_name);
  return a.get_object(prefix);
}

Json Records::parse_json(const std::string& text, const std::string& where) const {
  try {
    return Json::parse(text);
  } catch (const Json::exception& e) {
    throw CorruptData("attribute of " + printable(where) + " is not JSON: " + e.what(),
                      file_.backend());
  }
}

}  // namespace engram::hdf5
