// plugins/memory/memory_options.h — the memory plugin's options: the
// working-memory TTLs, with the seed's RedisStorage defaults, and the table
// that binds a backend's option map to them and gives the plugin's schema.
//
// Errors: binding throws ConfigError (unknown key, wrong type, a value
// outside its range), from the core's OptionTable.
//
// Thread safety: immutable after static initialisation.
#ifndef ENGRAM_PLUGINS_MEMORY_MEMORY_OPTIONS_H_
#define ENGRAM_PLUGINS_MEMORY_MEMORY_OPTIONS_H_

#include "engram/options.h"
#include "engram/ttl_limits.h"

namespace engram::memory {

// ---------------------------------------------------------------- options

// The working-memory TTLs, in seconds: the seed's RedisStorage values.
struct MemoryOptions {
  double pattern_ttl = 3600.0;
  double attention_ttl = 600.0;
  double spike_ttl = 300.0;
};

inline const auto kOptions =
    OptionTable<MemoryOptions>()
        .add("pattern_ttl", &MemoryOptions::pattern_ttl,
             "seconds a working-memory pattern lives after its store",
             in_range(kMinTtlSeconds, kMaxTtlSeconds))
        .add("attention_ttl", &MemoryOptions::attention_ttl,
             "seconds attention weights live after their store",
             in_range(kMinTtlSeconds, kMaxTtlSeconds))
        .add("spike_ttl", &MemoryOptions::spike_ttl,
             "seconds a cached spike train lives when cache_spike_train gives no ttl",
             in_range(kMinTtlSeconds, kMaxTtlSeconds));

}  // namespace engram::memory

#endif  // ENGRAM_PLUGINS_MEMORY_MEMORY_OPTIONS_H_
