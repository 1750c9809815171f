// Trace records as folders of .npy files and a record.json (record_files.h).
#include "record_files.h"

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <utility>
#include <vector>

#include "engram/errors.h"
#include "engram/ids.h"
#include "engram/json.h"
#include "engram/npy.h"
#include "engram/publish_file.h"
#include "file_handle.h"
#include "npy_errors.h"

namespace engram::npy_plugin {
namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------- writing

// Creates `file` (it must not exist) holding `parts` one after the other,
// flushed to disk when the layout says so.
void write_file(const FolderLayout& layout, const fs::path& file,
                std::initializer_list<std::pair<const void*, std::size_t>> parts) {
  FileHandle out(std::fopen(file.c_str(), "wbxe"));  // x: never over a file; e: O_CLOEXEC
  if (!out) throw_io("create", file, errno, layout.backend());
  for (const auto& [data, size] : parts) {
    if (size > 0 && std::fwrite(data, 1, size, out.get()) != size) {
      throw_io("write", file, errno, layout.backend());
    }
  }
  if (std::fflush(out.get()) != 0) throw_io("write", file, errno, layout.backend());
  if (layout.fsync() && ::fsync(::fileno(out.get())) != 0) {
    throw_io("flush", file, errno, layout.backend());
  }
  if (std::fclose(out.release()) != 0) throw_io("write", file, errno, layout.backend());
}

// One record's folder being filled: its .npy files, then record.json.
class RecordWriter {
 public:
  RecordWriter(const FolderLayout& layout, fs::path folder, std::string_view kind, double timestamp)
      : layout_(layout), folder_(std::move(folder)) {
    json_["format"] = kFormat;
    json_["kind"] = kind;
    json_["timestamp"] = timestamp;
    json_["arrays"] = Json::object();
  }

  // `view` as <file>, listed under `key` ("arrays" or "layers") as `name`.
  void array(std::string_view name, const ArrayView& view, const std::string& file,
             std::string_view key = "arrays") {
    // The core's encoder makes the header; the data goes out from the
    // caller's memory, uncopied.
    const std::string header = npy::encode_header(view);
    write_file(layout_, folder_ / file,
               {{header.data(), header.size()}, {view.data(), view.nbytes()}});
    json_[std::string(key)][std::string(name)] = file;
  }
  void field(std::string_view name, const ArrayView& view) {
    array(name, view, std::string(name) + ".npy");
  }
  Json& json() { return json_; }

  // Writes record.json and flushes the folder.
  void finish() {
    std::string text;
    try {
      text = json_.dump(-1, ' ', false, Json::error_handler_t::strict);
    } catch (const Json::exception& e) {
      throw InvalidArgument(std::string("cannot write a record's JSON: ") + e.what(),
                            layout_.backend());
    }
    text += '\n';
    write_file(layout_, folder_ / kRecordJson, {{text.data(), text.size()}});
    if (layout_.fsync()) sync_folder(folder_);
  }

 private:
  const FolderLayout& layout_;
  const fs::path folder_;
  Json json_ = Json::object();
};

// The file of each layer: "<layer>.npy" when that fits in a file name
// (255 bytes), else the first free "layer_<k>.npy".
std::map<std::string, std::string> layer_files(const LayerOutputsView& record) {
  constexpr std::size_t kMaxFileName = 255;
  std::map<std::string, std::string> files;
  std::set<std::string> taken;
  for (const auto& [name, array] : record.layer_outputs) {
    if (name.size() + 4 <= kMaxFileName) taken.insert(files[name] = name + ".npy");
  }
  std::size_t k = 0;
  for (const auto& [name, array] : record.layer_outputs) {
    if (files.contains(name)) continue;
    std::string file;
    do {
      file = "layer_" + std::to_string(k++) + ".npy";
    } while (taken.contains(file));
    taken.insert(files[name] = file);
  }
  return files;
}

// ---------------------------------------------------------------- reading

// One record's folder being read: record.json parsed and checked, then
// each array loaded as record.json names it.
class RecordReader {
 public:
  RecordReader(const FolderLayout& layout, std::string_view kind, std::string_view id)
      : layout_(layout), folder_(layout.record_folder(kind, id)), kind_(kind) {}

