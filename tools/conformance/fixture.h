// The conformance suite's fixture: how a test case gets a fresh Storage for
// the plugin under test, what that plugin promises beyond the contract, and
// the helpers that make deterministic values and compare records exactly.
//
// The suite is the program engram-conformance (conformance_main.cpp):
// `--engram-config <file>` names the config that opens the plugins under
// test for their roles. What a plugin promises beyond the contract
// (engram::PluginCapabilities, e.g. keeps_ids) is read from the descriptor
// of the plugin that serves each role. Every test case opens its own Storage
// with open(), in a fresh scratch folder with a fresh run id, and depends on
// no other case. The placeholders open() sets, which a config under test
// uses to give each case fresh state:
//   ${ENGRAM_CONFORMANCE_DIR}  a fresh, empty folder per open() (file paths)
//   ${ENGRAM_CONFORMANCE_ID}   a fresh run id per open() (server key prefixes)
//   ${ENGRAM_CONFORMANCE_PATTERN_TTL}, _ATTENTION_TTL, _SPIKE_TTL
//                              the working-memory TTL options (seconds) the
//                              case sets; give a default, `${...:-600}`
//
// Thread safety: open() and the settings are for the main thread only; the
// value helpers are stateless.
#ifndef ENGRAM_TESTS_CONFORMANCE_FIXTURE_H_
#define ENGRAM_TESTS_CONFORMANCE_FIXTURE_H_

#include <catch2/catch.hpp>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engram/array.h"
#include "engram/errors.h"
#include "engram/json.h"
#include "engram/page.h"
#include "engram/plugin.h"
#include "engram/storage.h"

namespace conformance {

// ------------------------------------------------------------ settings

// What the run tests (conformance_main.cpp fills it before any case runs).
struct Settings {
  std::filesystem::path config;  // --engram-config, made absolute
  // The roles under test, and for each the capabilities of the plugin
  // serving it (its descriptor's).
  std::map<engram::Role, engram::PluginCapabilities> capabilities;
};
Settings& settings();
// What the plugin serving `role` promises beyond the contract; none for a
// role not under test.
engram::PluginCapabilities capabilities(engram::Role role);

// ------------------------------------------------------------ opening

// The working-memory TTL options (seconds) the config receives through
// ENGRAM_CONFORMANCE_PATTERN_TTL / _ATTENTION_TTL / _SPIKE_TTL.
struct TtlOverrides {
  double pattern_ttl = 600.0;
  double attention_ttl = 600.0;
  double spike_ttl = 600.0;
};

// Opens the config under test in a fresh scratch folder (exported as
// ENGRAM_CONFORMANCE_DIR) with a fresh run id (ENGRAM_CONFORMANCE_ID) and
// the TTLs given. Each call gives a backend that shares nothing with any
// other call's.
engram::Storage open(TtlOverrides ttl = {});
// The scratch folder of the last open().
const std::filesystem::path& scratch_dir();
// Sets the placeholders for a fresh scratch folder and run id (and the
// default TTLs) without opening anything; returns the folder. open() calls
// it; the program's emptiness check does too.
std::filesystem::path fresh_placeholders(TtlOverrides ttl = {});
// Cleans up after every case, at exit: opens the config once more for each
// scratch folder and run id given out and clears every backend (clear_all;
// one that cannot is left to its TTLs), then removes every scratch folder.
// With `clear_backends` false only the folders go (a refused run, which
// must not touch the config's stores). Does nothing when
// ENGRAM_CONFORMANCE_KEEP is set.
void clean_up(bool clear_backends);

// ------------------------------------------------------------ time

// The wall clock, seconds since the epoch (what "recent" windows count from).
double wall_now();
void sleep_for(double seconds);

// A steady stopwatch.
class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  // Sleeps until `seconds` have passed since the stopwatch started.
  void sleep_until(double seconds) const;

 private:
  std::chrono::steady_clock::time_point start_;
};

// ------------------------------------------------------------ arrays

// A deterministic array: bool elements 0/1, every other dtype arbitrary bit
// patterns (NaNs, infinities, denormals and negative zeros included) from
// `seed`.
engram::Array make_array(engram::DType dtype, engram::Shape shape, std::uint64_t seed);
// A 1-d float64 array of `values`.
engram::Array doubles(std::vector<double> values);
// A 1-d int64 array of `values`.
engram::Array int64s(std::vector<std::int64_t> values);

// One array of every dtype in every shape the suite round-trips: 0-d ({}),
// empty ({0}, {3, 0}), 1-d, 2-d and 3-d.
struct Sample {
  std::string label;  // "float16 (2, 3)"
  engram::Array array;
};
std::vector<Sample> sample_arrays();
// Only the 1-d samples (for fields that must be 1-d).
std::vector<Sample> sample_vectors();

