// Proves the pickle reader against CPython itself: pickle_interop.py pickles
// every supported value at protocols 2-5 with ENGRAM_PYTHON (Debian's
// python3 with numpy 1.24) and copies the blobs of the Python system's
// database (a copy of ENGRAM_SEED_FIXTURES_DIR/seed_memory.db); engram decodes
// each to the tagged form Python computed, and Python decodes engram's output
// back to values equal to what it unpickles. The list of globals the reader
// knows is compared with the one Python's pickles use. The test fails, never
// skips, when the interpreter, numpy or the fixture is missing.
#include <sys/wait.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include "engram/errors.h"
#include "engram/json.h"
#include "engram/pickle.h"
#include "file_bytes.h"
#include "shell.h"
#include "temp_dir.h"

namespace {

namespace fs = std::filesystem;
using engram::Json;

void run_script(const std::string& arguments, const fs::path& log) {
  const std::string python = ENGRAM_PYTHON;
  if (!fs::exists(python)) {
    FAIL("ENGRAM_PYTHON " << python << " does not exist; the pickle interop test needs Python 3 "
                          << "with numpy (Debian: apt install python3 python3-numpy)");
  }
  const std::string command = engram_test::shell_quote(python) + " " +
                              engram_test::shell_quote(ENGRAM_PICKLE_INTEROP_SCRIPT) + " " +
                              arguments + " > " + engram_test::shell_quote(log.string()) + " 2>&1";
  const int status = std::system(command.c_str());
  if (status == -1 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    FAIL(command << "\nfailed; its output:\n" << engram_test::file_bytes(log));
  }
}

std::vector<std::byte> as_bytes(const std::string& text) {
  std::vector<std::byte> bytes(text.size());
  if (!text.empty()) std::memcpy(bytes.data(), text.data(), text.size());
  return bytes;
}

Json decode_to_json(const std::string& pickled) {
  engram::pickle::Value value = engram::pickle::decode(as_bytes(pickled));
  if (auto* array = std::get_if<engram::Array>(&value)) return engram::pickle::tagged_array(*array);
  return std::get<Json>(std::move(value));
}

}  // namespace

TEST_CASE("pickle: what CPython and numpy 1.24 write decodes to equal values",
          "[pickle][interop]") {
  const engram_test::TempDir temp("engram-pickle-interop");
  const fs::path dir = temp.path() / "cases";
  fs::create_directory(dir);
  const fs::path database = fs::path(ENGRAM_SEED_FIXTURES_DIR) / "seed_memory.db";
  REQUIRE(fs::exists(database));
  run_script("write " + engram_test::shell_quote(dir.string()) + " " +
                 engram_test::shell_quote(database.string()),
             temp.path() / "write.log");

  const Json expected = Json::parse(engram_test::file_bytes(dir / "expected.json"));
  std::size_t decoded = 0;
  std::size_t arrays = 0;
  std::size_t fixtures = 0;
  std::size_t core_spellings = 0;
  for (const auto& [name, want] : expected.items()) {
    INFO("case " << name);
    const std::string pickled = engram_test::file_bytes(dir / (name + ".pickle"));
    const engram::pickle::Value value = engram::pickle::decode(as_bytes(pickled));
    Json got;
    if (const auto* array = std::get_if<engram::Array>(&value)) {
      ++arrays;
      got = engram::pickle::tagged_array(*array);
    } else {
      got = std::get<Json>(value);
    }
    CHECK(got == want);
    std::ofstream(dir / (name + ".decoded.json")) << got.dump();
    ++decoded;
    if (name.rfind("fixture-", 0) == 0) ++fixtures;
    // numpy 2 spells numpy.core as numpy._core; GLOBAL's text form (protocols
    // 2 and 3) lets the test respell it in place.
    if (pickled.find("cnumpy.core.") != std::string::npos) {
      std::string respelled = pickled;
      for (std::size_t at = 0; (at = respelled.find("cnumpy.core.", at)) != std::string::npos;
           at += 12) {
        respelled.replace(at, 12, "cnumpy._core.");
      }
      CHECK(decode_to_json(respelled) == want);
      ++core_spellings;
    }
  }
  CHECK(decoded > 1000);
  CHECK(arrays > 400);
  CHECK(fixtures == 7);  // four episodes, three concepts
  CHECK(core_spellings > 100);

  // Python reads engram's output back as the values it pickled.
  run_script("check " + engram_test::shell_quote(dir.string()), temp.path() / "check.log");
  CHECK(engram_test::file_bytes(temp.path() / "check.log")
            .find("checked " + std::to_string(decoded)) != std::string::npos);

  // The reader recognises exactly the globals these pickles use, plus numpy
  // 2's numpy._core spellings of numpy.core's.
  std::set<std::string> used;
  std::istringstream lines(engram_test::file_bytes(dir / "globals.txt"));
  for (std::string line; std::getline(lines, line);) {
    used.insert(line);
    if (line.rfind("numpy.core.", 0) == 0) used.insert("numpy._core." + line.substr(11));
  }
  const std::set<std::string> known(std::begin(engram::pickle::kGlobals),
                                    std::end(engram::pickle::kGlobals));
  CHECK(known == used);
}
