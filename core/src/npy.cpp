#include "engram/npy.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <optional>
#include <string_view>
#include <system_error>
#include <utility>

#include "engram/errors.h"
#include "engram/ids.h"
#include "numpy_type_codes.h"

namespace engram::npy {
namespace {

// numpy aligns the data of every .npy it writes to this many bytes, which
// lets readers map or adopt the payload without copying.
constexpr std::size_t kAlignment = 64;
// numpy.lib.format.GROWTH_AXIS_MAX_DIGITS: the digits a dimension may grow to.
constexpr std::size_t kGrowthAxisMaxDigits = 21;
// Version 1.0 stores the header length as a uint16.
constexpr std::size_t kMaxVersion1Header = 0xffff;
// Deeper nesting than any dtype descriptor needs is refused so that hostile
// input cannot exhaust the stack.
constexpr int kMaxNesting = 32;

[[noreturn]] void corrupt(const std::string& why) { throw CorruptData("npy: " + why); }
[[noreturn]] void unsupported(const std::string& why) { throw NotSupported("npy: " + why); }

// --- dtype descriptors ---

std::string descr_of(DType dtype) { return detail::numpy_type_code(dtype); }

struct Descr {
  DType dtype;
  bool big_endian;
};

std::optional<Descr> parse_descr(std::string_view descr) {
  const auto code = detail::parse_numpy_type_code(descr);
  if (!code) return std::nullopt;
  return Descr{code->dtype, code->big_endian};
}

// --- the header dictionary ---

// A Python literal from the header, as far as .npy headers use them.
struct Value {
  enum class Kind { kString, kInt, kBool, kNone, kTuple, kList };
  Kind kind = Kind::kNone;
  std::string_view source;   // as written, for messages
  std::string_view text;     // a string's contents (escapes left as written), an int's digits
  bool negative = false;     // for kInt
  bool flag = false;         // for kBool
  std::vector<Value> items;  // for kTuple and kList
};

struct Entry {
  Value key;
  Value value;
};

// Recursive descent over the subset of Python's literal syntax numpy writes:
// a dict of str keys whose values are strs, ints, bools, None and
// tuples/lists of those. Anything else is malformed rather than guessed at.
class HeaderParser {
 public:
  explicit HeaderParser(std::string_view text) : text_(text) {}

  std::vector<Entry> parse_dict() {
    skip_space();
    expect('{', "the header does not start with '{'");
    std::vector<Entry> entries;
    skip_space();
    while (!take('}')) {
      Entry entry;
      entry.key = parse_value(1);
      if (entry.key.kind != Value::Kind::kString) fail("a key is not a string");
      skip_space();
      expect(':', "expected ':' after a key");
      entry.value = parse_value(1);
      entries.push_back(std::move(entry));
      skip_space();
      if (take(',')) {
        skip_space();
      } else if (peek() != '}') {
        fail("expected ',' or '}'");
      }
    }
    skip_space();
    if (pos_ != text_.size()) fail("unexpected text after the dictionary");
    return entries;
  }

 private:
  [[noreturn]] void fail(const std::string& why) const {
    corrupt("malformed header (" + why + " at offset " + std::to_string(pos_) +
            "): " + printable(text_));
  }

  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }

  bool take(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  void expect(char c, const char* why) {
    if (!take(c)) fail(why);
  }

  void skip_space() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f') break;
      ++pos_;
    }
  }

