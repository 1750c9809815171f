// plugins/hdf5/hdf5_options.h — the hdf5 plugin's options: the seed's
// HDF5Storage parameters and defaults (Hdf5Options), and the table that binds
// a backend's option map to them and gives the plugin's option schema.
//
// Errors: binding throws ConfigError (unknown key, wrong type, a value
// outside the range or choices declared with it), from the core's
// OptionTable. A codec's level, whose range depends on the codec, is
// checked where the file opens (filters.h).
//
// Thread safety: immutable after static initialisation.
#ifndef ENGRAM_PLUGINS_HDF5_HDF5_OPTIONS_H_
#define ENGRAM_PLUGINS_HDF5_HDF5_OPTIONS_H_

#include <cstdint>
#include <string>

#include "engram/options.h"
#include "engram/record_limits.h"

namespace engram::hdf5 {

// The seed's HDF5Storage parameters and defaults.
struct Hdf5Options {
  std::string file_path = "godly_ai_data.h5";
  std::string compression = "gzip";
  std::int64_t compression_opts = 6;
  std::int64_t chunk_size = 1024;
  std::int64_t max_file_size = std::int64_t{10} * 1024 * 1024 * 1024;
  bool enable_swmr = true;
  std::int64_t max_record_bytes = kDefaultMaxRecordBytes;
};

// The keys, types, defaults and docs of Hdf5Options, for bind() and schema().
const OptionTable<Hdf5Options>& option_table();

}  // namespace engram::hdf5

#endif  // ENGRAM_PLUGINS_HDF5_HDF5_OPTIONS_H_
