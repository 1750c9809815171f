// folder_layout.h — where the `npy` plugin's records live, and the moves
// that make a record appear and disappear whole.
//
//   <folder>/                        the `folder` option
//     network_snapshots/<id>/        one folder per record (record_files.h)
//     spike_trains/<id>/  ...        one subfolder per kind (kKindFolders)
//     .staging/<pid>-<n>/            records being written or removed
//
// A record is written into a fresh folder under .staging and then renamed
// to <kind>/<id> only if nothing is there (engram/publish_file.h,
// renameat2 RENAME_NOREPLACE), so readers — in this process or any other —
// see a record whole or not at all, and two writers never take one id. A
// removal renames the record into .staging first, then deletes it. A crash
// leaves at most a folder under .staging, which the next open removes when
// the process that made it is gone.
//
// Errors: I/O failures are AccessDenied or BackendError naming the path
// (npy_errors.h). Thread safety: every method may be called from several
// threads and processes at once.
#ifndef ENGRAM_EXAMPLES_NPY_FOLDER_LAYOUT_H_
#define ENGRAM_EXAMPLES_NPY_FOLDER_LAYOUT_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace engram::npy_plugin {

// The eight kind folders, in the order TraceStore lists the kinds.
inline constexpr std::string_view kKindFolders[] = {
    "network_snapshots", "spike_trains",      "compressed_spike_trains", "reservoir_states",
    "layer_outputs",     "plasticity_traces", "homeostatic_traces",      "performance_metrics"};

class FolderLayout;

// A folder under .staging that is deleted with everything in it when this
// goes, unless it was published. Move-only.
class StagedFolder {
 public:
  StagedFolder() = default;
  StagedFolder(const FolderLayout* layout, std::filesystem::path path)
      : layout_(layout), path_(std::move(path)) {}
  StagedFolder(StagedFolder&& other) noexcept;
  StagedFolder& operator=(StagedFolder&& other) noexcept;
  ~StagedFolder();

  const std::filesystem::path& path() const noexcept { return path_; }
  // Forgets the folder (it was renamed away): nothing is deleted.
  void release() noexcept { path_.clear(); }

 private:
  const FolderLayout* layout_ = nullptr;
  std::filesystem::path path_;
};

class FolderLayout {
 public:
  // `root` is absolute; `backend` names the backend in errors; `fsync`
  // says whether folders are flushed after a name changes in them.
  FolderLayout(std::filesystem::path root, std::string backend, bool fsync);

  // Makes the root, the kind folders and .staging when missing, and removes
  // what dead processes left under .staging. Throws AccessDenied or
  // BackendError.
  void prepare() const;

  const std::filesystem::path& root() const noexcept { return root_; }
  const std::string& backend() const noexcept { return backend_; }
  bool fsync() const noexcept { return fsync_; }
  // <root>/<kind>, and <root>/<kind>/<id>.
  std::filesystem::path kind_folder(std::string_view kind) const;
  std::filesystem::path record_folder(std::string_view kind, std::string_view id) const;

  // A new empty folder under .staging.
  StagedFolder stage() const;
  // Renames `staged` to <kind>/<id> if nothing is there. Returns true iff it
  // did (`staged` is then released); false when the id is taken. Throws
  // AccessDenied or BackendError on any other failure.
  bool publish(StagedFolder& staged, std::string_view kind, std::string_view id) const;
  // Makes <kind>/<id> disappear at once, then deletes its files. Returns
  // false when it was not there.
  bool remove(std::string_view kind, std::string_view id) const;

  // Up to `count` record ids of `kind` greater than `after` (all when
  // nullopt), in id (byte) order. Reads the kind folder as a stream and
  // keeps only `count` names in memory, whatever the folder holds.
  std::vector<std::string> ids_after(std::string_view kind, const std::optional<std::string>& after,
                                     std::size_t count) const;
  // Calls `visit(id)` for every record id of `kind`, in no set order.
  void for_each_id(std::string_view kind,
                   const std::function<void(const std::string& id)>& visit) const;

 private:
  friend class StagedFolder;
  void discard(const std::filesystem::path& path) const noexcept;
  void remove_dead_stagings() const;

  const std::filesystem::path root_;
  const std::filesystem::path staging_;
  const std::string backend_;
  const bool fsync_;
  mutable std::atomic<std::uint64_t> next_stage_{0};
};

}  // namespace engram::npy_plugin

#endif  // ENGRAM_EXAMPLES_NPY_FOLDER_LAYOUT_H_