  static bool is_word_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  }

  Value parse_value(int depth) {
    if (depth > kMaxNesting) fail("values nested too deeply");
    skip_space();
    const std::size_t start = pos_;
    Value value;
    const char c = peek();
    if (c == '\'' || c == '"') {
      value = parse_string();
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      value = parse_int();
    } else if (c == '(') {
      ++pos_;
      value = parse_sequence(')', depth);
    } else if (c == '[') {
      ++pos_;
      value = parse_sequence(']', depth);
      value.kind = Value::Kind::kList;
    } else if (is_word_char(c)) {
      value = parse_word();
    } else {
      fail("expected a value");
    }
    // A parenthesised single value keeps the inner value's own source.
    if (value.source.empty()) value.source = text_.substr(start, pos_ - start);
    return value;
  }

  Value parse_string() {
    const char quote = text_[pos_++];
    const std::size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      // Python strings cannot span lines unless escaped.
      if (text_[pos_] == '\n') fail("unterminated string");
      // An escaped character never ends the string; escapes are not decoded
      // because no descriptor engram reads contains one.
      if (text_[pos_] == '\\') ++pos_;
      ++pos_;
    }
    if (pos_ >= text_.size()) fail("unterminated string");
    Value value;
    value.kind = Value::Kind::kString;
    value.text = text_.substr(start, pos_ - start);
    ++pos_;  // the closing quote
    return value;
  }

  Value parse_int() {
    Value value;
    value.kind = Value::Kind::kInt;
    value.negative = take('-');
    const std::size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') ++pos_;
    value.text = text_.substr(start, pos_ - start);
    if (value.text.empty()) fail("expected digits");
    // Python rejects "007" but accepts "000".
    if (value.text.size() > 1 && value.text.front() == '0' &&
        value.text.find_first_not_of('0') != std::string_view::npos) {
      fail("a number has a leading zero");
    }
    if (is_word_char(peek()) || peek() == '.') fail("not an integer");
    return value;
  }

  Value parse_word() {
    const std::size_t start = pos_;
    while (pos_ < text_.size() && is_word_char(text_[pos_])) ++pos_;
    const std::string_view word = text_.substr(start, pos_ - start);
    Value value;
    if (word == "True" || word == "False") {
      value.kind = Value::Kind::kBool;
      value.flag = word == "True";
    } else if (word == "None") {
      value.kind = Value::Kind::kNone;
    } else {
      pos_ = start;
      fail("unexpected word '" + std::string(word) + "'");
    }
    return value;
  }

  // After the opening bracket. As in Python, "(x)" is x itself, not a tuple.
  Value parse_sequence(char close, int depth) {
    Value value;
    value.kind = Value::Kind::kTuple;
    bool comma = false;
    skip_space();
    while (!take(close)) {
      value.items.push_back(parse_value(depth + 1));
      skip_space();
      if (take(',')) {
        comma = true;
        skip_space();
      } else if (peek() != close) {
        fail(std::string("expected ',' or '") + close + "'");
      }
    }
    if (close == ')' && value.items.size() == 1 && !comma) return std::move(value.items.front());
    return value;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

std::size_t parse_extent(const Value& value, const Value& shape) {
  if (value.kind != Value::Kind::kInt) {
    corrupt("shape is not a tuple of integers: " + printable(shape.source));
  }
  if (value.negative && value.text.find_first_not_of('0') != std::string_view::npos) {
    corrupt("shape has a negative dimension: " + printable(shape.source));
  }
  std::size_t extent = 0;
  for (char digit : value.text) {
    const auto d = static_cast<std::size_t>(digit - '0');
    if (extent > (std::numeric_limits<std::size_t>::max() - d) / 10) {
      corrupt("shape has a dimension too large for this platform: " + printable(shape.source));
    }
    extent = extent * 10 + d;
  }
  return extent;
}

void fill_from_dict(std::string_view text, Header& header) {
  const Value* descr = nullptr;
  const Value* fortran_order = nullptr;
  const Value* shape = nullptr;
  const std::vector<Entry> entries = HeaderParser(text).parse_dict();
  for (const Entry& entry : entries) {
    const std::string_view key = entry.key.text;
    const Value** slot = key == "descr"           ? &descr
                         : key == "fortran_order" ? &fortran_order
                         : key == "shape"         ? &shape
                                                  : nullptr;
    if (slot == nullptr) corrupt("header has an unexpected key '" + printable(key) + "'");
    if (*slot != nullptr) corrupt("header has the key '" + std::string(key) + "' twice");
    *slot = &entry.value;
  }
  for (const auto& [value, name] :
       {std::pair{descr, "descr"}, std::pair{fortran_order, "fortran_order"},
        std::pair{shape, "shape"}}) {
    if (value == nullptr) corrupt(std::string("header lacks the key '") + name + "'");
  }

  if (fortran_order->kind != Value::Kind::kBool) {
    corrupt("fortran_order is not True or False: " + printable(fortran_order->source));
  }
  header.fortran_order = fortran_order->flag;

  if (shape->kind != Value::Kind::kTuple) {
    corrupt("shape is not a tuple: " + printable(shape->source));
  }
  header.shape.clear();
  for (const Value& item : shape->items) header.shape.push_back(parse_extent(item, *shape));

  if (descr->kind == Value::Kind::kList) {
    unsupported("structured dtype " + printable(descr->source) + " is not supported");
  }
  if (descr->kind != Value::Kind::kString) {
    corrupt("descr is not a dtype descriptor: " + printable(descr->source));
  }
  const std::optional<Descr> parsed = parse_descr(descr->text);
  if (!parsed) unsupported("dtype '" + printable(descr->text) + "' is not supported");
  header.dtype = parsed->dtype;
  header.big_endian = parsed->big_endian;
}

std::size_t read_le(const unsigned char* bytes, std::size_t count) {
  std::size_t value = 0;
  for (std::size_t i = count; i-- > 0;) value = (value << 8) | bytes[i];
  return value;
}

// --- payload conversion ---

// Fortran and C order lay the elements out alike unless two axes have
// extents above one.
bool needs_reorder(const Header& header) {
  if (!header.fortran_order) return false;
  return std::count_if(header.shape.begin(), header.shape.end(),
                       [](std::size_t extent) { return extent > 1; }) > 1;
}

// Copies Fortran-ordered elements of `shape` (all extents above one, at
// least two axes) into C order. The first axis is contiguous in the input
// and the last in the output, so they are walked in tiles that stay in
// cache on both sides; the axes between are walked one index at a time.
template <std::size_t N>
void fortran_to_c(const std::byte* in, std::byte* out, const Shape& shape) {
  constexpr std::size_t kTile = 32;
  const std::size_t ndim = shape.size();
  std::vector<std::size_t> in_stride(ndim);
  std::vector<std::size_t> out_stride(ndim);
  in_stride[0] = 1;
  for (std::size_t k = 1; k < ndim; ++k) in_stride[k] = in_stride[k - 1] * shape[k - 1];
  out_stride[ndim - 1] = 1;
  for (std::size_t k = ndim - 1; k > 0; --k) out_stride[k - 1] = out_stride[k] * shape[k];

  const std::size_t rows = shape.front();
  const std::size_t cols = shape.back();
  const std::size_t col_in = in_stride[ndim - 1];
  const std::size_t row_out = out_stride[0];
  std::vector<std::size_t> index(ndim, 0);
  std::size_t in_base = 0;
  std::size_t out_base = 0;
  for (;;) {
    for (std::size_t r0 = 0; r0 < rows; r0 += kTile) {
      const std::size_t r1 = std::min(rows, r0 + kTile);
      for (std::size_t c0 = 0; c0 < cols; c0 += kTile) {
        const std::size_t c1 = std::min(cols, c0 + kTile);
        for (std::size_t c = c0; c < c1; ++c) {
          const std::byte* src = in + (in_base + c * col_in) * N;
          std::byte* dst = out + (out_base + c) * N;
          for (std::size_t r = r0; r < r1; ++r) std::memcpy(dst + r * row_out * N, src + r * N, N);
        }
      }
    }
    std::size_t k = 1;
    for (; k + 1 < ndim; ++k) {
      ++index[k];
      in_base += in_stride[k];
      out_base += out_stride[k];
      if (index[k] < shape[k]) break;
      in_base -= index[k] * in_stride[k];
      out_base -= index[k] * out_stride[k];
      index[k] = 0;
    }
    if (k + 1 >= ndim) return;
  }
}

void reorder(const std::byte* in, std::byte* out, const Shape& shape, std::size_t element_size) {
  Shape squeezed;
  for (std::size_t extent : shape) {
    if (extent > 1) squeezed.push_back(extent);
  }
  switch (element_size) {
    case 1:
      return fortran_to_c<1>(in, out, squeezed);
    case 2:
      return fortran_to_c<2>(in, out, squeezed);
    case 4:
      return fortran_to_c<4>(in, out, squeezed);
    case 8:
      return fortran_to_c<8>(in, out, squeezed);
    default:
      return fortran_to_c<16>(in, out, squeezed);
  }
}

template <class Unit>
void swap_units(std::byte* data, std::size_t nbytes) {
  for (std::size_t offset = 0; offset < nbytes; offset += sizeof(Unit)) {
    Unit unit;
    std::memcpy(&unit, data + offset, sizeof(Unit));
    if constexpr (sizeof(Unit) == 2) {
      unit = __builtin_bswap16(unit);
    } else if constexpr (sizeof(Unit) == 4) {
      unit = __builtin_bswap32(unit);
    } else {
      unit = __builtin_bswap64(unit);
    }
    std::memcpy(data + offset, &unit, sizeof(Unit));
  }
}

// Big-endian to native, in place. A complex number is two floats, each
// swapped on its own.
void to_native(std::byte* data, std::size_t nbytes, DType dtype) {
  const bool complex = dtype == DType::kComplex64 || dtype == DType::kComplex128;
  const std::size_t unit = complex ? dtype_size(dtype) / 2 : dtype_size(dtype);
  switch (unit) {
    case 2:
      return swap_units<std::uint16_t>(data, nbytes);
    case 4:
      return swap_units<std::uint32_t>(data, nbytes);
    case 8:
      return swap_units<std::uint64_t>(data, nbytes);
    default:
      return;
  }
}

void check_payload(const Header& header, std::size_t total) {
  const std::size_t got = total - header.data_offset;
  if (got < header.data_bytes) {
    corrupt("truncated: expected " + std::to_string(header.data_bytes) + " bytes of data, got " +
            std::to_string(got));
  }
  if (got > header.data_bytes) {
    corrupt(std::to_string(got - header.data_bytes) + " trailing bytes after the " +
            std::to_string(header.data_bytes) + " bytes of data");
  }
}

Array copy_payload(const Header& header, std::span<const std::byte> bytes) {
  Array array(header.dtype, header.shape);
  if (header.data_bytes == 0) return array;
  const std::byte* in = bytes.data() + header.data_offset;
  auto* out = static_cast<std::byte*>(array.mutable_data());
  if (needs_reorder(header)) {
    reorder(in, out, header.shape, dtype_size(header.dtype));
  } else {
    std::memcpy(out, in, header.data_bytes);
  }
  if (header.big_endian) to_native(out, header.data_bytes, header.dtype);
  return array;
}

// --- files ---

[[noreturn]] void throw_io_error(const std::string& what, const std::filesystem::path& path,
                                 int error) {
  if (error == 0) error = EIO;  // a failure that did not say why
  const std::string message =
      "npy: cannot " + what + " '" + path.string() + "': " + std::generic_category().message(error);
  if (error == EACCES || error == EPERM || error == EROFS) throw AccessDenied(message, {}, error);
  throw BackendError(message, {}, error);
}

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};
using File = std::unique_ptr<std::FILE, FileCloser>;

}  // namespace

