#include "engram/array.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>

#include "engram/errors.h"

namespace engram {
namespace {

// `nbytes` bytes aligned for every dtype, in one allocation with their
// shared_ptr's control block (std::max_align_t elements). Zero-filled, or
// left uninitialized for a caller that overwrites them all at once (a copy:
// zero-filling first would write every byte twice).
using Block = std::max_align_t;
std::size_t blocks_for(std::size_t nbytes) { return (nbytes + sizeof(Block) - 1) / sizeof(Block); }
std::shared_ptr<void> allocate(std::size_t nbytes) {
  if (nbytes == 0) return nullptr;
  return std::make_shared<Block[]>(blocks_for(nbytes));
}
std::shared_ptr<void> allocate_for_overwrite(std::size_t nbytes) {
  if (nbytes == 0) return nullptr;
  return std::make_shared_for_overwrite<Block[]>(blocks_for(nbytes));
}

bool aligned_for(const void* data, DType dtype) noexcept {
  return reinterpret_cast<std::uintptr_t>(data) % dtype_alignment(dtype) == 0;
}

[[noreturn]] void throw_wrong_dtype(DType have, DType wanted) {
  throw InvalidArgument("array of dtype " + std::string(dtype_name(have)) +
                        " read as " + std::string(dtype_name(wanted)));
}

void check_size(DType dtype, const Shape& shape, const void* data, std::size_t nbytes) {
  const std::size_t expected = element_count(shape, dtype_size(dtype));
  if (nbytes != expected) {
    throw InvalidArgument("array of dtype " + std::string(dtype_name(dtype)) + " and shape " +
                          shape_string(shape) + " needs " + std::to_string(expected) +
                          " bytes, got " + std::to_string(nbytes));
  }
  if (data == nullptr && nbytes != 0) throw InvalidArgument("array data is null");
}

}  // namespace

std::size_t element_count(const Shape& shape, std::size_t element_size) {
  std::size_t count = element_size;
  for (std::size_t extent : shape) {
    if (extent != 0 && count > std::numeric_limits<std::size_t>::max() / extent) {
      throw InvalidArgument("array shape " + shape_string(shape) + " is too large");
    }
    count *= extent;
  }
  return count;
}

std::string shape_string(const Shape& shape) {
  std::string text = "(";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) text += ", ";
    text += std::to_string(shape[i]);
  }
  if (shape.size() == 1) text += ",";
  return text + ")";
}

// --- ArrayView ---

ArrayView::ArrayView(DType dtype, Shape shape, const void* data, std::size_t nbytes)
    : dtype_(dtype), shape_(std::move(shape)), data_(nbytes == 0 ? nullptr : data), nbytes_(nbytes) {
  check_size(dtype_, shape_, data, nbytes_);
}

void ArrayView::check_access(DType wanted) const {
  if (wanted != dtype_) throw_wrong_dtype(dtype_, wanted);
  if (!aligned_for(data_, dtype_)) {
    throw InvalidArgument("borrowed array data is not aligned for " +
                          std::string(dtype_name(dtype_)) + "; copy it into an Array");
  }
}

bool operator==(const ArrayView& a, const ArrayView& b) noexcept {
  return a.dtype() == b.dtype() && a.shape() == b.shape() && a.nbytes() == b.nbytes() &&
         (a.nbytes() == 0 || a.data() == b.data() ||
          std::memcmp(a.data(), b.data(), a.nbytes()) == 0);
}

// --- Array ---

Array::Array() = default;

Array::Array(DType dtype, Shape shape) : dtype_(dtype), shape_(std::move(shape)) {
  nbytes_ = element_count(shape_, dtype_size(dtype_));
  owner_ = allocate(nbytes_);
  data_ = owner_.get();
}

Array::Array(const std::vector<bool>& values) : Array(values, Shape{values.size()}) {}

Array::Array(const std::vector<bool>& values, Shape shape) : Array(DType::kBool, std::move(shape)) {
  if (size() != values.size()) {
    throw InvalidArgument("array shape " + shape_string(shape_) + " holds " +
                          std::to_string(size()) + " elements, got " +
                          std::to_string(values.size()));
  }
  auto* out = static_cast<bool*>(data_);
  for (std::size_t i = 0; i < values.size(); ++i) out[i] = values[i];
}

