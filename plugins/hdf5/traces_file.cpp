// The traces file (traces_file.h).
#include "traces_file.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <system_error>

#include "attributes.h"
#include "engram/errors.h"
#include "engram/ids.h"
#include "engram/log.h"
#include "seed_layout.h"

namespace engram::hdf5 {

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

void check_writes(hid_t file, const std::string& backend, const fs::path& path) {
  if (const auto failure = write_failure(file)) {
    take_io_failure();
    throw_errno(backend, "writing " + (failure->path.empty() ? path.string() : failure->path),
                failure->error);
  }
}

File::File(std::string backend, Hdf5Options options, std::shared_ptr<const Clock> clock)
    : backend_(std::move(backend)),
      options_(std::move(options)),
      clock_(clock ? std::move(clock) : system_clock()),
      path_(options_.file_path),
      codec_(codec_named(options_.compression, options_.compression_opts, backend_)),
      record_limit_(effective_record_limit(options_.max_record_bytes)) {
  if (options_.chunk_size < 1) {
    throw ConfigError("chunk_size must be at least 1, got " + std::to_string(options_.chunk_size),
                      backend_);
  }
  share_hdf5_symbols();
  begin_hdf5_call();
  check_codec_available(codec_, backend_);
  lcpl_ = make_link_plist();
  recognise();
  FileLock turn = writer_turn();
  open();
}

FileLock File::writer_turn() const {
  if (!options_.enable_swmr) return FileLock();
  std::string error;
  fs::path lock_path = path_;
  lock_path += ".lock";
  FileLock lock = FileLock::exclusive(lock_path, &error);
  if (!lock) throw AccessDenied("locking " + lock_path.string() + ": " + error, backend_);
  return lock;
}

void File::recognise() const {
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
  Hid root = hdf5::open_group(file.get(), "/", backend_, "opening " + path_.string());
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

void File::open() {
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
    file_ =
        Hid(H5Fcreate(path_.c_str(), empty ? H5F_ACC_TRUNC : H5F_ACC_EXCL, H5P_DEFAULT, fapl.get()),
            H5Fclose);
    if (!file_) {
      discard_create(present);
      throw_hdf5(backend_, "creating " + path_.string());
    }
    try {
      Hid root = open_group("/");
      write_file_attributes(
          Attributes(*this, root.get()), now(), options_.compression, options_.chunk_size);
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

void File::close() {
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

void File::abandon() noexcept {
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

void File::flush() {
  ok(H5Fflush(file_.get(), H5F_SCOPE_GLOBAL), "flushing", path_.string());
  check_writes(file_.get(), backend_, path_);
  std::string error;
  if (!commit(file_.get(), &error)) {
    throw BackendError("committing " + path_.string() + ": " + error, backend_);
  }
}

fs::path File::compact_path() const {
  fs::path temp = path_;
  temp += ".compact";
  return temp;
}

Hid File::access_plist() const {
  Hid fapl(H5Pcreate(H5P_FILE_ACCESS), H5Pclose);
  ok(set_journaled_driver(fapl.get()), "setting the journaled driver");
  ok(H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG), "setting the close degree");
  // A metadata cache of a fixed 256 KiB. 1.10's flush (one per store) walks
  // every entry the cache holds (cache misses, not instructions: 18% of a
  // snapshot store's time with 1 MiB), so HDF5's default cache (growing to
  // 32 MiB) makes each flush slower as the file grows; evict-on-close, used
  // before, kept it small but wrote out and dropped each object's metadata
  // (and its group's B-tree and heap) at every close, read back by the next
  // call: a snapshot store made 71 reads, a retrieve 20 (now 21 and 4.3; the
  // raw library's 0 and 4.4).
  {
    constexpr std::size_t kCacheBytes = std::size_t{256} << 10;
    H5AC_cache_config_t config{};
    config.version = H5AC__CURR_CACHE_CONFIG_VERSION;
    ok(H5Pget_mdc_config(fapl.get(), &config), "reading the metadata cache config");
    config.set_initial_size = true;
    config.initial_size = kCacheBytes;
    config.min_size = kCacheBytes;
    config.max_size = kCacheBytes;
    config.incr_mode = H5C_incr__off;
    config.flash_incr_mode = H5C_flash_incr__off;
    config.decr_mode = H5C_decr__off;
    ok(H5Pset_mdc_config(fapl.get(), &config), "setting the metadata cache config");
  }
  if (options_.enable_swmr) {
    ok(H5Pset_file_locking(fapl.get(), false, true), "turning file locking off");
  }
  return fapl;
}

Hid File::open_group(const std::string& path) const {
  return hdf5::open_group(file_.get(), path, backend_, "opening group " + printable(path));
}

Hid File::make_link_plist() const {
  Hid lcpl(H5Pcreate(H5P_LINK_CREATE), H5Pclose);
  ok(H5Pset_char_encoding(lcpl.get(), H5T_CSET_UTF8), "setting UTF-8 link names");
  ok(H5Pset_create_intermediate_group(lcpl.get(), 1), "setting intermediate groups");
  return lcpl;
}

void File::ensure_group(const char* path) {
  if (exists(file_.get(), path)) return;
  stop_after_failed_write();
  create_group(file_.get(), path, link_plist(), backend_, std::string("creating group ") + path);
}

std::vector<std::string> File::names(hid_t group) const {
  std::vector<std::string> out;
  const auto visit = [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
    static_cast<std::vector<std::string>*>(data)->emplace_back(name);
    return 0;
  };
  ok(H5Literate(group, H5_INDEX_NAME, H5_ITER_NATIVE, nullptr, visit, &out), "listing a group");
  std::sort(out.begin(), out.end());
  return out;
}

std::size_t File::count(const char* path) const {
  Hid group = open_group(path);
  H5G_info_t info{};
  ok(H5Gget_info(group.get(), &info), "counting", path);
  return static_cast<std::size_t>(info.nlinks);
}

void File::roll_back() const {
  try {
    if (recover(path_)) {
      log(LogLevel::kWarn, backend_ + ": " + path_.string() + ": rolled back an interrupted store");
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

void File::create_folders() const {
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

void File::check_writable() const {
  if (::access(path_.c_str(), R_OK | W_OK) != 0) {
    throw AccessDenied("opening " + path_.string() + ": " +
                           std::error_code(errno, std::generic_category()).message() +
                           " (the traces file must be writable)",
                       backend_, errno);
  }
}

void File::discard_create(bool was_present) const noexcept {
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

void File::remove_compact_leftovers() const noexcept {
  std::error_code ec;
  const fs::path temp = compact_path();
  if (fs::remove(temp, ec)) {
    log(LogLevel::kInfo, backend_ + ": removed " + temp.string() + " (an interrupted compact)");
  }
  fs::remove(journal_path(temp), ec);
}

void File::close_objects(hid_t file) noexcept {
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
}  // namespace engram::hdf5