std::string encode_header(const ArrayView& view) {
  std::string dict = "{'descr': '" + descr_of(view.dtype()) +
                     "', 'fortran_order': False, 'shape': " + shape_string(view.shape()) + ", }";
  // Byte for byte what numpy.save writes: numpy leaves room for the first
  // dimension to grow in place, then pads to the next multiple of 64 (a
  // whole 64 when already aligned).
  if (!view.shape().empty()) {
    dict.append(kGrowthAxisMaxDigits - std::to_string(view.shape()[0]).size(), ' ');
  }
  int major = 1;
  std::size_t length_size = 2;
  // The header ends in '\n' and is padded with spaces before it.
  auto header_length = [&] {
    const std::size_t unpadded = kMagic.size() + 2 + length_size + dict.size() + 1;
    return dict.size() + 1 + kAlignment - unpadded % kAlignment;
  };
  if (header_length() > kMaxVersion1Header) {
    major = 2;
    length_size = 4;
  }
  const std::size_t length = header_length();
  if (length > std::numeric_limits<std::uint32_t>::max()) {
    throw InvalidArgument("npy: array shape " + printable(shape_string(view.shape())) +
                          " has too many dimensions for a .npy header");
  }

  std::string out(kMagic);
  out += static_cast<char>(major);
  out += '\0';
  for (std::size_t i = 0; i < length_size; ++i) {
    out += static_cast<char>((length >> (8 * i)) & 0xff);
  }
  out += dict;
  out.append(length - dict.size() - 1, ' ');
  out += '\n';
  return out;
}

