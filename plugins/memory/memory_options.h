// plugins/memory/memory_options.h — the memory plugin's options: the
// working-memory TTLs, with the seed's RedisStorage defaults, recall's byte
// bound (recall_index.h), and the table
// that binds a backend's option map to them and gives the plugin's schema.
//
// Errors: binding throws ConfigError (unknown key, wrong type, a value
// outside its range), from the core's OptionTable.
//
// Thread safety: immutable after static initialisation.
#ifndef ENGRAM_PLUGINS_MEMORY_MEMORY_OPTIONS_H_
#define ENGRAM_PLUGINS_MEMORY_MEMORY_OPTIONS_H_

#include <cstdint>

#include "engram/embedding_matrix.h"
#include "engram/options.h"
#include "engram/ttl_limits.h"

namespace engram::memory {

// ---------------------------------------------------------------- options

// The working-memory TTLs, in seconds: the seed's RedisStorage values; the
// bytes recall keeps its matrices in (recall_index.h).
struct MemoryOptions {
  double pattern_ttl = kDefaultPatternTtl;
  double attention_ttl = kDefaultAttentionTtl;
  double spike_ttl = kDefaultSpikeTtl;
  std::int64_t recall_cache_bytes = static_cast<std::int64_t>(kDefaultRecallCacheBytes);
};

inline const auto kOptions =
    with_working_memory_ttls(OptionTable<MemoryOptions>())
        .add("recall_cache_bytes", &MemoryOptions::recall_cache_bytes,
             "bytes of embeddings recall keeps in a matrix per role (4 per float plus norm, id "
             "and filter columns per row); past it a recall scans the records; 0 never keeps one",
             at_least(0))
        .live();

}  // namespace engram::memory

#endif  // ENGRAM_PLUGINS_MEMORY_MEMORY_OPTIONS_H_
