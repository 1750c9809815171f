// engram::ConceptNameQuery: search_concepts' match as SQLite's LIKE runs it.
#include <catch2/catch.hpp>

#include "engram/concept_store.h"

using engram::ConceptNameQuery;

TEST_CASE("concept search: the query matches anywhere in the name, ASCII case-folded",
          "[concept_search]") {
  const ConceptNameQuery neuron("Neuron");
  CHECK(neuron.matches("neuron"));
  CHECK(neuron.matches("spiking NEURON model"));
  CHECK(neuron.matches("xneuronx"));
  CHECK_FALSE(neuron.matches("neuro"));
  CHECK_FALSE(neuron.matches("n-e-u-r-o-n"));
}

TEST_CASE("concept search: '%' matches any run and '_' one character", "[concept_search]") {
  CHECK(ConceptNameQuery("a%c").matches("abbbc"));
  CHECK(ConceptNameQuery("a%c").matches("ac"));
  CHECK(ConceptNameQuery("a_c").matches("abc"));
  CHECK_FALSE(ConceptNameQuery("a_c").matches("ac"));
  CHECK_FALSE(ConceptNameQuery("a_c").matches("abbc"));
  // '_' is one code point, not one byte.
  CHECK(ConceptNameQuery("a_c").matches("a\xc3\xa9" "c"));
  // Backtracking past a first, wrong place for the '%'.
  CHECK(ConceptNameQuery("ab%ab%b").matches("xxabyyabab"));
}

TEST_CASE("concept search: letters beyond ASCII match only exactly", "[concept_search]") {
  // SQLite folds ASCII only: É and é are different.
  CHECK(ConceptNameQuery("\xc3\xa9t\xc3\xa9").matches("\xc3\xa9t\xc3\xa9"));
  CHECK_FALSE(ConceptNameQuery("\xc3\x89t\xc3\xa9").matches("\xc3\xa9t\xc3\xa9"));
  CHECK(ConceptNameQuery("\xe6\x97\xa5").matches("\xe6\x97\xa5\xe6\x9c\xac"));
}