std::vector<std::byte> encode(const ArrayView& view) {
  const std::string header = encode_header(view);
  std::vector<std::byte> out;
  out.reserve(header.size() + view.nbytes());
  const auto* header_bytes = reinterpret_cast<const std::byte*>(header.data());
  out.insert(out.end(), header_bytes, header_bytes + header.size());
  out.insert(out.end(), view.bytes().begin(), view.bytes().end());
  return out;
}

Header parse_header(std::span<const std::byte> bytes) {
  const std::size_t size = bytes.size();
  const auto* raw = reinterpret_cast<const unsigned char*>(bytes.data());
  if (size == 0) corrupt("no bytes to decode (not a .npy)");
  if (std::memcmp(raw, kMagic.data(), std::min(size, kMagic.size())) != 0) {
    corrupt("missing the magic string \\x93NUMPY (not a .npy)");
  }
  if (size < kMagic.size() + 2) {
    corrupt("truncated preamble: " + std::to_string(size) + " bytes, too short for the version");
  }

  Header header;
  const unsigned major = raw[kMagic.size()];
  const unsigned minor = raw[kMagic.size() + 1];
  if (major < 1 || major > 3 || minor != 0) {
    unsupported("format version " + std::to_string(major) + "." + std::to_string(minor) +
                " is not supported (1.0, 2.0 and 3.0 are)");
  }
  header.major_version = static_cast<int>(major);

  const std::size_t length_size = major == 1 ? 2 : 4;
  const std::size_t prefix = kMagic.size() + 2 + length_size;
  if (size < prefix) {
    corrupt("truncated preamble: " + std::to_string(size) +
            " bytes, too short for the header length");
  }
  const std::size_t length = read_le(raw + prefix - length_size, length_size);
  header.data_offset = prefix + length;
  if (size < header.data_offset) {
    corrupt("truncated preamble: the header needs " + std::to_string(header.data_offset) +
            " bytes, got " + std::to_string(size));
  }

  const std::string_view text(reinterpret_cast<const char*>(raw + prefix), length);
  if (text.empty() || text.back() != '\n') corrupt("header is not terminated by a newline");
  // Versions 1.0 and 2.0 are latin1, where every byte is a character; 3.0
  // is UTF-8 and must be well formed.
  if (major == 3 && !is_valid_utf8(text)) corrupt("version 3.0 header is not valid UTF-8");
  fill_from_dict(text, header);

  try {
    header.data_bytes = element_count(header.shape, dtype_size(header.dtype));
  } catch (const InvalidArgument&) {
    corrupt("shape " + printable(shape_string(header.shape)) + " is too large for this platform");
  }
  return header;
}

