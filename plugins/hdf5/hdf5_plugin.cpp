// plugins/hdf5/hdf5_plugin.cpp — the `hdf5` plugin: the traces role in one
// HDF5 file, in the Python system's layout (SEED_FORMATS.md), so that h5py
// users and the seed's own reader read what engram wrote, and engram reads
// what they wrote.
//
// It reads top to bottom as every plugin does: options → handles → the error
// mapper → types, attributes and datasets → the file → records → the role
// class → maintenance and backend → the descriptor and its entry point, last
// and the library's only export.
//
// Layout: the seed's groups, datasets and attribute names. Every array is a
// dataset: chunked (min(chunk_size, extent) per dimension, the first
// dimension unlimited) with shuffle, Fletcher-32 and the configured codec;
// 0-d and zero-size arrays, which HDF5 cannot chunk, are stored contiguous
// and unfiltered. Beside the seed's scalar attributes (`meta_<key>`,
// `param_<key>`), metadata and compression parameters are kept whole as JSON
// text in one variable-length string attribute (`metadata_json`,
// `params_json`): the text lives in the global heap, so it has no size limit
// and the object header stays small. Files the seed wrote have no JSON
// attribute: their metadata is rebuilt from the scalar attributes.
//
// Durability: every store ends with H5Fflush and a commit of the undo
// journal the plugin's file driver keeps (journaled_driver.h): a process
// killed mid-store leaves a file that the next open rolls back to the last
// commit, so every store that returned survives a process crash (not a
// power loss: nothing is fsynced except by sync()). The file uses HDF5's
// default (earliest) format, whose superblock has no status flag to clear.
// A write that fails (a full disk, EFBIG, EIO) fails its store with
// "writing <file>: <errno text>"; the file is then closed, rolled back to
// its last commit and reopened by the next call, so nothing stored before
// is lost and no open file is left for HDF5's exit handler.
//
// Files that are not engram's are left alone: before anything is written
// at or beside file_path (the lock file, the journal), the file must be
// absent (its folders are created), empty (0 bytes, or an HDF5 file with
// nothing in it: a new store), have engram's journal beside it, or be HDF5
// in the seed's layout; anything else is CorruptData. Reads allocate no
// more than max_record_bytes per dataset, nor more than the dataset's
// stored bytes can decompress to (engram/record_limits.h).
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
#include <dlfcn.h>
#include <fcntl.h>
#include <hdf5.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <boost/dll/alias.hpp>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "engram/array.h"
#include "engram/errors.h"
#include "engram/ids.h"
#include "engram/json.h"
#include "engram/log.h"
#include "engram/maintenance.h"
#include "engram/options.h"
#include "engram/page.h"
#include "engram/plugin.h"
#include "engram/record_limits.h"
#include "engram/trace_store.h"
#include "hdf5_errors.h"
#include "journaled_driver.h"

namespace engram::hdf5 {
namespace {

namespace fs = std::filesystem;

// ---------------------------------------------------------------- options

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

const auto kOptions =
    OptionTable<Hdf5Options>()
        .add("file_path", &Hdf5Options::file_path, "the HDF5 file", OptionType::kPath)
        .add("compression", &Hdf5Options::compression,
             "codec: gzip, lzf, szip, lz4, bzip2, blosc (lz4 inside), blosc-zstd, none")
        .add("compression_opts", &Hdf5Options::compression_opts,
             "codec level: gzip/blosc 0-9, bzip2 1-9, szip pixels per block (even, 2-32)")
        .add("chunk_size", &Hdf5Options::chunk_size,
             "chunk extent per dimension (min of this and the array's extent)")
        .add("max_file_size", &Hdf5Options::max_file_size,
             "bytes past which rotate_if_needed (check_file_size) rotates the file")
        .add("enable_swmr", &Hdf5Options::enable_swmr,
             "let readers in other processes open the file while engram writes (see README)")
        .add("max_record_bytes", &Hdf5Options::max_record_bytes,
             "largest record a read may allocate; never more than the machine's memory");

// ---------------------------------------------------------------- handles

// Owns one hid_t and closes it with its own close function; move-only.
class Hid {
 public:
  using Close = herr_t (*)(hid_t);
  Hid() = default;
  Hid(hid_t id, Close close) : id_(id), close_(close) {}
  Hid(Hid&& other) noexcept
      : id_(std::exchange(other.id_, H5I_INVALID_HID)), close_(other.close_) {}
  Hid& operator=(Hid&& other) noexcept {
    if (this != &other) {
      reset();
      id_ = std::exchange(other.id_, H5I_INVALID_HID);
      close_ = other.close_;
    }
    return *this;
  }
  Hid(const Hid&) = delete;
  Hid& operator=(const Hid&) = delete;
  ~Hid() { reset(); }

  hid_t get() const noexcept { return id_; }
  explicit operator bool() const noexcept { return id_ >= 0; }
  // Forgets the id without closing it (the caller closed it).
  void release() noexcept { id_ = H5I_INVALID_HID; }
  // Closes now; returns false when HDF5 reported an error.
  bool reset() noexcept {
    bool ok = true;
    if (id_ >= 0 && close_ != nullptr) ok = close_(id_) >= 0;
    id_ = H5I_INVALID_HID;
    return ok;
  }

