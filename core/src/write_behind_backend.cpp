// The backend wrapper of write-behind: the queued role objects
// (write_behind_roles.h) and a maintenance that drains their queues before
// forwarding each call, so a backup, a count or a sync sees every store
// that returned.
#include "write_behind_backend.h"

#include <exception>
#include <utility>

#include "engram/errors.h"
#include "engram/log.h"
#include "write_behind_roles.h"

namespace engram::detail {
namespace {

// Runs `call` on every queue, all of them even when one throws; then
// rethrows the first error.
template <class Call>
void on_every_queue(const std::vector<QueueControl*>& queues, Call call) {
  std::exception_ptr first;
  for (QueueControl* queue : queues) {
    try {
      call(*queue);
    } catch (...) {
      if (!first) first = std::current_exception();
    }
  }
  if (first) std::rethrow_exception(first);
}

class QueuedMaintenance final : public Maintenance {
 public:
  QueuedMaintenance(Maintenance& inner, std::vector<QueueControl*>& queues)
      : inner_(inner), queues_(queues) {}

  std::string_view backend_name() const noexcept override { return inner_.backend_name(); }
  Json stats() override {
    drain();
    return inner_.stats();
  }
  std::filesystem::path backup(std::optional<std::filesystem::path> path) override {
    drain();
    return inner_.backup(std::move(path));
  }
  std::optional<std::filesystem::path> backup_if_due() override {
    drain();
    return inner_.backup_if_due();
  }
  void compact() override {
    drain();
    inner_.compact();
  }
  std::filesystem::path rotate() override {
    drain();
    std::filesystem::path moved = inner_.rotate();
    forget_ids();
    return moved;
  }
  bool rotate_if_needed() override {
    drain();
    const bool rotated = inner_.rotate_if_needed();
    if (rotated) forget_ids();
    return rotated;
  }
  std::int64_t cleanup(int retention_days) override {
    drain();
    const std::int64_t removed = inner_.cleanup(retention_days);
    forget_ids();
    return removed;
  }
  std::int64_t clear_expired() override {
    drain();
    return inner_.clear_expired();
  }
  void clear_all() override {
    drain();
    inner_.clear_all();
    forget_ids();
  }
  void sync() override {
    drain();
    inner_.sync();
  }
  void set_option(std::string_view key, const Json& value) override {
    inner_.set_option(key, value);
  }
  // Writes every queue out and stops its writer, closes the backend, then
  // throws the first store not written, if any.
  void close() override {
    std::exception_ptr first;
    try {
      on_every_queue(queues_, [](QueueControl& queue) { queue.close(); });
    } catch (...) {
      first = std::current_exception();
    }
    inner_.close();
    if (first) std::rethrow_exception(first);
  }
  std::vector<std::filesystem::path> files() const override { return inner_.files(); }

 private:
  void drain() {
    on_every_queue(queues_, [](QueueControl& queue) { queue.drain(); });
  }
  void forget_ids() {
    for (QueueControl* queue : queues_) queue->forget_ids();
  }

  Maintenance& inner_;
  std::vector<QueueControl*>& queues_;
};

class QueuedBackend final : public Backend {
 public:
  QueuedBackend(std::shared_ptr<Backend> inner, const BackendConfig& config,
                const std::vector<Role>& roles)
      : inner_(std::move(inner)), maintenance_(inner_->maintenance(), queues_) {
    const QueueSettings settings{*config.write_behind, config.name, &maintenance_};
    const auto add = [&](auto& slot, auto* role) {
      if (role == nullptr) return;
      slot = queued(*role, settings);
      queues_.push_back(slot.control);
    };
    for (Role role : roles) {
      switch (role) {
        case Role::kWorkingMemory:
          add(working_memory_, inner_->working_memory());
          break;
        case Role::kEpisodes:
          add(episodes_, inner_->episodes());
          break;
        case Role::kConcepts:
          add(concepts_, inner_->concepts());
          break;
        case Role::kTraces:
          add(traces_, inner_->traces());
          break;
      }
    }
  }

  // The queues are written out and their writers stopped while the
  // plugin's backend still stands; a store that fails now has nobody left
  // to report to but the log.
  ~QueuedBackend() override {
    for (QueueControl* queue : queues_) {
      try {
        queue->close();
      } catch (const std::exception& e) {
        log(LogLevel::kError, e.what());
      }
    }
  }

  WorkingMemory* working_memory() noexcept override { return working_memory_.role.get(); }
  EpisodeStore* episodes() noexcept override { return episodes_.role.get(); }
  ConceptStore* concepts() noexcept override { return concepts_.role.get(); }
  TraceStore* traces() noexcept override { return traces_.role.get(); }
  Maintenance& maintenance() noexcept override { return maintenance_; }

 private:
  std::shared_ptr<Backend> inner_;
  std::vector<QueueControl*> queues_;
  QueuedMaintenance maintenance_;
  Queued<WorkingMemory> working_memory_;
  Queued<EpisodeStore> episodes_;
  Queued<ConceptStore> concepts_;
  Queued<TraceStore> traces_;
};

}  // namespace

void check_write_behind(const BackendConfig& config, const std::vector<Role>& roles,
                        const PluginCapabilities& capabilities) {
  if (!config.write_behind) return;
  for (Role role : roles) {
    if ((role == Role::kEpisodes || role == Role::kConcepts) && !capabilities.reserves_ids) {
      throw ConfigError(config.write_behind_location.to_string() + ": backend `" + config.name +
                        "` cannot take `write_behind` for role `" + std::string(role_name(role)) +
                        "`: its plugin `" + config.plugin +
                        "` cannot reserve ids, which write-behind hands out at queue time");
    }
  }
}

std::shared_ptr<Backend> with_write_behind(std::shared_ptr<Backend> backend,
                                           const BackendConfig& config,
                                           const std::vector<Role>& roles) {
  return std::make_shared<QueuedBackend>(std::move(backend), config, roles);
}

}  // namespace engram::detail