  // Reads record.json; false when the record's folder is not there.
  bool open() {
    const fs::path file = folder_ / kRecordJson;
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      std::error_code error;
      if (!fs::exists(folder_, error)) return false;
      throw_corrupt(file, "it is missing", layout_.backend());
    }
    try {
      std::ostringstream text;
      text << in.rdbuf();
      json_ = Json::parse(text.str());
    } catch (...) {
      rethrow_reading(file, layout_.backend());
    }
    if (!json_.is_object()) corrupt("it is not a JSON object");
    const Json& format = member("format");
    if (!format.is_number_integer()) corrupt("\"format\" is not an integer");
    if (format.get<std::int64_t>() > kFormat) {
      throw NotSupported("'" + file.string() + "' has record format " + format.dump() +
                             "; this plugin reads format " + std::to_string(kFormat),
                         layout_.backend());
    }
    if (format.get<std::int64_t>() < 1) corrupt("\"format\" is " + format.dump());
    if (member("kind") != kind_) corrupt("it is not a record of " + std::string(kind_));
    return true;
  }

  double timestamp() {
    const Json& value = member("timestamp");
    if (!value.is_number() || !std::isfinite(value.get<double>())) {
      corrupt("\"timestamp\" is not a finite number");
    }
    return value.get<double>();
  }
  Json object(std::string_view key) {
    const Json& value = member(key);
    if (!value.is_object()) corrupt("\"" + std::string(key) + "\" is not an object");
    return value;
  }
  // A name kept as an id prefix (reservoir_id, plasticity_type, ...).
  std::string name(std::string_view key) {
    const Json& value = member(key);
    if (!value.is_string() || !is_valid_id(value.get<std::string>())) {
      corrupt("\"" + std::string(key) + "\" is not a valid name");
    }
    return value.get<std::string>();
  }
  bool has_array(std::string_view field) { return object("arrays").contains(std::string(field)); }
  Array array(std::string_view field) { return load(object("arrays"), field); }
  // Every entry of "layers", by layer name.
  std::map<std::string, Array> layers() {
    const Json files = object("layers");
    std::map<std::string, Array> arrays;
    for (const auto& [name, file] : files.items()) {
      if (!is_valid_id(name)) corrupt("a layer name is not a valid name");
      arrays.emplace(name, load(files, name));
    }
    return arrays;
  }
  const Json& json() const { return json_; }
  [[noreturn]] void corrupt(const std::string& why) const {
    throw_corrupt(folder_ / kRecordJson, why, layout_.backend());
  }
  [[noreturn]] void corrupt_array(std::string_view field, const std::string& why) const {
    throw_corrupt(folder_ / (std::string(field) + ".npy"), why, layout_.backend());
  }

 private:
  const Json& member(std::string_view key) const {
    const auto found = json_.find(std::string(key));
    if (found == json_.end()) corrupt("\"" + std::string(key) + "\" is missing");
    return *found;
  }
  Array load(const Json& files, std::string_view key) {
    const auto found = files.find(std::string(key));
    if (found == files.end()) corrupt("no file is named for \"" + std::string(key) + "\"");
    // A file name from the record, never a path: no way out of the folder.
    if (!found->is_string() || !is_valid_id(found->get<std::string>())) {
      corrupt("the file of \"" + std::string(key) + "\" is not a plain file name");
    }
    const fs::path file = folder_ / found->get<std::string>();
    std::error_code error;
    if (!fs::is_regular_file(file, error)) throw_corrupt(file, "it is missing", layout_.backend());
    try {
      return npy::load(file);
    } catch (...) {
      rethrow_reading(file, layout_.backend());
    }
  }

  const FolderLayout& layout_;
  const fs::path folder_;
  const std::string_view kind_;
  Json json_;
};

// Reads one record type's fields from an open reader.
template <class Record>
Record decode(RecordReader& in, std::string id);

