#include "fixture.h"

#include <mutex>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <sstream>
#include <system_error>
#include <thread>

#include "engram/dtype.h"

namespace conformance {
namespace {

// One scratch folder and run id given out.
struct Scratch {
  std::filesystem::path dir;
  std::string run_id;
};
std::vector<Scratch>& scratches() {
  static std::vector<Scratch> made;
  return made;
}

// A run id unique across processes and hosts' runs: pid, time, a counter
// and randomness, in characters every backend accepts in a key.
std::string fresh_run_id() {
  static unsigned counter = 0;
  static const std::uint64_t process_salt = [] {
    std::random_device device;
    return (static_cast<std::uint64_t>(device()) << 32) ^ device();
  }();
  const auto ticks = std::chrono::system_clock::now().time_since_epoch().count();
  std::ostringstream id;
  id << "conf_" << ::getpid() << '_' << std::hex << static_cast<std::uint64_t>(ticks) << '_'
     << (process_salt & 0xffffffu) << '_' << std::dec << ++counter;
  return id.str();
}

std::filesystem::path make_scratch_dir(const std::string& run_id) {
  std::string pattern =
      (std::filesystem::temp_directory_path() / ("engram-" + run_id + "-XXXXXX")).string();
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) == nullptr) {
    throw std::runtime_error("cannot make a scratch folder from " + pattern + ": " +
                             std::strerror(errno));
  }
  std::filesystem::path dir(buffer.data());
  scratches().push_back({dir, run_id});
  return dir;
}

std::string seconds_text(double seconds) {
  char text[64];
  std::snprintf(text, sizeof text, "%.3f", seconds);
  return text;
}

void set_env(const char* name, const std::string& value) {
  if (::setenv(name, value.c_str(), 1) != 0) {
    throw std::runtime_error(std::string("setenv ") + name + " failed");
  }
}

// SplitMix64: a small, good, deterministic generator.
std::uint64_t splitmix(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::vector<engram::Shape> sample_shapes() {
  return {engram::Shape{}, engram::Shape{0}, engram::Shape{3, 0}, engram::Shape{7},
          engram::Shape{2, 3}, engram::Shape{2, 3, 4}};
}

std::string snippet(const std::string& text, std::size_t at) {
  const std::size_t from = at > 40 ? at - 40 : 0;
  return printable(std::string_view(text).substr(from, 100));
}

}  // namespace

// ------------------------------------------------------------ settings

Settings& settings() {
  static Settings instance;
  return instance;
}

engram::PluginCapabilities capabilities(engram::Role role) {
  const auto found = settings().capabilities.find(role);
  return found == settings().capabilities.end() ? engram::PluginCapabilities{} : found->second;
}

// ------------------------------------------------------------ opening

std::filesystem::path fresh_placeholders(TtlOverrides ttl) {
  const std::string run_id = fresh_run_id();
  const std::filesystem::path dir = make_scratch_dir(run_id);
  set_env("ENGRAM_CONFORMANCE_DIR", dir.string());
  set_env("ENGRAM_CONFORMANCE_ID", run_id);
  set_env("ENGRAM_CONFORMANCE_PATTERN_TTL", seconds_text(ttl.pattern_ttl));
  set_env("ENGRAM_CONFORMANCE_ATTENTION_TTL", seconds_text(ttl.attention_ttl));
  set_env("ENGRAM_CONFORMANCE_SPIKE_TTL", seconds_text(ttl.spike_ttl));
  return dir;
}

engram::Storage open(TtlOverrides ttl) {
  REQUIRE_FALSE(settings().config.empty());
  const std::filesystem::path dir = fresh_placeholders(ttl);
  INFO("opening " << settings().config << " in " << dir);
  return engram::Storage::open(settings().config);
}

const std::filesystem::path& scratch_dir() {
  REQUIRE_FALSE(scratches().empty());
  return scratches().back().dir;
}

void clean_up(bool clear_backends) {
  if (std::getenv("ENGRAM_CONFORMANCE_KEEP") != nullptr) return;
  for (const Scratch& scratch : scratches()) {
    // Records on servers outlive the folder: clear them under the same
    // placeholders. A backend that cannot clear is left to its TTLs.
    if (clear_backends && !settings().config.empty()) {
      try {
        set_env("ENGRAM_CONFORMANCE_DIR", scratch.dir.string());
        set_env("ENGRAM_CONFORMANCE_ID", scratch.run_id);
        engram::Storage storage = engram::Storage::open(settings().config);
        for (const engram::BackendInfo& backend : storage.backends()) {
          try {
            backend.maintenance->clear_all();
          } catch (const engram::StorageError&) {
          }
        }
        storage.close();
      } catch (const std::exception&) {
      }
    }
    std::error_code ignored;
    std::filesystem::remove_all(scratch.dir, ignored);
  }
  scratches().clear();
}