Array decode(std::span<const std::byte> bytes) {
  const Header header = parse_header(bytes);
  check_payload(header, bytes.size());
  return copy_payload(header, bytes);
}

Array decode(const Header& header, std::span<const std::byte> bytes) {
  check_payload(header, bytes.size());
  return copy_payload(header, bytes);
}

Array decode(std::vector<std::byte>&& bytes) {
  const Header header = parse_header(bytes);
  check_payload(header, bytes.size());
  const auto address = reinterpret_cast<std::uintptr_t>(bytes.data() + header.data_offset);
  const bool adoptable = header.data_bytes != 0 && !header.big_endian && !needs_reorder(header) &&
                         address % dtype_alignment(header.dtype) == 0;
  if (!adoptable) return copy_payload(header, bytes);
  // Moving the vector keeps its buffer, so the address computed above stays valid.
  auto owner = std::make_shared<std::vector<std::byte>>(std::move(bytes));
  std::byte* data = owner->data() + header.data_offset;
  return Array::adopt(header.dtype, header.shape, std::move(owner), data, header.data_bytes);
}

void save(const std::filesystem::path& path, const ArrayView& view) {
  const std::string header = encode_header(view);
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) throw_io_error("open for writing", path, errno);
  // Header and data are written separately so that the data is not copied.
  const bool written =
      std::fwrite(header.data(), 1, header.size(), file) == header.size() &&
      (view.nbytes() == 0 || std::fwrite(view.data(), 1, view.nbytes(), file) == view.nbytes()) &&
      std::fflush(file) == 0;
  const int write_error = errno;
  if (!written) {
    std::fclose(file);
    throw_io_error("write", path, write_error);
  }
  if (std::fclose(file) != 0) throw_io_error("write", path, errno);
}

Array load(const std::filesystem::path& path) {
  File file(std::fopen(path.c_str(), "rb"));
  if (!file) throw_io_error("open for reading", path, errno);
  // The size is only a hint (the file may change, or not be a regular file):
  // reading goes on until end of file. One spare byte lets the first read
  // see the end without growing the buffer.
  std::error_code size_error;
  const std::uintmax_t hint = std::filesystem::file_size(path, size_error);
  std::vector<std::byte> bytes(size_error || hint >= std::numeric_limits<std::size_t>::max()
                                   ? std::size_t{1} << 16
                                   : static_cast<std::size_t>(hint) + 1);
  std::size_t used = 0;
  for (;;) {
    if (used == bytes.size()) bytes.resize(bytes.size() * 2);
    const std::size_t wanted = bytes.size() - used;
    const std::size_t got = std::fread(bytes.data() + used, 1, wanted, file.get());
    used += got;
    if (got < wanted) {
      if (std::ferror(file.get())) throw_io_error("read", path, errno);
      break;
    }
  }
  file.reset();
  bytes.resize(used);
  return decode(std::move(bytes));
}

}  // namespace engram::npy
