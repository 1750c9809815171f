// The `npy` backend's maintenance (npy_maintenance.h).
#include "npy_maintenance.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <optional>
#include <string>
#include <system_error>

#include "engram/publish_file.h"
#include "file_handle.h"
#include "npy_errors.h"
#include "record_files.h"

namespace engram::npy_plugin {
namespace {

namespace fs = std::filesystem;

// Removes the records of `kind` older than `cutoff`; returns how many.
std::int64_t remove_older_than(const FolderLayout& layout, std::string_view kind, double cutoff) {
  std::vector<std::string> old;
  layout.for_each_id(kind, [&](const std::string& id) {
    const std::optional<double> t = read_timestamp(layout, kind, id);
    if (t && *t < cutoff) old.push_back(id);
  });
  std::int64_t removed = 0;
  for (const std::string& id : old) removed += layout.remove(kind, id) ? 1 : 0;
  return removed;
}

}  // namespace

Json NpyMaintenance::stats() {
  auto held = state_.life.enter();
  Json stats = Json::object();
  std::int64_t total = 0;
  for (std::string_view kind : kKindFolders) {
    std::int64_t count = 0;
    state_.layout.for_each_id(kind, [&](const std::string&) { ++count; });
    stats[std::string(kind)] = count;
    total += count;
  }
  stats["total"] = total;
  std::uintmax_t bytes = 0;
  std::error_code error;
  for (fs::recursive_directory_iterator it(state_.layout.root(), error), end; !error && it != end;
       it.increment(error)) {
    std::error_code size_error;
    if (it->is_regular_file(size_error)) bytes += it->file_size(size_error);
  }
  stats["bytes"] = bytes;
  stats["path"] = state_.layout.root().string();
  return stats;
}

std::int64_t NpyMaintenance::cleanup(int retention_days) {
  const double cutoff = retention_cutoff(retention_days, state_.clock->now());
  auto alone = state_.life.enter_alone();
  return remove_older_than(state_.layout, "network_snapshots", cutoff) +
         remove_older_than(state_.layout, "spike_trains", cutoff);
}

void NpyMaintenance::clear_all() {
  auto alone = state_.life.enter_alone();
  for (std::string_view kind : kKindFolders) {
    std::vector<std::string> ids;
    state_.layout.for_each_id(kind, [&](const std::string& id) { ids.push_back(id); });
    for (const std::string& id : ids) state_.layout.remove(kind, id);
  }
}

void NpyMaintenance::sync() {
  auto held = state_.life.enter();
  if (state_.layout.fsync()) return;  // every store flushed before it returned
  std::error_code error;
  for (fs::recursive_directory_iterator it(state_.layout.root(), error), end; !error && it != end;
       it.increment(error)) {
    std::error_code type_error;
    if (it->is_directory(type_error)) {
      sync_folder(it->path());
    } else if (it->is_regular_file(type_error)) {
      FileHandle file(std::fopen(it->path().c_str(), "rbe"));
      if (!file && errno == ENOENT) continue;  // a staging folder's, just removed
      if (!file || ::fsync(::fileno(file.get())) != 0) {
        throw_io("flush", it->path(), errno, state_.name);
      }
    }
  }
  if (error) throw_io("list folder", state_.layout.root(), error.value(), state_.name);
  sync_folder(state_.layout.root());
}

void NpyMaintenance::close() {
  state_.life.close([] {});  // nothing held open between calls
}

std::vector<fs::path> NpyMaintenance::files() const { return {state_.layout.root()}; }

}  // namespace engram::npy_plugin
