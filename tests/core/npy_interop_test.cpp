// Proves the .npy codec against numpy itself: numpy must read what engram
// writes, and engram must read what numpy writes in every layout numpy
// produces. The test runs ENGRAM_PYTHON on npy_interop.py and fails, never
// skips, when that interpreter or its numpy is missing.
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <complex>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

#include "temp_dir.h"
#include "shell.h"
#include "engram/array.h"
#include "engram/dtype.h"
#include "engram/npy.h"

namespace {

namespace fs = std::filesystem;
using engram::Array;
using engram::DType;
using engram::Shape;


// The values of npy_interop.py's values(): element i (C order, counted from
// `start`) is derived from i % 251.
Array make_values(DType dtype, const Shape& shape, std::size_t start) {
  Array array(dtype, shape);
  auto* out = static_cast<std::byte*>(array.mutable_data());
  const auto store = [out](std::size_t j, auto value) {
    std::memcpy(out + j * sizeof(value), &value, sizeof(value));
  };
  for (std::size_t j = 0; j < array.size(); ++j) {
    const std::size_t i = start + j;
    const auto v = static_cast<int>(i % 251);
    const double x = v * 0.25 - 20.0;
    switch (dtype) {
      case DType::kBool:
        store(j, i % 3 == 0);
        break;
      // Conversions wrap modulo 2^bits, as numpy's astype does.
      case DType::kInt8:
        store(j, static_cast<std::int8_t>(v));
        break;
      case DType::kInt16:
        store(j, static_cast<std::int16_t>(v));
        break;
      case DType::kInt32:
        store(j, static_cast<std::int32_t>(v));
        break;
      case DType::kInt64:
        store(j, static_cast<std::int64_t>(v));
        break;
      case DType::kUInt8:
        store(j, static_cast<std::uint8_t>(v));
        break;
      case DType::kUInt16:
        store(j, static_cast<std::uint16_t>(v));
        break;
      case DType::kUInt32:
        store(j, static_cast<std::uint32_t>(v));
        break;
      case DType::kUInt64:
        store(j, static_cast<std::uint64_t>(v));
        break;
      case DType::kFloat16:
        store(j, engram::to_float16(static_cast<float>(x)));
        break;
      case DType::kFloat32:
        store(j, static_cast<float>(x));
        break;
      case DType::kFloat64:
        store(j, x);
        break;
      case DType::kComplex64:
        store(j, std::complex<float>(static_cast<float>(x), static_cast<float>(-x)));
        break;
      case DType::kComplex128:
        store(j, std::complex<double>(x, -x));
        break;
    }
  }
  return array;
}

struct Case {
  std::string name;
  Array expected;
  bool large = false;
};

constexpr std::size_t kLargeCount = 8'500'000;  // float64: 68 MB

// The cases of npy_interop.py's cases(), in the same order.
std::vector<Case> make_cases() {
  struct ShapeCase {
    const char* name;
    Shape shape;
    std::size_t start;
  };
  const ShapeCase shapes[] = {
      {"1d", {300}, 0}, {"2d", {7, 11}, 0}, {"3d", {3, 4, 5}, 0},
      {"0d", {}, 200},  {"empty1", {0}, 0}, {"empty2", {3, 0}, 0},
  };
  std::vector<Case> cases;
  for (DType dtype : engram::kAllDTypes) {
    for (const auto& shape : shapes) {
      cases.push_back({std::string(engram::dtype_name(dtype)) + "_" + shape.name,
                       make_values(dtype, shape.shape, shape.start)});
    }
  }
  Array large(DType::kFloat64, Shape{kLargeCount});
  auto values = large.mutable_values<double>();
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<double>(i) * 0.5;
  cases.push_back({"large", std::move(large), true});
  return cases;
}

// npy_interop.py's variants().
std::vector<std::string> variants(const Case& c) {
  if (c.large) return {"default"};
  std::vector<std::string> names = {"default", "v1", "v2", "v3", "be"};
  if (c.expected.ndim() >= 2) {
    names.push_back("f");
    names.push_back("bef");
  }
  return names;
}


std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Runs the interop script in `mode` on `dir`; fails the test, showing the
// script's output, unless it exits with 0.
void run_script(const std::string& mode, const fs::path& dir, const fs::path& log) {
  const std::string python = ENGRAM_PYTHON;
  const std::string script = ENGRAM_NPY_INTEROP_SCRIPT;
  if (!fs::exists(python)) {
    FAIL("ENGRAM_PYTHON " << python
                          << " does not exist; the npy interop test needs Python 3 with numpy "
                             "(Debian: apt install python3 python3-numpy)");
  }
  if (!fs::exists(script)) FAIL("ENGRAM_NPY_INTEROP_SCRIPT " << script << " does not exist");
  const std::string command = engram_test::shell_quote(python) + " " + engram_test::shell_quote(script) + " " + mode + " " +
                              engram_test::shell_quote(dir.string()) + " > " + engram_test::shell_quote(log.string()) +
                              " 2>&1";
  const int status = std::system(command.c_str());
  if (status == -1) FAIL("cannot run " << command);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    FAIL(command << "\nexited with status " << code
                 << (code == 3     ? " (numpy is missing)"
                     : code == 127 ? " (cannot run python)"
                                   : "")
                 << "; its output:\n"
                 << read_text(log));
  }
}

