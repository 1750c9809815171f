// The file's maintenance (file_maintenance.h).
#include "file_maintenance.h"

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <vector>

#include "attributes.h"
#include "engram/errors.h"
#include "engram/json.h"
#include "engram/publish_file.h"
#include "handles.h"
#include "hdf5_errors.h"
#include "journaled_driver.h"
#include "records.h"
#include "seed_layout.h"
#include "traces_file.h"

namespace engram::hdf5 {
namespace {

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

// Objects in a file, recursively — every group and dataset (compact's
// check), or only datasets (stats) — or -1 when the walk fails.
std::int64_t count_objects(hid_t file, bool datasets_only = false) {
  struct Count {
    bool datasets_only;
    std::int64_t n = 0;
  } count{datasets_only};
  const auto visit = [](hid_t, const char*, const H5O_info_t* info, void* data) -> herr_t {
    auto* c = static_cast<Count*>(data);
    if (!c->datasets_only || info->type == H5O_TYPE_DATASET) ++c->n;
    return 0;
  };
  if (H5Ovisit2(file, H5_INDEX_NAME, H5_ITER_NATIVE, visit, &count, H5O_INFO_BASIC) < 0) {
    return -1;
  }
  return count.n;
}

// backup_if_due and clear_expired are not overridden: the file has no
// backup interval and no TTLs, so they throw NotSupported.
class Hdf5Maintenance final : public Maintenance {
 public:
  Hdf5Maintenance(SharedFile& shared, const Hdf5Options& options)
      : shared_(shared), live_(options) {}

  // max_file_size (hdf5_options.h).
  void set_option(std::string_view key, const Json& value) override {
    std::lock_guard lock(live_mutex_);
    live_ = option_table().update(live_, key, value, backend_name());
  }

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

  // The seed's get_file_info: path, size, top-level groups, datasets,
  // record counts per kind, options.
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
      s["max_file_size"] = max_file_size();
      s["enable_swmr"] = file.options().enable_swmr;
      Hid root = file.open_group("/");
      s["groups"] = file.names(root.get());
      const std::int64_t datasets = count_objects(file.id(), true);
      if (datasets < 0) throw_hdf5(file.backend(), "counting the datasets of " + file.path().string());
      s["total_datasets"] = datasets;
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
                              "_backup_" + std::to_string(static_cast<std::int64_t>(file.now())));
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
      if (std::error_code error; !publish_file(temp, target, error)) {
        fs::remove(temp, ec);
        if (error.value() == EEXIST) {
          throw InvalidArgument("refusing to overwrite " + target.string(), shared_.name());
        }
        throw_errno(shared_.name(), doing, error.value());
      }
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
      double created_at = file.now();
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
          Hid root = open_group(copy.get(), "/", shared_.name(), "opening " + temp.string());
          write_file_attributes(Attributes(file, root.get()), created_at,
                                file.options().compression, file.options().chunk_size);
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
      if (static_cast<std::int64_t>(size) <= max_file_size()) return false;
      rotate_now(file, records);
      return true;
    });
  }

  // The seed's cleanup_old_data: snapshots (all three groups) and raw spike
  // trains whose timestamp is before now - retention_days.
  std::int64_t cleanup(int retention_days) override {
    const double cutoff = retention_cutoff(retention_days, shared_.now());
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
        free_sibling(file.path(), "_" + std::to_string(static_cast<std::int64_t>(file.now())));
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

  std::int64_t max_file_size() const {
    std::lock_guard lock(live_mutex_);
    return live_.max_file_size;
  }

  SharedFile& shared_;
  mutable std::mutex live_mutex_;
  Hdf5Options live_;  // max_file_size is read from here
};

}  // namespace

std::unique_ptr<Maintenance> make_maintenance(SharedFile& shared, const Hdf5Options& options) {
  return std::make_unique<Hdf5Maintenance>(shared, options);
}

}  // namespace engram::hdf5
