#include "pickle_node.h"

#include "engram/errors.h"

namespace engram::pickle::detail {

std::string_view kind_name(Kind kind) noexcept {
  switch (kind) {
    case Kind::kNone:
      return "None";
    case Kind::kBool:
      return "a bool";
    case Kind::kInt:
    case Kind::kUInt:
    case Kind::kBigInt:
      return "an int";
    case Kind::kFloat:
      return "a float";
    case Kind::kComplex:
      return "a complex";
    case Kind::kStr:
      return "a str";
    case Kind::kBytes:
      return "bytes";
    case Kind::kByteArray:
      return "a bytearray";
    case Kind::kList:
      return "a list";
    case Kind::kTuple:
      return "a tuple";
    case Kind::kDict:
      return "a dict";
    case Kind::kSet:
      return "a set";
    case Kind::kFrozenSet:
      return "a frozenset";
    case Kind::kArray:
      return "a numpy array";
    case Kind::kScalar:
      return "a numpy scalar";
    case Kind::kDType:
      return "a numpy.dtype";
    case Kind::kPendingArray:
      return "an unbuilt numpy array";
    case Kind::kGlobal:
      return "a global";
  }
  return "?";
}

namespace {

bool hashable_at(Node& node, std::size_t depth, std::size_t max_depth, const std::string& where) {
  if (node.hashable != 0) return node.hashable == 1;
  if (depth > max_depth) corrupt(where, "a key nested too deeply");
  bool result = true;
  switch (node.kind) {
    case Kind::kList:
    case Kind::kDict:
    case Kind::kSet:
    case Kind::kByteArray:
    case Kind::kArray:
    case Kind::kPendingArray:
      result = false;
      break;
    case Kind::kTuple:
    case Kind::kFrozenSet:
      for (Node* item : node.items) {
        if (!hashable_at(*item, depth + 1, max_depth, where)) {
          result = false;
          break;
        }
      }
      break;
    default:
      break;
  }
  // A tuple's items are fixed, so its answer never changes.
  node.hashable = result ? 1 : 2;
  return result;
}

}  // namespace

bool hashable(Node& node, std::size_t max_depth, const std::string& where) {
  return hashable_at(node, 0, max_depth, where);
}

void corrupt(const std::string& where, const std::string& why) {
  throw CorruptData("pickle: " + why + " (" + where + ")");
}

void unsupported(const std::string& where, const std::string& why) {
  throw NotSupported("pickle: " + why + " (" + where + ")");
}

}  // namespace engram::pickle::detail