std::vector<std::byte> read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::vector<char> chars{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  std::vector<std::byte> bytes(chars.size());
  if (!chars.empty()) std::memcpy(bytes.data(), chars.data(), chars.size());
  return bytes;
}

}  // namespace

TEST_CASE("npy: numpy reads engram's bytes and engram reads numpy's", "[npy][interop]") {
  const engram_test::TempDir temp("engram-npy-interop");
  const std::vector<Case> cases = make_cases();

  // engram writes, numpy reads.
  const fs::path written_by_engram = temp.path() / "engram";
  fs::create_directory(written_by_engram);
  for (const Case& c : cases) engram::npy::save(written_by_engram / (c.name + ".npy"), c.expected);
  run_script("check", written_by_engram, temp.path() / "check.log");

  // numpy writes, engram reads.
  const fs::path written_by_numpy = temp.path() / "numpy";
  run_script("write", written_by_numpy, temp.path() / "write.log");

  std::vector<std::string> expected_files;
  for (const Case& c : cases) {
    for (const std::string& variant : variants(c)) {
      expected_files.push_back(c.name + "__" + variant + ".npy");
    }
  }
  std::vector<std::string> manifest;
  {
    std::istringstream lines(read_text(written_by_numpy / "manifest.txt"));
    for (std::string line; std::getline(lines, line);) manifest.push_back(line);
  }
  REQUIRE(manifest.size() == expected_files.size());
  REQUIRE(std::set<std::string>(manifest.begin(), manifest.end()) ==
          std::set<std::string>(expected_files.begin(), expected_files.end()));

  std::size_t checked = 0;
  for (const Case& c : cases) {
    for (const std::string& variant : variants(c)) {
      const std::string file = c.name + "__" + variant + ".npy";
      INFO(file);
      const fs::path path = written_by_numpy / file;

      // The variant really is the layout it is named for, so each decoding
      // path is exercised.
      if (!c.large) {
        const std::vector<std::byte> bytes = read_bytes(path);
        const engram::npy::Header header = engram::npy::parse_header(bytes);
        const int major = variant.size() == 2 && variant[0] == 'v' ? variant[1] - '0' : 1;
        CHECK(header.major_version == major);
        const bool swapped = variant == "be" || variant == "bef";
        CHECK(header.big_endian == (swapped && engram::dtype_size(c.expected.dtype()) > 1));
        const bool transposed = (variant == "f" || variant == "bef") && !c.expected.empty();
        CHECK(header.fortran_order == transposed);
      }

      const Array loaded = engram::npy::load(path);
      CHECK(loaded.dtype() == c.expected.dtype());
      CHECK(loaded.shape() == c.expected.shape());
      CHECK(loaded == c.expected);
      ++checked;
    }
  }
  CHECK(checked == expected_files.size());
}
