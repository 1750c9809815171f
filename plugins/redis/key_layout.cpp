// plugins/redis/key_layout.cpp — see key_layout.h.
#include "key_layout.h"

#include <cmath>
#include <cstdio>
#include <utility>

#include "record_encoding.h"

namespace engram::redis {

KeyLayout::KeyLayout(std::string prefix)
    : prefix_(std::move(prefix)),
      pattern_index_(prefix_ + "index:wm"),
      attention_index_(prefix_ + "index:attention"),
      spike_index_(prefix_ + "spikes:index"),
      spike_seq_(prefix_ + "spikes:seq") {}

std::string KeyLayout::pattern_key(std::string_view hash) const {
  return record_key(kPatternKind, hash);
}

std::string KeyLayout::attention_key(std::string_view context) const {
  return record_key(kAttentionKind, context);
}

std::string KeyLayout::record_key(std::string_view kind, std::string_view member) const {
  return prefix_ + std::string(kind) + std::string(member);
}

std::vector<std::string> KeyLayout::spike_keys(const std::vector<std::string>& members) const {
  std::vector<std::string> keys;
  keys.reserve(members.size());
  for (const std::string& member : members) keys.push_back(prefix_ + member);
  return keys;
}

std::string KeyLayout::spike_member(std::string_view ts, std::int64_t seq) {
  char digits[32];
  std::snprintf(digits, sizeof digits, "%020lld", static_cast<long long>(seq));
  return std::string(kSpikePrefix) + std::string(ts) + ":" + digits;
}

std::optional<double> KeyLayout::spike_member_score(std::string_view member) {
  if (!member.starts_with(kSpikePrefix)) return std::nullopt;
  const std::size_t colon = member.rfind(':');
  if (colon <= kSpikePrefix.size()) return std::nullopt;
  double score = 0.0;
  std::uint64_t seq = 0;
  if (!parse_number(member.substr(kSpikePrefix.size(), colon - kSpikePrefix.size()), score) ||
      !std::isfinite(score) || !parse_number(member.substr(colon + 1), seq)) {
    return std::nullopt;
  }
  return score;
}

std::vector<std::string> KeyLayout::record_patterns() const {
  std::string escaped;
  for (const char ch : prefix_) {
    if (ch == '*' || ch == '?' || ch == '[' || ch == ']' || ch == '\\') escaped += '\\';
    escaped += ch;
  }
  std::vector<std::string> patterns;
  for (const std::string_view kind : {kPatternKind, kAttentionKind, kSpikePrefix}) {
    patterns.push_back(escaped + std::string(kind) + "*");
  }
  return patterns;
}

}  // namespace engram::redis
