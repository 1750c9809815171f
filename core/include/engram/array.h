// engram/array.h — n-dimensional array values: Array (owning) and ArrayView
// (borrowed).
//
// An array is a dtype, a shape and the elements' bytes in C (row-major) order,
// native byte order. A shape of {} is a 0-d array holding one element; a shape
// with a zero extent ({0}, {3, 0}) is an empty array holding none. Both are
// values like any other and round-trip through every backend.
//
// ArrayView borrows: it never owns or copies the bytes, and the caller keeps
// them alive and unchanged while the view is used (stores read from it and
// return before the call does). Array owns its bytes; copying an Array copies
// them, moving it does not. Arrays returned by engram are Arrays.
//
// An array marked share_on_copy() (the records a backend keeps in memory:
// engram/owned_records.h) is copied without its bytes: the copies share
// them, read-only — the first write access (mutable_data, mutable_bytes,
// mutable_values) of any of them copies the bytes into its own first. So
// an Array still behaves as a value (no array sees another's writes) and a
// retrieve from memory makes no copy at all until somebody writes.
//
// Thread safety: const methods may be called from several threads at once;
// mutating an Array needs exclusive access, as for any standard container.
// Arrays sharing bytes may be used from different threads each.
#ifndef ENGRAM_ARRAY_H_
#define ENGRAM_ARRAY_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "engram/dtype.h"
#include "engram/export.h"
#include "engram/shape.h"

namespace engram {

// Number of elements of `shape` (1 for {}). Throws InvalidArgument when the
// product, or product × `element_size`, overflows size_t.
ENGRAM_API std::size_t element_count(const Shape& shape, std::size_t element_size = 1);
// "(100, 50)", "()", "(7,)": numpy's spelling, for messages.
ENGRAM_API std::string shape_string(const Shape& shape);

class ENGRAM_API ArrayView {
 public:
  // An empty float64 array of shape {0}.
  ArrayView() = default;

  // Views `nbytes` bytes at `data` as `dtype` with `shape`. `data` may be
  // null only when nbytes == 0. Throws InvalidArgument when nbytes is not
  // element_count(shape) × dtype_size(dtype).
  ArrayView(DType dtype, Shape shape, const void* data, std::size_t nbytes);

  // A 1-d view of `values`.
  template <Element T>
  ArrayView(std::span<const T> values)  // NOLINT: implicit by design
      : ArrayView(dtype_of<T>, Shape{values.size()}, values.data(), values.size_bytes()) {}
  template <Element T>
  ArrayView(const std::vector<T>& values)  // NOLINT: implicit by design
      : ArrayView(std::span<const T>(values)) {}
  // `values` seen with `shape`. Throws InvalidArgument when the shape's
  // element count differs from values.size().
  template <Element T>
  ArrayView(std::span<const T> values, Shape shape)
      : ArrayView(dtype_of<T>, std::move(shape), values.data(), values.size_bytes()) {}
  template <Element T>
  ArrayView(const std::vector<T>& values, Shape shape)
      : ArrayView(std::span<const T>(values), std::move(shape)) {}
  // std::vector<bool> packs bits and cannot be viewed: build an Array from it.
  ArrayView(const std::vector<bool>&) = delete;

  // A 0-d view of one element.
  template <Element T>
  static ArrayView scalar(const T& value) {
    return ArrayView(dtype_of<T>, Shape{}, &value, sizeof(T));
  }

  DType dtype() const noexcept { return dtype_; }
  const Shape& shape() const noexcept { return shape_; }
  std::size_t ndim() const noexcept { return shape_.size(); }
  // Number of elements.
  std::size_t size() const noexcept { return nbytes_ / dtype_size(dtype_); }
  std::size_t nbytes() const noexcept { return nbytes_; }
  bool empty() const noexcept { return nbytes_ == 0; }
  // Null only when nbytes() == 0.
  const void* data() const noexcept { return data_; }
  std::span<const std::byte> bytes() const noexcept {
    return {static_cast<const std::byte*>(data_), nbytes_};
  }

  // The elements as T. Throws InvalidArgument when T is not the dtype, or
  // when the borrowed bytes are not aligned for T.
  template <Element T>
  std::span<const T> values() const {
    check_access(dtype_of<T>);
    return {static_cast<const T*>(data_), size()};
  }

 private:
  void check_access(DType wanted) const;

  DType dtype_ = DType::kFloat64;
  Shape shape_{0};
  const void* data_ = nullptr;
  std::size_t nbytes_ = 0;
};

// Same dtype, same shape, same bytes.
ENGRAM_API bool operator==(const ArrayView& a, const ArrayView& b) noexcept;

class ENGRAM_API Array {
 public:
  // An empty float64 array of shape {0}.
  Array();
  // A zero-filled array. Throws InvalidArgument when the size overflows.
  Array(DType dtype, Shape shape);