// "float16 (2, 3)".
std::string describe(const engram::ArrayView& array);
// Same dtype, same shape, same bytes.
bool same_array(const engram::ArrayView& a, const engram::ArrayView& b);

// ------------------------------------------------------------ JSON

// Metadata that exercises everything a backend must keep: nested objects
// and lists, unicode keys and values, integers that must stay integers
// (signed, unsigned, extremes) and floats that must stay floats (1.0, -0.0),
// booleans, nulls, empty containers, a 200 KB string and a list of 10,000
// numbers.
engram::Json rich_metadata();
// Small metadata, distinct per `seed`.
engram::Json small_metadata(int seed);
// Empty iff `got` and `want` serialise identically (so 1 and 1.0 differ);
// else a description of the first difference.
std::string json_mismatch(const engram::Json& got, const engram::Json& want);

// ------------------------------------------------------------ ids

// Ids the validator must refuse: empty, ".", "..", with '/', with control
// characters, over 255 bytes, invalid UTF-8.
std::vector<std::string> bad_ids();
// Ids it must accept and every backend must keep apart and round-trip:
// unicode, 255 bytes, dots, glob, LIKE and SQL characters.
std::vector<std::string> good_ids();
// Value strings (concept names, context hashes) that are not valid ids but
// are valid values: '/', ".", "..", control characters, over 255 bytes.
std::vector<std::string> value_only_strings();
// Strings no value may be: empty and invalid UTF-8.
std::vector<std::string> bad_values();
// Printable form of a test string, for messages.
std::string printable(std::string_view text);

// ------------------------------------------------------------ listings

// Pages through a listing with `limit` per page and returns every item.
// Checks that every page holds at most `limit` items and that the listing
// ends (an empty next_cursor) within a sane number of pages.
template <class T>
std::vector<T> list_all(
    const std::function<engram::Page<T>(std::string_view, std::size_t)>& list,
    std::size_t limit) {
  std::vector<T> all;
  std::string cursor;
  for (std::size_t pages = 0;; ++pages) {
    INFO("listing page " << pages << " with limit " << limit);
    REQUIRE(pages < 100000);
    engram::Page<T> page = list(cursor, limit);
    CHECK(page.items.size() <= limit);
    CHECK(page.skipped.empty());  // the suite stores only sound records
    for (T& item : page.items) all.push_back(std::move(item));
    if (page.last()) break;
    REQUIRE(page.next_cursor != cursor);
    cursor = page.next_cursor;
  }
  return all;
}

// Runs `call`, which must throw engram::StorageError whose what() contains
// "closed".
// Records a worker thread's failure; may be called from any thread.
using Fail = std::function<void(const std::string& message)>;
// Runs `work(t, fail)` for t = 0 .. threads-1, each on a thread of its own,
// all at once, and joins them. Returns every failure in no set order: the
// messages `work` gave to `fail`, and "thread <t> threw: ..." for an
// exception that left `work`. Empty when all went well.
std::vector<std::string> run_threads(int threads,
                                     const std::function<void(int t, const Fail& fail)>& work);

void expect_closed(const std::string& what, const std::function<void()>& call);
// Runs a maintenance call that must either work or throw exactly
// engram::NotSupported. Returns true iff it worked.
bool works_or_not_supported(const std::string& what, const std::function<void()>& call);

}  // namespace conformance

// Exact JSON equality (integers stay integers, floats floats).
#define ENGRAM_CHECK_JSON(got, want)                                           \
  do {                                                                         \
    const std::string engram_mismatch_ = conformance::json_mismatch(got, want); \
    INFO("JSON " #got ": " << engram_mismatch_);                               \
    CHECK(engram_mismatch_.empty());                                           \
  } while (false)

// Exact array equality: dtype, shape and bytes.
#define ENGRAM_CHECK_ARRAY(got, want)                                                      \
  do {                                                                                     \
    const auto& engram_got_owner_ = (got); /* keeps a temporary alive */                   \
    const auto& engram_want_owner_ = (want);                                               \
    const engram::ArrayView engram_got_ = engram_got_owner_;                               \
    const engram::ArrayView engram_want_ = engram_want_owner_;                             \
    INFO("array " #got);                                                                   \
    CHECK(conformance::describe(engram_got_) == conformance::describe(engram_want_));      \
    CHECK(conformance::same_array(engram_got_, engram_want_));                             \
  } while (false)

#endif  // ENGRAM_TESTS_CONFORMANCE_FIXTURE_H_
