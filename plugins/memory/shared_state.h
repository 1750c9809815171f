// plugins/memory/shared_state.h — what every part of one memory backend
// shares: its name, TTLs and clock, the one lock, and whether it was closed.
//
// Thread safety: lookups hold the LifeLock shared, changes alone
// (engram/life_lock.h); after close() both throw StorageError("closed").
#ifndef ENGRAM_PLUGINS_MEMORY_SHARED_STATE_H_
#define ENGRAM_PLUGINS_MEMORY_SHARED_STATE_H_

#include <chrono>
#include <cstddef>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>

#include "engram/clock.h"
#include "engram/life_lock.h"
#include "engram/plugin.h"
#include "memory_options.h"

namespace engram::memory {

// ---------------------------------------------------------------- shared state

using Millis = std::chrono::milliseconds;

// The TTLs as the backend keeps them (their ranges checked where the
// options were bound).
struct Ttls {
  explicit Ttls(const MemoryOptions& o)
      : pattern(millis(o.pattern_ttl)),
        attention(millis(o.attention_ttl)),
        spike(millis(o.spike_ttl)) {}
  static Millis millis(double s) {
    return std::chrono::round<Millis>(std::chrono::duration<double>(s));
  }
  Millis pattern, attention, spike;
};

// What every part of one backend shares: its name, TTLs and clock, the one
// lock, and whether it was closed. Each role keeps its own records.
class Shared {
 public:
  explicit Shared(const BackendContext& context)
      : name_(context.name),
        options_(kOptions.bind(context.options)),
        ttls_(options_),
        clock_(context.clock ? context.clock : system_clock()) {}

  const std::string& name() const noexcept { return name_; }
  const Ttls& ttls() const noexcept { return ttls_; }
  std::size_t recall_cache_bytes() const noexcept {
    return static_cast<std::size_t>(options_.recall_cache_bytes);
  }
  // The options now; set_options takes a live option's new value.
  // REQUIRES: the lock (for writing, to set).
  const MemoryOptions& options() const noexcept { return options_; }
  void set_options(const MemoryOptions& options) { options_ = options; }
  double now() const { return clock_->now(); }

  // The lock for a lookup, and for a change. Each throws StorageError
  // ("closed") once the backend is closed (engram/life_lock.h).
  std::shared_lock<std::shared_mutex> read() const { return life_.enter(); }
  std::unique_lock<std::shared_mutex> write() { return life_.enter_alone(); }
  LifeLock& life() noexcept { return life_; }

 private:
  const std::string name_;
  MemoryOptions options_;  // ranges checked; the TTLs are not live
  const Ttls ttls_;
  const std::shared_ptr<const Clock> clock_;
  LifeLock life_{name_};
};

}  // namespace engram::memory

#endif  // ENGRAM_PLUGINS_MEMORY_SHARED_STATE_H_
