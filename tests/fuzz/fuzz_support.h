// tests/fuzz/fuzz_support.h — what every fuzz target shares: how a finding
// is reported, which exceptions are an acceptable answer, and the check that
// the target's valid seeds are accepted.
//
// A finding ends the process with abort(), which libFuzzer records as a
// crash (with the input written as an artifact). Acceptable answers are the
// engram error kinds a decoder documents; any other exception is a finding.
//
// ENGRAM_FUZZ_EXPECT_VALID=1 (set by tools/fuzz.sh for the corpus files
// named valid-*) makes a rejected input a finding too: a target that
// rejects everything fails.
#ifndef ENGRAM_TESTS_FUZZ_FUZZ_SUPPORT_H_
#define ENGRAM_TESTS_FUZZ_FUZZ_SUPPORT_H_

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>
#include <typeinfo>

#include "engram/errors.h"

namespace engram::fuzz {

// Reports a finding and aborts.
[[noreturn]] inline void finding(const std::string& what) {
  std::fprintf(stderr, "FUZZ FINDING: %s\n", what.c_str());
  std::fflush(stderr);
  std::abort();
}

// A new folder for a target's files: under $ENGRAM_FUZZ_TMP (tools/fuzz.sh
// removes it after the run), else in /dev/shm when there is one, so that
// the fsyncs of SQLite and the journal cost nothing.
inline std::filesystem::path make_temp_dir(const std::string& target) {
  const char* chosen = std::getenv("ENGRAM_FUZZ_TMP");
  const std::filesystem::path base = chosen != nullptr ? chosen
                                     : std::filesystem::is_directory("/dev/shm")
                                         ? "/dev/shm"
                                         : std::filesystem::temp_directory_path();
  std::string pattern = (base / ("engram-fuzz-" + target + "-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) finding("cannot make a temporary folder");
  return pattern;
}

inline bool expect_valid() {
  const char* value = std::getenv("ENGRAM_FUZZ_EXPECT_VALID");
  return value != nullptr && std::string(value) == "1";
}

// An input was refused with `error`: fine unless valid inputs are expected.
inline void refused(const std::exception& error) {
  if (expect_valid()) finding(std::string("a valid input was refused: ") + error.what());
}

// Runs `body`; an engram error of one of the kinds `Allowed...` is a
// refusal, any other exception a finding. Returns true iff body returned.
template <class... Allowed, class Body>
bool only_errors(const char* where, Body&& body) {
  try {
    body();
    return true;
  } catch (const std::exception& error) {
    if ((... || (dynamic_cast<const Allowed*>(&error) != nullptr))) {
      refused(error);
      return false;
    }
    finding(std::string(where) + ": unexpected exception " + typeid(error).name() + ": " +
            error.what());
  } catch (...) {
    finding(std::string(where) + ": a non-std exception");
  }
}

}  // namespace engram::fuzz

#endif  // ENGRAM_TESTS_FUZZ_FUZZ_SUPPORT_H_
