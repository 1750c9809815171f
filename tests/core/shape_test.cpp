#include "engram/shape.h"

#include <catch2/catch.hpp>
#include <map>
#include <utility>
#include <vector>

#include "engram/array.h"

using engram::Shape;

namespace {

// Whether the extents are kept inside the object (no allocation).
bool inline_in(const Shape& shape) {
  const auto* const first = reinterpret_cast<const char*>(&shape);
  const auto* const extents = reinterpret_cast<const char*>(shape.data());
  return extents >= first && extents < first + sizeof(Shape);
}

std::vector<std::size_t> as_vector(const Shape& shape) { return {shape.begin(), shape.end()}; }

}  // namespace

TEST_CASE("shape: up to four extents live inside the object", "[shape]") {
  CHECK(inline_in(Shape{}));
  CHECK(inline_in(Shape{100, 50}));
  const Shape four{2, 3, 4, 5};
  CHECK(inline_in(four));
  const Shape copy = four;
  CHECK(inline_in(copy));
  CHECK(copy == four);
  CHECK(!inline_in(Shape{1, 2, 3, 4, 5}));
  // An array's shape is one too: making or copying a view of a matrix
  // allocates nothing for it.
  const std::vector<float> values(6);
  const engram::ArrayView view(values, Shape{2, 3});
  const engram::ArrayView copied = view;
  CHECK(inline_in(copied.shape()));
}

TEST_CASE("shape: behaves as the vector it replaced, inside and past the inline room", "[shape]") {
  for (const std::size_t dims : {0u, 1u, 3u, 4u, 5u, 9u, 40u}) {
    CAPTURE(dims);
    std::vector<std::size_t> want;
    Shape shape;
    for (std::size_t i = 0; i < dims; ++i) {
      shape.push_back(i * 10 + 1);
      want.push_back(i * 10 + 1);
    }
    CHECK(shape.size() == dims);
    CHECK(shape.empty() == (dims == 0));
    CHECK(as_vector(shape) == want);
    CHECK(shape == Shape(want));
    CHECK(Shape(want.begin(), want.end()) == shape);

    Shape copy = shape;  // copies are independent
    if (dims > 0) {
      copy.back() = 7;
      CHECK(shape.back() == want.back());
    }
    Shape moved = std::move(shape);  // a move leaves the source empty and usable
    CHECK(as_vector(moved) == want);
    CHECK(shape.empty());  // NOLINT(bugprone-use-after-move): specified
    shape.push_back(3);
    CHECK(as_vector(shape) == std::vector<std::size_t>{3});

    Shape assigned{9, 9, 9, 9, 9, 9};  // heap-held, assigned a shorter or longer one
    assigned = moved;
    CHECK(assigned == moved);
    Shape move_assigned{1};
    move_assigned = std::move(assigned);
    CHECK(as_vector(move_assigned) == want);
    move_assigned = move_assigned;  // self-assignment keeps the extents
    CHECK(as_vector(move_assigned) == want);
  }
}

TEST_CASE("shape: resize, insert and the (count, extent) form", "[shape]") {
  Shape shape(3, 1);
  CHECK(as_vector(shape) == std::vector<std::size_t>{1, 1, 1});
  shape.insert(shape.end(), 4, 10);  // past the inline room
  CHECK(as_vector(shape) == std::vector<std::size_t>{1, 1, 1, 10, 10, 10, 10});
  shape.insert(shape.begin() + 1, 5);
  CHECK(as_vector(shape) == std::vector<std::size_t>{1, 5, 1, 1, 10, 10, 10, 10});
  shape.resize(2);
  CHECK(as_vector(shape) == std::vector<std::size_t>{1, 5});
  shape.resize(4, 2);
  CHECK(as_vector(shape) == std::vector<std::size_t>{1, 5, 2, 2});
  shape.clear();
  CHECK(shape.empty());
  CHECK(Shape{0} != Shape{});  // one empty extent is not a 0-d shape
  CHECK(Shape{0}.size() == 1);
}

TEST_CASE("shape: ordered as vectors are, so it can key a map", "[shape]") {
  CHECK(Shape{1, 2} < Shape{1, 3});
  CHECK(Shape{1, 2} < Shape{1, 2, 0});
  CHECK(Shape{} < Shape{0});
  CHECK(Shape{2} > Shape{1, 9, 9, 9, 9, 9});
  std::map<Shape, int> counts;
  ++counts[Shape{2, 3}];
  ++counts[Shape{2, 3}];
  ++counts[Shape{1, 2, 3, 4, 5}];
  CHECK(counts.size() == 2);
  CHECK(counts[Shape{2, 3}] == 2);
}
