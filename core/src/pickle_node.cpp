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

void corrupt(const std::string& where, const std::string& why) {
  throw CorruptData("pickle: " + why + " (" + where + ")");
}

void unsupported(const std::string& where, const std::string& why) {
  throw NotSupported("pickle: " + why + " (" + where + ")");
}

}  // namespace engram::pickle::detail
