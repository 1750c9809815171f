// The hdf5 plugin's filters as a unit (plugins/hdf5/filters.h): each
// compression name and level to its HDF5 filter and parameters, the
// pipeline and chunks on a dataset-creation property list, unknown names
// and levels out of range (ConfigError), filters HDF5 cannot encode with
// (NotSupported), and the expansion bound a stored pipeline gives.
#include "filters.h"

#include <hdf5.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "engram/errors.h"
#include "engram/record_limits.h"

namespace {

using engram::hdf5::Codec;
using engram::hdf5::codec_named;
using engram::hdf5::dataset_plist;
using engram::hdf5::Hid;

// A filter in a property list's pipeline: its id and parameters.
struct Stage {
  H5Z_filter_t filter;
  std::vector<unsigned> params;
};

std::vector<Stage> pipeline(hid_t dcpl) {
  std::vector<Stage> out;
  const int n = H5Pget_nfilters(dcpl);
  for (int i = 0; i < n; ++i) {
    unsigned flags = 0;
    std::size_t count = 16;
    std::vector<unsigned> params(count);
    unsigned config = 0;
    const H5Z_filter_t filter = H5Pget_filter2(dcpl, static_cast<unsigned>(i), &flags, &count,
                                               params.data(), 0, nullptr, &config);
    params.resize(count);
    out.push_back({filter, params});
  }
  return out;
}

std::vector<hsize_t> chunk_of(hid_t dcpl) {
  hsize_t dims[H5S_MAX_RANK] = {};
  const int rank = H5Pget_chunk(dcpl, H5S_MAX_RANK, dims);
  return std::vector<hsize_t>(dims, dims + std::max(rank, 0));
}

// True iff HDF5 can encode with `filter` (its plugin loaded if need be).
bool can_encode(H5Z_filter_t filter) {
  unsigned info = 0;
  const bool yes = H5Zfilter_avail(filter) > 0 && H5Zget_filter_info(filter, &info) >= 0 &&
                   (info & H5Z_FILTER_CONFIG_ENCODE_ENABLED) != 0;
  H5Eclear2(H5E_DEFAULT);
  return yes;
}

}  // namespace

TEST_CASE("hdf5 filters: each compression name and level gives its filter and parameters",
          "[hdf5][filters]") {
  const auto check = [](const std::string& name, std::int64_t level, H5Z_filter_t filter,
                        std::vector<unsigned> params) {
    INFO(name << " " << level);
    const Codec codec = codec_named(name, level, "b");
    CHECK(codec.name == name);
    CHECK(codec.filter == filter);
    CHECK(codec.params == params);
  };
  check("none", 6, H5Z_FILTER_NONE, {});
  for (unsigned level = 0; level <= 9; ++level) check("gzip", level, H5Z_FILTER_DEFLATE, {level});
  check("lzf", 6, engram::hdf5::kLzfFilter, {});
  check("lzf", 1000, engram::hdf5::kLzfFilter, {});  // no level: ignored
  check("lz4", 6, engram::hdf5::kLz4Filter, {0});
  for (unsigned level = 1; level <= 9; ++level)
    check("bzip2", level, engram::hdf5::kBzip2Filter, {level});
  for (unsigned ppb = 2; ppb <= 32; ppb += 2) {
    check("szip", ppb, H5Z_FILTER_SZIP, {H5_SZIP_NN_OPTION_MASK, ppb});
  }
  for (unsigned level = 0; level <= 9; ++level) {
    check("blosc", level, engram::hdf5::kBloscFilter, {0, 0, 0, 0, level, 0, 1});
    check("blosc-lz4", level, engram::hdf5::kBloscFilter, {0, 0, 0, 0, level, 0, 1});
    check("blosc-zstd", level, engram::hdf5::kBloscFilter, {0, 0, 0, 0, level, 0, 5});
  }
}

TEST_CASE("hdf5 filters: an unknown name or a level out of range is a ConfigError",
          "[hdf5][filters]") {
  for (const char* name : {"zip", "GZIP", "", "blosc-zlib", "deflate"}) {
    INFO(name);
    try {
      codec_named(name, 6, "arrays");
      FAIL("accepted " << name);
    } catch (const engram::ConfigError& e) {
      CHECK(std::string(e.what()).find("unknown compression") != std::string::npos);
      CHECK(e.backend() == "arrays");
    }
  }
  const struct {
    const char* name;
    std::int64_t level;
  } out_of_range[] = {{"gzip", -1},  {"gzip", 10},      {"bzip2", 0},       {"bzip2", 10},
                      {"szip", 0},   {"szip", 3},       {"szip", 33},       {"szip", 34},
                      {"blosc", -1}, {"blosc-lz4", 10}, {"blosc-zstd", 10}, {"gzip", INT64_MAX}};
  for (const auto& [name, level] : out_of_range) {
    INFO(name << " " << level);
    CHECK_THROWS_AS(codec_named(name, level, "arrays"), engram::ConfigError);
  }
}

