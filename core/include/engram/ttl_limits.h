// engram/ttl_limits.h — the working-memory TTL options every backend of
// that role declares: pattern_ttl, attention_ttl and spike_ttl.
//
// Each is seconds from a millisecond (the unit records report their TTL in)
// to 1e12 s: about 31,700 years, "never" for a cache, and far from
// overflowing milliseconds; the range is also the most a record reports
// left. The defaults are the seed's RedisStorage values. A backend's options
// struct holds the three as doubles named so (with these defaults) and its
// table declares them with with_working_memory_ttls, so every backend names,
// documents and bounds them alike.
//
// Thread safety: constants and a pure function.
#ifndef ENGRAM_TTL_LIMITS_H_
#define ENGRAM_TTL_LIMITS_H_

#include "engram/options.h"

namespace engram {

inline constexpr double kMinTtlSeconds = 0.001;
inline constexpr double kMaxTtlSeconds = 1e12;

inline constexpr double kDefaultPatternTtl = 3600.0;
inline constexpr double kDefaultAttentionTtl = 600.0;
inline constexpr double kDefaultSpikeTtl = 300.0;

// `table` with the three TTL options added, in the range above.
// REQUIRES: Options has double members pattern_ttl, attention_ttl and
// spike_ttl.
template <class Options>
OptionTable<Options> with_working_memory_ttls(const OptionTable<Options>& table) {
  return table
      .add("pattern_ttl", &Options::pattern_ttl,
           "seconds a working-memory pattern lives after its store",
           in_range(kMinTtlSeconds, kMaxTtlSeconds))
      .add("attention_ttl", &Options::attention_ttl,
           "seconds attention weights live after their store",
           in_range(kMinTtlSeconds, kMaxTtlSeconds))
      .add("spike_ttl", &Options::spike_ttl,
           "seconds a cached spike train lives when cache_spike_train gives no ttl",
           in_range(kMinTtlSeconds, kMaxTtlSeconds));
}

}  // namespace engram

#endif  // ENGRAM_TTL_LIMITS_H_
