#include "engram/errors.h"

#include <dlfcn.h>

#include <catch2/catch.hpp>
#include <memory>
#include <string>

namespace {

using ThrowFn = void (*)(const char*);

// The thrower library, loaded as a plugin is: RTLD_LOCAL, hidden visibility.
ThrowFn load_thrower() {
  static std::unique_ptr<void, int (*)(void*)> handle(
      dlopen(ENGRAM_THROWER_MODULE, RTLD_NOW | RTLD_LOCAL), &dlclose);
  REQUIRE(handle != nullptr);
  auto fn = reinterpret_cast<ThrowFn>(dlsym(handle.get(), "engram_test_throw"));
  REQUIRE(fn != nullptr);
  return fn;
}

template <class Error>
void check_caught_by_type(const char* kind, std::int64_t code) {
  ThrowFn throw_from_library = load_thrower();
  bool caught = false;
  try {
    throw_from_library(kind);
  } catch (const Error& e) {
    caught = true;
    CHECK(e.backend() == "thrower");
    CHECK(e.native_code() == code);
    CHECK(std::string(e.what()).rfind("thrower: ", 0) == 0);
  } catch (...) {
  }
  CHECK(caught);
}

}  // namespace

TEST_CASE("errors: every kind thrown in another shared library is caught by type",
          "[errors]") {
  check_caught_by_type<engram::ConfigError>("ConfigError", 1);
  check_caught_by_type<engram::PluginError>("PluginError", 2);
  check_caught_by_type<engram::InvalidArgument>("InvalidArgument", 3);
  check_caught_by_type<engram::NotSupported>("NotSupported", 4);
  check_caught_by_type<engram::ConnectionError>("ConnectionError", 5);
  check_caught_by_type<engram::AccessDenied>("AccessDenied", 6);
  check_caught_by_type<engram::CorruptData>("CorruptData", 7);
  check_caught_by_type<engram::BackendError>("BackendError", 8);
  check_caught_by_type<engram::StorageError>("StorageError", 9);
}

TEST_CASE("errors: every kind is a StorageError and a std::runtime_error", "[errors]") {
  ThrowFn throw_from_library = load_thrower();
  for (const char* kind : {"ConfigError", "PluginError", "InvalidArgument", "NotSupported",
                           "ConnectionError", "AccessDenied", "CorruptData", "BackendError"}) {
    CHECK_THROWS_AS(throw_from_library(kind), engram::StorageError);
    CHECK_THROWS_AS(throw_from_library(kind), std::runtime_error);
  }
  // A kind is not caught as a sibling kind.
  CHECK_THROWS_AS(
      [&] {
        try {
          throw_from_library("CorruptData");
        } catch (const engram::InvalidArgument&) {
          FAIL("CorruptData caught as InvalidArgument");
        }
      }(),
      engram::CorruptData);
}

TEST_CASE("errors: the message names backend, message and code", "[errors]") {
  const engram::BackendError full("storing episode 7: disk I/O error", "sqlite", 10);
  CHECK(std::string(full.what()) == "sqlite: storing episode 7: disk I/O error (code 10)");
  const engram::InvalidArgument bare("pattern_hash '' is empty");
  CHECK(std::string(bare.what()) == "pattern_hash '' is empty");
  CHECK(bare.backend().empty());
  CHECK_FALSE(bare.native_code().has_value());
}
