// engram/ttl_limits.h — the range of a working-memory TTL option.
//
// A backend's pattern_ttl, attention_ttl and spike_ttl options are seconds
// from a millisecond (the unit records report their TTL in) to 1e12 s:
// about 31,700 years, "never" for a cache, and far from overflowing
// milliseconds. Declared with each option as in_range(kMinTtlSeconds,
// kMaxTtlSeconds) (engram/options.h), and the most a record reports left.
//
// Thread safety: constants.
#ifndef ENGRAM_TTL_LIMITS_H_
#define ENGRAM_TTL_LIMITS_H_

namespace engram {

inline constexpr double kMinTtlSeconds = 0.001;
inline constexpr double kMaxTtlSeconds = 1e12;

}  // namespace engram

#endif  // ENGRAM_TTL_LIMITS_H_
