#include "engram/array.h"

#include <catch2/catch.hpp>
#include <complex>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "engram/errors.h"

using engram::Array;
using engram::ArrayView;
using engram::DType;
using engram::Shape;

TEST_CASE("array: a view borrows the caller's memory", "[array]") {
  const std::vector<float> values{1, 2, 3, 4, 5, 6};
  const ArrayView flat(values);
  CHECK(flat.dtype() == DType::kFloat32);
  CHECK(flat.shape() == Shape{6});
  CHECK(flat.data() == values.data());
  CHECK(flat.nbytes() == 24);

  const ArrayView matrix(values, Shape{2, 3});
  CHECK(matrix.ndim() == 2);
  CHECK(matrix.size() == 6);
  CHECK(matrix.values<float>()[5] == 6.0f);
  CHECK_THROWS_AS(matrix.values<double>(), engram::InvalidArgument);
  CHECK_THROWS_AS(ArrayView(values, Shape{4, 2}), engram::InvalidArgument);

  const ArrayView raw(DType::kUInt8, Shape{24}, values.data(), 24);
  CHECK(raw.values<std::uint8_t>().size() == 24);
  CHECK_THROWS_AS(ArrayView(DType::kInt32, Shape{7}, values.data(), 24), engram::InvalidArgument);
  CHECK_THROWS_AS(ArrayView(DType::kInt32, Shape{1}, nullptr, 4), engram::InvalidArgument);
}

TEST_CASE("array: a misaligned view refuses typed access but still copies", "[array]") {
  alignas(8) std::byte buffer[12] = {};
  const ArrayView view(DType::kInt32, Shape{2}, buffer + 1, 8);
  CHECK_THROWS_AS(view.values<std::int32_t>(), engram::InvalidArgument);
  const Array copy(view);
  CHECK(copy.values<std::int32_t>().size() == 2);
  CHECK(copy == Array(view));
}

TEST_CASE("array: 0-d and empty arrays are values", "[array]") {
  const Array scalar = Array::scalar(2.5);
  CHECK(scalar.shape().empty());
  CHECK(scalar.size() == 1);
  CHECK(scalar.values<double>()[0] == 2.5);
  CHECK(ArrayView::scalar(std::int16_t{7}).nbytes() == 2);

  const Array empty(DType::kInt64, Shape{3, 0});
  CHECK(empty.size() == 0);
  CHECK(empty.empty());
  CHECK(empty.data() == nullptr);
  CHECK(empty.values<std::int64_t>().empty());
  CHECK(empty == Array(DType::kInt64, Shape{3, 0}));
  CHECK_FALSE(empty == Array(DType::kInt64, Shape{0, 3}));
  CHECK_FALSE(empty == Array(DType::kInt32, Shape{3, 0}));

  const Array defaulted;
  CHECK(defaulted.shape() == Shape{0});
  CHECK(defaulted.dtype() == DType::kFloat64);
}

TEST_CASE("array: a moved vector is taken over without a copy", "[array]") {
  std::vector<double> values(1000, 1.5);
  const double* where = values.data();
  Array array(std::move(values), Shape{10, 100});
  CHECK(array.data() == where);
  CHECK(array.shape() == Shape{10, 100});
  CHECK(array.values<double>()[999] == 1.5);

  CHECK_THROWS_AS(Array(std::vector<double>(5), Shape{2, 2}), engram::InvalidArgument);
}

TEST_CASE("array: copies are deep, moves are cheap", "[array]") {
  Array original(std::vector<std::int32_t>{1, 2, 3});
  Array copy = original;
  copy.mutable_values<std::int32_t>()[0] = 100;
  CHECK(original.values<std::int32_t>()[0] == 1);
  CHECK_FALSE(copy == original);

  const void* where = original.data();
  Array moved = std::move(original);
  CHECK(moved.data() == where);
  CHECK(original.empty());  // NOLINT: the moved-from state is specified
  CHECK(original.shape() == Shape{0});
}

TEST_CASE("array: copies of a kept array share its bytes until one writes", "[array]") {
  Array kept(std::vector<std::int32_t>{1, 2, 3}, Shape{3});
  CHECK_FALSE(kept.shares_on_copy());
  kept.share_on_copy();
  const void* bytes = kept.data();

  Array copy = kept;
  Array copy_of_copy = copy;
  CHECK(copy.data() == bytes);
  CHECK(copy_of_copy.data() == bytes);
  CHECK(copy.shares_on_copy());
  CHECK(copy == kept);

  // A write copies first: nobody else sees it.
  copy.mutable_values<std::int32_t>()[0] = 100;
  CHECK(copy.data() != bytes);
  CHECK_FALSE(copy.shares_on_copy());
  CHECK(kept.values<std::int32_t>()[0] == 1);
  CHECK(copy_of_copy.values<std::int32_t>()[0] == 1);
  CHECK(copy.values<std::int32_t>()[0] == 100);
  // ... and a copy of it is deep again.
  Array deep = copy;
  CHECK(deep.data() != copy.data());

  // The kept array's own write access copies too, so its copies keep their values.
  std::memset(kept.mutable_data(), 0, kept.nbytes());
  CHECK(copy_of_copy.data() == bytes);
  CHECK(copy_of_copy.values<std::int32_t>()[2] == 3);
  auto bytes_of = copy_of_copy.mutable_bytes();
  CHECK(bytes_of.data() != static_cast<const void*>(bytes));
  CHECK(bytes_of.size() == 12);

  // Moves and assignments carry the mark; an empty array has nothing to share.
  Array marked(std::vector<double>{1.5});
  marked.share_on_copy();
  Array moved = std::move(marked);
  CHECK(moved.shares_on_copy());
  CHECK_FALSE(marked.shares_on_copy());  // NOLINT: the moved-from state is specified
  Array assigned;
  assigned = moved;
  CHECK(assigned.data() == moved.data());
  Array empty;
  empty.share_on_copy();
  Array empty_copy = empty;
  CHECK(empty_copy.empty());
  CHECK(empty_copy.mutable_data() == nullptr);
}

