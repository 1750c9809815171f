// Fuzzes how the hdf5 plugin decodes record attributes, as a black box: the
// fuzzed bytes become one attribute (the JSON metadata, a seed-style
// `meta_<key>` or the timestamp, as a variable- or fixed-length string) of a
// snapshot or spike train in an HDF5 file the plugin wrote, set with the
// HDF5 C API; the file is then opened through the core and the plugin, and
// the records are read and listed. Reads must return or throw an engram
// StorageError; anything else is a finding. Only attribute values are
// fuzzed, the file's structure stays valid, so libhdf5 runs in the fuzzer's
// process (malformed files are the journal target's, in a child).
//
// Input: byte 0 picks the record (bit 0), the attribute (bits 1-2) and the
// string kind (bit 3); the rest is the value.
#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "engram/storage.h"
#include "fuzz_support.h"

namespace {

using engram::fuzz::finding;
namespace fs = std::filesystem;

struct Fixture {
  fs::path dir;
  fs::path pristine;
  fs::path file;
  // Keeps the plugin loaded between inputs (a plugin unloaded and loaded
  // again would leave libFuzzer's counters pointing at unmapped memory).
  std::unique_ptr<engram::Storage> keeper;
};

std::string yaml_for(const fs::path& file) {
  return "version: 1\n"
         "backends: {arrays: {plugin: hdf5, file_path: " +
         file.string() +
         "}}\n"
         "roles: {traces: arrays}\n";
}

Fixture& fixture() {
  static Fixture* made = [] {
    auto* f = new Fixture;
    f->dir = engram::fuzz::make_temp_dir("hdf5-attribute");
    f->pristine = f->dir / "pristine.h5";
    f->file = f->dir / "traces.h5";
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    {
      engram::Storage storage = engram::Storage::from_yaml(yaml_for(f->pristine));
      const std::vector<double> square{1.0, 0.0, 0.0, 1.0};
      const std::vector<double> values{1.0, 2.0};
      const engram::ArrayView matrix(square, {2, 2});
      storage.traces()->store_network_snapshot(100.0, matrix, matrix, values, {{"k", "v"}});
      storage.traces()->store_spike_train(100.0, values, values, std::nullopt, {{"k", 1}});
    }
    f->keeper = std::make_unique<engram::Storage>(
        engram::Storage::from_yaml(yaml_for(f->dir / "keeper.h5")));
    std::atexit([] {
      std::error_code ignored;
      fs::remove_all(fixture().dir, ignored);
    });
    return f;
  }();
  return *made;
}

struct Closer {
  herr_t (*close)(hid_t);
  void operator()(hid_t* id) const {
    if (*id >= 0) close(*id);
    delete id;
  }
};
using Handle = std::unique_ptr<hid_t, Closer>;
Handle handle(hid_t id, herr_t (*close)(hid_t)) { return Handle(new hid_t(id), Closer{close}); }

// Replaces attribute `name` of `object` in `file` by `value`.
void set_attribute(const fs::path& file, const char* object, const char* name,
                   const std::string& value, bool fixed_length) {
  const Handle f = handle(H5Fopen(file.c_str(), H5F_ACC_RDWR, H5P_DEFAULT), H5Fclose);
  if (*f < 0) finding("cannot open the copy of the file");
  const Handle o = handle(H5Oopen(*f, object, H5P_DEFAULT), H5Oclose);
  if (*o < 0) finding(std::string("no object ") + object);
  if (H5Aexists(*o, name) > 0) H5Adelete(*o, name);
  const Handle type = handle(H5Tcopy(H5T_C_S1), H5Tclose);
  if (fixed_length) {
    H5Tset_size(*type, std::max<std::size_t>(value.size(), 1));
  } else {
    H5Tset_size(*type, H5T_VARIABLE);
  }
  H5Tset_cset(*type, H5T_CSET_UTF8);
  const Handle space = handle(H5Screate(H5S_SCALAR), H5Sclose);
  const Handle attr =
      handle(H5Acreate2(*o, name, *type, *space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
  if (*attr < 0) finding(std::string("cannot create attribute ") + name);
  const char* text = value.c_str();
  const herr_t written = fixed_length ? H5Awrite(*attr, *type, value.empty() ? "" : value.data())
                                      : H5Awrite(*attr, *type, &text);
  if (written < 0) finding(std::string("cannot write attribute ") + name);
}

void read_all(engram::TraceStore& traces) {
  auto run = [](const char* what, auto&& body) {
    engram::fuzz::only_errors<engram::StorageError>(what, body);
  };
  run("retrieve_network_snapshot", [&] { traces.retrieve_network_snapshot("snapshot_100000"); });
  run("retrieve_spike_train", [&] { traces.retrieve_spike_train("train_100000"); });
  run("get_network_snapshots_in_range", [&] { traces.get_network_snapshots_in_range(0, 1e9); });
  run("list_network_snapshots", [&] { traces.list_network_snapshots({}, 10); });
  run("list_spike_trains", [&] { traces.list_spike_trains({}, 10); });
}

// Valid JSON object metadata comes back as written.
void check_metadata(engram::TraceStore& traces, bool snapshot, const std::string& text) {
  engram::Json expected;
  try {
    expected = engram::Json::parse(text);
  } catch (const engram::Json::exception&) {
    return;
  }
  if (!expected.is_object()) return;
  engram::Json got;
  try {
    if (snapshot) {
      got = traces.retrieve_network_snapshot("snapshot_100000").value().metadata;
    } else {
      got = traces.retrieve_spike_train("train_100000").value().metadata;
    }
  } catch (const std::exception& error) {
    engram::fuzz::refused(error);
    return;
  }
  if (got != expected) finding("JSON metadata came back different: " + got.dump());
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fixture();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  Fixture& f = fixture();
  const bool snapshot = (data[0] & 1) == 0;
  const int which = (data[0] >> 1) & 3;
  const bool fixed_length = (data[0] & 8) != 0;
  const std::string value(reinterpret_cast<const char*>(data + 1), size - 1);
  const char* object =
      snapshot ? "/network_states/topology/snapshot_100000" : "/spike_trains/raw_data/train_100000";
  const char* name = which == 0   ? "metadata_json"
                     : which == 1 ? "meta_fuzz"
                     : which == 2 ? "timestamp"
                                  : "num_spikes";
  std::error_code error;
  fs::copy_file(f.pristine, f.file, fs::copy_options::overwrite_existing, error);
  fs::remove(f.file.string() + ".journal", error);
  set_attribute(f.file, object, name, value, fixed_length);

  std::unique_ptr<engram::Storage> storage;
  if (!engram::fuzz::only_errors<engram::StorageError>("opening the file", [&] {
        storage = std::make_unique<engram::Storage>(engram::Storage::from_yaml(yaml_for(f.file)));
      })) {
    return 0;
  }
  auto traces = storage->traces();
  read_all(*traces);
  // A vlen string ends at its first NUL; a fixed one keeps the bytes.
  if (which == 0) check_metadata(*traces, snapshot, fixed_length ? value : value.c_str());
  return 0;
}
