// The seed's layout of the traces file (seed_layout.h).
#include "seed_layout.h"

#include "attributes.h"

namespace engram::hdf5 {

std::span<const char* const> groups_of(TraceKind kind) noexcept {
  static constexpr const char* kSnapshots[] = {kTopology, kWeights, kNeuronStates};
  static constexpr const char* kTrains[] = {kRawTrains};
  static constexpr const char* kCompressedTrains[] = {kCompressed};
  static constexpr const char* kReservoirStates[] = {kReservoirs};
  static constexpr const char* kOutputs[] = {kLayerOutputs};
  static constexpr const char* kPlasticityTraces[] = {kPlasticity};
  static constexpr const char* kHomeostaticTraces[] = {kHomeostatic};
  static constexpr const char* kMetrics[] = {kPerformance};
  switch (kind) {
    case TraceKind::kNetworkSnapshot:
      return kSnapshots;
    case TraceKind::kSpikeTrain:
      return kTrains;
    case TraceKind::kCompressedSpikeTrain:
      return kCompressedTrains;
    case TraceKind::kReservoirStates:
      return kReservoirStates;
    case TraceKind::kLayerOutputs:
      return kOutputs;
    case TraceKind::kPlasticityTrace:
      return kPlasticityTraces;
    case TraceKind::kHomeostaticTrace:
      return kHomeostaticTraces;
    case TraceKind::kPerformanceMetrics:
      return kMetrics;
  }
  return {};
}

void write_file_attributes(const Attributes& root, double created_at,
                           const std::string& compression, std::int64_t chunk_size) {
  root.put_double("created_at", created_at);
  root.put_string("version", "1.0");
  root.put_string("compression", compression);
  root.put_int("chunk_size", chunk_size);
}

}  // namespace engram::hdf5
