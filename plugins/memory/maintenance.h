// plugins/memory/maintenance.h — maintenance of a memory backend: stats,
// cleanup of old traces, clearing expired working memory or everything,
// the live option recall_cache_bytes, close. backup, backup_if_due, compact, rotate and
// rotate_if_needed throw NotSupported: memory has no file.
//
// Thread safety: the backend's one lock (shared_state.h).
#ifndef ENGRAM_PLUGINS_MEMORY_MAINTENANCE_H_
#define ENGRAM_PLUGINS_MEMORY_MAINTENANCE_H_

#include <cstdint>
#include <string_view>

#include "concepts.h"
#include "engram/json.h"
#include "engram/maintenance.h"
#include "episodes.h"
#include "memory_options.h"
#include "shared_state.h"
#include "traces.h"
#include "working_memory.h"

namespace engram::memory {

// ---------------------------------------------------------------- maintenance

// backup, backup_if_due, compact, rotate and rotate_if_needed are not
// overridden: memory has no file, so they throw NotSupported.
class MemoryMaintenance final : public Maintenance {
 public:
  MemoryMaintenance(Shared& shared, MemoryWorkingMemory& working_memory, MemoryEpisodes& episodes,
                    MemoryConcepts& concepts, MemoryTraces& traces)
      : shared_(shared),
        working_memory_(working_memory),
        episodes_(episodes),
        concepts_(concepts),
        traces_(traces) {}

  std::string_view backend_name() const noexcept override { return shared_.name(); }

  // Live records per kind, and "total".
  Json stats() override {
    auto lock = shared_.read();
    Json stats = Json::object();
    working_memory_.count(stats, shared_.now());
    episodes_.count(stats);
    concepts_.count(stats);
    traces_.count(stats);
    std::size_t total = 0;
    for (const auto& item : stats.items()) total += item.value().get<std::size_t>();
    stats["total"] = total;
    return stats;
  }

  std::int64_t cleanup(int retention_days) override {
    const double cutoff = retention_cutoff(retention_days, shared_.now());
    auto lock = shared_.write();
    return traces_.erase_older_than(cutoff);
  }

  std::int64_t clear_expired() override {
    auto lock = shared_.write();
    return working_memory_.erase_expired(shared_.now());
  }

  // recall_cache_bytes, the one live option: each role's recall matrix is
  // made again within the new bound.
  void set_option(std::string_view key, const Json& value) override {
    auto lock = shared_.write();
    shared_.set_options(kOptions.update(shared_.options(), key, value, shared_.name()));
    episodes_.set_recall_cache_bytes(shared_.recall_cache_bytes());
    concepts_.set_recall_cache_bytes(shared_.recall_cache_bytes());
  }

  void clear_all() override {
    auto lock = shared_.write();
    release();
  }

  // Nothing to flush: every completed store is already as durable as memory is.
  void sync() override { auto lock = shared_.read(); }

  void close() override {
    shared_.life().close([this] { release(); });
  }

 private:
  void release() {
    working_memory_.clear();
    episodes_.clear();
    concepts_.clear();
    traces_.clear();
  }

  Shared& shared_;
  MemoryWorkingMemory& working_memory_;
  MemoryEpisodes& episodes_;
  MemoryConcepts& concepts_;
  MemoryTraces& traces_;
};

}  // namespace engram::memory

#endif  // ENGRAM_PLUGINS_MEMORY_MAINTENANCE_H_
