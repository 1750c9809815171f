// The working-memory role under write-behind: patterns, cached spike trains
// and attention weights are queued (their keys are the caller's, so there
// are no ids to choose) and written by the plugin's store_batch. A record's
// TTL runs from when it is written, at most flush_interval (or a full
// queue's writing time) after its store returned.
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "engram/owned_records.h"
#include "record_checks.h"
#include "role_access.h"
#include "write_behind_roles.h"
#include "write_queue.h"

namespace engram::detail {
namespace {

using WorkingMemoryItem = std::variant<WorkingMemoryPattern, CachedSpikeTrain, AttentionWeights>;

constexpr std::size_t kRecordOverhead = 256;

std::size_t bytes_of(const WorkingMemoryItem& item) {
  return kRecordOverhead + std::visit(
                               [](const auto& record) -> std::size_t {
                                 using Record = std::decay_t<decltype(record)>;
                                 if constexpr (std::is_same_v<Record, WorkingMemoryPattern>) {
                                   return record.pattern.nbytes();
                                 } else if constexpr (std::is_same_v<Record, CachedSpikeTrain>) {
                                   return record.spike_data.nbytes() + 8 * record.neuron_ids.size();
                                 } else {
                                   return record.weights.nbytes();
                                 }
                               },
                               item);
}

class QueuedWorkingMemory final : public WorkingMemory, public QueueControl {
 public:
  QueuedWorkingMemory(WorkingMemory& inner, const QueueSettings& settings)
      : inner_(inner),
        queue_(settings.options, settings.backend,
               "write-behind of backend `" + settings.backend + "` (working_memory)",
               {[this](std::vector<WorkingMemoryItem>& items) { return write(items); },
                [](const WorkingMemoryItem&) {},
                &name_of,
                {}}) {
    RoleAccess::set_library(*this, RoleAccess::library(inner));
    RoleAccess::set_clock(*this, RoleAccess::clock(inner));
    RoleAccess::set_maintenance(*this, *settings.maintenance);
  }

  void drain() override { queue_.drain(); }
  void close() override { queue_.close(); }

 private:
  static std::string name_of(const WorkingMemoryItem& item) {
    if (const auto* pattern = std::get_if<WorkingMemoryPattern>(&item)) {
      return "pattern " + pattern->pattern_hash;
    }
    if (const auto* train = std::get_if<CachedSpikeTrain>(&item)) {
      return "spike train at " + std::to_string(train->timestamp);
    }
    return "attention weights " + std::get<AttentionWeights>(item).context;
  }

  // --- stores: queued

  void enqueue(WorkingMemoryItem item) {
    const std::size_t bytes = bytes_of(item);
    auto lock = queue_.lock();
    queue_.admit(lock, bytes);
    queue_.push(lock, std::move(item), bytes);
  }
  void do_store_working_memory_pattern(const WorkingMemoryPatternView& record) override {
    enqueue(owned(record));
  }
  void do_cache_spike_train(const CachedSpikeTrainView& record) override { enqueue(owned(record)); }
  void do_store_attention_weights(const AttentionWeightsView& record) override {
    enqueue(owned(record));
  }

  std::vector<WriteFailure> write(std::vector<WorkingMemoryItem>& items) {
    return write_isolating(items.size(), [&](std::size_t first, std::size_t last) {
      WorkingMemoryBatch batch;
      for (std::size_t i = first; i < last; ++i) {
        std::visit([&](const auto& record) { batch.put(as_view(record)); }, items[i]);
      }
      RoleAccess::call_do_store_batch(inner_, batch);
      return std::vector<WriteFailure>{};
    });
  }

  // --- everything else: after the queue, as without write-behind

  std::optional<WorkingMemoryPattern> do_retrieve_working_memory_pattern(
      std::string_view pattern_hash) override {
    queue_.drain();
    return RoleAccess::call_do_retrieve_working_memory_pattern(inner_, pattern_hash);
  }
  bool do_update_working_memory_access(std::string_view pattern_hash, double now) override {
    queue_.drain();
    return RoleAccess::call_do_update_working_memory_access(inner_, pattern_hash, now);
  }
  std::optional<CachedSpikeTrain> do_retrieve_spike_train(double timestamp) override {
    queue_.drain();
    return RoleAccess::call_do_retrieve_spike_train(inner_, timestamp);
  }
  std::vector<CachedSpikeTrain> do_get_spike_trains_since(double since) override {
    queue_.drain();
    return RoleAccess::call_do_get_spike_trains_since(inner_, since);
  }
  std::optional<AttentionWeights> do_retrieve_attention_weights(std::string_view context) override {
    queue_.drain();
    return RoleAccess::call_do_retrieve_attention_weights(inner_, context);
  }
  void do_store_batch(const WorkingMemoryBatch& batch) override {
    queue_.drain();
    RoleAccess::call_do_store_batch(inner_, batch);
  }
  Page<WorkingMemoryPattern> do_list_working_memory_patterns(std::string_view cursor,
                                                             std::size_t limit) override {
    queue_.drain();
    return RoleAccess::call_do_list_working_memory_patterns(inner_, cursor, limit);
  }
  Page<CachedSpikeTrain> do_list_spike_trains(std::string_view cursor, std::size_t limit) override {
    queue_.drain();
    return RoleAccess::call_do_list_spike_trains(inner_, cursor, limit);
  }
  Page<AttentionWeights> do_list_attention_weights(std::string_view cursor,
                                                   std::size_t limit) override {
    queue_.drain();
    return RoleAccess::call_do_list_attention_weights(inner_, cursor, limit);
  }

  WorkingMemory& inner_;
  // Last: its writer runs from construction and calls the members above.
  WriteQueue<WorkingMemoryItem> queue_;
};

}  // namespace

Queued<WorkingMemory> queued(WorkingMemory& inner, const QueueSettings& settings) {
  auto role = std::make_unique<QueuedWorkingMemory>(inner, settings);
  QueueControl* control = role.get();
  return {std::move(role), control};
}

}  // namespace engram::detail