 private:
  hid_t id_ = H5I_INVALID_HID;
  Close close_ = nullptr;
};

// A file descriptor holding an flock(2), released on destruction.
class FileLock {
 public:
  FileLock() = default;
  FileLock(FileLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  FileLock& operator=(FileLock&&) = delete;
  ~FileLock() {
    if (fd_ >= 0) ::close(fd_);  // closing releases the lock
  }
  static FileLock exclusive(const fs::path& path, std::string* error) {
    FileLock lock;
    lock.fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lock.fd_ < 0 || ::flock(lock.fd_, LOCK_EX) != 0) {
      *error = std::error_code(errno, std::generic_category()).message();
      return FileLock();
    }
    return lock;
  }
  explicit operator bool() const noexcept { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// ---------------------------------------------------------------- errors

// Checks an HDF5 return: a negative value throws through throw_hdf5.
template <class Result>
Result check(Result result, const std::string& backend, const char* doing,
             std::string_view what = {}) {
  if (result < 0) {
    throw_hdf5(backend,
               what.empty() ? std::string(doing) : std::string(doing) + " " + printable(what));
  }
  return result;
}

// ---------------------------------------------------------------- types

// The HDF5 type of each dtype, as h5py writes it (little-endian standard
// types; bool an int8 enum FALSE/TRUE; complex a compound {r, i}; float16
// IEEE binary16). On little-endian platforms it is also the memory type.
Hid type_of(DType dtype) {
  const auto copy = [](hid_t base) { return Hid(H5Tcopy(base), H5Tclose); };
  switch (dtype) {
    case DType::kBool: {
      Hid type(H5Tenum_create(H5T_STD_I8LE), H5Tclose);
      const std::int8_t f = 0, t = 1;
      H5Tenum_insert(type.get(), "FALSE", &f);
      H5Tenum_insert(type.get(), "TRUE", &t);
      return type;
    }
    case DType::kInt8:
      return copy(H5T_STD_I8LE);
    case DType::kInt16:
      return copy(H5T_STD_I16LE);
    case DType::kInt32:
      return copy(H5T_STD_I32LE);
    case DType::kInt64:
      return copy(H5T_STD_I64LE);
    case DType::kUInt8:
      return copy(H5T_STD_U8LE);
    case DType::kUInt16:
      return copy(H5T_STD_U16LE);
    case DType::kUInt32:
      return copy(H5T_STD_U32LE);
    case DType::kUInt64:
      return copy(H5T_STD_U64LE);
    case DType::kFloat16: {
      Hid type = copy(H5T_IEEE_F32LE);
      H5Tset_fields(type.get(), 15, 10, 5, 0, 10);
      H5Tset_size(type.get(), 2);
      H5Tset_ebias(type.get(), 15);
      return type;
    }
    case DType::kFloat32:
      return copy(H5T_IEEE_F32LE);
    case DType::kFloat64:
      return copy(H5T_IEEE_F64LE);
    case DType::kComplex64:
    case DType::kComplex128: {
      const bool wide = dtype == DType::kComplex128;
      const std::size_t half = wide ? 8 : 4;
      Hid type(H5Tcreate(H5T_COMPOUND, 2 * half), H5Tclose);
      H5Tinsert(type.get(), "r", 0, wide ? H5T_IEEE_F64LE : H5T_IEEE_F32LE);
      H5Tinsert(type.get(), "i", half, wide ? H5T_IEEE_F64LE : H5T_IEEE_F32LE);
      return type;
    }
  }
  return Hid();
}

// The dtype a stored HDF5 type reads as; nullopt for types engram has none
// for (strings, references, other compounds).
std::optional<DType> dtype_of_type(hid_t type) {
  const std::size_t size = H5Tget_size(type);
  switch (H5Tget_class(type)) {
    case H5T_INTEGER: {
      const bool is_signed = H5Tget_sign(type) == H5T_SGN_2;
      switch (size) {
        case 1:
          return is_signed ? DType::kInt8 : DType::kUInt8;
        case 2:
          return is_signed ? DType::kInt16 : DType::kUInt16;
        case 4:
          return is_signed ? DType::kInt32 : DType::kUInt32;
        case 8:
          return is_signed ? DType::kInt64 : DType::kUInt64;
        default:
          return std::nullopt;
      }
    }
    case H5T_FLOAT:
      if (size == 2) return DType::kFloat16;
      if (size == 4) return DType::kFloat32;
      if (size == 8) return DType::kFloat64;
      return std::nullopt;
    case H5T_ENUM:
      if (size == 1 && H5Tget_nmembers(type) == 2) return DType::kBool;
      return std::nullopt;
    case H5T_COMPOUND: {
      if (H5Tget_nmembers(type) != 2) return std::nullopt;
      Hid member(H5Tget_member_type(type, 0), H5Tclose);
      if (!member || H5Tget_class(member.get()) != H5T_FLOAT) return std::nullopt;
      if (size == 8) return DType::kComplex64;
      if (size == 16) return DType::kComplex128;
      return std::nullopt;
    }
    default:
      return std::nullopt;
  }
}

Hid utf8_string_type() {
  Hid type(H5Tcopy(H5T_C_S1), H5Tclose);
  H5Tset_size(type.get(), H5T_VARIABLE);
  H5Tset_cset(type.get(), H5T_CSET_UTF8);
  return type;
}

// Throws the failed write the journaled driver recorded for `file` since
// its last commit, if any ("writing <file>: <errno text>").
void check_writes(hid_t file, const std::string& backend, const fs::path& path) {
  if (const auto failure = write_failure(file)) {
    take_io_failure();
    throw_errno(backend, "writing " + (failure->path.empty() ? path.string() : failure->path),
                failure->error);
  }
}

// ---------------------------------------------------------------- codecs

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

// The codec the options name. Throws ConfigError for an unknown name or a
// level out of range.
Codec codec_from_options(const Hdf5Options& o, const std::string& backend) {
  const std::string& name = o.compression;
  const std::int64_t level = o.compression_opts;
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

// Throws NotSupported unless the codec's filter is available for encoding
// (loading its plugin from HDF5_PLUGIN_PATH or the default folder).
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

// ---------------------------------------------------------------- the file

// The seed's groups.
constexpr const char* kTopology = "network_states/topology";
constexpr const char* kWeights = "network_states/weights";
constexpr const char* kNeuronStates = "network_states/neuron_states";
constexpr const char* kRawTrains = "spike_trains/raw_data";
constexpr const char* kCompressed = "spike_trains/compressed";
constexpr const char* kReservoirs = "activations/reservoir_states";
constexpr const char* kLayerOutputs = "activations/layer_outputs";
constexpr const char* kPlasticity = "learning_traces/plasticity";
constexpr const char* kHomeostatic = "learning_traces/homeostatic";
constexpr const char* kPerformance = "learning_traces/performance";
constexpr const char* kAllGroups[] = {
    "network_states",  kTopology,   kWeights,      kNeuronStates,
    "spike_trains",    kRawTrains,  kCompressed,   "spike_trains/metadata",
    "activations",     kReservoirs, kLayerOutputs, "activations/attention_maps",
    "learning_traces", kPlasticity, kHomeostatic,  kPerformance};
constexpr const char* kTopGroups[] = {"network_states", "spike_trains", "activations",
                                      "learning_traces"};

// At most this many scalar metadata items become `meta_<key>` attributes
// (the JSON attribute keeps them all).
constexpr std::size_t kMaxScalarAttributes = 64;

// The open file and what every operation on it needs. Not thread-safe: the
// backend's mutex guards it.
class File {
 public:
  File(std::string backend, Hdf5Options options)
      : backend_(std::move(backend)),
        options_(std::move(options)),
        path_(options_.file_path),
        codec_(codec_from_options(options_, backend_)) {
    if (options_.chunk_size < 1) {
      throw ConfigError("chunk_size must be at least 1, got " + std::to_string(options_.chunk_size),
                        backend_);
    }
    share_hdf5_symbols();
    begin_hdf5_call();
    check_codec_available(codec_, backend_);
    recognise();
    FileLock turn = writer_turn();
    open();
  }

  // With enable_swmr, the exclusive flock on "<file>.lock" that keeps
  // readers following the protocol out while the file changes (released
  // when the result goes); without, nothing.
  FileLock writer_turn() const {
    if (!options_.enable_swmr) return FileLock();
    std::string error;
    fs::path lock_path = path_;
    lock_path += ".lock";
    FileLock lock = FileLock::exclusive(lock_path, &error);
    if (!lock) throw AccessDenied("locking " + lock_path.string() + ": " + error, backend_);
    return lock;
  }

  const std::string& backend() const noexcept { return backend_; }
  const fs::path& path() const noexcept { return path_; }
  const Hdf5Options& options() const noexcept { return options_; }
  const Codec& codec() const noexcept { return codec_; }
  hid_t id() const noexcept { return file_.get(); }
  bool is_open() const noexcept { return static_cast<bool>(file_); }
  // True iff a write of the open file failed since its last commit.
  bool write_failed() const noexcept { return file_ && hdf5::write_failed(file_.get()); }

  template <class Result>
  Result ok(Result result, const char* doing, std::string_view what = {}) const {
    return check(result, backend_, doing, what);
  }

  // Tells what is at path() without writing anything, there or beside it:
  // nothing (its folders are created), an empty file (a new store), a file
  // engram opened before (it has a journal beside it), or an HDF5 file with
  // the seed's layout (or none: an empty HDF5 file). Anything else throws,
  // the file untouched: CorruptData for a file that is not HDF5 or an HDF5
  // file of another layout, AccessDenied for one engram may not write.
  void recognise() const {
    std::error_code ec;
    const fs::file_status status = fs::status(path_, ec);
    if (!fs::exists(status)) {
      create_folders();
      return;
    }
    if (!fs::is_regular_file(status)) {
      throw AccessDenied("opening " + path_.string() + ": not a regular file", backend_);
    }
    check_writable();
    if (fs::exists(journal_path(path_), ec)) return;  // engram's: recovered in open()
    if (fs::file_size(path_, ec) == 0 && !ec) return;
    const htri_t is_hdf5 = H5Fis_hdf5(path_.c_str());
    H5Eclear2(H5E_DEFAULT);
    if (is_hdf5 <= 0) {
      throw CorruptData("opening " + path_.string() + ": not an HDF5 file", backend_);
    }
    // Read-only, on the default driver: nothing is written.
    Hid file(H5Fopen(path_.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
    if (!file) throw_hdf5(backend_, "opening " + path_.string());
    Hid root(H5Gopen2(file.get(), "/", H5P_DEFAULT), H5Gclose);
    if (!root) throw_hdf5(backend_, "opening " + path_.string());
    H5G_info_t info{};
    ok(H5Gget_info(root.get(), &info), "reading the root group of", path_.string());
    H5O_info_t object{};
    ok(H5Oget_info2(root.get(), &object, H5O_INFO_NUM_ATTRS), "reading the root group of",
       path_.string());
    if (info.nlinks == 0 && object.num_attrs == 0) return;  // an empty HDF5 file
    for (const char* group : kTopGroups) {
      if (H5Lexists(root.get(), group, H5P_DEFAULT) > 0) return;
    }
    if (H5Aexists(root.get(), "created_at") > 0 && H5Aexists(root.get(), "version") > 0) return;
    H5Eclear2(H5E_DEFAULT);
    std::string held;
    for (const std::string& name : names(root.get())) {
      if (held.size() > 80) {
        held += ", ...";
        break;
      }
      held += (held.empty() ? "" : ", ") + printable(name);
    }
    throw CorruptData(
        "opening " + path_.string() + ": an HDF5 file without the traces layout (its root holds " +
            (held.empty() ? std::string("attributes only") : held) + "); engram leaves it alone",
        backend_);
  }

  // Opens the file at path(), creating it (with the seed's groups and file
  // attributes) when absent or empty, after rolling back a store a crash or
  // a failed write interrupted, and removes a compaction's leftovers. A
  // create that fails leaves no file behind (or the empty file it found).
  // Throws AccessDenied for a file engram may not write (or that another
  // process has open for writing), CorruptData for one that is not HDF5,
  // BackendError when the disk is full.
  // REQUIRES: writer_turn() is held; the file is not open.
  void open() {
    roll_back();
    std::error_code ec;
    const fs::file_status status = fs::status(path_, ec);
    const bool present = fs::exists(status);
    if (present && !fs::is_regular_file(status)) {
      throw AccessDenied("opening " + path_.string() + ": not a regular file", backend_);
    }
    const bool empty = present && fs::file_size(path_, ec) == 0 && !ec;
    if (present) {
      check_writable();
      if (!empty) {
        const htri_t is_hdf5 = H5Fis_hdf5(path_.c_str());
        H5Eclear2(H5E_DEFAULT);
        if (is_hdf5 <= 0) {
          throw CorruptData("opening " + path_.string() + ": not an HDF5 file", backend_);
        }
      }
    } else {
      create_folders();
    }
    Hid fapl = access_plist();
    if (present && !empty) {
      file_ = Hid(H5Fopen(path_.c_str(), H5F_ACC_RDWR, fapl.get()), H5Fclose);
      if (!file_) throw_hdf5(backend_, "opening " + path_.string());
      try {
        for (const char* group : kAllGroups) ensure_group(group);
        flush();
      } catch (...) {
        abandon();
        throw;
      }
    } else {
      file_ = Hid(
          H5Fcreate(path_.c_str(), empty ? H5F_ACC_TRUNC : H5F_ACC_EXCL, H5P_DEFAULT, fapl.get()),
          H5Fclose);
      if (!file_) {
        discard_create(present);
        throw_hdf5(backend_, "creating " + path_.string());
      }
      try {
        write_file_attributes(
            std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
                .count());
        for (const char* group : kAllGroups) ensure_group(group);
        flush();
      } catch (...) {
        abandon();
        discard_create(present);
        throw;
      }
    }
    remove_compact_leftovers();
  }

  // Writes the seed's file attributes (created_at, version, compression,
  // chunk_size) on a new file.
  void write_file_attributes(double created_at);

  // Writes the file out and closes it (idempotent). When the write fails,
  // the file is abandoned (rolled back to its last commit) and the error
  // thrown; either way it is closed.
  void close() {
    if (!file_) return;
    try {
      if (H5Fflush(file_.get(), H5F_SCOPE_LOCAL) < 0)
        throw_hdf5(backend_, "closing " + path_.string());
      check_writes(file_.get(), backend_, path_);
    } catch (...) {
      abandon();
      throw;
    }
    const bool closed = H5Fclose(file_.get()) >= 0;
    file_.release();
    if (!closed) throw_hdf5(backend_, "closing " + path_.string());
  }

  // Closes the file without writing anything more to it, whatever state a
  // failed write left HDF5 in, and rolls it back to its last commit
  // (journaled_driver.h). Never throws: a rollback that fails now is done by
  // the next open(). The next call reopens the file.
  void abandon() noexcept {
    if (file_) {
      const hid_t id = file_.get();
      hdf5::abandon(id);
      close_objects(id);
      if (H5Fclose(id) < 0) {
        log(LogLevel::kWarn, backend_ + ": " + path_.string() + ": HDF5 could not close the file");
      }
      file_.release();
      H5Eclear2(H5E_DEFAULT);
    }
    try {
      if (recover(path_)) {
        log(LogLevel::kInfo,
            backend_ + ": " + path_.string() + ": rolled back to the last completed store");
      }
    } catch (const std::exception& e) {
      log(LogLevel::kWarn,
          backend_ + ": " + path_.string() + ": rollback deferred to the next open: " + e.what());
    }
    take_io_failure();
  }

  // Writes everything out and commits it: from here a crash leaves the
  // file as it is now.
  void flush() {
    ok(H5Fflush(file_.get(), H5F_SCOPE_GLOBAL), "flushing", path_.string());
    check_writes(file_.get(), backend_, path_);
    std::string error;
    if (!commit(file_.get(), &error)) {
      throw BackendError("committing " + path_.string() + ": " + error, backend_);
    }
  }

  // The temporary copy compact() writes: "<file>.compact".
  fs::path compact_path() const {
    fs::path temp = path_;
    temp += ".compact";
    return temp;
  }

  // The file-access properties: earliest format (no status flag to clear
  // after a crash), strong close, and HDF5's file lock only without SWMR.
  Hid access_plist() const {
    Hid fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
    ok(set_journaled_driver(fapl.get()), "setting the journaled driver");
    ok(H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG), "setting the close degree");
    // Each store makes objects and closes them: evicting their metadata on
    // close keeps the metadata cache small, and so each flush cheap (1.10's
    // flush scans the whole cache).
    ok(H5Pset_evict_on_close(fapl.get(), true), "setting evict on close");
    if (options_.enable_swmr) {
      ok(H5Pset_file_locking(fapl.get(), false, true), "turning file locking off");
    }
    return fapl;
  }

  Hid open_group(const std::string& path) const {
    Hid group(H5Gopen2(file_.get(), path.c_str(), H5P_DEFAULT), H5Gclose);
    if (!group) throw_hdf5(backend_, "opening group " + printable(path));
    return group;
  }

  // The link-creation properties: UTF-8 names, intermediate groups made.
  Hid link_plist() const {
    Hid lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
    ok(H5Pset_char_encoding(lcpl.get(), H5T_CSET_UTF8), "setting UTF-8 link names");
    ok(H5Pset_create_intermediate_group(lcpl.get(), 1), "setting intermediate groups");
    return lcpl;
  }

  void ensure_group(const char* path) {
    if (exists(file_.get(), path)) return;
    Hid lcpl = link_plist();
    Hid group(H5Gcreate2(file_.get(), path, lcpl.get(), H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
    if (!group) throw_hdf5(backend_, std::string("creating group ") + path);
  }

  // True iff `name` is a link in `parent`.
  bool exists(hid_t parent, const std::string& name) const {
    return ok(H5Lexists(parent, name.c_str(), H5P_DEFAULT), "looking up", name) > 0;
  }

  // The names in `group`, sorted bytewise.
  std::vector<std::string> names(hid_t group) const {
    std::vector<std::string> out;
    const auto visit = [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
      static_cast<std::vector<std::string>*>(data)->emplace_back(name);
      return 0;
    };
    ok(H5Literate(group, H5_INDEX_NAME, H5_ITER_NATIVE, nullptr, visit, &out), "listing a group");
    std::sort(out.begin(), out.end());
    return out;
  }

  std::size_t count(const char* path) const {
    Hid group = open_group(path);
    H5G_info_t info{};
    ok(H5Gget_info(group.get(), &info), "counting", path);
    return static_cast<std::size_t>(info.nlinks);
  }

  // The dataset-creation properties for an array of `shape`: chunked with
  // shuffle, Fletcher-32 and the codec; contiguous for 0-d and zero-size.
  Hid dataset_plist(const Shape& shape, std::size_t element_size) const;

  // Creates dataset `name` in `parent` holding `array` (written from the
  // caller's memory, no copy).
  void write_array(hid_t parent, const std::string& name, const ArrayView& array) const;
  // The dataset `name` in `parent` as an Array (one copy, HDF5's read).
  Array read_array(hid_t parent, const std::string& name) const;

  // Throws CorruptData when a read of `dataset` (`declared` bytes in
  // memory) would allocate more than max_record_bytes, or more than the
  // file can back: its stored bytes times its filters' largest expansion.
  void check_record_size(hid_t dataset, std::uint64_t declared) const;
  // The effective max_record_bytes.
  std::uint64_t record_limit() const noexcept {
    return effective_record_limit(options_.max_record_bytes);
  }

 private:
  // Rolls back a store a crash or a failed write interrupted.
  void roll_back() const {
    try {
      if (recover(path_)) {
        log(LogLevel::kWarn,
            backend_ + ": " + path_.string() + ": rolled back an interrupted store");
        std::error_code ec;
        if (fs::file_size(path_, ec) == 0 && !ec) fs::remove(path_, ec);  // never created
      }
    } catch (const std::system_error& e) {
      if (e.code().value() == EBADMSG) {
        throw CorruptData(std::string("recovering ") + path_.string() + ": " + e.what(), backend_);
      }
      throw_errno(backend_, "recovering " + path_.string(), e.code().value());
    }
  }

  // Creates the folders of path() (the folder must then be writable).
  void create_folders() const {
    const fs::path parent = path_.has_parent_path() ? path_.parent_path() : fs::path(".");
    std::error_code ec;
    fs::create_directories(parent, ec);
    if (ec) throw_errno(backend_, "creating the folder " + parent.string(), ec.value());
    if (::access(parent.c_str(), W_OK | X_OK) != 0) {
      throw AccessDenied("creating " + path_.string() + ": " +
                             std::error_code(errno, std::generic_category()).message() +
                             " (the folder must be writable)",
                         backend_, errno);
    }
  }

  void check_writable() const {
    if (::access(path_.c_str(), R_OK | W_OK) != 0) {
      throw AccessDenied("opening " + path_.string() + ": " +
                             std::error_code(errno, std::generic_category()).message() +
                             " (the traces file must be writable)",
                         backend_, errno);
    }
  }

  // After a failed create (the file abandoned): removes the file it made,
  // or leaves the empty file it found empty, so no broken file stays.
  void discard_create(bool was_present) const noexcept {
    std::error_code ec;
    const auto size = fs::file_size(path_, ec);
    if (ec) return;
    if (!was_present && size == 0) {
      fs::remove(path_, ec);
    } else if (was_present && size != 0) {
      log(LogLevel::kWarn, backend_ + ": " + path_.string() +
                               ": a failed create left bytes behind; the next open rolls back");
    }
  }

  // Removes what a compaction killed midway left: its copy (and, from
  // builds that journaled the copy, the copy's journal). Only engram's own
  // names, and only while this process has the file open (no other writer
  // can be compacting it).
  void remove_compact_leftovers() const noexcept {
    std::error_code ec;
    const fs::path temp = compact_path();
    if (fs::remove(temp, ec)) {
      log(LogLevel::kInfo, backend_ + ": removed " + temp.string() + " (an interrupted compact)");
    }
    fs::remove(journal_path(temp), ec);
  }

  // Closes every object of `file` still open (a failed call's leftovers).
  static void close_objects(hid_t file) noexcept {
    const unsigned kinds =
        H5F_OBJ_DATASET | H5F_OBJ_GROUP | H5F_OBJ_DATATYPE | H5F_OBJ_ATTR | H5F_OBJ_LOCAL;
    const ssize_t count = H5Fget_obj_count(file, kinds);
    if (count <= 0) return;
    std::vector<hid_t> ids(static_cast<std::size_t>(count));
    const ssize_t got = H5Fget_obj_ids(file, kinds, ids.size(), ids.data());
    for (ssize_t i = 0; i < got; ++i) {
      const hid_t id = ids[static_cast<std::size_t>(i)];
      switch (H5Iget_type(id)) {
        case H5I_DATASET:
          H5Dclose(id);
          break;
        case H5I_GROUP:
          H5Gclose(id);
          break;
        case H5I_DATATYPE:
          H5Tclose(id);
          break;
        case H5I_ATTR:
          H5Aclose(id);
          break;
        default:
          break;
      }
    }
  }

  std::string backend_;
  Hdf5Options options_;
  fs::path path_;
  Codec codec_;
  Hid file_;
};

// ---------------------------------------------------------------- attributes

// Writes and reads the seed's attributes on groups and datasets.
class Attributes {
 public:
  Attributes(const File& file, hid_t object) : file_(file), object_(object) {}

  void put_double(const char* name, double value) const {
    put_scalar(name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &value);
  }
  void put_int(const char* name, std::int64_t value) const {
    put_scalar(name, H5T_STD_I64LE, H5T_NATIVE_INT64, &value);
  }
  void put_bool(const char* name, bool value) const {
    Hid type = type_of(DType::kBool);
    const std::int8_t v = value ? 1 : 0;
    put_scalar(name, type.get(), type.get(), &v);
  }
  void put_ints(const char* name, const std::vector<std::int64_t>& values) const {
    const hsize_t n = values.size();
    Hid space(H5Screate_simple(1, &n, nullptr), H5Sclose);
    Hid attr = create(name, H5T_STD_I64LE, space.get());
    if (n > 0)
      file_.ok(H5Awrite(attr.get(), H5T_NATIVE_INT64, values.data()), "writing attribute", name);
  }
  void put_string(const char* name, const std::string& value) const {
    Hid type = utf8_string_type();
    Hid space(H5Screate(H5S_SCALAR), H5Sclose);
    Hid attr = create(name, type.get(), space.get());
    const char* text = value.c_str();
    file_.ok(H5Awrite(attr.get(), type.get(), &text), "writing attribute", name);
  }
  void put_strings(const char* name, const std::vector<std::string>& values) const {
    Hid type = utf8_string_type();
    const hsize_t n = values.size();
    Hid space(H5Screate_simple(1, &n, nullptr), H5Sclose);
    Hid attr = create(name, type.get(), space.get());
    std::vector<const char*> texts;
    for (const auto& v : values) texts.push_back(v.c_str());
    if (n > 0) file_.ok(H5Awrite(attr.get(), type.get(), texts.data()), "writing attribute", name);
  }
  // A JSON scalar (number, string, bool) as the seed writes it; false for
  // other kinds (not written).
  bool put_json_scalar(const std::string& name, const Json& value) const {
    if (value.is_boolean()) {
      put_bool(name.c_str(), value.get<bool>());
    } else if (value.is_number_integer() && !value.is_number_unsigned()) {
      put_int(name.c_str(), value.get<std::int64_t>());
    } else if (value.is_number_unsigned()) {
      const auto u = value.get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(INT64_MAX)) {
        put_double(name.c_str(), static_cast<double>(u));
      } else {
        put_int(name.c_str(), static_cast<std::int64_t>(u));
      }
    } else if (value.is_number_float()) {
      put_double(name.c_str(), value.get<double>());
    } else if (value.is_string()) {
      put_string(name.c_str(), value.get<std::string>());
    } else {
      return false;
    }
    return true;
  }
  // The seed's `<prefix><key>` attribute for each scalar item of `object`
  // (the first kMaxScalarAttributes whose key is a valid id), then the whole
  // object as JSON text in `json_name`.
  void put_object(const char* prefix, const Json& object, const char* json_name) const {
    std::size_t written = 0;
    for (const auto& [key, value] : object.items()) {
      if (written == kMaxScalarAttributes) break;
      if (!is_valid_id(key) || key.size() > kMaxIdPrefixBytes) continue;
      if (put_json_scalar(prefix + key, value)) ++written;
    }
    put_string(json_name, object.dump());
  }

  bool has(const char* name) const {
    return file_.ok(H5Aexists(object_, name), "looking up attribute", name) > 0;
  }
  double get_double(const char* name) const {
    Hid attr = open(name);
    double value = 0.0;
    file_.ok(H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &value), "reading attribute", name);
    return value;
  }
  std::vector<std::int64_t> get_ints(const char* name) const {
    Hid attr = open(name);
    const std::size_t n = checked_count(attr.get(), name, sizeof(std::int64_t));
    std::vector<std::int64_t> values(n);
    if (n > 0)
      file_.ok(H5Aread(attr.get(), H5T_NATIVE_INT64, values.data()), "reading attribute", name);
    return values;
  }
  std::string get_string(const char* name) const {
    auto values = get_strings(name);
    if (values.size() != 1) {
      throw CorruptData(std::string("attribute ") + name + " is not one string", file_.backend());
    }
    return std::move(values.front());
  }
  // A string attribute (scalar or 1-d, variable or fixed length).
  std::vector<std::string> get_strings(const char* name) const {
    Hid attr = open(name);
    return read_strings(attr.get(), name);
  }
  // Every `<prefix><key>` scalar attribute as {key: value}.
  Json get_object(const std::string& prefix) const {
    struct Walk {
      const Attributes* self;
      const std::string* prefix;
      Json out = Json::object();
    } walk{this, &prefix};
    const auto visit = [](hid_t, const char* name, const H5A_info_t*, void* data) -> herr_t {
      auto* w = static_cast<Walk*>(data);
      const std::string_view n(name);
      if (!n.starts_with(*w->prefix)) return 0;
      w->out[std::string(n.substr(w->prefix->size()))] = w->self->get_json_scalar(name);
      return 0;
    };
    file_.ok(H5Aiterate2(object_, H5_INDEX_NAME, H5_ITER_NATIVE, nullptr, visit, &walk),
             "listing attributes");
    return walk.out;
  }
  Json get_json_scalar(const char* name) const {
    Hid attr = open(name);
    Hid type(H5Aget_type(attr.get()), H5Tclose);
    Hid space(H5Aget_space(attr.get()), H5Sclose);
    const bool scalar = H5Sget_simple_extent_ndims(space.get()) == 0;
    switch (H5Tget_class(type.get())) {
      case H5T_STRING: {
        auto values = read_strings(attr.get(), name);
        if (scalar && values.size() == 1) return values.front();
        return values;
      }
      case H5T_INTEGER: {
        auto values = get_ints(name);
        if (scalar && values.size() == 1) return values.front();
        return values;
      }
      case H5T_FLOAT: {
        if (scalar) return get_double(name);
        const std::size_t n = checked_count(attr.get(), name, sizeof(double));
        std::vector<double> values(n);
        if (n > 0) file_.ok(H5Aread(attr.get(), H5T_NATIVE_DOUBLE, values.data()), "reading", name);
        return values;
      }
      case H5T_ENUM: {
        if (!scalar) return nullptr;
        Hid memtype = type_of(DType::kBool);
        std::int8_t v = 0;
        if (H5Aread(attr.get(), memtype.get(), &v) < 0) {
          H5Eclear2(H5E_DEFAULT);
          return nullptr;
        }
        return v != 0;
      }
      default:
        return nullptr;
    }
  }

 private:
  void put_scalar(const char* name, hid_t file_type, hid_t mem_type, const void* value) const {
    Hid space(H5Screate(H5S_SCALAR), H5Sclose);
    Hid attr = create(name, file_type, space.get());
    file_.ok(H5Awrite(attr.get(), mem_type, value), "writing attribute", name);
  }
  Hid create(const char* name, hid_t type, hid_t space) const {
    Hid attr(H5Acreate2(object_, name, type, space, H5P_DEFAULT, H5P_DEFAULT), H5Aclose);
    if (!attr) throw_hdf5(file_.backend(), std::string("creating attribute ") + printable(name));
    return attr;
  }
  Hid open(const char* name) const {
    Hid attr(H5Aopen(object_, name, H5P_DEFAULT), H5Aclose);
    if (!attr) throw_hdf5(file_.backend(), std::string("opening attribute ") + printable(name));
    return attr;
  }
  // The elements attribute `attr` declares, checked before anything is
  // allocated for them (`element_size` bytes each in memory): within
  // max_record_bytes, and no more than its stored bytes (each element takes
  // at least one).
  std::size_t checked_count(hid_t attr, const char* name, std::size_t element_size) const {
    Hid space(H5Aget_space(attr), H5Sclose);
    const hssize_t n =
        file_.ok(H5Sget_simple_extent_npoints(space.get()), "sizing attribute", name);
    const auto count = static_cast<std::uint64_t>(n);
    std::uint64_t bytes = 0;
    if (__builtin_mul_overflow(count, element_size, &bytes)) bytes = UINT64_MAX;
    const std::string what =
        "reading attribute " + printable(name) + " in " + file_.path().string();
    check_declared_size(file_.backend(), what, bytes, file_.record_limit());
    check_declared_size(file_.backend(), what, count, file_.record_limit(),
                        H5Aget_storage_size(attr), kMaxRatioNone);
    return static_cast<std::size_t>(count);
  }
  std::vector<std::string> read_strings(hid_t attr, const char* name) const {
    Hid type(H5Aget_type(attr), H5Tclose);
    if (H5Tget_class(type.get()) != H5T_STRING) {
      throw CorruptData(std::string("attribute ") + name + " is not a string", file_.backend());
    }
    Hid space(H5Aget_space(attr), H5Sclose);
    const std::size_t n =
        checked_count(attr, name, std::max<std::size_t>(H5Tget_size(type.get()), sizeof(char*)));
    std::vector<std::string> out;
    if (n == 0) return out;
    if (H5Tis_variable_str(type.get()) > 0) {
      Hid memtype = utf8_string_type();
      std::vector<char*> texts(n, nullptr);
      file_.ok(H5Aread(attr, memtype.get(), texts.data()), "reading attribute", name);
      for (char* t : texts) out.emplace_back(t == nullptr ? "" : t);
      H5Dvlen_reclaim(memtype.get(), space.get(), H5P_DEFAULT, texts.data());
    } else {
      const std::size_t size = H5Tget_size(type.get());
      std::vector<char> buffer(n * size + 1, '\0');
      file_.ok(H5Aread(attr, type.get(), buffer.data()), "reading attribute", name);
      for (std::size_t i = 0; i < n; ++i) {
        const char* start = buffer.data() + i * size;
        out.emplace_back(start, strnlen(start, size));
      }
    }
    return out;
  }

  const File& file_;
  hid_t object_;
};

void File::write_file_attributes(double created_at) {
  Hid root = open_group("/");
  Attributes a(*this, root.get());
  a.put_double("created_at", created_at);
  a.put_string("version", "1.0");
  a.put_string("compression", options_.compression);
  a.put_int("chunk_size", options_.chunk_size);
}

// ---------------------------------------------------------------- datasets

Hid File::dataset_plist(const Shape& shape, std::size_t element_size) const {
  Hid dcpl(H5Pcreate(H5P_DATASET_CREATE), H5Pclose);
  const bool chunkable = !shape.empty() && element_count(shape) > 0;
  if (!chunkable) return dcpl;
  // The seed's chunks (min(chunk_size, extent)), halved along the largest
  // dimension while a chunk would pass 16 MiB (HDF5 refuses 4 GiB).
  std::vector<hsize_t> chunk(shape.size());
  for (std::size_t i = 0; i < shape.size(); ++i) {
    chunk[i] = std::min<hsize_t>(static_cast<hsize_t>(options_.chunk_size), shape[i]);
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
  if (codec_.filter == H5Z_FILTER_DEFLATE) {
    ok(H5Pset_deflate(dcpl.get(), codec_.params[0]), "setting gzip");
  } else if (codec_.filter == H5Z_FILTER_SZIP) {
    ok(H5Pset_szip(dcpl.get(), codec_.params[0], codec_.params[1]), "setting szip");
  } else if (codec_.filter != H5Z_FILTER_NONE) {
    ok(H5Pset_filter(dcpl.get(), codec_.filter, H5Z_FLAG_OPTIONAL, codec_.params.size(),
                     codec_.params.data()),
       "setting filter", codec_.name);
  }
  ok(H5Pset_fletcher32(dcpl.get()), "setting Fletcher-32");
  return dcpl;
}

void File::write_array(hid_t parent, const std::string& name, const ArrayView& array) const {
  Hid type = type_of(array.dtype());
  Hid space;
  if (array.ndim() == 0) {
    space = Hid(H5Screate(H5S_SCALAR), H5Sclose);
  } else {
    const std::vector<hsize_t> dims(array.shape().begin(), array.shape().end());
    std::vector<hsize_t> max_dims = dims;
    if (element_count(array.shape()) > 0) max_dims[0] = H5S_UNLIMITED;
    space = Hid(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), max_dims.data()),
                H5Sclose);
  }
  if (!space) throw_hdf5(backend_, "making the dataspace of " + printable(name));
  Hid dcpl = dataset_plist(array.shape(), dtype_size(array.dtype()));
  Hid lcpl = link_plist();
  Hid dataset(H5Dcreate2(parent, name.c_str(), type.get(), space.get(), lcpl.get(), dcpl.get(),
                         H5P_DEFAULT),
              H5Dclose);
  if (!dataset) throw_hdf5(backend_, "creating dataset " + printable(name));
  if (array.nbytes() > 0) {
    ok(H5Dwrite(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, array.data()),
       "writing dataset", name);
  }
}

Array File::read_array(hid_t parent, const std::string& name) const {
  Hid dataset(H5Dopen2(parent, name.c_str(), H5P_DEFAULT), H5Dclose);
  if (!dataset) throw_hdf5(backend_, "opening dataset " + printable(name));
  Hid stored(H5Dget_type(dataset.get()), H5Tclose);
  const std::optional<DType> dtype = dtype_of_type(stored.get());
  if (!dtype) {
    throw NotSupported(
        "dataset " + printable(name) + " has an element type engram has no dtype for", backend_);
  }
  Hid space(H5Dget_space(dataset.get()), H5Sclose);
  const int rank = ok(H5Sget_simple_extent_ndims(space.get()), "reading the rank of", name);
  std::vector<hsize_t> dims(static_cast<std::size_t>(rank));
  if (rank > 0)
    ok(H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr), "reading dims", name);
  // The bytes the read allocates, saturating (a hostile extent overflows).
  std::uint64_t declared = dtype_size(*dtype);
  for (const hsize_t d : dims) {
    if (d == 0) declared = 0;
    if (declared != 0 && __builtin_mul_overflow(declared, d, &declared)) declared = UINT64_MAX;
  }
  Shape shape(dims.begin(), dims.end());
  if (declared == 0) return Array(*dtype, std::move(shape));
  check_record_size(dataset.get(), declared);
  const std::size_t nbytes = element_count(shape, dtype_size(*dtype));
  // HDF5 fills every byte: the buffer is not zeroed first.
  std::shared_ptr<std::byte[]> buffer(new std::byte[nbytes]);
  Hid memtype = type_of(*dtype);
  ok(H5Dread(dataset.get(), memtype.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buffer.get()),
     "reading dataset", name);
  void* data = buffer.get();
  return Array::adopt(*dtype, std::move(shape), std::shared_ptr<void>(buffer, data), data, nbytes);
}

// The most a dataset's filter pipeline can expand its stored bytes, as
// engram/record_limits.h gives it per codec; kMaxRatioUnbounded for a codec
// without a documented bound (bzip2, blosc, szip, lzf, scale-offset, ...).
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

void File::check_record_size(hid_t dataset, std::uint64_t declared) const {
  char name[512] = {};
  if (H5Iget_name(dataset, name, sizeof name) < 0) name[0] = '\0';
  const std::string what = "reading " + printable(name) + " in " + path_.string();
  Hid dcpl(H5Dget_create_plist(dataset), H5Pclose);
  if (!dcpl) throw_hdf5(backend_, what);
  // HDF5 allocates a whole chunk to read one: that counts too.
  std::uint64_t needed = declared;
  std::uint64_t ratio = kMaxRatioNone;
  if (H5Pget_layout(dcpl.get()) == H5D_CHUNKED) {
    hsize_t chunk[H5S_MAX_RANK] = {};
    const int rank = H5Pget_chunk(dcpl.get(), H5S_MAX_RANK, chunk);
    Hid type(H5Dget_type(dataset), H5Tclose);
    std::uint64_t chunk_bytes = type ? H5Tget_size(type.get()) : 1;
    for (int i = 0; i < rank; ++i) {
      if (__builtin_mul_overflow(chunk_bytes, chunk[i], &chunk_bytes)) chunk_bytes = UINT64_MAX;
    }
    needed = std::max(needed, chunk_bytes);
    ratio = max_expansion(dcpl.get());
  }
  // What the file holds for it, never more than the file's size (a header
  // may claim any storage size). A dataset nothing was written to reads as
  // its fill value: only the limit bounds it.
  std::optional<std::uint64_t> stored;
  const std::uint64_t storage = H5Dget_storage_size(dataset);
  if (storage > 0) {
    hsize_t file_size = 0;
    ok(H5Fget_filesize(file_.get(), &file_size), "sizing", path_.string());
    stored = std::min<std::uint64_t>(storage, file_size);
  }
  H5Eclear2(H5E_DEFAULT);
  check_declared_size(backend_, what, needed, record_limit(), stored, ratio);
}

// ---------------------------------------------------------------- records

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
  std::vector<std::uint64_t> values(ids.size(), 0);
  for (std::size_t i = 0; i < values.size(); ++i) std::memcpy(&values[i], bytes + i * size, size);
  if (values.empty()) return 0;
  const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  if (*hi - *lo < 8 * values.size() + 4096) {
    std::vector<bool> seen(*hi - *lo + 1, false);
    std::int64_t distinct = 0;
    for (const std::uint64_t v : values) {
      if (!seen[v - *lo]) {
        seen[v - *lo] = true;
        ++distinct;
      }
    }
    return distinct;
  }
  std::sort(values.begin(), values.end());
  return static_cast<std::int64_t>(std::unique(values.begin(), values.end()) - values.begin());
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

// What a store adds to the file, removed again if a batch fails.
struct Created {
  std::string group;
  std::string name;
};

// The kinds of trace: where each lives, how it is written and read.
class Records {
 public:
  explicit Records(File& file) : file_(file) {}

  // The first free id for a record: `wanted` when given and free in every
  // group of `groups`, else "<prefix>_<ms>", "<prefix>_<ms>_1", ...
  std::string free_id(std::initializer_list<const char*> groups, const std::string& wanted,
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

  std::string put(const NetworkSnapshotView& r, std::vector<Created>& created) {
    const std::string id =
        free_id({kTopology, kWeights, kNeuronStates}, r.id, "snapshot", r.timestamp);
    const auto part = [&](const char* group_path, const char* dataset, const ArrayView& array,
                          bool with_metadata) {
      Hid parent = file_.open_group(group_path);
      Hid lcpl = file_.link_plist();
      Hid group(H5Gcreate2(parent.get(), id.c_str(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT),
                H5Gclose);
      if (!group) throw_hdf5(file_.backend(), "creating snapshot " + id);
      created.push_back({group_path, id});
      Attributes a(file_, group.get());
      a.put_double("timestamp", r.timestamp);
      a.put_ints("shape", shape_ints(array.shape()));
      if (with_metadata) a.put_object("meta_", r.metadata, "metadata_json");
      file_.write_array(group.get(), dataset, array);
    };
    part(kTopology, "adjacency", r.adjacency_matrix, true);
    part(kWeights, "weights", r.weight_matrix, false);
    part(kNeuronStates, "states", r.neuron_states, false);
    return id;
  }
  std::optional<NetworkSnapshot> get_snapshot(const std::string& id) {
    Hid topology = file_.open_group(kTopology);
    if (!file_.exists(topology.get(), id)) return std::nullopt;
    NetworkSnapshot r;
    r.id = id;
    Hid top(H5Gopen2(topology.get(), id.c_str(), H5P_DEFAULT), H5Gclose);
    if (!top) throw_hdf5(file_.backend(), "opening snapshot " + id);
    Attributes a(file_, top.get());
    r.timestamp = a.get_double("timestamp");
    r.metadata = object_of(a, "meta_", "metadata_json");
    r.adjacency_matrix = file_.read_array(top.get(), "adjacency");
    Hid weights = file_.open_group(std::string(kWeights) + '/' + id);
    r.weight_matrix = file_.read_array(weights.get(), "weights");
    Hid states = file_.open_group(std::string(kNeuronStates) + '/' + id);
    r.neuron_states = file_.read_array(states.get(), "states");
    return r;
  }
  std::vector<std::string> snapshots_in_range(double start, double end) {
    Hid topology = file_.open_group(kTopology);
    std::vector<std::string> ids;
    for (const std::string& id : file_.names(topology.get())) {
      Hid group(H5Gopen2(topology.get(), id.c_str(), H5P_DEFAULT), H5Gclose);
      if (!group) throw_hdf5(file_.backend(), "opening snapshot " + id);
      const double t = Attributes(file_, group.get()).get_double("timestamp");
      if (t >= start && t <= end) ids.push_back(id);
    }
    return ids;
  }

  std::string put(const SpikeTrainDataView& r, std::vector<Created>& created) {
    const std::string id = free_id({kRawTrains}, r.id, "train", r.timestamp);
    Hid parent = file_.open_group(kRawTrains);
    Hid lcpl = file_.link_plist();
    Hid group(H5Gcreate2(parent.get(), id.c_str(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
    if (!group) throw_hdf5(file_.backend(), "creating spike train " + id);
    created.push_back({kRawTrains, id});
    file_.write_array(group.get(), "spike_times", r.spike_times);
    file_.write_array(group.get(), "neuron_ids", r.neuron_ids);
    if (r.spike_amplitudes) file_.write_array(group.get(), "spike_amplitudes", *r.spike_amplitudes);
    Attributes a(file_, group.get());
    a.put_double("timestamp", r.timestamp);
    a.put_int("num_spikes", static_cast<std::int64_t>(r.spike_times.size()));
    a.put_int("num_neurons", count_unique(r.neuron_ids));
    a.put_object("meta_", r.metadata, "metadata_json");
    return id;
  }
  std::optional<SpikeTrainData> get_train(const std::string& id) {
    Hid parent = file_.open_group(kRawTrains);
    if (!file_.exists(parent.get(), id)) return std::nullopt;
    Hid group(H5Gopen2(parent.get(), id.c_str(), H5P_DEFAULT), H5Gclose);
    if (!group) throw_hdf5(file_.backend(), "opening spike train " + id);
    SpikeTrainData r;
    r.id = id;
    Attributes a(file_, group.get());
    r.timestamp = a.get_double("timestamp");
    r.metadata = object_of(a, "meta_", "metadata_json");
    r.spike_times = file_.read_array(group.get(), "spike_times");
    r.neuron_ids = file_.read_array(group.get(), "neuron_ids");
    if (file_.exists(group.get(), "spike_amplitudes")) {
      r.spike_amplitudes = file_.read_array(group.get(), "spike_amplitudes");
    }
    return r;
  }

  std::string put(const CompressedSpikeTrainView& r, std::vector<Created>& created) {
    const std::string id = free_id({kCompressed}, r.id, "compressed", r.timestamp);
    Hid parent = file_.open_group(kCompressed);
    file_.write_array(parent.get(), id, r.spike_data);
    created.push_back({kCompressed, id});
    Hid dataset(H5Dopen2(parent.get(), id.c_str(), H5P_DEFAULT), H5Dclose);
    if (!dataset) throw_hdf5(file_.backend(), "opening " + id);
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
    a.put_object("param_", r.compression_params, "params_json");
    return id;
  }
  std::optional<CompressedSpikeTrain> get_compressed(const std::string& id) {
    Hid parent = file_.open_group(kCompressed);
    if (!file_.exists(parent.get(), id)) return std::nullopt;
    Hid dataset(H5Dopen2(parent.get(), id.c_str(), H5P_DEFAULT), H5Dclose);
    if (!dataset) throw_hdf5(file_.backend(), "opening " + id);
    CompressedSpikeTrain r;
    r.id = id;
    Attributes a(file_, dataset.get());
    r.timestamp = a.get_double("timestamp");
    if (a.has("params_json")) {
      r.compression_params = parse_json(a.get_string("params_json"), id);
    } else {
      // A file the seed wrote: its scalar params, and the original shape.
      r.compression_params = a.get_object("param_");
      if (a.has("original_shape"))
        r.compression_params["original_shape"] = a.get_ints("original_shape");
    }
    r.spike_data = file_.read_array(parent.get(), id);
    return r;
  }

  // Reservoir states, plasticity and homeostatic traces: one dataset each
  // with a name attribute.
  std::string put_named(const char* group_path, const std::string& wanted, double timestamp,
                        const ArrayView& array, const char* name_attr, const std::string& name,
                        std::vector<Created>& created,
                        const std::function<void(Attributes&)>& more) {
    const std::string id = free_id({group_path}, wanted, name, timestamp);
    Hid parent = file_.open_group(group_path);
    file_.write_array(parent.get(), id, array);
    created.push_back({group_path, id});
    Hid dataset(H5Dopen2(parent.get(), id.c_str(), H5P_DEFAULT), H5Dclose);
    if (!dataset) throw_hdf5(file_.backend(), "opening " + id);
    Attributes a(file_, dataset.get());
    a.put_double("timestamp", timestamp);
    a.put_string(name_attr, name);
    more(a);
    return id;
  }
  struct Named {
    Array array;
    double timestamp = 0.0;
    std::string name;
  };
  std::optional<Named> get_named(const char* group_path, const std::string& id,
                                 const char* name_attr) {
    Hid parent = file_.open_group(group_path);
    if (!file_.exists(parent.get(), id)) return std::nullopt;
    Hid dataset(H5Dopen2(parent.get(), id.c_str(), H5P_DEFAULT), H5Dclose);
    if (!dataset) throw_hdf5(file_.backend(), "opening " + id);
    Attributes a(file_, dataset.get());
    Named n;
    n.timestamp = a.get_double("timestamp");
    n.name = a.get_string(name_attr);
    n.array = file_.read_array(parent.get(), id);
    return n;
  }

  std::string put(const ReservoirStatesView& r, std::vector<Created>& created) {
    return put_named(
        kReservoirs, r.id, r.timestamp, r.reservoir_states, "reservoir_id", r.reservoir_id, created,
        [&](Attributes& a) { a.put_ints("shape", shape_ints(r.reservoir_states.shape())); });
  }
  std::optional<ReservoirStates> get_reservoir(const std::string& id) {
    auto n = get_named(kReservoirs, id, "reservoir_id");
    if (!n) return std::nullopt;
    return ReservoirStates{id, n->timestamp, std::move(n->array), std::move(n->name)};
  }
  std::string put(const PlasticityTraceView& r, std::vector<Created>& created) {
    return put_named(kPlasticity, r.id, r.timestamp, r.synapse_changes, "plasticity_type",
                     r.plasticity_type, created, [&](Attributes& a) {
                       double stddev = 0.0;
                       const double mean = mean_of(r.synapse_changes, &stddev);
                       a.put_int("num_synapses",
                                 static_cast<std::int64_t>(r.synapse_changes.size()));
                       a.put_double("mean_change", mean);
                       a.put_double("std_change", stddev);
                     });
  }
  std::optional<PlasticityTrace> get_plasticity(const std::string& id) {
    auto n = get_named(kPlasticity, id, "plasticity_type");
    if (!n) return std::nullopt;
    return PlasticityTrace{id, n->timestamp, std::move(n->array), std::move(n->name)};
  }
  std::string put(const HomeostaticTraceView& r, std::vector<Created>& created) {
    return put_named(kHomeostatic, r.id, r.timestamp, r.homeostatic_changes, "mechanism",
                     r.mechanism, created, [&](Attributes& a) {
                       a.put_int("num_neurons",
                                 static_cast<std::int64_t>(r.homeostatic_changes.size()));
                     });
  }
  std::optional<HomeostaticTrace> get_homeostatic(const std::string& id) {
    auto n = get_named(kHomeostatic, id, "mechanism");
    if (!n) return std::nullopt;
    return HomeostaticTrace{id, n->timestamp, std::move(n->array), std::move(n->name)};
  }

  std::string put(const LayerOutputsView& r, std::vector<Created>& created) {
    const std::string id = free_id({kLayerOutputs}, r.id, "outputs", r.timestamp);
    Hid parent = file_.open_group(kLayerOutputs);
    Hid lcpl = file_.link_plist();
    Hid group(H5Gcreate2(parent.get(), id.c_str(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
    if (!group) throw_hdf5(file_.backend(), "creating layer outputs " + id);
    created.push_back({kLayerOutputs, id});
    for (const auto& [name, array] : r.layer_outputs) file_.write_array(group.get(), name, array);
    Attributes a(file_, group.get());
    a.put_double("timestamp", r.timestamp);
    a.put_int("num_layers", static_cast<std::int64_t>(r.layer_outputs.size()));
    return id;
  }
  std::optional<LayerOutputs> get_outputs(const std::string& id) {
    Hid parent = file_.open_group(kLayerOutputs);
    if (!file_.exists(parent.get(), id)) return std::nullopt;
    Hid group(H5Gopen2(parent.get(), id.c_str(), H5P_DEFAULT), H5Gclose);
    if (!group) throw_hdf5(file_.backend(), "opening layer outputs " + id);
    LayerOutputs r;
    r.id = id;
    r.timestamp = Attributes(file_, group.get()).get_double("timestamp");
    for (const std::string& name : file_.names(group.get())) {
      r.layer_outputs.emplace(name, file_.read_array(group.get(), name));
    }
    return r;
  }

  std::string put(const PerformanceMetrics& r, std::vector<Created>& created) {
    const std::string id = free_id({kPerformance}, r.id, r.task_type, r.timestamp);
    Hid parent = file_.open_group(kPerformance);
    Hid lcpl = file_.link_plist();
    Hid group(H5Gcreate2(parent.get(), id.c_str(), lcpl.get(), H5P_DEFAULT, H5P_DEFAULT), H5Gclose);
    if (!group) throw_hdf5(file_.backend(), "creating performance metrics " + id);
    created.push_back({kPerformance, id});
    std::vector<std::string> names;
    std::vector<double> values;
    for (const auto& [name, value] : r.metrics) {
      names.push_back(name);
      values.push_back(value);
    }
    file_.write_array(group.get(), "values", ArrayView(values));
    Attributes a(file_, group.get());
    a.put_double("timestamp", r.timestamp);
    a.put_string("task_type", r.task_type);
    a.put_strings("metric_names", names);
    return id;
  }
  std::optional<PerformanceMetrics> get_metrics(const std::string& id) {
    Hid parent = file_.open_group(kPerformance);
    if (!file_.exists(parent.get(), id)) return std::nullopt;
    Hid group(H5Gopen2(parent.get(), id.c_str(), H5P_DEFAULT), H5Gclose);
    if (!group) throw_hdf5(file_.backend(), "opening performance metrics " + id);
    PerformanceMetrics r;
    r.id = id;
    Attributes a(file_, group.get());
    r.timestamp = a.get_double("timestamp");
    r.task_type = a.get_string("task_type");
    const std::vector<std::string> names = a.get_strings("metric_names");
    const Array values = file_.read_array(group.get(), "values");
    if (values.dtype() != DType::kFloat64 || values.size() != names.size()) {
      throw CorruptData("performance metrics " + id + ": values do not match metric_names",
                        file_.backend());
    }
    const auto v = values.values<double>();
    for (std::size_t i = 0; i < names.size(); ++i) r.metrics[names[i]] = v[i];
    return r;
  }

  // Removes a link made by a store (a failed batch's, or cleanup's).
  void remove(const std::string& group_path, const std::string& name) {
    Hid group = file_.open_group(group_path);
    if (file_.exists(group.get(), name)) {
      file_.ok(H5Ldelete(group.get(), name.c_str(), H5P_DEFAULT), "deleting", name);
    }
  }

  void forget_suffixes() { next_suffix_.clear(); }

  // The sorted names in `group_path`, kept between calls so that paging
  // through a large group lists it once. Every change to the file forgets
  // them (forget_names()).
  const std::vector<std::string>& names_of(const char* group_path) {
    auto found = names_.find(group_path);
    if (found == names_.end()) {
      Hid group = file_.open_group(group_path);
      found = names_.emplace(group_path, file_.names(group.get())).first;
    }
    return found->second;
  }
  void forget_names() noexcept { names_.clear(); }

 private:
  Json object_of(const Attributes& a, const char* prefix, const char* json_name) const {
    if (a.has(json_name)) return parse_json(a.get_string(json_name), json_name);
    return a.get_object(prefix);
  }
  Json parse_json(const std::string& text, const std::string& where) const {
    try {
      return Json::parse(text);
    } catch (const Json::exception& e) {
      throw CorruptData("attribute of " + printable(where) + " is not JSON: " + e.what(),
                        file_.backend());
    }
  }

  static constexpr std::size_t kMaxSuffixHints = 1024;

  File& file_;
  std::map<std::string, std::vector<std::string>> names_;
  // Where the suffix search for "<group>/<prefix>_<ms>" goes on (a hint:
  // every candidate is still checked in the file).
  std::map<std::string, unsigned> next_suffix_;
};

// ---------------------------------------------------------------- shared state

// The data file `path` and every file engram writes beside it, absolute.
std::vector<fs::path> owned_files(const fs::path& path) {
  std::error_code ec;
  fs::path base = fs::absolute(path, ec);
  if (ec) base = path;
  base = base.lexically_normal();
  std::vector<fs::path> files{base};
  for (const char* suffix : {".journal", ".lock", ".compact", ".compact.journal"}) {
    files.push_back(fs::path(base.string() + suffix));
  }
  return files;
}

// The file behind one mutex, and whether the backend was closed.
class Shared {
 public:
  Shared(std::string name, Hdf5Options options)
      : name_(std::move(name)), file_(name_, std::move(options)), records_(file_) {
    files_ = owned_files(file_.path());
  }

  const std::string& name() const noexcept { return name_; }
  // The data file and every file engram writes beside it, absolute.
  const std::vector<fs::path>& files() const noexcept { return files_; }

  // Runs `read` with the file, the lock held.
  template <class Fn>
  auto read(Fn&& fn) {
    std::lock_guard<std::mutex> lock(mutex_);
    begin_hdf5_call();
    check_open();
    return guarded([&] { return fn(file_, records_); });
  }
  // Runs `write` with the file, the lock held (and with SWMR the sidecar
  // lock), flushes after. When it throws, what it created is removed again;
  // when a write of the file failed (a full disk), the file is abandoned
  // instead: rolled back to its last commit, and reopened by the next call.
  template <class Fn>
  auto write(Fn&& fn) {
    std::lock_guard<std::mutex> lock(mutex_);
    begin_hdf5_call();
    check_open();
    FileLock turn = writer_turn();
    records_.forget_names();
    std::vector<Created> created;
    try {
      auto result = fn(file_, records_, created);
      file_.flush();
      return result;
    } catch (...) {
      if (file_.is_open() && !file_.write_failed()) undo(created);
      if (file_.write_failed()) file_.abandon();
      throw;
    }
  }
  // Runs `fn` with the file and the lock held, for maintenance.
  template <class Fn>
  auto maintain(Fn&& fn) {
    std::lock_guard<std::mutex> lock(mutex_);
    begin_hdf5_call();
    check_open();
    FileLock turn = writer_turn();
    records_.forget_names();
    return guarded([&] { return fn(file_, records_); });
  }

  void close() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_) return;
    closed_ = true;
    begin_hdf5_call();
    file_.close();
  }

 private:
  // Runs `fn`; when it throws after a write of the file failed, abandons
  // the file before the error goes on.
  template <class Fn>
  auto guarded(Fn&& fn) {
    try {
      return fn();
    } catch (...) {
      if (file_.write_failed()) file_.abandon();
      throw;
    }
  }

  // Removes what a failed store created and commits that; when this fails
  // too, the file is abandoned (the rollback removes it).
  void undo(const std::vector<Created>& created) noexcept {
    try {
      for (auto it = created.rbegin(); it != created.rend(); ++it) {
        records_.remove(it->group, it->name);
      }
      file_.flush();
    } catch (const std::exception& e) {
      log(LogLevel::kWarn, name_ + ": could not undo a failed store (" + e.what() +
                               "); rolling the file back to its last commit");
      file_.abandon();
    }
  }

  // Throws unless the file is open, reopening it after a failure abandoned
  // it (so a full disk that has space again takes stores).
  void check_open() {
    if (closed_) {
      throw StorageError("the backend is closed (file " + file_.path().string() + ")", name_);
    }
    if (!file_.is_open()) {
      FileLock turn = writer_turn();
      records_.forget_names();
      records_.forget_suffixes();
      file_.open();
    }
  }
  FileLock writer_turn() const { return file_.writer_turn(); }

  std::string name_;
  std::mutex mutex_;
  bool closed_ = false;
  File file_;
  Records records_;
  std::vector<fs::path> files_;
};

// ---------------------------------------------------------------- role

// A cursor is "after:<id>", the last id a page returned.
constexpr std::string_view kCursorPrefix = "after:";

class Hdf5Traces final : public TraceStore {
 public:
  Hdf5Traces(Shared& shared, Maintenance& maintenance)
      : shared_(shared), maintenance_(maintenance) {}

  Maintenance& maintenance() override { return maintenance_; }

 private:
  template <class View>
  std::string store(const View& record) {
    return shared_.write([&](File&, Records& records, std::vector<Created>& created) {
      return records.put(record, created);
    });
  }

  template <class Record, class Get>
  Page<Record> list(const char* group_path, std::string_view cursor, std::size_t limit, Get get) {
    std::string after;
    if (!cursor.empty()) {
      if (!cursor.starts_with(kCursorPrefix) || !is_valid_id(cursor.substr(kCursorPrefix.size()))) {
        throw InvalidArgument("cursor \"" + printable(cursor) + "\" was not given by this backend",
                              shared_.name());
      }
      after = std::string(cursor.substr(kCursorPrefix.size()));
    }
    return shared_.read([&](File&, Records& records) {
      const std::vector<std::string>& names = records.names_of(group_path);
      auto it = after.empty() ? names.begin() : std::upper_bound(names.begin(), names.end(), after);
      Page<Record> page;
      for (; it != names.end(); ++it) {
        if (page.items.size() == limit) {
          page.next_cursor = std::string(kCursorPrefix) + page.items.back().id;
          break;
        }
        auto record = (records.*get)(*it);
        if (record) page.items.push_back(std::move(*record));
      }
      return page;
    });
  }

  template <class Get>
  auto find(std::string_view id, Get get) {
    return shared_.read([&](File&, Records& records) { return (records.*get)(std::string(id)); });
  }

  std::string do_store_network_snapshot(const NetworkSnapshotView& r) override { return store(r); }
  std::optional<NetworkSnapshot> do_retrieve_network_snapshot(std::string_view id) override {
    return find(id, &Records::get_snapshot);
  }
  std::vector<std::string> do_get_network_snapshots_in_range(double start, double end) override {
    return shared_.read(
        [&](File&, Records& records) { return records.snapshots_in_range(start, end); });
  }
  std::string do_store_spike_train(const SpikeTrainDataView& r) override { return store(r); }
  std::optional<SpikeTrainData> do_retrieve_spike_train(std::string_view id) override {
    return find(id, &Records::get_train);
  }
  std::string do_store_compressed_spike_train(const CompressedSpikeTrainView& r) override {
    return store(r);
  }
  std::optional<CompressedSpikeTrain> do_retrieve_compressed_spike_train(
      std::string_view id) override {
    return find(id, &Records::get_compressed);
  }
  std::string do_store_reservoir_states(const ReservoirStatesView& r) override { return store(r); }
  std::optional<ReservoirStates> do_retrieve_reservoir_states(std::string_view id) override {
    return find(id, &Records::get_reservoir);
  }
  std::string do_store_layer_outputs(const LayerOutputsView& r) override { return store(r); }
  std::optional<LayerOutputs> do_retrieve_layer_outputs(std::string_view id) override {
    return find(id, &Records::get_outputs);
  }
  std::string do_store_plasticity_trace(const PlasticityTraceView& r) override { return store(r); }
  std::optional<PlasticityTrace> do_retrieve_plasticity_trace(std::string_view id) override {
    return find(id, &Records::get_plasticity);
  }
  std::string do_store_homeostatic_trace(const HomeostaticTraceView& r) override {
    return store(r);
  }
  std::optional<HomeostaticTrace> do_retrieve_homeostatic_trace(std::string_view id) override {
    return find(id, &Records::get_homeostatic);
  }
  std::string do_store_performance_metrics(const PerformanceMetrics& r) override {
    return store(r);
  }
  std::optional<PerformanceMetrics> do_retrieve_performance_metrics(std::string_view id) override {
    return find(id, &Records::get_metrics);
  }

  // All or nothing against errors (a failing store removes what the batch
  // made so far) and against a process crash (one commit, at the end).
  TraceBatchIds do_store_batch(const TraceBatch& batch) override {
    if (batch.empty()) return {};
    return shared_.write([&](File&, Records& records, std::vector<Created>& created) {
      TraceBatchIds ids;
      const auto all = [&](const auto& items, std::vector<std::string>& out) {
        for (const auto& item : items) out.push_back(records.put(item, created));
      };
      all(batch.network_snapshots(), ids.network_snapshots);
      all(batch.spike_trains(), ids.spike_trains);
      all(batch.compressed_spike_trains(), ids.compressed_spike_trains);
      all(batch.reservoir_states(), ids.reservoir_states);
      all(batch.layer_outputs(), ids.layer_outputs);
      all(batch.plasticity_traces(), ids.plasticity_traces);
      all(batch.homeostatic_traces(), ids.homeostatic_traces);
      all(batch.performance_metrics(), ids.performance_metrics);
      return ids;
    });
  }

  Page<NetworkSnapshot> do_list_network_snapshots(std::string_view c, std::size_t n) override {
    return list<NetworkSnapshot>(kTopology, c, n, &Records::get_snapshot);
  }
  Page<SpikeTrainData> do_list_spike_trains(std::string_view c, std::size_t n) override {
    return list<SpikeTrainData>(kRawTrains, c, n, &Records::get_train);
  }
  Page<CompressedSpikeTrain> do_list_compressed_spike_trains(std::string_view c,
                                                             std::size_t n) override {
    return list<CompressedSpikeTrain>(kCompressed, c, n, &Records::get_compressed);
  }
  Page<ReservoirStates> do_list_reservoir_states(std::string_view c, std::size_t n) override {
    return list<ReservoirStates>(kReservoirs, c, n, &Records::get_reservoir);
  }
  Page<LayerOutputs> do_list_layer_outputs(std::string_view c, std::size_t n) override {
    return list<LayerOutputs>(kLayerOutputs, c, n, &Records::get_outputs);
  }
  Page<PlasticityTrace> do_list_plasticity_traces(std::string_view c, std::size_t n) override {
    return list<PlasticityTrace>(kPlasticity, c, n, &Records::get_plasticity);
  }
  Page<HomeostaticTrace> do_list_homeostatic_traces(std::string_view c, std::size_t n) override {
    return list<HomeostaticTrace>(kHomeostatic, c, n, &Records::get_homeostatic);
  }
  Page<PerformanceMetrics> do_list_performance_metrics(std::string_view c, std::size_t n) override {
    return list<PerformanceMetrics>(kPerformance, c, n, &Records::get_metrics);
  }

  Shared& shared_;
  Maintenance& maintenance_;
};

// ---------------------------------------------------------------- maintenance

double wall_now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// `<stem><tag><suffix>` beside `path`, with _1, _2, ... when taken.
fs::path free_sibling(const fs::path& path, const std::string& tag) {
  const fs::path dir = path.parent_path();
  const std::string stem = path.stem().string();
  const std::string ext = path.extension().string();
  fs::path candidate = dir / (stem + tag + ext);
  for (unsigned n = 1; fs::exists(candidate); ++n) {
    candidate = dir / (stem + tag + "_" + std::to_string(n) + ext);
  }
  return candidate;
}

// fsyncs `path` (a file or folder); false (errno set) when that fails.
bool fsync_path(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool synced = ::fsync(fd) == 0;
  const int error = errno;
  ::close(fd);
  errno = error;
  return synced;
}

// Copies `from` to the new file `to` (never an existing one) and fsyncs
// it. Returns 0 or the errno of the call that failed (the write's, so a
// full disk is ENOSPC); then `to` may hold part of the copy.
int copy_new(const fs::path& from, const fs::path& to) {
  const int in = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (in < 0) return errno;
  const int out = ::open(to.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (out < 0) {
    const int error = errno;
    ::close(in);
    return error;
  }
  int error = 0;
  std::vector<char> buffer(std::size_t{1} << 20);
  for (;;) {
    const ssize_t got = ::read(in, buffer.data(), buffer.size());
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      if (got < 0) error = errno;
      break;
    }
    for (ssize_t done = 0; done < got && error == 0;) {
      const ssize_t n = ::write(out, buffer.data() + done, static_cast<std::size_t>(got - done));
      if (n < 0 && errno != EINTR) error = errno;
      if (n > 0) done += n;
    }
    if (error != 0) break;
  }
  if (error == 0 && ::fsync(out) != 0) error = errno;
  if (::close(out) != 0 && error == 0) error = errno;
  ::close(in);
  return error;
}

// Renames `temp` to `target` unless `target` exists (then EEXIST): never
// replaces a file. Returns 0 or an errno.
int publish(const fs::path& temp, const fs::path& target) {
  if (::renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, target.c_str(), RENAME_NOREPLACE) == 0) {
    return 0;
  }
  if (errno != EINVAL && errno != ENOSYS) return errno;
  // A filesystem without RENAME_NOREPLACE: link(2) refuses an existing
  // target too.
  if (::link(temp.c_str(), target.c_str()) != 0) return errno;
  ::unlink(temp.c_str());
  return 0;
}

// Objects (groups and datasets) in a file, recursively: compact's check.
std::int64_t count_objects(hid_t file) {
  std::int64_t n = 0;
  const auto visit = [](hid_t, const char*, const H5O_info_t*, void* data) -> herr_t {
    ++*static_cast<std::int64_t*>(data);
    return 0;
  };
  if (H5Ovisit2(file, H5_INDEX_NAME, H5_ITER_NATIVE, visit, &n, H5O_INFO_BASIC) < 0) return -1;
  return n;
}

// backup_if_due and clear_expired are not overridden: the file has no
// backup interval and no TTLs, so they throw NotSupported.
class Hdf5Maintenance final : public Maintenance {
 public:
  explicit Hdf5Maintenance(Shared& shared) : shared_(shared) {}

  // Throws InvalidArgument when `target` exists or is one of this
  // backend's files (whether or not it exists yet).
  void check_backup_target(const fs::path& target) const {
    std::error_code ec;
    fs::path absolute = fs::absolute(target, ec);
    if (ec) absolute = target;
    const fs::path resolved = fs::weakly_canonical(absolute, ec);
    for (const fs::path& own : shared_.files()) {
      const fs::path own_resolved = fs::weakly_canonical(own, ec);
      if (absolute.lexically_normal() == own || (!ec && resolved == own_resolved)) {
        throw InvalidArgument("refusing to back up onto " + target.string() +
                                  ": it is one of this backend's own files",
                              shared_.name());
      }
    }
    if (fs::exists(fs::symlink_status(target, ec))) {
      throw InvalidArgument("refusing to overwrite " + target.string(), shared_.name());
    }
  }

  std::string_view backend_name() const noexcept override { return shared_.name(); }

  // The seed's get_file_info: path, size, record counts per kind, options.
  Json stats() override {
    return shared_.read([&](File& file, Records&) {
      Json s = Json::object();
      s["file_path"] = file.path().string();
      hsize_t size = 0;
      file.ok(H5Fget_filesize(file.id(), &size), "sizing", file.path().string());
      s["file_size"] = size;
      s["file_size_mb"] = static_cast<double>(size) / (1024.0 * 1024.0);
      s["compression"] = file.options().compression;
      s["compression_opts"] = file.options().compression_opts;
      s["chunk_size"] = file.options().chunk_size;
      s["max_file_size"] = file.options().max_file_size;
      s["enable_swmr"] = file.options().enable_swmr;
      Hid root = file.open_group("/");
      Attributes a(file, root.get());
      if (a.has("created_at")) s["created_at"] = a.get_double("created_at");
      if (a.has("version")) s["version"] = a.get_string("version");
      s["network_snapshots"] = file.count(kTopology);
      s["raw_spike_trains"] = file.count(kRawTrains);
      s["compressed_spike_trains"] = file.count(kCompressed);
      s["reservoir_states"] = file.count(kReservoirs);
      s["layer_outputs"] = file.count(kLayerOutputs);
      s["plasticity_traces"] = file.count(kPlasticity);
      s["homeostatic_traces"] = file.count(kHomeostatic);
      s["performance_metrics"] = file.count(kPerformance);
      return s;
    });
  }

  std::vector<fs::path> files() const override { return shared_.files(); }

  // A copy of the flushed file: consistent, since every store flushes and
  // none runs meanwhile. It never replaces an existing file, nor lands on
  // one of this backend's files (InvalidArgument): it is written to a
  // temporary name in the target's folder and renamed to the target only
  // when whole, so a failed backup leaves nothing behind.
  fs::path backup(std::optional<fs::path> path) override {
    return shared_.maintain([&](File& file, Records&) {
      file.flush();
      const fs::path target =
          path ? *path
               : free_sibling(file.path(),
                              "_backup_" + std::to_string(static_cast<std::int64_t>(wall_now())));
      check_backup_target(target);
      const fs::path folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
      const fs::path temp =
          folder / ("." + target.filename().string() + ".part-" + std::to_string(::getpid()));
      const std::string doing = "backing up " + file.path().string() + " to " + target.string();
      std::error_code ec;
      if (const int error = copy_new(file.path(), temp); error != 0) {
        if (error != EEXIST) fs::remove(temp, ec);
        throw_errno(shared_.name(), doing, error);
      }
      const int error = publish(temp, target);
      if (error != 0) {
        fs::remove(temp, ec);
        if (error == EEXIST) {
          throw InvalidArgument("refusing to overwrite " + target.string(), shared_.name());
        }
        throw_errno(shared_.name(), doing, error);
      }
      fsync_path(folder);
      return target;
    });
  }

  // Copies every group into a fresh file, checks the copy holds as many
  // objects as the original, then renames it over the original. Any
  // failure leaves the original in place.
  // A compaction killed midway leaves "<file>.compact" (and its journal):
  // removed here, and by the next open.
  void compact() override {
    shared_.maintain([&](File& file, Records& records) {
      file.flush();
      const fs::path temp = file.compact_path();
      std::error_code ec;
      fs::remove(temp, ec);
      fs::remove(journal_path(temp), ec);
      double created_at = wall_now();
      std::int64_t before = 0;
      {
        Hid root = file.open_group("/");
        Attributes a(file, root.get());
        if (a.has("created_at")) created_at = a.get_double("created_at");
        before = count_objects(file.id());
      }
      Hid copy;
      try {
        Hid fapl = file.access_plist();
        copy = Hid(H5Fcreate(temp.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, fapl.get()), H5Fclose);
        if (!copy) throw_hdf5(shared_.name(), "creating " + temp.string());
        for (const char* group : kTopGroups) {
          file.ok(H5Ocopy(file.id(), group, copy.get(), group, H5P_DEFAULT, H5P_DEFAULT),
                  "copying group", group);
        }
        {
          Hid root(H5Gopen2(copy.get(), "/", H5P_DEFAULT), H5Gclose);
          Attributes a(file, root.get());
          a.put_double("created_at", created_at);
          a.put_string("version", "1.0");
          a.put_string("compression", file.options().compression);
          a.put_int("chunk_size", file.options().chunk_size);
        }
        const std::int64_t after = count_objects(copy.get());
        if (after != before || after < 0) {
          throw BackendError("compacting " + file.path().string() + ": the copy holds " +
                                 std::to_string(after) + " objects, the original " +
                                 std::to_string(before),
                             shared_.name());
        }
        file.ok(H5Fflush(copy.get(), H5F_SCOPE_GLOBAL), "flushing", temp.string());
        check_writes(copy.get(), shared_.name(), temp);
        const bool closed = H5Fclose(copy.get()) >= 0;
        copy.release();
        if (!closed) throw_hdf5(shared_.name(), "closing " + temp.string());
        fs::remove(journal_path(temp), ec);
        if (!fsync_path(temp)) throw_errno(shared_.name(), "writing " + temp.string(), errno);
      } catch (...) {
        if (copy) {
          // Closed without writing more: HDF5 cannot fail on it (and leave
          // it for its exit handler).
          hdf5::abandon(copy.get());
          if (H5Fclose(copy.get()) < 0) H5Eclear2(H5E_DEFAULT);
          copy.release();
        }
        fs::remove(temp, ec);
        fs::remove(journal_path(temp), ec);
        throw;
      }
      file.close();
      fs::rename(temp, file.path(), ec);
      if (ec) {
        fs::remove(temp, ec);
        file.open();
        throw BackendError(
            "replacing " + file.path().string() + " by its compacted copy: " + ec.message(),
            shared_.name());
      }
      fsync_path(file.path().parent_path().empty() ? fs::path(".") : file.path().parent_path());
      records.forget_suffixes();
      file.open();
      return 0;
    });
  }

  fs::path rotate() override {
    return shared_.maintain(
        [&](File& file, Records& records) { return rotate_now(file, records); });
  }

  bool rotate_if_needed() override {
    return shared_.maintain([&](File& file, Records& records) {
      hsize_t size = 0;
      file.ok(H5Fget_filesize(file.id(), &size), "sizing", file.path().string());
      if (static_cast<std::int64_t>(size) <= file.options().max_file_size) return false;
      rotate_now(file, records);
      return true;
    });
  }

  // The seed's cleanup_old_data: snapshots (all three groups) and raw spike
  // trains whose timestamp is before now - retention_days.
  std::int64_t cleanup(int retention_days) override {
    if (retention_days < 0) {
      throw InvalidArgument(
          "retention_days must not be negative, got " + std::to_string(retention_days),
          shared_.name());
    }
    const double cutoff = wall_now() - retention_days * 86400.0;
    return shared_.maintain([&](File& file, Records& records) {
      std::int64_t removed = 0;
      const auto sweep = [&](const char* group_path, std::initializer_list<const char*> all) {
        Hid group = file.open_group(group_path);
        for (const std::string& id : file.names(group.get())) {
          Hid record(H5Oopen(group.get(), id.c_str(), H5P_DEFAULT), H5Oclose);
          if (!record) throw_hdf5(shared_.name(), "opening " + id);
          Attributes a(file, record.get());
          if (!a.has("timestamp") || a.get_double("timestamp") >= cutoff) continue;
          record.reset();
          for (const char* g : all) records.remove(g, id);
          ++removed;
        }
      };
      sweep(kTopology, {kTopology, kWeights, kNeuronStates});
      sweep(kRawTrains, {kRawTrains});
      file.flush();
      return removed;
    });
  }

  void clear_all() override {
    shared_.maintain([&](File& file, Records& records) {
      for (const char* group_path : kAllGroups) {
        if (std::string_view(group_path).find('/') == std::string_view::npos) continue;
        Hid group = file.open_group(group_path);
        for (const std::string& name : file.names(group.get())) records.remove(group_path, name);
      }
      records.forget_suffixes();
      file.flush();
      return 0;
    });
  }

  void sync() override {
    shared_.maintain([&](File& file, Records&) {
      file.flush();
      fsync_path(file.path());
      return 0;
    });
  }

  void close() override { shared_.close(); }

 private:
  fs::path rotate_now(File& file, Records& records) {
    file.flush();
    const fs::path target =
        free_sibling(file.path(), "_" + std::to_string(static_cast<std::int64_t>(wall_now())));
    file.close();
    std::error_code ec;
    fs::rename(file.path(), target, ec);
    if (ec) {
      file.open();
      throw BackendError(
          "rotating " + file.path().string() + " to " + target.string() + ": " + ec.message(),
          shared_.name(), ec.value());
    }
    records.forget_suffixes();
    file.open();
    return target;
  }

  Shared& shared_;
};

// ---------------------------------------------------------------- backend

class Hdf5Backend final : public Backend {
 public:
  explicit Hdf5Backend(const BackendContext& context)
      : shared_(context.name, kOptions.bind(context.options)) {}

  TraceStore* traces() noexcept override { return &traces_; }
  Maintenance& maintenance() noexcept override { return maintenance_; }

 private:
  Shared shared_;
  Hdf5Maintenance maintenance_{shared_};
  Hdf5Traces traces_{shared_, maintenance_};
};

}  // namespace

// ---------------------------------------------------------------- descriptor

const PluginDescriptor& descriptor() {
  static const PluginDescriptor kDescriptor = [] {
    PluginDescriptor d;
    d.name = "hdf5";
    d.version = "1.0.0";
    d.roles = {Role::kTraces};
    d.options = kOptions.schema();
    d.create = [](const BackendContext& context) -> std::unique_ptr<Backend> {
      return std::make_unique<Hdf5Backend>(context);
    };
    d.files = [](const Json& options) { return owned_files(kOptions.bind(options).file_path); };
    return d;
  }();
  return kDescriptor;
}

}  // namespace engram::hdf5

BOOST_DLL_ALIAS(engram::hdf5::descriptor, engram_plugin)
