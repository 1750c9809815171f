// The `npy` plugin's folders (folder_layout.h).
#include "folder_layout.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <set>
#include <system_error>
#include <utility>

#include "engram/ids.h"
#include "engram/log.h"
#include "engram/publish_file.h"
#include "npy_errors.h"

namespace engram::npy_plugin {
namespace {

constexpr std::string_view kStaging = ".staging";

void make_folder(const std::filesystem::path& path, const std::string& backend) {
  if (::mkdir(path.c_str(), 0777) != 0 && errno != EEXIST) {
    throw_io("create folder", path, errno, backend);
  }
}

// The pid a staging name "<pid>-<n>" starts with, or 0.
pid_t staging_owner(const std::string& name) {
  long pid = 0;
  const auto [end, error] = std::from_chars(name.data(), name.data() + name.size(), pid);
  if (error != std::errc() || end == name.data() + name.size() || *end != '-') return 0;
  return static_cast<pid_t>(pid);
}

}  // namespace

StagedFolder::StagedFolder(StagedFolder&& other) noexcept
    : layout_(other.layout_), path_(std::exchange(other.path_, {})) {}

StagedFolder& StagedFolder::operator=(StagedFolder&& other) noexcept {
  if (this != &other) {
    if (layout_ != nullptr && !path_.empty()) layout_->discard(path_);
    layout_ = other.layout_;
    path_ = std::exchange(other.path_, {});
  }
  return *this;
}

StagedFolder::~StagedFolder() {
  if (layout_ != nullptr && !path_.empty()) layout_->discard(path_);
}

FolderLayout::FolderLayout(std::filesystem::path root, std::string backend, bool fsync)
    : root_(std::move(root)),
      staging_(root_ / kStaging),
      backend_(std::move(backend)),
      fsync_(fsync) {}

void FolderLayout::prepare() const {
  std::error_code error;
  std::filesystem::create_directories(root_, error);
  if (error) throw_io("create folder", root_, error.value(), backend_);
  for (std::string_view kind : kKindFolders) make_folder(kind_folder(kind), backend_);
  make_folder(staging_, backend_);
  if (fsync_) sync_folder(root_);
  remove_dead_stagings();
}

std::filesystem::path FolderLayout::kind_folder(std::string_view kind) const {
  return root_ / kind;
}

std::filesystem::path FolderLayout::record_folder(std::string_view kind,
                                                  std::string_view id) const {
  return root_ / kind / id;
}

StagedFolder FolderLayout::stage() const {
  const std::string pid = std::to_string(::getpid());
  for (;;) {
    const std::filesystem::path path =
        staging_ / (pid + "-" + std::to_string(next_stage_.fetch_add(1)));
    if (::mkdir(path.c_str(), 0777) == 0) return StagedFolder(this, path);
    // EEXIST: left by a dead process that had our pid; take the next name.
    if (errno != EEXIST) throw_io("create folder", path, errno, backend_);
  }
}

bool FolderLayout::publish(StagedFolder& staged, std::string_view kind, std::string_view id) const {
  const std::filesystem::path target = record_folder(kind, id);
  std::error_code error;
  // Folders, like files: renameat2(RENAME_NOREPLACE) never replaces a
  // record, and syncs the kind folder so the new name survives a power loss.
  if (publish_file(staged.path(), target, error)) {
    staged.release();
    return true;
  }
  if (error.value() == EEXIST || error.value() == ENOTEMPTY) return false;
  throw_io("publish record folder", target, error.value(), backend_);
}

bool FolderLayout::remove(std::string_view kind, std::string_view id) const {
  const std::filesystem::path from = record_folder(kind, id);
  StagedFolder doomed = stage();
  // rename() replaces the empty staging folder just made: the record leaves
  // its kind folder in one step, then goes with `doomed`.
  if (::rename(from.c_str(), doomed.path().c_str()) != 0) {
    if (errno == ENOENT) return false;
    throw_io("remove record folder", from, errno, backend_);
  }
  if (fsync_) sync_folder(kind_folder(kind));
  return true;
}

std::vector<std::string> FolderLayout::ids_after(std::string_view kind,
                                                 const std::optional<std::string>& after,
                                                 std::size_t count) const {
  // The `count` least ids past `after`: a set that never holds more than
  // count + 1 names, whatever the folder holds.
  std::set<std::string> least;
  for_each_id(kind, [&](const std::string& id) {
    if (after && id <= *after) return;
    if (least.size() == count && !least.empty() && id >= *least.rbegin()) return;
    least.insert(id);
    if (least.size() > count) least.erase(std::prev(least.end()));
  });
  return {least.begin(), least.end()};
}

void FolderLayout::for_each_id(std::string_view kind,
                               const std::function<void(const std::string& id)>& visit) const {
  const std::filesystem::path folder = kind_folder(kind);
  std::error_code error;
  std::filesystem::directory_iterator it(folder, error);
  if (error) throw_io("list folder", folder, error.value(), backend_);
  for (; it != std::filesystem::directory_iterator(); it.increment(error)) {
    if (error) break;
    std::error_code type_error;
    if (!it->is_directory(type_error)) continue;  // not a record: ignored
    std::string name = it->path().filename().string();
    if (!is_valid_id(name)) continue;
    visit(name);
  }
  if (error) throw_io("list folder", folder, error.value(), backend_);
}

void FolderLayout::discard(const std::filesystem::path& path) const noexcept {
  std::error_code error;
  std::filesystem::remove_all(path, error);
  if (error) {
    log(LogLevel::kWarn, "npy backend '" + backend_ + "': cannot remove '" + path.string() +
                             "': " + error.message());
  }
}

void FolderLayout::remove_dead_stagings() const {
  std::error_code error;
  std::filesystem::directory_iterator it(staging_, error);
  for (; !error && it != std::filesystem::directory_iterator(); it.increment(error)) {
    const pid_t owner = staging_owner(it->path().filename().string());
    // A folder of a live process (or of this one) is that process's work.
    if (owner == ::getpid() || (owner > 0 && (::kill(owner, 0) == 0 || errno != ESRCH))) continue;
    discard(it->path());
  }
}

}  // namespace engram::npy_plugin
