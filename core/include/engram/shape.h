// engram/shape.h — an array's shape: its extents, outermost first.
//
// A Shape is a short sequence of std::size_t with the part of std::vector's
// interface that arrays use (size, indexing, iteration, push_back, resize,
// equality). Up to kInlineDims extents live inside the object itself, so
// making, copying or passing the shape of an array of up to four dimensions
// — nearly every array a network stores — allocates nothing: a store or a
// retrieve then allocates for the elements' bytes only. A longer shape keeps
// its extents on the heap and behaves the same.
//
// Thread safety: as a standard container (const methods from several
// threads at once; a mutation needs exclusive access).
#ifndef ENGRAM_SHAPE_H_
#define ENGRAM_SHAPE_H_

#include <algorithm>
#include <compare>
#include <cstddef>
#include <initializer_list>
#include <iterator>
#include <span>
#include <vector>

namespace engram {

class Shape {
 public:
  using value_type = std::size_t;
  using size_type = std::size_t;
  using difference_type = std::ptrdiff_t;
  using reference = std::size_t&;
  using const_reference = const std::size_t&;
  using pointer = std::size_t*;
  using const_pointer = const std::size_t*;
  using iterator = std::size_t*;
  using const_iterator = const std::size_t*;

  // Extents kept inside the object; a longer shape allocates.
  static constexpr std::size_t kInlineDims = 4;

  // No extents: the shape of a 0-d array (one element).
  Shape() noexcept {}
  // Shape{100, 50}; Shape{n} is one extent n (as for std::vector).
  Shape(std::initializer_list<std::size_t> extents) { append(extents.begin(), extents.end()); }
  // `dims` extents, each `extent` (as std::vector's (count, value)).
  Shape(std::size_t dims, std::size_t extent) { resize(dims, extent); }
  template <std::input_iterator It>
  Shape(It first, It last) {
    for (; first != last; ++first) push_back(static_cast<std::size_t>(*first));
  }
  // From extents held elsewhere (a vector converts implicitly, as a Shape
  // was one before).
  Shape(std::span<const std::size_t> extents) { append(extents.data(), extents.data() + extents.size()); }
  Shape(const std::vector<std::size_t>& extents) : Shape(std::span<const std::size_t>(extents)) {}

  Shape(const Shape& other) { append(other.begin(), other.end()); }
  Shape(Shape&& other) noexcept { take(other); }
  Shape& operator=(const Shape& other) {
    if (this != &other) {
      size_ = 0;
      append(other.begin(), other.end());
    }
    return *this;
  }
  Shape& operator=(Shape&& other) noexcept {
    if (this != &other) {
      release();
      take(other);
    }
    return *this;
  }
  ~Shape() { release(); }

  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  std::size_t* data() noexcept { return on_heap() ? heap_ : inline_; }
  const std::size_t* data() const noexcept { return on_heap() ? heap_ : inline_; }
  iterator begin() noexcept { return data(); }
  iterator end() noexcept { return data() + size_; }
  const_iterator begin() const noexcept { return data(); }
  const_iterator end() const noexcept { return data() + size_; }
  const_iterator cbegin() const noexcept { return begin(); }
  const_iterator cend() const noexcept { return end(); }
  // Unchecked, as std::vector's.
  std::size_t& operator[](std::size_t i) noexcept { return data()[i]; }
  const std::size_t& operator[](std::size_t i) const noexcept { return data()[i]; }
  std::size_t& front() noexcept { return data()[0]; }
  const std::size_t& front() const noexcept { return data()[0]; }
  std::size_t& back() noexcept { return data()[size_ - 1]; }
  const std::size_t& back() const noexcept { return data()[size_ - 1]; }

  void push_back(std::size_t extent) {
    if (size_ == capacity_) grow(2 * capacity_);
    data()[size_++] = extent;
  }
  void reserve(std::size_t dims) {
    if (dims > capacity_) grow(dims);
  }
  // New extents are `extent`.
  void resize(std::size_t dims, std::size_t extent = 0) {
    reserve(dims);
    std::fill(data() + std::min(size_, dims), data() + dims, extent);
    size_ = dims;
  }
  // `count` extents `extent` before `at`; returns where the first went.
  iterator insert(const_iterator at, std::size_t count, std::size_t extent) {
    const std::size_t index = static_cast<std::size_t>(at - begin());
    reserve(size_ + count);
    std::size_t* const first = data() + index;
    std::copy_backward(first, data() + size_, data() + size_ + count);
    std::fill(first, first + count, extent);
    size_ += count;
    return first;
  }
  iterator insert(const_iterator at, std::size_t extent) { return insert(at, 1, extent); }
  void clear() noexcept { size_ = 0; }

  friend bool operator==(const Shape& a, const Shape& b) noexcept {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }
  // Lexicographic, as std::vector's (so a Shape can key an ordered map).
  friend std::strong_ordering operator<=>(const Shape& a, const Shape& b) noexcept {
    return std::lexicographical_compare_three_way(a.begin(), a.end(), b.begin(), b.end());
  }

 private:
  bool on_heap() const noexcept { return capacity_ > kInlineDims; }

  void append(const std::size_t* first, const std::size_t* last) {
    reserve(size_ + static_cast<std::size_t>(last - first));
    std::copy(first, last, data() + size_);
    size_ += static_cast<std::size_t>(last - first);
  }
  void grow(std::size_t capacity) {
    auto* const extents = new std::size_t[capacity];
    std::copy(begin(), end(), extents);
    release();
    heap_ = extents;
    capacity_ = capacity;
  }
  void release() noexcept {
    if (on_heap()) delete[] heap_;
    capacity_ = kInlineDims;
  }
  // Moves `other`'s extents here (this holds none) and leaves it empty.
  void take(Shape& other) noexcept {
    size_ = other.size_;
    capacity_ = other.capacity_;
    if (other.on_heap()) {
      heap_ = other.heap_;
    } else {
      std::copy(other.inline_, other.inline_ + other.size_, inline_);
    }
    other.size_ = 0;
    other.capacity_ = kInlineDims;
  }

  std::size_t size_ = 0;
  std::size_t capacity_ = kInlineDims;
  union {
    std::size_t inline_[kInlineDims] = {};
    std::size_t* heap_;
  };
};

}  // namespace engram

#endif  // ENGRAM_SHAPE_H_
