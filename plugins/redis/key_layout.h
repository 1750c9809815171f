// plugins/redis/key_layout.h — where the redis backend keeps its records:
// the names of its keys and of the sorted sets that index them.
//
// Keys, all under `key_prefix` (P), keep the seed's names after it:
//   P wm:<pattern_hash>          hash {pattern (.npy), timestamp, metadata
//                                (JSON), last_accessed (when set)}
//   P attention:<context>        hash {weights (.npy), timestamp}
//   P spikes:<ts>:<seq>          hash {spikes (.npy), neuron_ids (JSON list),
//                                timestamp, cached_at}; <ts> is the shortest
//                                exact text of the double, <seq> 20 zero-padded
//                                digits from INCR P spikes:seq
//   P spikes:index               sorted set: score timestamp, member the key
//                                without P ("spikes:<ts>:<seq>")
//   P index:wm, P index:attention sorted sets, score 0, member the hash or
//                                context: what listings page through
// The fields' encoding is record_encoding.h's; array values are
// engram/compressed_npy.h's. Every record, its expiry and its index entry
// are written in one MULTI/EXEC. Redis expires the records; index members
// whose key is gone are dropped lazily, each by a script that removes it
// only if the key is still missing. clear_all deletes the keys of the shapes
// record_patterns() gives and the two lex indexes, nothing else under P.
//
// Thread safety: immutable after construction.
#ifndef ENGRAM_PLUGINS_REDIS_KEY_LAYOUT_H_
#define ENGRAM_PLUGINS_REDIS_KEY_LAYOUT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace engram::redis {

// The kinds of record keys: what follows P, before the pattern hash or
// context, and what every spike-index member starts with.
inline constexpr std::string_view kPatternKind = "wm:";
inline constexpr std::string_view kAttentionKind = "attention:";
inline constexpr std::string_view kSpikePrefix = "spikes:";

class KeyLayout {
 public:
  // REQUIRES: `prefix` is not empty (settings_of checks key_prefix).
  explicit KeyLayout(std::string prefix);

  const std::string& prefix() const noexcept { return prefix_; }
  const std::string& pattern_index() const noexcept { return pattern_index_; }
  const std::string& attention_index() const noexcept { return attention_index_; }
  const std::string& spike_index() const noexcept { return spike_index_; }
  const std::string& spike_seq() const noexcept { return spike_seq_; }

  std::string pattern_key(std::string_view hash) const;
  std::string attention_key(std::string_view context) const;
  // The key of a lex-index member of `kind` (kPatternKind, kAttentionKind).
  std::string record_key(std::string_view kind, std::string_view member) const;
  // The key of a spike-index member: P + member.
  std::string spike_key(std::string_view member) const { return prefix_ + std::string(member); }
  // The keys of spike-index members, in order.
  std::vector<std::string> spike_keys(const std::vector<std::string>& members) const;

  // The spike-index member "spikes:<ts>:<seq>" of a train whose timestamp's
  // text is `ts` (number_text) and whose sequence number is `seq`.
  static std::string spike_member(std::string_view ts, std::int64_t seq);
  // The score of a spike-index member; nullopt when `member` is not one
  // spike_member could have made (a finite number and a sequence).
  static std::optional<double> spike_member_score(std::string_view member);

  // SCAN MATCH patterns for every record key (P wm:*, P attention:*,
  // P spikes:*, which takes the spike index and sequence too), with P's
  // glob characters escaped.
  std::vector<std::string> record_patterns() const;
  // The keys no pattern of record_patterns() matches: the lex indexes.
  std::vector<std::string> lex_indexes() const { return {pattern_index_, attention_index_}; }

 private:
  const std::string prefix_;
  const std::string pattern_index_;
  const std::string attention_index_;
  const std::string spike_index_;
  const std::string spike_seq_;
};

}  // namespace engram::redis

#endif  // ENGRAM_PLUGINS_REDIS_KEY_LAYOUT_H_
