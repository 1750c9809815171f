#include "pickle_numpy.h"

#include <algorithm>
#include <cstring>
#include <optional>
#include <string_view>
#include <utility>

#include "engram/errors.h"
#include "numpy_type_codes.h"

namespace engram::pickle::detail {
namespace {

const Node& arg(const Node& args, std::size_t index) { return *args.items[index]; }

void require_count(const Node& args, std::size_t low, std::size_t high, std::string_view what,
                   const std::string& where) {
  if (args.items.size() < low || args.items.size() > high) {
    corrupt(where,
            std::string(what) + " given " + std::to_string(args.items.size()) + " arguments");
  }
}

Shape shape_of(const Node& value, const std::string& where) {
  if (value.kind != Kind::kTuple && value.kind != Kind::kList) {
    corrupt(where, "an ndarray shape is " + std::string(kind_name(value.kind)));
  }
  Shape shape;
  shape.reserve(value.items.size());
  for (const Node* extent : value.items) {
    if (extent->kind == Kind::kInt && extent->integer >= 0) {
      shape.push_back(static_cast<std::size_t>(extent->integer));
    } else if (extent->kind == Kind::kUInt) {
      shape.push_back(static_cast<std::size_t>(extent->unsigned_integer));
    } else {
      corrupt(where, "an ndarray shape holds " + std::string(kind_name(extent->kind)) +
                         (extent->kind == Kind::kInt ? " below zero" : ""));
    }
  }
  return shape;
}

std::span<const std::byte> bytes_of(const Node& value) {
  return {reinterpret_cast<const std::byte*>(value.text.data()), value.text.size()};
}

void swap_elements(Array& array) {
  std::size_t width = dtype_size(array.dtype());
  if (array.dtype() == DType::kComplex64 || array.dtype() == DType::kComplex128) width /= 2;
  if (width == 1) return;
  const std::span<std::byte> bytes = array.mutable_bytes();
  for (std::size_t at = 0; at + width <= bytes.size(); at += width) {
    std::reverse(bytes.begin() + static_cast<std::ptrdiff_t>(at),
                 bytes.begin() + static_cast<std::ptrdiff_t>(at + width));
  }
}

// An Array from a pickled ndarray's parts; one copy (plus the reorder for
// Fortran order).
Array make_array(DType dtype, bool big_endian, Shape shape, bool fortran,
                 std::span<const std::byte> data, const std::string& where) {
  const std::size_t size = dtype_size(dtype);
  std::size_t expected = 0;
  try {
    expected = element_count(shape, size);
  } catch (const InvalidArgument&) {
    corrupt(where, "an ndarray of shape " + shape_string(shape) + " overflows");
  }
  if (data.size() != expected) {
    corrupt(where, "an ndarray of " + std::string(dtype_name(dtype)) + " and shape " +
                       shape_string(shape) + " holds " + std::to_string(data.size()) +
                       " bytes, not " + std::to_string(expected));
  }
  Array array(dtype, shape);
  std::byte* out = static_cast<std::byte*>(array.mutable_data());
  if (!fortran || shape.size() < 2 || expected == 0) {
    if (expected != 0) std::memcpy(out, data.data(), expected);
  } else {
    // Element (i0, ..., in-1) sits at sum(ik * stride_k) in Fortran order,
    // stride_0 = 1: walk the C-order indices as an odometer.
    const std::size_t ndim = shape.size();
    std::vector<std::size_t> stride(ndim, 1);
    for (std::size_t k = 1; k < ndim; ++k) stride[k] = stride[k - 1] * shape[k - 1];
    std::vector<std::size_t> index(ndim, 0);
    std::size_t source = 0;
    const std::size_t count = expected / size;
    for (std::size_t j = 0; j < count; ++j) {
      std::memcpy(out + j * size, data.data() + source * size, size);
      for (std::size_t k = ndim; k-- > 0;) {
        if (++index[k] < shape[k]) {
          source += stride[k];
          break;
        }
        source -= stride[k] * (shape[k] - 1);
        index[k] = 0;
      }
    }
  }
  if (big_endian) swap_elements(array);
  return array;
}

const Node& dtype_arg(const Node& value, std::string_view what, const std::string& where) {
  if (value.kind != Kind::kDType) {
    corrupt(where,
            std::string(what) + " given " + std::string(kind_name(value.kind)) + " for a dtype");
  }
  return value;
}

}  // namespace

Node* make_dtype(Arena& arena, const Node& args, const std::string& where) {
  require_count(args, 1, 3, "numpy.dtype", where);
  const Node& code = arg(args, 0);
  if (code.kind != Kind::kStr) {
    unsupported(where, "numpy.dtype of " + std::string(kind_name(code.kind)));
  }
  if (const auto parsed = engram::detail::parse_numpy_type_code(code.text)) {
    Node* dtype = arena.make(Kind::kDType);
    dtype->dtype = parsed->dtype;
    dtype->big_endian = parsed->big_endian;
    return dtype;
  }
  unsupported(where, "numpy dtype '" + code.text.substr(0, 64) + "' is not one of engram's");
}

Node* make_pending_array(Arena& arena, const Node& args, const std::string& where) {
  require_count(args, 3, 3, "_reconstruct", where);
  const Node& type = arg(args, 0);
  if (type.kind != Kind::kGlobal || type.global != Global::kNdarray) {
    unsupported(where,
                "_reconstruct of " + std::string(kind_name(type.kind)) + " (only numpy.ndarray)");
  }
  return arena.make(Kind::kPendingArray);
}

Node* make_scalar(Arena& arena, const Node& args, const std::string& where) {
  require_count(args, 2, 2, "numpy scalar", where);
  const Node& dtype = dtype_arg(arg(args, 0), "numpy scalar", where);
  const Node& data = arg(args, 1);
  if (data.kind != Kind::kBytes) {
    unsupported(where, "a numpy scalar of " + std::string(kind_name(data.kind)));
  }
  Node* scalar = arena.make(Kind::kScalar);
  scalar->array = std::make_unique<Array>(
      make_array(dtype.dtype, dtype.big_endian, Shape{}, false, bytes_of(data), where));
  return scalar;
}

Node* make_from_buffer(Arena& arena, const Node& args, const std::string& where) {
  require_count(args, 4, 4, "_frombuffer", where);
  const Node& buffer = arg(args, 0);
  if (buffer.kind != Kind::kBytes && buffer.kind != Kind::kByteArray) {
    corrupt(where, "_frombuffer of " + std::string(kind_name(buffer.kind)));
  }
  const Node& dtype = dtype_arg(arg(args, 1), "_frombuffer", where);
  Shape shape = shape_of(arg(args, 2), where);
  const Node& order = arg(args, 3);
  if (order.kind != Kind::kStr || (order.text != "C" && order.text != "F")) {
    corrupt(where, "_frombuffer's order is not 'C' or 'F'");
  }
  Node* array = arena.make(Kind::kArray);
  array->array = std::make_unique<Array>(make_array(dtype.dtype, dtype.big_endian, std::move(shape),
                                                    order.text == "F", bytes_of(buffer), where));
  return array;
}

void build(Node& target, const Node& state, const std::string& where) {
  if (target.kind == Kind::kDType) {
    // (version, byteorder, subarray, names, fields, elsize, alignment, flags
    // [, metadata]) for versions 3 and 4, as numpy 1.x and 2.x write.
    if (state.kind != Kind::kTuple || (state.items.size() != 8 && state.items.size() != 9)) {
      unsupported(where, "a numpy.dtype state of another layout");
    }
    const Node& version = arg(state, 0);
    if (version.kind != Kind::kInt || (version.integer != 3 && version.integer != 4)) {
      unsupported(where, "a numpy.dtype state of another version");
    }
    const Node& order = arg(state, 1);
    if (order.kind != Kind::kStr || order.text.size() != 1 ||
        std::string_view("<>|=").find(order.text[0]) == std::string_view::npos) {
      corrupt(where, "a numpy.dtype state's byte order is not '<', '>', '|' or '='");
    }
    for (std::size_t i = 2; i <= 4; ++i) {
      if (arg(state, i).kind != Kind::kNone) {
        unsupported(where, "a structured or subarray numpy.dtype");
      }
    }
    target.big_endian = order.text[0] == '>' && dtype_size(target.dtype) > 1;
    return;
  }
  if (target.kind == Kind::kPendingArray) {
    // (version, shape, dtype, is_fortran, data), or without the version.
    if (state.kind != Kind::kTuple || (state.items.size() != 5 && state.items.size() != 4)) {
      corrupt(where, "an ndarray state of another layout");
    }
    const std::size_t first = state.items.size() - 4;
    if (first == 1 && (arg(state, 0).kind != Kind::kInt || arg(state, 0).integer != 1)) {
      unsupported(where, "an ndarray state of another version");
    }
    Shape shape = shape_of(arg(state, first), where);
    const Node& dtype = dtype_arg(arg(state, first + 1), "an ndarray state", where);
    const Node& fortran = arg(state, first + 2);
    if (fortran.kind != Kind::kBool && fortran.kind != Kind::kInt) {
      corrupt(where, "an ndarray state's order flag is " + std::string(kind_name(fortran.kind)));
    }
    const Node& data = arg(state, first + 3);
    if (data.kind != Kind::kBytes) {
      unsupported(where, "an ndarray holding " + std::string(kind_name(data.kind)) +
                             " (object arrays are not read)");
    }
    const bool is_fortran = fortran.kind == Kind::kBool ? fortran.flag : fortran.integer != 0;
    target.array = std::make_unique<Array>(make_array(
        dtype.dtype, dtype.big_endian, std::move(shape), is_fortran, bytes_of(data), where));
    target.kind = Kind::kArray;
    return;
  }
  unsupported(where, "BUILD of " + std::string(kind_name(target.kind)) +
                         " (only of a numpy array or dtype)");
}

}  // namespace engram::pickle::detail
