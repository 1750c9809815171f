// tests/support/same_recall.h — the check that two recalls gave the same
// answer: the same hits (ids and bit-identical scores) in the same order and
// the same skipped count. Used wherever one backend is compared with another
// way of answering (its matrix, its streamed scan, another bound).
//
// Header only: it uses Catch2's assertions, which the including test links.
#ifndef ENGRAM_TESTS_SUPPORT_SAME_RECALL_H_
#define ENGRAM_TESTS_SUPPORT_SAME_RECALL_H_

#include <catch2/catch.hpp>
#include <cstddef>

#include "engram/recall.h"

namespace engram_test {

template <class Record>
void require_same_recall(const engram::Recall<Record>& a, const engram::Recall<Record>& b) {
  REQUIRE(a.hits.size() == b.hits.size());
  for (std::size_t i = 0; i < a.hits.size(); ++i) {
    INFO("hit " << i);
    CHECK(a.hits[i].record.id == b.hits[i].record.id);
    CHECK(a.hits[i].score == b.hits[i].score);
  }
  CHECK(a.skipped == b.skipped);
}

}  // namespace engram_test

#endif  // ENGRAM_TESTS_SUPPORT_SAME_RECALL_H_
