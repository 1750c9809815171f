// plugins/hdf5/hdf5_plugin.cpp — the `hdf5` plugin: the traces role in one
// HDF5 file, in the Python system's layout (SEED_FORMATS.md), so that h5py
// users and the seed's own reader read what engram wrote, and engram reads
// what they wrote. This file is the backend and the descriptor, the
// library's only export.
//
// The folder reads top to bottom:
//   hdf5_options     the options and their table;
//   handles          hid_t and flock owners, group open and create;
//   hdf5_errors      the error mapper (HDF5's error stack to engram errors);
//   dtype_mapping    engram dtypes <-> HDF5 types;
//   filters          codecs, filter availability, dataset creation lists;
//   journaled_driver the file driver whose undo journal makes stores atomic;
//   traces_file      recognising, opening, flushing and closing the file;
//   seed_layout      the seed's groups and attribute names;
//   attributes       the seed's attributes, written and read;
//   datasets         arrays as datasets, reads within the record limits;
//   records          each kind of trace as groups, datasets and attributes;
//   shared_file      the file behind one mutex, each store all or nothing;
//   traces_role      the TraceStore;
//   file_maintenance stats, backup, compact, rotate, cleanup, sync.
//
// enable_swmr (HDF5 1.10 cannot create groups or datasets in SWMR-write
// mode, and the layout makes one per record, so engram defines it): when
// true, engram takes no HDF5 file lock, so other processes may open the file
// read-only while engram has it open; engram holds an exclusive flock(2) on
// "<file>.lock" while it changes the file and its flush, so a reader that
// holds a shared flock on it while it opens and reads sees a consistent file
// with every store that had returned. When false, HDF5's own file lock keeps
// every other process out while engram has the file open.
//
// Thread safety: one mutex serialises the file's use (the HDF5 library
// serialises its calls anyway). After close() every call throws
// StorageError("... closed").
#include <boost/dll/alias.hpp>
#include <memory>

#include "engram/plugin.h"
#include "file_maintenance.h"
#include "hdf5_options.h"
#include "shared_file.h"
#include "traces_file.h"
#include "traces_role.h"

namespace engram::hdf5 {
namespace {

class Hdf5Backend final : public Backend {
 public:
  explicit Hdf5Backend(const BackendContext& context)
      : options_(option_table().bind(context.options)),
        shared_(context.name, options_, context.clock) {}

  TraceStore* traces() noexcept override { return traces_.get(); }
  Maintenance& maintenance() noexcept override { return *maintenance_; }

 private:
  const Hdf5Options options_;
  SharedFile shared_;
  std::unique_ptr<Maintenance> maintenance_ = make_maintenance(shared_, options_);
  std::unique_ptr<TraceStore> traces_ = make_traces(shared_);
};

}  // namespace

const PluginDescriptor& descriptor() {
  static const PluginDescriptor kDescriptor = [] {
    PluginDescriptor d =
        describe_plugin<Hdf5Backend>("hdf5", "1.0.0", {Role::kTraces}, option_table().schema());
    d.files = [](const Json& options) {
      return owned_files(option_table().bind(options).file_path);
    };
    // Every id a batch put gives is kept when free (trace ids are strings;
    // it has no integer ids to renumber).
    d.capabilities.keeps_ids = true;
    return d;
  }();
  return kDescriptor;
}

}  // namespace engram::hdf5

BOOST_DLL_ALIAS(engram::hdf5::descriptor, engram_plugin)
