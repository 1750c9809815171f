// tests/support/random_vector.h — n standard-normal floats from `rng`: the
// embeddings and queries the recall tests store and ask with.
//
// Header only. Thread safety: as `rng`'s.
#ifndef ENGRAM_TESTS_SUPPORT_RANDOM_VECTOR_H_
#define ENGRAM_TESTS_SUPPORT_RANDOM_VECTOR_H_

#include <cstddef>
#include <random>
#include <vector>

namespace engram_test {

inline std::vector<float> random_vector(std::mt19937& rng, std::size_t n) {
  std::normal_distribution<float> normal;
  std::vector<float> v(n);
  for (float& x : v) x = normal(rng);
  return v;
}

}  // namespace engram_test

#endif  // ENGRAM_TESTS_SUPPORT_RANDOM_VECTOR_H_
