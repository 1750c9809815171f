// tests/fuzz/child_process.h — runs the libhdf5 part of an input in a child
// process, so that a crash or hang inside libhdf5 itself is recorded as a
// known library limit instead of ending the fuzzing run.
//
// The child runs `body` and exits 0 when it returns. Any other end (a
// signal, the sanitizers' exit code, a timeout) is a library limit: the
// input and the child's stderr (with its stack) are written under
// $ENGRAM_FUZZ_LIMITS_DIR/<target>/ (default build/fuzz/library_limits),
// to be listed in tests/fuzz/KNOWN_LIBRARY_LIMITS.md. The body must only
// call into the library (and engram code that cannot fail otherwise):
// engram's own decoding runs in the fuzzer's process, where its coverage
// guides the search and its faults are findings.
#ifndef ENGRAM_TESTS_FUZZ_CHILD_PROCESS_H_
#define ENGRAM_TESTS_FUZZ_CHILD_PROCESS_H_

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "fuzz_support.h"

namespace engram::fuzz {

// How the child ended.
enum class ChildEnd { kReturned, kFailed, kTimedOut };

template <class Body>
ChildEnd run_in_child(const char* target, const std::uint8_t* data, std::size_t size, Body&& body,
                      std::chrono::seconds timeout = std::chrono::seconds(5)) {
  namespace fs = std::filesystem;
  const char* limits = std::getenv("ENGRAM_FUZZ_LIMITS_DIR");
  const fs::path dir = fs::path(limits != nullptr ? limits : "library_limits") / target;
  const fs::path log =
      fs::temp_directory_path() / ("engram-fuzz-child-" + std::to_string(::getpid()));
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) finding("fork failed");
  if (pid == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd >= 0) ::dup2(fd, 2);
    body();
    ::_exit(0);
  }
  int status = 0;
  ChildEnd end = ChildEnd::kReturned;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) {
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) end = ChildEnd::kFailed;
      break;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      end = ChildEnd::kTimedOut;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  if (end != ChildEnd::kReturned) {
    std::error_code ignored;
    fs::create_directories(dir, ignored);
    char name[32];
    std::uint64_t hash = 1469598103934665603ull;  // FNV-1a of the input
    for (std::size_t i = 0; i < size; ++i) hash = (hash ^ data[i]) * 1099511628211ull;
    std::snprintf(name, sizeof name, "%016llx", static_cast<unsigned long long>(hash));
    std::ofstream(dir / name, std::ios::binary)
        .write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    fs::copy_file(log, dir / (std::string(name) + ".log"), fs::copy_options::overwrite_existing,
                  ignored);
    std::fprintf(stderr, "LIBRARY LIMIT (%s in libhdf5): %s\n",
                 end == ChildEnd::kTimedOut ? "hang" : "crash", (dir / name).c_str());
  }
  std::error_code ignored;
  fs::remove(log, ignored);
  return end;
}

}  // namespace engram::fuzz

#endif  // ENGRAM_TESTS_FUZZ_CHILD_PROCESS_H_