Array::Array(const ArrayView& view)
    : dtype_(view.dtype()), shape_(view.shape()), nbytes_(view.nbytes()) {
  owner_ = allocate_for_overwrite(nbytes_);
  data_ = owner_.get();
  if (nbytes_ != 0) std::memcpy(data_, view.data(), nbytes_);
}

Array Array::adopt(DType dtype, Shape shape, std::shared_ptr<void> owner, void* data,
                   std::size_t nbytes) {
  check_size(dtype, shape, data, nbytes);
  if (nbytes != 0 && !aligned_for(data, dtype)) {
    return Array(ArrayView(dtype, std::move(shape), data, nbytes));
  }
  Array array;
  array.dtype_ = dtype;
  array.shape_ = std::move(shape);
  array.nbytes_ = nbytes;
  if (nbytes != 0) {
    array.owner_ = std::move(owner);
    array.data_ = data;
  }
  return array;
}

// Not through view(): that would copy the shape once more. Shared bytes
// keep their anchor: it may be what keeps their owner's deleter loaded.
Array::Array(const Array& other)
    : dtype_(other.dtype_), shared_(other.shared_), shape_(other.shape_), nbytes_(other.nbytes_) {
  if (shared_) {
    anchor_ = other.anchor_;
    owner_ = other.owner_;
    data_ = other.data_;
    return;
  }
  owner_ = allocate_for_overwrite(nbytes_);
  data_ = owner_.get();
  if (nbytes_ != 0) std::memcpy(data_, other.data_, nbytes_);
}

Array& Array::operator=(const Array& other) {
  if (this != &other) *this = Array(other);
  return *this;
}

Array::Array(Array&& other) noexcept
    : dtype_(other.dtype_),
      shared_(other.shared_),
      shape_(std::move(other.shape_)),
      anchor_(std::move(other.anchor_)),
      owner_(std::move(other.owner_)),
      data_(other.data_),
      nbytes_(other.nbytes_) {
  other.reset();
}

Array& Array::operator=(Array&& other) noexcept {
  if (this != &other) {
    dtype_ = other.dtype_;
    shared_ = other.shared_;
    shape_ = std::move(other.shape_);
    // The old bytes go before the old anchor.
    owner_ = std::move(other.owner_);
    anchor_ = std::move(other.anchor_);
    data_ = other.data_;
    nbytes_ = other.nbytes_;
    other.reset();
  }
  return *this;
}

Array::~Array() = default;

void Array::reset() noexcept {
  dtype_ = DType::kFloat64;
  shared_ = false;
  shape_ = Shape{0};
  owner_.reset();
  anchor_.reset();
  data_ = nullptr;
  nbytes_ = 0;
}

void Array::keep_alive_with(std::shared_ptr<const void> anchor) {
  if (!owner_ || !anchor || anchor_ == anchor) return;  // an empty array holds no bytes
  if (!anchor_) {
    anchor_ = std::move(anchor);  // the usual case: one anchor, held in place
    return;
  }
  // A second anchor joins the bytes' owner: its deleter runs in the core,
  // whatever library made the old owner, and releases the bytes first.
  owner_ = std::shared_ptr<void>(
      data_, [inner = std::move(owner_), anchor = std::move(anchor)](void*) mutable {
        inner.reset();
        anchor.reset();
      });
}

// New bytes allocated in the core: the old owner goes, then its anchor.
void Array::unshare() {
  if (nbytes_ != 0) {
    std::shared_ptr<void> fresh = allocate_for_overwrite(nbytes_);
    std::memcpy(fresh.get(), data_, nbytes_);
    data_ = fresh.get();
    owner_ = std::move(fresh);
    anchor_.reset();
  }
  shared_ = false;
}

ArrayView Array::view() const { return ArrayView(dtype_, shape_, data_, nbytes_); }

void Array::check_access(DType wanted) const {
  if (wanted != dtype_) throw_wrong_dtype(dtype_, wanted);
}

}  // namespace engram
