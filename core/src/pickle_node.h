// pickle_node.h — the values the pickle reader builds while it runs (internal
// to the core; engram/pickle.h is the contract).
//
// The opcode machine builds a graph of Nodes, as Python's unpickler builds
// objects: the memo and the stack hold pointers, so a list appended to after
// it was stored elsewhere is seen there too. Every Node lives in one Arena
// and edges are plain pointers, so nothing is destroyed recursively (a
// hostile pickle may nest a million deep) and the graph is turned into its
// value only at the end (pickle_tagged_json.h), with bounded depth.
//
// Errors: corrupt() and unsupported() throw CorruptData / NotSupported whose
// message is "pickle: <why> (<where>)", where is "<OPCODE> at byte <n>".
//
// Thread safety: an Arena and its Nodes belong to one decode() call.
#ifndef ENGRAM_CORE_SRC_PICKLE_NODE_H_
#define ENGRAM_CORE_SRC_PICKLE_NODE_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engram/array.h"
#include "engram/dtype.h"

namespace engram::pickle::detail {

enum class Kind : std::uint8_t {
  kNone,
  kBool,
  kInt,           // fits int64: `integer`
  kUInt,          // fits uint64 but not int64: `unsigned_integer`
  kBigInt,        // `text` is its decimal digits, with '-' when negative
  kFloat,         // `real`
  kComplex,       // `real`, `imag`
  kStr,           // `text`, valid UTF-8
  kBytes,         // `text`
  kByteArray,     // `text`
  kList,          // `items`
  kTuple,         // `items`
  kDict,          // `items`: key, value, key, value...
  kSet,           // `items`
  kFrozenSet,     // `items`
  kArray,         // `array`: a finished numpy array (native, C order)
  kScalar,        // `array`: a numpy scalar, as a 0-d array
  kDType,         // a numpy.dtype: `dtype`, `big_endian`
  kPendingArray,  // what _reconstruct returns, before BUILD gives its state
  kGlobal,        // a recognised global: `global`
};

// The globals of engram/pickle.h's kGlobals, by what they construct.
enum class Global : std::uint8_t {
  kReconstruct,   // numpy.core.multiarray._reconstruct
  kNdarray,       // numpy.ndarray (only as _reconstruct's first argument)
  kDType,         // numpy.dtype
  kScalar,        // numpy.core.multiarray.scalar
  kFromBuffer,    // numpy.core.numeric._frombuffer
  kCodecsEncode,  // _codecs.encode
  kComplex,
  kSet,
  kFrozenSet,
  kByteArray,
  kBytes,
};

struct Node {
  Kind kind = Kind::kNone;
  bool flag = false;               // kBool
  Global global = Global::kBytes;  // kGlobal
  DType dtype = DType::kFloat64;   // kDType
  bool big_endian = false;         // kDType
  std::uint8_t hashable = 0;       // 0 unknown, 1 yes, 2 no (a cache)
  bool on_path = false;            // set while converting: a cycle check
  std::int64_t integer = 0;
  std::uint64_t unsigned_integer = 0;
  double real = 0;
  double imag = 0;
  std::string text;
  std::vector<Node*> items;
  std::unique_ptr<Array> array;  // kArray, kScalar
};

// Owns every Node of one decode.
class Arena {
 public:
  Node* make(Kind kind) {
    Node& node = nodes_.emplace_back();
    node.kind = kind;
    return &node;
  }

 private:
  std::deque<Node> nodes_;
};

// "a list", "an int", ... for messages.
std::string_view kind_name(Kind kind) noexcept;

// Whether `node` could be a dict key or set item in Python (a tuple or
// frozenset of hashable items, or no container at all). Caches the answer
// in the node. Throws CorruptData when tuples nest deeper than `max_depth`.
bool hashable(Node& node, std::size_t max_depth, const std::string& where);

[[noreturn]] void corrupt(const std::string& where, const std::string& why);
[[noreturn]] void unsupported(const std::string& where, const std::string& why);

}  // namespace engram::pickle::detail

#endif  // ENGRAM_CORE_SRC_PICKLE_NODE_H_
