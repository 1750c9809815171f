// plugins/hdf5/filters.h — compression in the hdf5 plugin: the codec the
// options name (compression, compression_opts) as an HDF5 filter and its
// parameters, whether HDF5 can encode with it (H5Zfilter_avail, loading the
// filter plugin), and the dataset-creation property list every chunked
// array is written with: chunks of min(chunk_size, extent) per dimension
// (halved while a chunk passes 16 MiB), then shuffle, the codec and
// Fletcher-32. Also how far a stored pipeline can expand data (for the read
// limits of engram/record_limits.h).
//
// Errors: codec_named throws ConfigError (unknown name, level out of
// range); check_codec_available throws NotSupported (filter missing or
// unable to encode); dataset_plist throws the engram error HDF5's stack
// gives.
//
// Thread safety: free functions; share_hdf5_symbols runs its work once.
#ifndef ENGRAM_PLUGINS_HDF5_FILTERS_H_
#define ENGRAM_PLUGINS_HDF5_FILTERS_H_

#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "engram/array.h"
#include "handles.h"

namespace engram::hdf5 {

// HDF5 filter ids of the codecs Debian's filter plugins provide.
constexpr H5Z_filter_t kLzfFilter = 32000;
constexpr H5Z_filter_t kBloscFilter = 32001;
constexpr H5Z_filter_t kLz4Filter = 32004;
constexpr H5Z_filter_t kBzip2Filter = 307;

// A codec as a filter and its parameters.
struct Codec {
  std::string name;
  H5Z_filter_t filter = H5Z_FILTER_NONE;  // none: no compression
  std::vector<unsigned> params;
};

// The codec `name` at `level` (compression, compression_opts): none; gzip
// 0-9 (deflate); lzf; lz4; bzip2 1-9; szip, an even pixels-per-block 2-32
// (nearest-neighbour coding); blosc or blosc-lz4, blosc-zstd 0-9 (blosc's
// own shuffle off, HDF5's runs first). A level is ignored by codecs
// without one. Throws ConfigError from `backend` for an unknown name or a
// level out of range.
Codec codec_named(const std::string& name, std::int64_t level, const std::string& backend);

// Lets filter plugins resolve libhdf5's symbols (and liblzf's, libblosc's):
// call before HDF5 loads a filter plugin. Logs a warning when it cannot.
void share_hdf5_symbols();

// Throws NotSupported from `backend` unless the codec's filter is
// available for encoding (loading its plugin from HDF5_PLUGIN_PATH or the
// default folder). Leaves HDF5's error stack clear.
void check_codec_available(const Codec& codec, const std::string& backend);

// A new dataset-creation property list for an array of `shape` with
// elements of `element_size` bytes: chunked (min(chunk_size, extent) per
// dimension, halved along the largest while a chunk passes 16 MiB) with
// shuffle, `codec` and Fletcher-32; the default (contiguous, unfiltered)
// for a 0-d or zero-size array, which HDF5 cannot chunk.
// REQUIRES: chunk_size >= 1.
Hid dataset_plist(const Shape& shape, std::size_t element_size, std::int64_t chunk_size,
                  const Codec& codec, const std::string& backend);

// The most the filter pipeline of `dcpl` can expand its stored bytes, as
// engram/record_limits.h gives it per codec; kMaxRatioUnbounded for a codec
// without a documented bound (bzip2, blosc, szip, lzf, scale-offset, ...).
std::uint64_t max_expansion(hid_t dcpl);

}  // namespace engram::hdf5

#endif  // ENGRAM_PLUGINS_HDF5_FILTERS_H_
