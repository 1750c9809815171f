// tests/support/file_bytes.h — a file's whole contents, for tests that
// prove a file was left exactly as it was.
//
// Thread safety: may be called from several threads.
#ifndef ENGRAM_TESTS_SUPPORT_FILE_BYTES_H_
#define ENGRAM_TESTS_SUPPORT_FILE_BYTES_H_

#include <filesystem>
#include <string>

namespace engram_test {

// The bytes of the file at `path`; empty when it cannot be read.
std::string file_bytes(const std::filesystem::path& path);

}  // namespace engram_test

#endif  // ENGRAM_TESTS_SUPPORT_FILE_BYTES_H_
