// npy_maintenance.h — the `npy` backend's maintenance (engram/maintenance.h).
//
//   stats()        records per kind, "total", "bytes" (every file's size),
//                  "path" (the root folder)
//   cleanup(days)  removes network snapshots and spike trains older than
//                  `days` days by the backend's clock (the seed's
//                  cleanup_old_data); returns how many
//   clear_all()    removes every record (the folders stay)
//   sync()         nothing left to flush when the `fsync` option is on;
//                  with it off, flushes every record folder and file
//   close()        waits for calls under way; later calls throw "closed"
//   files()        the root folder
// backup, backup_if_due, compact, rotate, rotate_if_needed and
// clear_expired are not overridden, so they throw NotSupported as the base
// does: a folder of immutable files has nothing to compact or rotate, and
// traces do not expire.
//
// Errors: what folder_layout.h and record_files.h throw (a cleanup that
// meets a damaged record.json throws CorruptData naming it).
// Thread safety: every call may run alongside any other (npy_state.h).
#ifndef ENGRAM_EXAMPLES_NPY_MAINTENANCE_H_
#define ENGRAM_EXAMPLES_NPY_MAINTENANCE_H_

#include <cstdint>
#include <filesystem>
#include <string_view>
#include <vector>

#include "engram/json.h"
#include "engram/maintenance.h"
#include "npy_state.h"

namespace engram::npy_plugin {

class NpyMaintenance final : public Maintenance {
 public:
  // REQUIRES: `state` outlives this.
  explicit NpyMaintenance(NpyState& state) : state_(state) {}

  std::string_view backend_name() const noexcept override { return state_.name; }
  Json stats() override;
  std::int64_t cleanup(int retention_days) override;
  void clear_all() override;
  void sync() override;
  void close() override;
  std::vector<std::filesystem::path> files() const override;

 private:
  NpyState& state_;
};

}  // namespace engram::npy_plugin

#endif  // ENGRAM_EXAMPLES_NPY_MAINTENANCE_H_
