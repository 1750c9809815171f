#include "engram/json.h"

#include <cmath>
#include <string>
#include <vector>

#include "engram/errors.h"
#include "engram/ids.h"

namespace engram {

const Json& empty_json_object() {
  static const Json empty = Json::object();
  return empty;
}

void check_json_object(const Json& value, std::string_view what) {
  if (!value.is_null() && !value.is_object()) {
    throw InvalidArgument(std::string(what) + " must be a JSON object, got " +
                          std::string(value.type_name()));
  }
  const auto check_string = [&](const std::string& text) {
    if (!is_valid_utf8(text)) {
      throw InvalidArgument(std::string(what) + " holds a string that is not valid UTF-8: '" +
                            printable(text) + "'");
    }
  };
  // Iterative walk: deeply nested input must not exhaust the stack. Scalars
  // are checked where they are met and only nested containers wait in
  // `pending`, so flat metadata (the usual kind) is checked without an
  // allocation.
  std::vector<const Json*> pending;
  const auto visit = [&](const Json& node) {
    if (node.is_number_float() && !std::isfinite(node.get<double>())) {
      throw InvalidArgument(std::string(what) +
                            " holds a non-finite number, which JSON cannot keep");
    }
    if (node.is_string()) check_string(node.get_ref<const std::string&>());
    if (node.is_structured() && !node.empty()) pending.push_back(&node);
  };
  // The containers themselves, not items() (whose iterators build key
  // strings for arrays) or Json's iterators.
  const auto visit_children = [&](const Json& node) {
    if (node.is_object()) {
      for (const auto& [key, child] : node.get_ref<const Json::object_t&>()) {
        check_string(key);
        visit(child);
      }
    } else if (node.is_array()) {
      for (const auto& child : node.get_ref<const Json::array_t&>()) visit(child);
    }
  };
  visit_children(value);
  while (!pending.empty()) {
    const Json* node = pending.back();
    pending.pop_back();
    visit_children(*node);
  }
}

}  // namespace engram
