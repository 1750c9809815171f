// The hdf5 plugin's option table (hdf5_options.h).
#include "hdf5_options.h"

namespace engram::hdf5 {

const OptionTable<Hdf5Options>& option_table() {
  static const auto kOptions =
      OptionTable<Hdf5Options>()
          .add("file_path", &Hdf5Options::file_path, "the HDF5 file", OptionType::kPath,
               non_empty())
          .add("compression", &Hdf5Options::compression,
               "codec: gzip, lzf, szip, lz4, bzip2, blosc (lz4 inside), blosc-zstd, none",
               one_of({"gzip", "lzf", "szip", "lz4", "bzip2", "blosc", "blosc-lz4", "blosc-zstd",
                       "none"}))
          .add("compression_opts", &Hdf5Options::compression_opts,
               "codec level: gzip/blosc 0-9, bzip2 1-9, szip pixels per block (even, 2-32)")
          .add("chunk_size", &Hdf5Options::chunk_size,
               "chunk extent per dimension (min of this and the array's extent)", at_least(1))
          .add("max_file_size", &Hdf5Options::max_file_size,
               "bytes past which rotate_if_needed (check_file_size) rotates the file",
               at_least(1))
          .live()
          .add("enable_swmr", &Hdf5Options::enable_swmr,
               "let readers in other processes open the file while engram writes (see README)")
          .add("max_record_bytes", &Hdf5Options::max_record_bytes,
               "largest record a read may allocate; never more than the machine's memory",
               at_least(1));
  return kOptions;
}

}  // namespace engram::hdf5
