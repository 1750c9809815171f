// engram/publish_file.h: a finished file is moved to its name only if
// nothing is there.
#include "engram/publish_file.h"

#include <cerrno>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "temp_dir.h"

namespace fs = std::filesystem;

namespace {

void write(const fs::path& file, const std::string& text) { std::ofstream(file) << text; }

std::string read(const fs::path& file) {
  std::ifstream in(file);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

TEST_CASE("publish file: moves a finished file to a free name", "[publish_file]") {
  engram_test::TempDir dir("engram-publish");
  write(dir / ".copy.part", "new");
  std::error_code error;
  CHECK(engram::publish_file(dir / ".copy.part", dir / "copy", error));
  CHECK_FALSE(error);
  CHECK(read(dir / "copy") == "new");
  CHECK_FALSE(fs::exists(dir / ".copy.part"));
}

TEST_CASE("publish file: never replaces what is there, file or link", "[publish_file]") {
  engram_test::TempDir dir("engram-publish");
  write(dir / "kept", "old");
  write(dir / ".part", "new");
  std::error_code error;
  CHECK_FALSE(engram::publish_file(dir / ".part", dir / "kept", error));
  CHECK(error.value() == EEXIST);
  CHECK(read(dir / "kept") == "old");
  CHECK(read(dir / ".part") == "new");  // left for the caller to remove
  // A dangling symbolic link is something there too.
  fs::create_symlink(dir / "nowhere", dir / "link");
  CHECK_FALSE(engram::publish_file(dir / ".part", dir / "link", error));
  CHECK(error.value() == EEXIST);
  CHECK(fs::is_symlink(dir / "link"));
}

TEST_CASE("publish file: a missing source is its errno, nothing made", "[publish_file]") {
  engram_test::TempDir dir("engram-publish");
  std::error_code error;
  CHECK_FALSE(engram::publish_file(dir / "absent", dir / "target", error));
  CHECK(error.value() == ENOENT);
  CHECK_FALSE(fs::exists(dir / "target"));
}