// ------------------------------------------------------------ time

double wall_now() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

void sleep_for(double seconds) {
  std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
}

void Stopwatch::sleep_until(double seconds) const {
  const double left = seconds - this->seconds();
  if (left > 0) sleep_for(left);
}

// ------------------------------------------------------------ arrays

engram::Array make_array(engram::DType dtype, engram::Shape shape, std::uint64_t seed) {
  engram::Array array(dtype, std::move(shape));
  std::uint64_t state = seed * 1000003u + static_cast<std::uint64_t>(dtype) + 1;
  auto bytes = array.mutable_bytes();
  if (dtype == engram::DType::kBool) {
    for (std::byte& b : bytes) b = static_cast<std::byte>(splitmix(state) & 1u);
    return array;
  }
  for (std::size_t i = 0; i < bytes.size(); i += 8) {
    std::uint64_t word = splitmix(state);
    const std::size_t n = std::min<std::size_t>(8, bytes.size() - i);
    std::memcpy(bytes.data() + i, &word, n);
  }
  return array;
}

engram::Array doubles(std::vector<double> values) { return engram::Array(std::move(values)); }

engram::Array int64s(std::vector<std::int64_t> values) {
  return engram::Array(std::move(values));
}

std::vector<Sample> sample_arrays() {
  std::vector<Sample> samples;
  std::uint64_t seed = 1;
  for (engram::DType dtype : engram::kAllDTypes) {
    for (const engram::Shape& shape : sample_shapes()) {
      engram::Array array = make_array(dtype, shape, seed++);
      samples.push_back({describe(array), std::move(array)});
    }
  }
  return samples;
}

std::vector<Sample> sample_vectors() {
  std::vector<Sample> vectors;
  for (Sample& sample : sample_arrays()) {
    if (sample.array.ndim() == 1) vectors.push_back(std::move(sample));
  }
  return vectors;
}

std::string describe(const engram::ArrayView& array) {
  return std::string(engram::dtype_name(array.dtype())) + " " + engram::shape_string(array.shape());
}

bool same_array(const engram::ArrayView& a, const engram::ArrayView& b) {
  if (a.dtype() != b.dtype() || a.shape() != b.shape() || a.nbytes() != b.nbytes()) return false;
  return a.nbytes() == 0 || std::memcmp(a.data(), b.data(), a.nbytes()) == 0;
}

// ------------------------------------------------------------ JSON

engram::Json rich_metadata() {
  using engram::Json;
  Json numbers = Json::array();
  for (int i = 0; i < 10000; ++i) {
    if (i % 2 == 0) {
      numbers.push_back(i);
    } else {
      numbers.push_back(i + 0.5);
    }
  }
  std::string big(200 * 1024, 'x');
  for (std::size_t i = 0; i < big.size(); i += 97) big[i] = static_cast<char>('a' + i % 26);
  Json deep = Json::object();
  Json* level = &deep;
  for (int i = 0; i < 40; ++i) {
    (*level)["d"] = Json::object();
    (*level)["i"] = i;
    level = &(*level)["d"];
  }
  return Json{
      {"int", 42},
      {"negative", -7},
      {"zero_int", 0},
      {"one_float", 1.0},
      {"negative_zero", -0.0},
      {"tenth", 0.1},
      {"huge_float", 1e300},
      {"tiny_float", 5e-324},
      {"int64_max", std::numeric_limits<std::int64_t>::max()},
      {"int64_min", std::numeric_limits<std::int64_t>::min()},
      {"uint64_max", std::numeric_limits<std::uint64_t>::max()},
      {"true", true},
      {"false", false},
      {"null", nullptr},
      {"empty_object", Json::object()},
      {"empty_list", Json::array()},
      {"empty_string", ""},
      {"nested", {{"a", {{"b", {1, 2.5, "three", nullptr, false, Json::array()}}}}}},
      {"list_of_objects", Json::array({Json{{"k", 1}}, Json{{"k", 2.0}}})},
      {"unicode \u00e9\u6f22\u5b57 \U0001F9E0", "valeur \u00fc\u00df \u0436 \U0001F600"},
      {"quotes \"and\" \\back\\slashes", "line\nbreak\ttab\u0001ctl"},
      {"keys with / and .. and %_*?", "sql ' \" ; -- DROP TABLE concepts"},
      {"deep", deep},
      {"big_string", big},
      {"numbers", numbers},
  };
}

