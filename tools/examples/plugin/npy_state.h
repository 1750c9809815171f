// npy_state.h — what one `npy` backend's traces role and maintenance share:
// its name, its folders, its clock and its life.
//
// Locking (engram/life_lock.h): a store, a retrieve or a listing holds the
// life lock shared — stores may run side by side, since publishing a record
// is one rename that cannot take another's id (folder_layout.h); a batch's
// publishing, a cleanup and clear_all hold it alone, so no call of this
// backend sees half a batch or a record being removed. close() waits for
// the calls under way; every later call throws StorageError("closed").
//
// Thread safety: as above; the members are set once, at construction.
#ifndef ENGRAM_EXAMPLES_NPY_STATE_H_
#define ENGRAM_EXAMPLES_NPY_STATE_H_

#include <filesystem>
#include <memory>
#include <string>

#include "engram/clock.h"
#include "engram/life_lock.h"
#include "engram/plugin.h"
#include "folder_layout.h"
#include "npy_options.h"

namespace engram::npy_plugin {

struct NpyState {
  // Binds the options and prepares the folders. Throws ConfigError for bad
  // options, AccessDenied or BackendError when the folders cannot be made.
  explicit NpyState(const BackendContext& context)
      : NpyState(context, kNpyOptions.bind(context.options)) {}

  const std::string name;
  const FolderLayout layout;
  const std::shared_ptr<const Clock> clock;
  LifeLock life;

 private:
  NpyState(const BackendContext& context, const NpyOptions& options)
      : name(context.name),
        layout(std::filesystem::absolute(options.folder), context.name, options.fsync),
        clock(context.clock ? context.clock : system_clock()),
        life(context.name, "folder " + options.folder) {
    layout.prepare();
  }
};

}  // namespace engram::npy_plugin

#endif  // ENGRAM_EXAMPLES_NPY_STATE_H_
