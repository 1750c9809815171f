// record_digest.cpp — see record_digest.h.
#include "record_digest.h"

#include <cstdint>
#include <cstring>
#include <string_view>

#include "engram/dtype.h"

namespace engram::detail {

namespace {

// FNV-1a, 64 bits. Each field is framed (its length first) so that
// ("ab","c") and ("a","bc") differ.
class Digest {
 public:
  Digest& raw(const void* data, std::size_t size) {
    const auto* bytes = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < size; ++i) hash_ = (hash_ ^ bytes[i]) * 1099511628211ull;
    return *this;
  }
  Digest& text(std::string_view value) {
    const std::uint64_t size = value.size();
    raw(&size, sizeof size);
    return raw(value.data(), value.size());
  }
  // Large byte runs (arrays) 8 bytes a step: FNV-1a over 64-bit words, the
  // tail byte by byte, the length first.
  Digest& words(const void* data, std::size_t size) {
    const std::uint64_t length = size;
    raw(&length, sizeof length);
    const auto* bytes = static_cast<const unsigned char*>(data);
    std::size_t i = 0;
    for (; i + 8 <= size; i += 8) {
      std::uint64_t word;
      std::memcpy(&word, bytes + i, sizeof word);
      hash_ = (hash_ ^ word) * 1099511628211ull;
      hash_ ^= hash_ >> 29;
    }
    return raw(bytes + i, size - i);
  }
  Digest& number(double value) { return raw(&value, sizeof value); }
  Digest& integer(std::int64_t value) { return raw(&value, sizeof value); }
  Digest& json(const Json& value) { return text(value.dump()); }
  template <class ArrayT>
  Digest& array(const ArrayT& value) {
    text(dtype_name(value.dtype()));
    integer(static_cast<std::int64_t>(value.shape().size()));
    for (const auto d : value.shape()) integer(static_cast<std::int64_t>(d));
    return words(value.bytes().data(), value.bytes().size());
  }
  std::string hex() const {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out(16, '0');
    for (int i = 0; i < 16; ++i) out[15 - i] = kDigits[(hash_ >> (4 * i)) & 0xf];
    return out;
  }

 private:
  std::uint64_t hash_ = 1469598103934665603ull;
};

}  // namespace

std::string content_digest(const WorkingMemoryPattern& r) {
  Digest d;
  d.text(r.pattern_hash).array(r.pattern).number(r.timestamp).json(r.metadata);
  // Whether it was accessed, not when: backends keep that time at
  // different precisions.
  return d.integer(r.last_accessed ? 1 : 0).hex();
}

std::string content_digest(const CachedSpikeTrain& r) {
  Digest d;
  d.number(r.timestamp).array(r.spike_data).integer(static_cast<std::int64_t>(r.neuron_ids.size()));
  for (const auto id : r.neuron_ids) d.integer(id);
  return d.hex();
}

std::string content_digest(const AttentionWeights& r) {
  return Digest().text(r.context).array(r.weights).number(r.timestamp).hex();
}

std::string content_digest(const Episode& r) {
  Digest d;
  d.number(r.timestamp);
  if (const auto* array = std::get_if<Array>(&r.experience_data)) {
    d.integer(0).array(*array);
  } else {
    d.integer(1).json(std::get<Json>(r.experience_data));
  }
  return d.number(r.performance_score).text(r.context_hash).json(r.metadata).hex();
}

std::string content_digest(const LearningEvent& r) {
  return Digest()
      .text(r.task_type)
      .number(r.performance_delta)
      .text(r.strategy_used)
      .json(r.parameters)
      .number(r.timestamp)
      .hex();
}

std::string content_digest(const Concept& r) {
  return Digest()
      .text(r.name)
      .array(r.embedding)
      .number(r.creation_time)
      .integer(r.access_count)
      .number(r.last_accessed)
      .json(r.metadata)
      .hex();
}

std::string content_digest(const Relationship& r) {
  return Digest().integer(r.source_id).integer(r.target_id).text(r.type).number(r.strength).hex();
}

std::string content_digest(const NetworkSnapshot& r) {
  return Digest()
      .number(r.timestamp)
      .array(r.adjacency_matrix)
      .array(r.weight_matrix)
      .array(r.neuron_states)
      .json(r.metadata)
      .hex();
}

std::string content_digest(const SpikeTrainData& r) {
  Digest d;
  d.number(r.timestamp).array(r.spike_times).array(r.neuron_ids);
  d.integer(r.spike_amplitudes ? 1 : 0);
  if (r.spike_amplitudes) d.array(*r.spike_amplitudes);
  return d.json(r.metadata).hex();
}

std::string content_digest(const CompressedSpikeTrain& r) {
  return Digest().number(r.timestamp).array(r.spike_data).json(r.compression_params).hex();
}

std::string content_digest(const ReservoirStates& r) {
  return Digest().number(r.timestamp).array(r.reservoir_states).text(r.reservoir_id).hex();
}

std::string content_digest(const LayerOutputs& r) {
  Digest d;
  d.number(r.timestamp).integer(static_cast<std::int64_t>(r.layer_outputs.size()));
  for (const auto& [name, array] : r.layer_outputs) d.text(name).array(array);
  return d.hex();
}

std::string content_digest(const PlasticityTrace& r) {
  return Digest().number(r.timestamp).array(r.synapse_changes).text(r.plasticity_type).hex();
}

std::string content_digest(const HomeostaticTrace& r) {
  return Digest().number(r.timestamp).array(r.homeostatic_changes).text(r.mechanism).hex();
}

std::string content_digest(const PerformanceMetrics& r) {
  Digest d;
  d.number(r.timestamp).text(r.task_type).integer(static_cast<std::int64_t>(r.metrics.size()));
  for (const auto& [name, value] : r.metrics) d.text(name).number(value);
  return d.hex();
}

}  // namespace engram::detail
