#include "pickle_globals.h"

#include <cstdint>

#include "pickle_numpy.h"

namespace engram::pickle::detail {
namespace {

// How deeply tuples in a set item may nest (the machine's own keys are
// bounded by Limits::max_depth; the conversion applies that bound again).
constexpr std::size_t kMaxKeyDepth = 1000;

struct Entry {
  std::string_view module;
  std::string_view name;
  Global global;
};

// What CPython 3 with numpy 1.24 writes at protocols 2-5 for the values of
// engram/pickle.h (protocol 2 spells builtins "__builtin__"), and numpy 2's
// numpy._core spellings. tests/core/pickle_interop_test.cpp derives this list
// from Python and compares.
constexpr Entry kEntries[] = {
    {"numpy.core.multiarray", "_reconstruct", Global::kReconstruct},
    {"numpy._core.multiarray", "_reconstruct", Global::kReconstruct},
    {"numpy.core.multiarray", "scalar", Global::kScalar},
    {"numpy._core.multiarray", "scalar", Global::kScalar},
    {"numpy.core.numeric", "_frombuffer", Global::kFromBuffer},
    {"numpy._core.numeric", "_frombuffer", Global::kFromBuffer},
    {"numpy", "ndarray", Global::kNdarray},
    {"numpy", "dtype", Global::kDType},
    {"_codecs", "encode", Global::kCodecsEncode},
    {"builtins", "complex", Global::kComplex},
    {"builtins", "set", Global::kSet},
    {"builtins", "frozenset", Global::kFrozenSet},
    {"builtins", "bytearray", Global::kByteArray},
    {"__builtin__", "complex", Global::kComplex},
    {"__builtin__", "set", Global::kSet},
    {"__builtin__", "frozenset", Global::kFrozenSet},
    {"__builtin__", "bytearray", Global::kByteArray},
    {"__builtin__", "bytes", Global::kBytes},
};

// Python's float(x) of an int or float argument.
double as_float(const Node& value, const std::string& where) {
  switch (value.kind) {
    case Kind::kFloat:
      return value.real;
    case Kind::kInt:
      return static_cast<double>(value.integer);
    case Kind::kUInt:
      return static_cast<double>(value.unsigned_integer);
    case Kind::kBool:
      return value.flag ? 1.0 : 0.0;
    default:
      unsupported(where, "complex() of " + std::string(kind_name(value.kind)));
  }
}

// str.encode('latin1'): every code point must be below 256.
std::string latin1(const std::string& utf8, const std::string& where) {
  std::string out;
  out.reserve(utf8.size());
  for (std::size_t i = 0; i < utf8.size();) {
    const auto lead = static_cast<unsigned char>(utf8[i]);
    if (lead < 0x80) {
      out.push_back(static_cast<char>(lead));
      ++i;
    } else if ((lead & 0xe0) == 0xc0 && i + 1 < utf8.size()) {
      const unsigned code =
          ((lead & 0x1fu) << 6) | (static_cast<unsigned char>(utf8[i + 1]) & 0x3fu);
      if (code > 0xff) corrupt(where, "_codecs.encode of a str beyond latin-1");
      out.push_back(static_cast<char>(code));
      i += 2;
    } else {
      corrupt(where, "_codecs.encode of a str beyond latin-1");
    }
  }
  return out;
}

void require_args(const Node& args, std::size_t low, std::size_t high, Global global,
                  const std::string& where) {
  if (args.items.size() < low || args.items.size() > high) {
    corrupt(where, std::string(global_name(global)) + " given " +
                       std::to_string(args.items.size()) + " arguments");
  }
}

Node* make_set(Arena& arena, Kind kind, const Node& args, Global global, const std::string& where) {
  require_args(args, 0, 1, global, where);
  Node* set = arena.make(kind);
  if (args.items.empty()) return set;
  const Node& source = *args.items[0];
  if (source.kind != Kind::kList && source.kind != Kind::kTuple) {
    unsupported(where,
                std::string(global_name(global)) + " of " + std::string(kind_name(source.kind)));
  }
  for (Node* item : source.items) {
    if (!hashable(*item, kMaxKeyDepth, where)) {
      corrupt(where, "a set item is unhashable (" + std::string(kind_name(item->kind)) + ")");
    }
  }
  set->items = source.items;
  return set;
}

}  // namespace

std::optional<Global> find_global(std::string_view module, std::string_view name) noexcept {
  for (const auto& entry : kEntries) {
    if (entry.module == module && entry.name == name) return entry.global;
  }
  return std::nullopt;
}

std::string_view global_name(Global global) noexcept {
  switch (global) {
    case Global::kReconstruct:
      return "numpy.core.multiarray._reconstruct";
    case Global::kNdarray:
      return "numpy.ndarray";
    case Global::kDType:
      return "numpy.dtype";
    case Global::kScalar:
      return "numpy.core.multiarray.scalar";
    case Global::kFromBuffer:
      return "numpy.core.numeric._frombuffer";
    case Global::kCodecsEncode:
      return "_codecs.encode";
    case Global::kComplex:
      return "builtins.complex";
    case Global::kSet:
      return "builtins.set";
    case Global::kFrozenSet:
      return "builtins.frozenset";
    case Global::kByteArray:
      return "builtins.bytearray";
    case Global::kBytes:
      return "builtins.bytes";
  }
  return "?";
}

Node* reduce(Arena& arena, const Node& callable, const Node& args, const std::string& where) {
  if (callable.kind != Kind::kGlobal) {
    unsupported(where, "REDUCE of " + std::string(kind_name(callable.kind)));
  }
  if (args.kind != Kind::kTuple) {
    corrupt(where, "REDUCE arguments are " + std::string(kind_name(args.kind)) + ", not a tuple");
  }
  const Global global = callable.global;
  switch (global) {
    case Global::kReconstruct:
      return make_pending_array(arena, args, where);
    case Global::kDType:
      return make_dtype(arena, args, where);
    case Global::kScalar:
      return make_scalar(arena, args, where);
    case Global::kFromBuffer:
      return make_from_buffer(arena, args, where);
    case Global::kNdarray:
      unsupported(where, "REDUCE of numpy.ndarray (only _reconstruct's argument)");
    case Global::kCodecsEncode: {
      require_args(args, 2, 2, global, where);
      const Node& text = *args.items[0];
      const Node& encoding = *args.items[1];
      if (text.kind != Kind::kStr || encoding.kind != Kind::kStr || encoding.text != "latin1") {
        unsupported(where, "_codecs.encode other than of a str to 'latin1'");
      }
      Node* bytes = arena.make(Kind::kBytes);
      bytes->text = latin1(text.text, where);
      return bytes;
    }
    case Global::kComplex: {
      require_args(args, 0, 2, global, where);
      Node* value = arena.make(Kind::kComplex);
      if (!args.items.empty()) value->real = as_float(*args.items[0], where);
      if (args.items.size() > 1) value->imag = as_float(*args.items[1], where);
      return value;
    }
    case Global::kSet:
      return make_set(arena, Kind::kSet, args, global, where);
    case Global::kFrozenSet:
      return make_set(arena, Kind::kFrozenSet, args, global, where);
    case Global::kByteArray: {
      require_args(args, 0, 1, global, where);
      Node* value = arena.make(Kind::kByteArray);
      if (args.items.empty()) return value;
      const Node& source = *args.items[0];
      if (source.kind != Kind::kBytes && source.kind != Kind::kByteArray) {
        unsupported(where, "bytearray() of " + std::string(kind_name(source.kind)));
      }
      value->text = source.text;
      return value;
    }
    case Global::kBytes:
      if (!args.items.empty()) unsupported(where, "bytes() with arguments");
      return arena.make(Kind::kBytes);
  }
  unsupported(where, "REDUCE of an unknown global");
}

}  // namespace engram::pickle::detail