engram::Json small_metadata(int seed) {
  return engram::Json{{"seed", seed}, {"half", seed + 0.5}, {"tag", "m" + std::to_string(seed)}};
}

std::string json_mismatch(const engram::Json& got, const engram::Json& want) {
  const std::string a = got.dump();
  const std::string b = want.dump();
  if (a == b) return {};
  std::size_t at = 0;
  while (at < a.size() && at < b.size() && a[at] == b[at]) ++at;
  std::ostringstream out;
  out << "differs at character " << at << " (got " << a.size() << " characters, want "
      << b.size() << "): got ..." << snippet(a, at) << "... want ..." << snippet(b, at) << "...";
  return out.str();
}

// ------------------------------------------------------------ ids

std::vector<std::string> bad_ids() {
  using namespace std::string_literals;
  return {
      ""s,
      "."s,
      ".."s,
      "/"s,
      "a/b"s,
      "../escape"s,
      "trailing/"s,
      "nul\0byte"s,
      "tab\tchar"s,
      "new\nline"s,
      "\x1f"s,
      "del\x7f"s,
      "c1\xc2\x85"s,   // U+0085, a C1 control
      std::string(256, 'a'),
      std::string(254, 'a') + "\xc3\xa9",  // 256 bytes, valid UTF-8
      "\xff"s,
      "bad\xc3"s,            // truncated sequence
      "\xc0\xaf"s,           // overlong '/'
      "\xed\xa0\x80"s,       // a surrogate
      "\xf4\x90\x80\x80"s,   // past U+10FFFF
  };
}

std::vector<std::string> good_ids() {
  return {
      "plain",
      std::string(255, 'z'),
      std::string(253, 'y') + "\xc3\xa9",  // exactly 255 bytes
      "\xe6\xa8\xa1\xe5\xbc\x8f-\xce\xb1",  // 模式-α
      "with space",
      "a.b",
      "...",
      ".hidden",
      "-dash",
      "colon:and:more",
      "*",
      "h?llo",
      "[ab]",
      "%",
      "_",
      "a\\b",
      "quote'; DROP TABLE episodes; --",
      "{brace}",
  };
}

std::vector<std::string> value_only_strings() {
  using namespace std::string_literals;
  return {
      "a/b"s, "/"s, "."s, ".."s, "../up"s, "tab\there"s, "new\nline"s, std::string(300, 'v'),
      "\xe6\xa6\x82\xe5\xbf\xb5/\xce\xb1"s,
  };
}

std::vector<std::string> bad_values() {
  using namespace std::string_literals;
  return {""s, "\xff"s, "bad\xc3"s, "\xc0\xaf"s, "\xed\xa0\x80"s};
}

std::string printable(std::string_view text) {
  std::string out;
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", u);
      out += hex;
    } else {
      out += c;
    }
  }
  if (out.size() > 80) out = out.substr(0, 60) + "...(" + std::to_string(text.size()) + " bytes)";
  return out;
}

// ------------------------------------------------------------ errors

void expect_closed(const std::string& what, const std::function<void()>& call) {
  INFO("after close: " << what);
  try {
    call();
    FAIL_CHECK("no exception");
  } catch (const engram::StorageError& e) {
    INFO("threw: " << e.what());
    CHECK(std::string(e.what()).find("closed") != std::string::npos);
  }
}

bool works_or_not_supported(const std::string& what, const std::function<void()>& call) {
  INFO("maintenance: " << what);
  try {
    call();
    return true;
  } catch (const engram::NotSupported& e) {
    CHECK(std::string(e.what()).size() > 0);
    return false;
  }
}

std::vector<std::string> run_threads(int threads,
                                     const std::function<void(int t, const Fail& fail)>& work) {
  std::mutex mutex;
  std::vector<std::string> errors;
  const Fail fail = [&](const std::string& message) {
    std::lock_guard<std::mutex> lock(mutex);
    errors.push_back(message);
  };
  std::vector<std::thread> running;
  running.reserve(static_cast<std::size_t>(threads));
  for (int t = 0; t < threads; ++t) {
    running.emplace_back([&, t] {
      try {
        work(t, fail);
      } catch (const std::exception& e) {
        fail("thread " + std::to_string(t) + " threw: " + e.what());
      }
    });
  }
  for (auto& thread : running) thread.join();
  return errors;
}

}  // namespace conformance
