// ConceptNameQuery (engram/concept_store.h): search_concepts' LIKE match.
#include "engram/concept_store.h"

namespace engram {
namespace {

// `text`'s code points, ASCII letters folded to lower case. REQUIRES: valid
// UTF-8.
std::u32string folded_code_points(std::string_view text) {
  std::u32string points;
  for (std::size_t i = 0; i < text.size();) {
    const auto lead = static_cast<unsigned char>(text[i]);
    const std::size_t length = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4;
    char32_t point = length == 1 ? lead : lead & (0x7Fu >> length);
    for (std::size_t k = 1; k < length && i + k < text.size(); ++k) {
      point = (point << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3Fu);
    }
    if (point >= U'A' && point <= U'Z') point += U'a' - U'A';
    points.push_back(point);
    i += length;
  }
  return points;
}

// SQL LIKE as SQLite runs it, without an escape character: '%' matches any
// run of characters, '_' exactly one, anything else itself. Greedy, going
// back to the last '%' on a mismatch.
bool like(std::u32string_view text, std::u32string_view pattern) {
  std::size_t t = 0, p = 0;
  std::size_t star = std::u32string_view::npos, resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == U'%') {
      star = p++;
      resume = t;
    } else if (p < pattern.size() && (pattern[p] == U'_' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (star != std::u32string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == U'%') ++p;
  return p == pattern.size();
}

}  // namespace

ConceptNameQuery::ConceptNameQuery(std::string_view query)
    : pattern_(U"%" + folded_code_points(query) + U"%") {}

bool ConceptNameQuery::matches(std::string_view name) const {
  return like(folded_code_points(name), pattern_);
}

}  // namespace engram
