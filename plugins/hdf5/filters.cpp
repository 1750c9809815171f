// The hdf5 plugin's filters (filters.h).
#include "filters.h"

#include <dlfcn.h>

#include <algorithm>

#include "engram/errors.h"
#include "engram/ids.h"
#include "engram/log.h"
#include "engram/record_limits.h"
#include "hdf5_errors.h"

namespace engram::hdf5 {

Codec codec_named(const std::string& name, std::int64_t level, const std::string& backend) {
  const auto range = [&](std::int64_t lo, std::int64_t hi) {
    if (level < lo || level > hi) {
      throw ConfigError("compression_opts " + std::to_string(level) + " is out of range for " +
                            name + " (" + std::to_string(lo) + " to " + std::to_string(hi) + ")",
                        backend);
    }
    return static_cast<unsigned>(level);
  };
  if (name == "none") return {name, H5Z_FILTER_NONE, {}};
  if (name == "gzip") return {name, H5Z_FILTER_DEFLATE, {range(0, 9)}};
  if (name == "lzf") return {name, kLzfFilter, {}};
  if (name == "lz4") return {name, kLz4Filter, {0}};
  if (name == "bzip2") return {name, kBzip2Filter, {range(1, 9)}};
  if (name == "szip") {
    const unsigned ppb = range(2, 32);
    if (ppb % 2 != 0) throw ConfigError("szip needs an even compression_opts", backend);
    return {name, H5Z_FILTER_SZIP, {H5_SZIP_NN_OPTION_MASK, ppb}};
  }
  // Blosc's parameters: 4 slots its set_local fills, then level, its own
  // shuffle (off: HDF5's shuffle runs first) and the inner compressor.
  if (name == "blosc" || name == "blosc-lz4")
    return {name, kBloscFilter, {0, 0, 0, 0, range(0, 9), 0, 1}};
  if (name == "blosc-zstd") return {name, kBloscFilter, {0, 0, 0, 0, range(0, 9), 0, 5}};
  throw ConfigError("unknown compression '" + printable(name) +
                        "' (known: gzip, lzf, szip, lz4, bzip2, blosc, blosc-lz4, blosc-zstd, "
                        "none)",
                    backend);
}

// Filter plugins (LZF's, for one) leave their HDF5 symbols to the loader:
// they resolve only against libraries in the global namespace, and this
// plugin — so its libhdf5 — was loaded RTLD_LOCAL. Promoting the libhdf5
// already loaded to RTLD_GLOBAL lets HDF5 load them; it also keeps libhdf5
// loaded for the life of the process, so the library is not torn down and
// set up again each time this plugin is unloaded and loaded.
void share_hdf5_symbols() {
  static const bool shared = [] {
    Dl_info info{};
    if (::dladdr(reinterpret_cast<void*>(&H5open), &info) == 0 || info.dli_fname == nullptr) {
      return false;
    }
    // Debian's LZF filter (hdf5-plugin-lzf) is not linked to liblzf, whose
    // lzf_decompress it needs: provide it the same way, if it is there.
    ::dlopen("liblzf.so.1", RTLD_NOW | RTLD_GLOBAL);
    // libblosc allocates a global context once and never frees it: kept
    // loaded (not unloaded with the Blosc filter), it stays reachable.
    ::dlopen("libblosc.so.1", RTLD_NOW | RTLD_GLOBAL);
    return ::dlopen(info.dli_fname, RTLD_NOW | RTLD_GLOBAL | RTLD_NOLOAD) != nullptr;
  }();
  if (!shared) log(LogLevel::kWarn, "hdf5: could not share libhdf5's symbols with filter plugins");
}

void check_codec_available(const Codec& codec, const std::string& backend) {
  if (codec.filter == H5Z_FILTER_NONE) return;
  const htri_t avail = H5Zfilter_avail(codec.filter);
  H5Eclear2(H5E_DEFAULT);
  unsigned info = 0;
  if (avail <= 0 || H5Zget_filter_info(codec.filter, &info) < 0 ||
      (info & H5Z_FILTER_CONFIG_ENCODE_ENABLED) == 0) {
    H5Eclear2(H5E_DEFAULT);
    throw NotSupported("compression '" + codec.name + "' (HDF5 filter " +
                           std::to_string(codec.filter) +
                           ") is not available for writing: install its HDF5 filter plugin "
                           "or set HDF5_PLUGIN_PATH",
                       backend, codec.filter);
  }
}

Hid dataset_plist(const Shape& shape, std::size_t element_size, std::int64_t chunk_size,
                  const Codec& codec, const std::string& backend) {
  const auto ok = [&](herr_t result, const char* doing, std::string_view what = {}) {
    check(result, backend, doing, what);
  };
  Hid dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  const bool chunkable = !shape.empty() && element_count(shape) > 0;
  if (!chunkable) return dcpl;
  // The seed's chunks (min(chunk_size, extent)), halved along the largest
  // dimension while a chunk would pass 16 MiB (HDF5 refuses 4 GiB).
  std::vector<hsize_t> chunk(shape.size());
  for (std::size_t i = 0; i < shape.size(); ++i) {
    chunk[i] = std::min<hsize_t>(static_cast<hsize_t>(chunk_size), shape[i]);
  }
  const auto chunk_bytes = [&] {
    hsize_t bytes = element_size;
    for (hsize_t c : chunk) bytes *= c;
    return bytes;
  };
  while (chunk_bytes() > (hsize_t{16} << 20)) {
    auto largest = std::max_element(chunk.begin(), chunk.end());
    *largest = (*largest + 1) / 2;
  }
  ok(H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()), "setting chunks");
  ok(H5Pset_shuffle(dcpl.get()), "setting shuffle");
  if (codec.filter == H5Z_FILTER_DEFLATE) {
    ok(H5Pset_deflate(dcpl.get(), codec.params[0]), "setting gzip");
  } else if (codec.filter == H5Z_FILTER_SZIP) {
    ok(H5Pset_szip(dcpl.get(), codec.params[0], codec.params[1]), "setting szip");
  } else if (codec.filter != H5Z_FILTER_NONE) {
    ok(H5Pset_filter(dcpl.get(), codec.filter, H5Z_FLAG_OPTIONAL, codec.params.size(),
                     codec.params.data()),
       "setting filter", codec.name);
  }
  ok(H5Pset_fletcher32(dcpl.get()), "setting Fletcher-32");
  return dcpl;
}

std::uint64_t max_expansion(hid_t dcpl) {
  std::uint64_t ratio = kMaxRatioNone;
  const int filters = H5Pget_nfilters(dcpl);
  for (int i = 0; i < filters; ++i) {
    unsigned flags = 0;
    std::size_t values = 0;
    unsigned config = 0;
    const H5Z_filter_t filter = H5Pget_filter2(dcpl, static_cast<unsigned>(i), &flags, &values,
                                               nullptr, 0, nullptr, &config);
    std::uint64_t step = kMaxRatioUnbounded;
    if (filter == H5Z_FILTER_SHUFFLE || filter == H5Z_FILTER_FLETCHER32) step = kMaxRatioNone;
    if (filter == H5Z_FILTER_DEFLATE) step = kMaxRatioDeflate;
    if (filter == kLz4Filter) step = kMaxRatioLz4;
    if (step == kMaxRatioUnbounded) return kMaxRatioUnbounded;
    if (__builtin_mul_overflow(ratio, step, &ratio)) return kMaxRatioUnbounded;
  }
  H5Eclear2(H5E_DEFAULT);
  return ratio;
}

}  // namespace engram::hdf5