TEST_CASE("hdf5 filters: the pipeline is shuffle, the codec, Fletcher-32", "[hdf5][filters]") {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  engram::hdf5::share_hdf5_symbols();
  for (const auto& [name, level] :
       std::vector<std::pair<std::string, std::int64_t>>{{"none", 0},
                                                         {"gzip", 4},
                                                         {"lzf", 0},
                                                         {"lz4", 0},
                                                         {"bzip2", 9},
                                                         {"blosc", 5},
                                                         {"blosc-zstd", 3},
                                                         {"szip", 8}}) {
    INFO(name);
    const Codec codec = codec_named(name, level, "b");
    if (codec.filter != H5Z_FILTER_NONE && !can_encode(codec.filter)) {
      // Only szip may be absent (as in hdf5_errors_test's codec round trip).
      CHECK(name == "szip");
      CHECK_THROWS_AS(engram::hdf5::check_codec_available(codec, "b"), engram::NotSupported);
      continue;
    }
    CHECK_NOTHROW(engram::hdf5::check_codec_available(codec, "b"));
    const Hid dcpl = dataset_plist({100, 50}, 8, 1024, codec, "b");
    CHECK(H5Pget_layout(dcpl.get()) == H5D_CHUNKED);
    CHECK(chunk_of(dcpl.get()) == std::vector<hsize_t>{100, 50});
    const std::vector<Stage> stages = pipeline(dcpl.get());
    const std::size_t expected = codec.filter == H5Z_FILTER_NONE ? 2 : 3;
    REQUIRE(stages.size() == expected);
    CHECK(stages.front().filter == H5Z_FILTER_SHUFFLE);
    CHECK(stages.back().filter == H5Z_FILTER_FLETCHER32);
    if (expected == 3) {
      CHECK(stages[1].filter == codec.filter);
      // szip's list also holds what H5Pset_szip adds; the others are as given.
      if (codec.filter != H5Z_FILTER_SZIP) CHECK(stages[1].params == codec.params);
    }
  }
}

TEST_CASE(
    "hdf5 filters: chunks are min(chunk_size, extent), at most 16 MiB; 0-d and empty "
    "arrays are contiguous",
    "[hdf5][filters]") {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  const Codec gzip = codec_named("gzip", 6, "b");
  CHECK(chunk_of(dataset_plist({100, 5}, 4, 16, gzip, "b").get()) == std::vector<hsize_t>{16, 5});
  CHECK(chunk_of(dataset_plist({7}, 1, 1024, gzip, "b").get()) == std::vector<hsize_t>{7});
  // 4096 x 4096 doubles is 128 MiB: halved along the largest dimension
  // (the first of equals) until at most 16 MiB.
  const std::vector<hsize_t> big =
      chunk_of(dataset_plist({10000, 10000}, 8, 4096, gzip, "b").get());
  CHECK(big == std::vector<hsize_t>{1024, 2048});
  CHECK(big[0] * big[1] * 8 <= (hsize_t{16} << 20));
  for (const engram::Shape& shape : {engram::Shape{}, engram::Shape{0, 5}, engram::Shape{3, 0}}) {
    const Hid dcpl = dataset_plist(shape, 8, 1024, gzip, "b");
    CHECK(H5Pget_layout(dcpl.get()) == H5D_CONTIGUOUS);
    CHECK(H5Pget_nfilters(dcpl.get()) == 0);
  }
}

TEST_CASE("hdf5 filters: a filter HDF5 does not have is NotSupported", "[hdf5][filters]") {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  CHECK_NOTHROW(engram::hdf5::check_codec_available(codec_named("none", 0, "b"), "b"));
  CHECK_NOTHROW(engram::hdf5::check_codec_available(codec_named("gzip", 6, "b"), "b"));
  // 31999: an id no filter plugin registers.
  const Codec missing{"missing", 31999, {}};
  try {
    engram::hdf5::check_codec_available(missing, "arrays");
    FAIL("a filter that does not exist is available");
  } catch (const engram::NotSupported& e) {
    CHECK(std::string(e.what()).find("compression 'missing' (HDF5 filter 31999)") !=
          std::string::npos);
    CHECK(e.native_code() == 31999);
  }
  // Nothing left on HDF5's error stack.
  CHECK(H5Eget_num(H5E_DEFAULT) == 0);
}

TEST_CASE("hdf5 filters: the expansion bound of a stored pipeline", "[hdf5][filters]") {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  const auto bound = [](const std::string& name) {
    const Hid dcpl = dataset_plist({64}, 8, 1024, codec_named(name, 1, "b"), "b");
    return engram::hdf5::max_expansion(dcpl.get());
  };
  CHECK(bound("none") == engram::kMaxRatioNone);
  CHECK(bound("gzip") == engram::kMaxRatioDeflate);
  CHECK(bound("lz4") == engram::kMaxRatioLz4);
  CHECK(bound("bzip2") == engram::kMaxRatioUnbounded);
  CHECK(bound("blosc") == engram::kMaxRatioUnbounded);
  const Hid contiguous = dataset_plist({}, 8, 1024, codec_named("gzip", 1, "b"), "b");
  CHECK(engram::hdf5::max_expansion(contiguous.get()) == engram::kMaxRatioNone);
}
