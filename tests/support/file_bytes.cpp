#include "file_bytes.h"

#include <fstream>
#include <iterator>

namespace engram_test {

std::string file_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace engram_test