template <>
NetworkSnapshot decode(RecordReader& in, std::string id) {
  NetworkSnapshot r{std::move(id),
                    in.timestamp(),
                    in.array("adjacency_matrix"),
                    in.array("weight_matrix"),
                    in.array("neuron_states"),
                    in.object("metadata")};
  if (r.adjacency_matrix.shape() != r.weight_matrix.shape()) {
    in.corrupt_array("weight_matrix", "its shape differs from adjacency_matrix's");
  }
  return r;
}

template <>
SpikeTrainData decode(RecordReader& in, std::string id) {
  SpikeTrainData r;
  r.id = std::move(id);
  r.timestamp = in.timestamp();
  r.spike_times = in.array("spike_times");
  r.neuron_ids = in.array("neuron_ids");
  if (in.has_array("spike_amplitudes")) r.spike_amplitudes = in.array("spike_amplitudes");
  r.metadata = in.object("metadata");
  const auto check = [&](std::string_view field, const Array& a) {
    if (a.ndim() != 1 || a.size() != r.spike_times.size()) {
      in.corrupt_array(field, "it is not 1-d of spike_times' length");
    }
  };
  check("spike_times", r.spike_times);
  check("neuron_ids", r.neuron_ids);
  if (r.spike_amplitudes) check("spike_amplitudes", *r.spike_amplitudes);
  return r;
}

template <>
CompressedSpikeTrain decode(RecordReader& in, std::string id) {
  return {std::move(id), in.timestamp(), in.array("spike_data"), in.object("compression_params")};
}

template <>
ReservoirStates decode(RecordReader& in, std::string id) {
  return {std::move(id), in.timestamp(), in.array("reservoir_states"), in.name("reservoir_id")};
}

template <>
LayerOutputs decode(RecordReader& in, std::string id) {
  return {std::move(id), in.timestamp(), in.layers()};
}

template <>
PlasticityTrace decode(RecordReader& in, std::string id) {
  return {std::move(id), in.timestamp(), in.array("synapse_changes"), in.name("plasticity_type")};
}

template <>
HomeostaticTrace decode(RecordReader& in, std::string id) {
  return {std::move(id), in.timestamp(), in.array("homeostatic_changes"), in.name("mechanism")};
}

template <>
PerformanceMetrics decode(RecordReader& in, std::string id) {
  PerformanceMetrics r{std::move(id), in.timestamp(), {}, in.name("task_type")};
  const Array values = in.array("metrics");
  const auto names = in.json().find("metric_names");
  if (names == in.json().end() || !names->is_array()) {
    in.corrupt("\"metric_names\" is not a list");
  }
  if (values.dtype() != DType::kFloat64 || values.ndim() != 1 || values.size() != names->size()) {
    in.corrupt_array("metrics", "it is not float64, 1-d, one value per metric name");
  }
  const auto doubles = values.values<double>();
  for (std::size_t i = 0; i < doubles.size(); ++i) {
    const Json& name = (*names)[i];
    if (!name.is_string() || !is_valid_id(name.get<std::string>())) {
      in.corrupt("a metric name is not a valid name");
    }
    if (!r.metrics.emplace(name.get<std::string>(), doubles[i]).second) {
      in.corrupt("a metric name appears twice");
    }
  }
  return r;
}

}  // namespace

// ---------------------------------------------------------------- writers

void write_record(const FolderLayout& layout, const fs::path& folder,
                  const NetworkSnapshotView& r) {
  RecordWriter out(layout, folder, KindOf<NetworkSnapshotView>::kFolder, r.timestamp);
  out.field("adjacency_matrix", r.adjacency_matrix);
  out.field("weight_matrix", r.weight_matrix);
  out.field("neuron_states", r.neuron_states);
  out.json()["metadata"] = r.metadata;
  out.finish();
}

