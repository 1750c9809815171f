// engram/pickle.h — reading Python pickles without running them: how engram
// reads the blobs the Python system stored (episodes' experience_data,
// concepts' embedding). engram never writes pickles.
//
// A closed-list decoder: it builds values only from plain data and numpy
// arrays, and never imports, looks up or calls anything.
//
// What it reads: protocols 2 to 5 (a pickle must start with PROTO 2..5; 0 and
// 1 are NotSupported). Values: None, bool, int (any size up to
// Limits::max_int_bytes bytes), float, complex, str, bytes, bytearray, list,
// tuple, dict, set, frozenset, numpy arrays and numpy scalars of engram's
// dtypes in either byte order ('<' '>' '=' '|') and C or Fortran order. The
// globals it recognises are exactly those CPython 3 with numpy 1.24 writes for
// these values at protocols 2-5, plus numpy 2's `numpy._core` spellings:
//   numpy.core.multiarray._reconstruct, numpy.ndarray, numpy.dtype,
//   numpy.core.multiarray.scalar, numpy.core.numeric._frombuffer,
//   _codecs.encode (bytes at protocol 2, 'latin1' only),
//   builtins / __builtin__ . complex, set, frozenset, bytearray, and
//   __builtin__.bytes (an empty bytes at protocol 2)
// (kGlobals below lists them). Each is only *recognised*: its construction is
// done here (an ndarray's and a dtype's __setstate__ through BUILD, with the
// state layouts numpy writes). BUILD is allowed only as that state-setting
// step of a reconstructed ndarray or a numpy.dtype.
//
// Errors, each naming what and where (byte offset, opcode, global):
//   NotSupported — any other global (GLOBAL or STACK_GLOBAL), a REDUCE of
//     anything but the list above, BUILD of anything but an ndarray or dtype,
//     INST, OBJ, NEWOBJ, NEWOBJ_EX, EXT1/2/4, PERSID, BINPERSID,
//     NEXT_BUFFER, READONLY_BUFFER (out-of-band buffers), protocol-0/1 text
//     opcodes, protocols other than 2-5, numpy dtypes engram lacks (object,
//     strings, records, float128, datetimes), ints longer than max_int_bytes,
//     a str holding a lone surrogate, a value that contains itself.
//   CorruptData — an unknown opcode, truncated input, a declared length
//     (BINUNICODE8, BINBYTES8, LONG4, FRAME, ...) longer than the bytes left
//     (refused before anything is allocated), stack or memo misuse, nesting
//     deeper than max_depth, a decoded value larger than max_output_bytes,
//     an array whose shape overflows or whose data has the wrong size,
//     malformed UTF-8, unhashable dict keys or set items, bytes after STOP.
//
// Memory: while decoding, the bytes the input's strs, bytes and arrays hold
// (each declared length checked against the input first) plus about 150
// bytes for each opcode read; then the decoded value, at most
// max_output_bytes (values the pickle shares by reference are counted each
// time they appear). Nothing is recursive but the final conversion, which
// max_depth bounds.
//
// What a value becomes: a top-level numpy array is an engram::Array (native
// byte order, C order, one copy). Anything else is an engram::Json, in this
// tagged form for what JSON lacks; it round-trips to an equal Python value of
// the same types (a big-endian array comes back little-endian with equal
// elements; tools/python/engram/tagged_json.py encodes and decodes the form):
//   None, bool, str             null, true/false, string
//   int                         number; beyond int64/uint64:
//                                 {"__engram__": "int", "value": "<decimal>"}
//   float                       number; NaN and infinities:
//                                 {"__engram__": "float", "value": "nan" | "inf" | "-inf"}
//   complex                     {"__engram__": "complex", "real": F, "imag": F}
//                                 (F a float as above)
//   list                        array
//   tuple                       {"__engram__": "tuple", "items": [...]}
//   set, frozenset              {"__engram__": "set" | "frozenset", "items": [...]}
//   bytes, bytearray            {"__engram__": "bytes" | "bytearray", "base64": "<RFC 4648>"}
//   dict of str keys            object (key order is not kept), unless a key
//                                 is "__engram__": then as below
//   any other dict              {"__engram__": "dict", "items": [[key, value], ...]}
//   numpy array                 {"__engram__": "ndarray", "dtype": "<numpy name>",
//                                 "shape": [...], "data": "<base64>"}
//   numpy scalar                {"__engram__": "scalar", "dtype": "<numpy name>",
//                                 "data": "<base64>"}
// The dtype is engram's (numpy's) name: "float32", "bool", "complex128"; the
// data is the elements' bytes, little-endian, C order. An object with the key
// "__engram__" is always a tag, so a plain dict never collides with one.
// Python equality of keys (1 == 1.0 == True) is not applied: duplicate keys
// and set items are merged only when their tagged forms are identical.
//
// Thread safety: stateless.
#ifndef ENGRAM_PICKLE_H_
#define ENGRAM_PICKLE_H_

#include <cstddef>
#include <span>
#include <string_view>
#include <variant>

#include "engram/array.h"
#include "engram/export.h"
#include "engram/json.h"

namespace engram::pickle {

struct Limits {
  // Containers nested deeper than this are CorruptData (CPython itself
  // cannot pickle values much deeper than its recursion limit, 1000).
  std::size_t max_depth = 1000;
  // An int whose two's-complement form is longer than this is NotSupported
  // (1024 bytes: about 2466 decimal digits; CPython's own int-to-str limit
  // is 4300).
  std::size_t max_int_bytes = 1024;
  // The decoded value's size (its bytes, plus 128 per item) above which the
  // input is CorruptData: shared references cannot blow it up.
  std::size_t max_output_bytes = std::size_t{1} << 30;
};

// A decoded pickle: an Array for a top-level numpy array, else tagged JSON.
using Value = std::variant<Array, Json>;

// The key that marks a tagged object.
inline constexpr std::string_view kTagKey = "__engram__";

// The globals recognised, "module name" as GLOBAL spells them.
inline constexpr std::string_view kGlobals[] = {
    "numpy.core.multiarray _reconstruct",
    "numpy._core.multiarray _reconstruct",
    "numpy.core.multiarray scalar",
    "numpy._core.multiarray scalar",
    "numpy.core.numeric _frombuffer",
    "numpy._core.numeric _frombuffer",
    "numpy ndarray",
    "numpy dtype",
    "_codecs encode",
    "builtins complex",
    "builtins set",
    "builtins frozenset",
    "builtins bytearray",
    "__builtin__ complex",
    "__builtin__ set",
    "__builtin__ frozenset",
    "__builtin__ bytearray",
    "__builtin__ bytes",
};

// Decodes a whole pickle (exactly: bytes after STOP are CorruptData). Throws
// CorruptData or NotSupported as above.
ENGRAM_API Value decode(std::span<const std::byte> bytes, const Limits& limits = {});

// The tagged form of an array (as it appears inside a container).
ENGRAM_API Json tagged_array(const ArrayView& array);

}  // namespace engram::pickle

#endif  // ENGRAM_PICKLE_H_