  // Takes `values` over without copying. A 1-d array unless `shape` is given;
  // throws InvalidArgument when the shape's element count differs.
  template <Element T>
    requires(!std::is_same_v<T, bool>)
  explicit Array(std::vector<T>&& values) : Array(std::move(values), Shape{}, false) {}
  template <Element T>
    requires(!std::is_same_v<T, bool>)
  Array(std::vector<T>&& values, Shape shape) : Array(std::move(values), std::move(shape), true) {}
  // std::vector<bool> is bit-packed: its values are copied, one byte each.
  explicit Array(const std::vector<bool>& values);
  Array(const std::vector<bool>& values, Shape shape);

  // A copy of the viewed bytes (one copy).
  explicit Array(const ArrayView& view);
  // A copy of `values` (one copy), 1-d or with `shape`.
  template <Element T>
  static Array copy_of(std::span<const T> values) {
    return Array(ArrayView(values));
  }
  template <Element T>
  static Array copy_of(std::span<const T> values, Shape shape) {
    return Array(ArrayView(values, std::move(shape)));
  }

  // An array over `nbytes` bytes at `data` that `owner` keeps alive: no copy.
  // For decoders and backends that already hold the bytes (a decoded blob, a
  // buffer a C library filled). When `data` is not aligned for `dtype` the
  // bytes are copied once into aligned memory and `owner` is released.
  // Throws InvalidArgument as ArrayView's constructor does.
  static Array adopt(DType dtype, Shape shape, std::shared_ptr<void> owner, void* data,
                     std::size_t nbytes);

  // A 0-d array holding `value`.
  template <Element T>
  static Array scalar(const T& value) {
    return Array(ArrayView::scalar(value));
  }

  Array(const Array& other);
  Array& operator=(const Array& other);
  Array(Array&& other) noexcept;
  Array& operator=(Array&& other) noexcept;
  ~Array();

  DType dtype() const noexcept { return dtype_; }
  const Shape& shape() const noexcept { return shape_; }
  std::size_t ndim() const noexcept { return shape_.size(); }
  std::size_t size() const noexcept { return nbytes_ / dtype_size(dtype_); }
  std::size_t nbytes() const noexcept { return nbytes_; }
  bool empty() const noexcept { return nbytes_ == 0; }
  const void* data() const noexcept { return data_; }
  std::span<const std::byte> bytes() const noexcept {
    return {static_cast<const std::byte*>(data_), nbytes_};
  }
  // Write access: bytes this array alone holds (shared ones are copied
  // first, which may throw std::bad_alloc).
  void* mutable_data() {
    if (shared_) unshare();
    return data_;
  }
  std::span<std::byte> mutable_bytes() {
    if (shared_) unshare();
    return {static_cast<std::byte*>(data_), nbytes_};
  }

  // The elements as T. Throws InvalidArgument when T is not the dtype.
  template <Element T>
  std::span<const T> values() const {
    check_access(dtype_of<T>);
    return {static_cast<const T*>(data_), size()};
  }
  template <Element T>
  std::span<T> mutable_values() {
    check_access(dtype_of<T>);
    if (shared_) unshare();
    return {static_cast<T*>(data_), size()};
  }

  // From now on a copy of this array shares its bytes instead of copying
  // them (and so do copies of copies), and a write access of any of them
  // copies first. For a holder that keeps arrays unchanged and hands out
  // copies. REQUIRES: no pointer from an earlier write access is written
  // through afterwards.
  void share_on_copy() noexcept { shared_ = true; }
  // Whether copies share this array's bytes (share_on_copy()).
  bool shares_on_copy() const noexcept { return shared_; }

  // Ties the bytes' lifetime to `anchor` too: both are released together,
  // the bytes first; a move carries the anchor, a copy with new bytes does
  // not (one sharing them does).
  // The core anchors arrays a plugin made to the plugin's library, so they
  // stay valid after the plugin's objects are gone. Nothing happens for an
  // empty array (it holds no bytes) or a null anchor.
  void keep_alive_with(std::shared_ptr<const void> anchor);

  // A view of this array's bytes, valid while the array lives unchanged.
  ArrayView view() const;
  operator ArrayView() const { return view(); }  // NOLINT: implicit

  // Same dtype, same shape, same bytes.
  friend bool operator==(const Array& a, const Array& b) {
    return a.view() == b.view();
  }

 private:
  template <Element T>
  Array(std::vector<T>&& values, Shape shape, bool shaped) {
    if (!shaped) shape = Shape{values.size()};
    auto holder = std::make_shared<std::vector<T>>(std::move(values));
    void* data = holder->data();
    const std::size_t nbytes = holder->size() * sizeof(T);
    *this = adopt(dtype_of<T>, std::move(shape), std::move(holder), data, nbytes);
  }
  void check_access(DType wanted) const;
  void reset() noexcept;  // to the empty array; what a move leaves behind
  void unshare();         // own copy of shared bytes

  DType dtype_ = DType::kFloat64;
  bool shared_ = false;  // share_on_copy()
  Shape shape_{0};
  // keep_alive_with's anchor, held in place (no allocation per tie) and
  // declared before owner_, so that it is released after the bytes.
  std::shared_ptr<const void> anchor_;
  std::shared_ptr<void> owner_;  // keeps data_ alive; null when nbytes_ == 0
  void* data_ = nullptr;
  std::size_t nbytes_ = 0;
};

}  // namespace engram

#endif  // ENGRAM_ARRAY_H_