void write_record(const FolderLayout& layout, const fs::path& folder, const SpikeTrainDataView& r) {
  RecordWriter out(layout, folder, KindOf<SpikeTrainDataView>::kFolder, r.timestamp);
  out.field("spike_times", r.spike_times);
  out.field("neuron_ids", r.neuron_ids);
  if (r.spike_amplitudes) out.field("spike_amplitudes", *r.spike_amplitudes);
  out.json()["metadata"] = r.metadata;
  out.finish();
}

void write_record(const FolderLayout& layout, const fs::path& folder,
                  const CompressedSpikeTrainView& r) {
  RecordWriter out(layout, folder, KindOf<CompressedSpikeTrainView>::kFolder, r.timestamp);
  out.field("spike_data", r.spike_data);
  out.json()["compression_params"] = r.compression_params;
  out.finish();
}

void write_record(const FolderLayout& layout, const fs::path& folder,
                  const ReservoirStatesView& r) {
  RecordWriter out(layout, folder, KindOf<ReservoirStatesView>::kFolder, r.timestamp);
  out.field("reservoir_states", r.reservoir_states);
  out.json()["reservoir_id"] = r.reservoir_id;
  out.finish();
}

void write_record(const FolderLayout& layout, const fs::path& folder, const LayerOutputsView& r) {
  RecordWriter out(layout, folder, KindOf<LayerOutputsView>::kFolder, r.timestamp);
  out.json().erase("arrays");
  out.json()["layers"] = Json::object();
  const auto files = layer_files(r);
  for (const auto& [name, array] : r.layer_outputs) {
    out.array(name, array, files.at(name), "layers");
  }
  out.finish();
}

void write_record(const FolderLayout& layout, const fs::path& folder,
                  const PlasticityTraceView& r) {
  RecordWriter out(layout, folder, KindOf<PlasticityTraceView>::kFolder, r.timestamp);
  out.field("synapse_changes", r.synapse_changes);
  out.json()["plasticity_type"] = r.plasticity_type;
  out.finish();
}

void write_record(const FolderLayout& layout, const fs::path& folder,
                  const HomeostaticTraceView& r) {
  RecordWriter out(layout, folder, KindOf<HomeostaticTraceView>::kFolder, r.timestamp);
  out.field("homeostatic_changes", r.homeostatic_changes);
  out.json()["mechanism"] = r.mechanism;
  out.finish();
}

void write_record(const FolderLayout& layout, const fs::path& folder, const PerformanceMetrics& r) {
  RecordWriter out(layout, folder, KindOf<PerformanceMetrics>::kFolder, r.timestamp);
  std::vector<double> values;
  Json names = Json::array();
  for (const auto& [name, value] : r.metrics) {
    names.push_back(name);
    values.push_back(value);
  }
  out.field("metrics", ArrayView(values));
  out.json()["metric_names"] = std::move(names);
  out.json()["task_type"] = r.task_type;
  out.finish();
}

// ---------------------------------------------------------------- readers

template <class Record>
std::optional<Record> read_record(const FolderLayout& layout, std::string_view id) {
  RecordReader in(layout, KindOf<Record>::kFolder, id);
  if (!in.open()) return std::nullopt;
  return decode<Record>(in, std::string(id));
}

template std::optional<NetworkSnapshot> read_record(const FolderLayout&, std::string_view);
template std::optional<SpikeTrainData> read_record(const FolderLayout&, std::string_view);
template std::optional<CompressedSpikeTrain> read_record(const FolderLayout&, std::string_view);
template std::optional<ReservoirStates> read_record(const FolderLayout&, std::string_view);
template std::optional<LayerOutputs> read_record(const FolderLayout&, std::string_view);
template std::optional<PlasticityTrace> read_record(const FolderLayout&, std::string_view);
template std::optional<HomeostaticTrace> read_record(const FolderLayout&, std::string_view);
template std::optional<PerformanceMetrics> read_record(const FolderLayout&, std::string_view);

std::optional<double> read_timestamp(const FolderLayout& layout, std::string_view kind,
                                     std::string_view id) {
  RecordReader in(layout, kind, id);
  if (!in.open()) return std::nullopt;
  return in.timestamp();
}

}  // namespace engram::npy_plugin