TEST_CASE("array: shared bytes live while any copy holds them, with their anchor",
          "[array]") {
  std::vector<std::string> released;
  auto owner = std::shared_ptr<double>(new double[2]{1.0, 2.0}, [&released](double* p) {
    released.emplace_back("bytes");
    delete[] p;
  });
  double* data = owner.get();
  Array kept = Array::adopt(DType::kFloat64, Shape{2}, std::move(owner), data, 16);
  kept.keep_alive_with(std::shared_ptr<const void>(new int(0), [&released](const int* p) {
    released.emplace_back("anchor");
    delete p;
  }));
  kept.share_on_copy();
  Array copy = kept;
  kept = Array();
  CHECK(released.empty());  // the copy holds the bytes and their anchor
  CHECK(copy.values<double>()[1] == 2.0);
  Array written = copy;
  written.mutable_values<double>()[1] = 5.0;  // its own bytes, from the core: no anchor
  copy = Array();
  CHECK(released == std::vector<std::string>{"bytes", "anchor"});
  CHECK(written.values<double>()[1] == 5.0);
}

TEST_CASE("array: std::vector<bool> becomes one byte per value", "[array]") {
  const Array flags(std::vector<bool>{true, false, true, true}, Shape{2, 2});
  CHECK(flags.dtype() == DType::kBool);
  const auto values = flags.values<bool>();
  CHECK(values[0]);
  CHECK_FALSE(values[1]);
  CHECK(values[3]);
}

TEST_CASE("array: adopt keeps the owner alive and copies misaligned data", "[array]") {
  auto buffer = std::make_shared<std::vector<std::byte>>(64);
  std::weak_ptr<std::vector<std::byte>> watch = buffer;
  std::byte* data = buffer->data() + 16;
  std::memset(data, 0, 16);
  Array adopted = Array::adopt(DType::kFloat64, Shape{2}, buffer, data, 16);
  buffer.reset();
  CHECK_FALSE(watch.expired());
  CHECK(adopted.data() == data);

  Array misaligned = Array::adopt(DType::kFloat64, Shape{2}, watch.lock(), data + 1, 16);
  CHECK(misaligned.data() != data + 1);
  adopted = Array();
  CHECK(watch.expired());
  CHECK(misaligned.values<double>().size() == 2);
}

TEST_CASE("array: an anchor lives as long as the bytes and goes after them", "[array]") {
  std::vector<std::string> released;
  const auto tracked = [&released](const char* name) {
    return std::shared_ptr<const void>(new int(0), [&released, name](const int* p) {
      released.emplace_back(name);
      delete p;
    });
  };
  const auto adopted_bytes = [&released](const char* name) {
    auto owner = std::shared_ptr<double>(new double[2]{1.0, 2.0}, [&released, name](double* p) {
      released.emplace_back(name);
      delete[] p;
    });
    double* data = owner.get();
    return Array::adopt(DType::kFloat64, Shape{2}, std::move(owner), data, 16);
  };

  Array array = adopted_bytes("bytes");
  array.keep_alive_with(tracked("first"));
  array.keep_alive_with(tracked("second"));  // a second anchor joins the first
  Array moved = std::move(array);            // a move carries both
  Array copy = moved;                        // new bytes: no anchor
  CHECK(released.empty());
  moved = adopted_bytes("other bytes");  // the old bytes go first, then their anchors
  CHECK(released == std::vector<std::string>{"bytes", "second", "first"});
  copy = Array();
  moved = Array();
  CHECK(released == std::vector<std::string>{"bytes", "second", "first", "other bytes"});
  CHECK(copy.empty());

  // An empty array holds no bytes and so no anchor.
  released.clear();
  Array empty;
  empty.keep_alive_with(tracked("unheld"));
  CHECK(released == std::vector<std::string>{"unheld"});
}

TEST_CASE("array: sizes that overflow are refused", "[array]") {
  const std::size_t huge = std::numeric_limits<std::size_t>::max() / 2;
  CHECK_THROWS_AS(Array(DType::kFloat64, Shape{huge, 4}), engram::InvalidArgument);
  CHECK_THROWS_AS(engram::element_count(Shape{huge, 3}), engram::InvalidArgument);
  CHECK(engram::element_count(Shape{huge, 0}) == 0);
  CHECK(engram::shape_string(Shape{}) == "()");
  CHECK(engram::shape_string(Shape{7}) == "(7,)");
  CHECK(engram::shape_string(Shape{100, 50}) == "(100, 50)");
}

TEST_CASE("array: complex and float16 elements", "[array]") {
  Array z(std::vector<std::complex<double>>{{1, -1}, {2, -2}});
  CHECK(z.dtype() == DType::kComplex128);
  CHECK(z.nbytes() == 32);
  CHECK(z.values<std::complex<double>>()[1] == std::complex<double>(2, -2));
  Array h(std::vector<engram::Float16>{engram::to_float16(1.0f)});
  CHECK(h.dtype() == DType::kFloat16);
  CHECK(h.values<engram::Float16>()[0].bits == 0x3c00);
}
