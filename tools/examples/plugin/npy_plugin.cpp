// npy_plugin.cpp — the `npy` plugin's backend, descriptor and entry point:
// the only symbol the library exports.
//
// The plugin serves one role, traces, as plain .npy files in a folder per
// kind (README.md). The files read top to bottom: npy_options.h (options) →
// file_handle.h (handles) → npy_errors.h (error mapper) → folder_layout.h (where records live, how
// they appear whole) → record_files.h (one record as files) → npy_state.h
// (what the parts share) → npy_traces.h (the role) → npy_maintenance.h →
// this file.
//
// Thread safety: the descriptor is immutable; the core may call `create`
// from several threads; a backend's parts are thread-safe (npy_state.h).
#include <boost/dll/alias.hpp>
#include <memory>

#include "engram/maintenance.h"
#include "engram/plugin.h"
#include "engram/trace_store.h"
#include "npy_maintenance.h"
#include "npy_options.h"
#include "npy_state.h"
#include "npy_traces.h"

namespace engram::npy_plugin {
namespace {

// The Backend interface's accessors over the parts. Roles this backend does
// not serve keep the base's nullptr.
class NpyBackend final : public Backend {
 public:
  // Throws what NpyState throws: ConfigError, AccessDenied, BackendError.
  explicit NpyBackend(const BackendContext& context) : state_(context) {}

  TraceStore* traces() noexcept override { return traces_.get(); }
  Maintenance& maintenance() noexcept override { return maintenance_; }

 private:
  NpyState state_;
  std::unique_ptr<TraceStore> traces_ = make_traces(state_);
  NpyMaintenance maintenance_{state_};
};

}  // namespace

const PluginDescriptor& descriptor() {
  // The ABI version and build fingerprint are the descriptor's defaults
  // (kPluginAbiVersion, ENGRAM_BUILD_FINGERPRINT as this file was compiled):
  // the core refuses the library unless both match its own.
  static const PluginDescriptor kDescriptor = [] {
    PluginDescriptor d =
        describe_plugin<NpyBackend>("npy", "1.0.0", {Role::kTraces}, kNpyOptions.schema());
    // No promise beyond the contract: keeps_ids is about the integer ids of
    // episodes and concepts; trace ids are kept when free by every backend.
    d.capabilities.keeps_ids = false;
    return d;
  }();
  return kDescriptor;
}

}  // namespace engram::npy_plugin

BOOST_DLL_ALIAS(engram::npy_plugin::descriptor, engram_plugin)
