// Conformance: the working-memory role (engram/working_memory.h).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engram/working_memory.h"
#include "fixture.h"

namespace {

using conformance::open;
using engram::Array;
using engram::ArrayView;
using engram::AttentionWeights;
using engram::CachedSpikeTrain;
using engram::InvalidArgument;
using engram::Json;
using engram::WorkingMemory;
using engram::WorkingMemoryBatch;
using engram::WorkingMemoryPattern;
using std::chrono::milliseconds;

using PatternList = std::vector<WorkingMemoryPattern>;
using TrainList = std::vector<CachedSpikeTrain>;
using AttentionList = std::vector<AttentionWeights>;

PatternList all_patterns(WorkingMemory& wm, std::size_t limit = 100) {
  return conformance::list_all<WorkingMemoryPattern>(
      [&](std::string_view c, std::size_t l) { return wm.list_working_memory_patterns(c, l); },
      limit);
}
TrainList all_trains(WorkingMemory& wm, std::size_t limit = 100) {
  return conformance::list_all<CachedSpikeTrain>(
      [&](std::string_view c, std::size_t l) { return wm.list_spike_trains(c, l); }, limit);
}
AttentionList all_attention(WorkingMemory& wm, std::size_t limit = 100) {
  return conformance::list_all<AttentionWeights>(
      [&](std::string_view c, std::size_t l) { return wm.list_attention_weights(c, l); }, limit);
}

double ttl_seconds(const std::optional<milliseconds>& ttl) {
  REQUIRE(ttl.has_value());
  return std::chrono::duration<double>(*ttl).count();
}

// The TTL left right after a store: at most `configured`, and close to it.
void check_fresh_ttl(const std::optional<milliseconds>& ttl, double configured) {
  INFO("configured TTL " << configured << " s");
  const double left = ttl_seconds(ttl);
  CHECK(left <= configured);
  CHECK(left > configured - 10.0);
}

}  // namespace

TEST_CASE("working_memory: a pattern round-trips with its timestamp and metadata",
          "[working_memory]") {
  engram::Storage storage = open();
  auto wm = storage.working_memory();
  const Array pattern = conformance::make_array(engram::DType::kFloat32, {4, 8}, 7);
  const Json metadata = conformance::small_metadata(3);
  wm->store_working_memory_pattern("pattern-1", pattern, 1700000000.25, metadata);

  auto got = wm->retrieve_working_memory_pattern("pattern-1");
  REQUIRE(got);
  CHECK(got->pattern_hash == "pattern-1");
  ENGRAM_CHECK_ARRAY(got->pattern, pattern);
  CHECK(got->timestamp == 1700000000.25);
  ENGRAM_CHECK_JSON(got->metadata, metadata);
  CHECK_FALSE(got->last_accessed.has_value());
  check_fresh_ttl(got->ttl, 600.0);

  // Default metadata is an empty object.
  wm->store_working_memory_pattern("pattern-2", pattern, 1.5);
  auto plain = wm->retrieve_working_memory_pattern("pattern-2");
  REQUIRE(plain);
  ENGRAM_CHECK_JSON(plain->metadata, Json::object());

  CHECK_FALSE(wm->retrieve_working_memory_pattern("pattern-3"));
}

TEST_CASE("working_memory: storing a pattern again replaces it", "[working_memory]") {
  engram::Storage storage = open();
  auto wm = storage.working_memory();
  const Array first = conformance::make_array(engram::DType::kFloat64, {3}, 1);
  const Array second = conformance::make_array(engram::DType::kInt16, {2, 2}, 2);
  wm->store_working_memory_pattern("p", first, 10.0, Json{{"v", 1}});
  wm->store_working_memory_pattern("p", second, 20.0, Json{{"w", 2.5}});
  auto got = wm->retrieve_working_memory_pattern("p");
  REQUIRE(got);
  ENGRAM_CHECK_ARRAY(got->pattern, second);
  CHECK(got->timestamp == 20.0);
  ENGRAM_CHECK_JSON(got->metadata, (Json{{"w", 2.5}}));
  CHECK(all_patterns(*wm).size() == 1);
}

TEST_CASE("working_memory: every dtype and shape round-trips exactly", "[working_memory]") {
  engram::Storage storage = open();
  auto wm = storage.working_memory();
  const auto samples = conformance::sample_arrays();
  const double base = conformance::wall_now();
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const Array& a = samples[i].array;
    wm->store_working_memory_pattern("p" + std::to_string(i), a, 1.0);
    wm->store_attention_weights("c" + std::to_string(i), a, 2.0);
    wm->cache_spike_train(base + static_cast<double>(i), a,
                          std::vector<std::int64_t>{static_cast<std::int64_t>(i)});
  }
  for (std::size_t i = 0; i < samples.size(); ++i) {
    INFO("sample " << samples[i].label);
    const Array& want = samples[i].array;
    auto pattern = wm->retrieve_working_memory_pattern("p" + std::to_string(i));
    REQUIRE(pattern);
    ENGRAM_CHECK_ARRAY(pattern->pattern, want);
    auto attention = wm->retrieve_attention_weights("c" + std::to_string(i));
    REQUIRE(attention);
    ENGRAM_CHECK_ARRAY(attention->weights, want);
    auto train = wm->retrieve_spike_train(base + static_cast<double>(i));
    REQUIRE(train);
    ENGRAM_CHECK_ARRAY(train->spike_data, want);
    CHECK(train->neuron_ids == std::vector<std::int64_t>{static_cast<std::int64_t>(i)});
  }
}

TEST_CASE("working_memory: metadata round-trips exactly, at any size", "[working_memory]") {
  engram::Storage storage = open();
  auto wm = storage.working_memory();
  const Json metadata = conformance::rich_metadata();
  const Array pattern = conformance::make_array(engram::DType::kUInt8, {16}, 4);
  wm->store_working_memory_pattern("rich", pattern, 5.0, metadata);
  auto got = wm->retrieve_working_memory_pattern("rich");
  REQUIRE(got);
  ENGRAM_CHECK_JSON(got->metadata, metadata);
  const auto listed = all_patterns(*wm);
  REQUIRE(listed.size() == 1);
  ENGRAM_CHECK_JSON(listed[0].metadata, metadata);
}

TEST_CASE("working_memory: update_working_memory_access sets last_accessed and creates nothing",
          "[working_memory]") {
  engram::Storage storage = open();
  auto wm = storage.working_memory();
  const Array pattern = conformance::make_array(engram::DType::kFloat32, {5}, 9);
  wm->store_working_memory_pattern("p", pattern, 100.0, Json{{"k", 1}});

  const double before = conformance::wall_now();
  CHECK(wm->update_working_memory_access("p"));
  const double after = conformance::wall_now();
  auto got = wm->retrieve_working_memory_pattern("p");
  REQUIRE(got);
  REQUIRE(got->last_accessed.has_value());
  CHECK(*got->last_accessed >= before - 1.0);
  CHECK(*got->last_accessed <= after + 1.0);
  // The access changes nothing else.
  ENGRAM_CHECK_ARRAY(got->pattern, pattern);
  CHECK(got->timestamp == 100.0);
  ENGRAM_CHECK_JSON(got->metadata, (Json{{"k", 1}}));
  check_fresh_ttl(got->ttl, 600.0);
  // The listing shows it too.
  const auto listed = all_patterns(*wm);
  REQUIRE(listed.size() == 1);
  REQUIRE(listed[0].last_accessed.has_value());
  CHECK(*listed[0].last_accessed == *got->last_accessed);

  // A missing pattern: false, and nothing appears.
  CHECK_FALSE(wm->update_working_memory_access("missing"));
  CHECK_FALSE(wm->retrieve_working_memory_pattern("missing"));
  CHECK(all_patterns(*wm).size() == 1);
}

TEST_CASE("working_memory: the TTL options and cache_spike_train's ttl set each record's TTL",
          "[working_memory]") {
  conformance::TtlOverrides ttl;
  ttl.pattern_ttl = 500.0;
  ttl.attention_ttl = 400.0;
  ttl.spike_ttl = 300.0;
  engram::Storage storage = open(ttl);
  auto wm = storage.working_memory();
  const Array a = conformance::make_array(engram::DType::kFloat64, {3}, 1);
  const double now = conformance::wall_now();
  wm->store_working_memory_pattern("p", a, now);
  wm->store_attention_weights("c", a, now);
  wm->cache_spike_train(now, a);
  wm->cache_spike_train(now + 1.0, a, std::nullopt, milliseconds(42000));
  wm->cache_spike_train(now + 2.0, a, std::nullopt, milliseconds(900000));

  auto pattern = wm->retrieve_working_memory_pattern("p");
  REQUIRE(pattern);
  check_fresh_ttl(pattern->ttl, 500.0);
  auto attention = wm->retrieve_attention_weights("c");
  REQUIRE(attention);
  check_fresh_ttl(attention->ttl, 400.0);
  auto by_default = wm->retrieve_spike_train(now);
  REQUIRE(by_default);
  check_fresh_ttl(by_default->ttl, 300.0);
  auto shorter = wm->retrieve_spike_train(now + 1.0);
  REQUIRE(shorter);
  check_fresh_ttl(shorter->ttl, 42.0);
  auto longer = wm->retrieve_spike_train(now + 2.0);
  REQUIRE(longer);
  check_fresh_ttl(longer->ttl, 900.0);

  // Listings report the TTL left as well.
  for (const auto& p : all_patterns(*wm)) check_fresh_ttl(p.ttl, 500.0);
  for (const auto& w : all_attention(*wm)) check_fresh_ttl(w.ttl, 400.0);
  CHECK(all_trains(*wm).size() == 3);

  // A ttl that is not positive is refused.
  CHECK_THROWS_AS(wm->cache_spike_train(now + 3.0, a, std::nullopt, milliseconds(0)),
                  InvalidArgument);
  CHECK_THROWS_AS(wm->cache_spike_train(now + 3.0, a, std::nullopt, milliseconds(-5)),
                  InvalidArgument);
  CHECK_FALSE(wm->retrieve_spike_train(now + 3.0));
}

TEST_CASE("working_memory: records expire after their TTL", "[working_memory]") {
  conformance::TtlOverrides ttl;
  ttl.pattern_ttl = 1.0;
  ttl.attention_ttl = 1.0;
  ttl.spike_ttl = 1.0;
  engram::Storage storage = open(ttl);
  auto wm = storage.working_memory();
  const Array a = conformance::make_array(engram::DType::kInt32, {2, 2}, 5);
  const double t1 = conformance::wall_now();
  const double t2 = t1 + 0.5;

  const conformance::Stopwatch since_store;
  wm->store_working_memory_pattern("short", a, t1);
  wm->store_attention_weights("short", a, t1);
  wm->cache_spike_train(t1, a, std::vector<std::int64_t>{1});  // spike_ttl
  wm->cache_spike_train(t2, a, std::vector<std::int64_t>{2}, milliseconds(600000));
  WorkingMemoryBatch batch;  // a put's own TTL beats the option
  batch.put(engram::WorkingMemoryPatternView{"long", a, t1, engram::empty_json_object(),
                                             std::nullopt, milliseconds(600000)});
  batch.put(engram::AttentionWeightsView{"long", a, t1, milliseconds(600000)});
  wm->store_batch(batch);

  // Readable before the TTL, with at most the TTL left. (Read first, judged
  // after: on a machine so slow that a second passed, nothing is concluded.)
  auto pattern = wm->retrieve_working_memory_pattern("short");
  auto attention_before = wm->retrieve_attention_weights("short");
  auto train = wm->retrieve_spike_train(t1);
  const std::size_t recent_before = wm->get_recent_spike_trains(60.0).size();
  const std::size_t patterns_before = all_patterns(*wm).size();
  const std::size_t attention_count_before = all_attention(*wm).size();
  const std::size_t trains_before = all_trains(*wm).size();
  if (since_store.seconds() < 0.9) {
    REQUIRE(pattern);
    CHECK(ttl_seconds(pattern->ttl) <= 1.0);
    CHECK(ttl_seconds(pattern->ttl) > 0.0);
    REQUIRE(attention_before);
    CHECK(ttl_seconds(attention_before->ttl) <= 1.0);
    CHECK(ttl_seconds(attention_before->ttl) > 0.0);
    REQUIRE(train);
    CHECK(ttl_seconds(train->ttl) <= 1.0);
    CHECK(ttl_seconds(train->ttl) > 0.0);
    CHECK(recent_before == 2);
    CHECK(patterns_before == 2);
    CHECK(attention_count_before == 2);
    CHECK(trains_before == 2);
  } else {
    WARN("the stores and reads took over 0.9 s: readability before the TTL not checked");
  }

  since_store.sleep_until(1.6);

  CHECK_FALSE(wm->retrieve_working_memory_pattern("short"));
  CHECK_FALSE(wm->retrieve_attention_weights("short"));
  CHECK_FALSE(wm->retrieve_spike_train(t1));
  CHECK_FALSE(wm->update_working_memory_access("short"));
  CHECK_FALSE(wm->retrieve_working_memory_pattern("short"));

  const auto patterns = all_patterns(*wm, 1);
  REQUIRE(patterns.size() == 1);
  CHECK(patterns[0].pattern_hash == "long");
  const auto attention = all_attention(*wm, 1);
  REQUIRE(attention.size() == 1);
  CHECK(attention[0].context == "long");
  const auto trains = all_trains(*wm, 1);
  REQUIRE(trains.size() == 1);
  CHECK(trains[0].timestamp == t2);
  const auto recent = wm->get_recent_spike_trains(60.0);
  REQUIRE(recent.size() == 1);
  CHECK(recent[0].timestamp == t2);
  CHECK(recent[0].neuron_ids == std::vector<std::int64_t>{2});
  CHECK(wm->retrieve_working_memory_pattern("long"));
  CHECK(wm->retrieve_attention_weights("long"));
  CHECK(wm->retrieve_spike_train(t2));

  // An expired key can be stored again.
  wm->store_working_memory_pattern("short", a, t2);
  auto again = wm->retrieve_working_memory_pattern("short");
  REQUIRE(again);
  CHECK(again->timestamp == t2);
  CHECK_FALSE(again->last_accessed.has_value());
}

TEST_CASE("working_memory: update_working_memory_access leaves the TTL alone",
          "[working_memory]") {
  conformance::TtlOverrides ttl;
  ttl.pattern_ttl = 1.0;
  engram::Storage storage = open(ttl);
  auto wm = storage.working_memory();
  const Array a = conformance::make_array(engram::DType::kFloat32, {3}, 2);
  wm->store_working_memory_pattern("p", a, 1.0);
  const conformance::Stopwatch since_store;

  since_store.sleep_until(0.5);
  const double elapsed = since_store.seconds();
  const bool updated = wm->update_working_memory_access("p");
  auto got = wm->retrieve_working_memory_pattern("p");
  if (since_store.seconds() < 0.9) {
    REQUIRE(updated);
    REQUIRE(got);
    REQUIRE(got->last_accessed.has_value());
    // The TTL left did not grow back: at most 1 s minus the time since the
    // store (with 0.1 s for rounding and clocks).
    INFO("elapsed since store " << elapsed << " s");
    CHECK(ttl_seconds(got->ttl) <= 1.0 - elapsed + 0.1);
  } else {
    WARN("the access and read took too long: the TTL left not checked");
  }

  since_store.sleep_until(1.6);
  CHECK_FALSE(wm->retrieve_working_memory_pattern("p"));
  CHECK_FALSE(wm->update_working_memory_access("p"));
  CHECK(all_patterns(*wm).empty());
}

TEST_CASE("working_memory: spike trains are matched by their exact timestamp",
          "[working_memory]") {
  engram::Storage storage = open();
  auto wm = storage.working_memory();
  const double t = 1700000000.123456;
  const Array first = conformance::make_array(engram::DType::kFloat32, {4}, 1);
  const Array second = conformance::make_array(engram::DType::kUInt8, {2, 3}, 2);
  wm->cache_spike_train(t, first, std::vector<std::int64_t>{1, 2, 3, 4});

  auto got = wm->retrieve_spike_train(t);
  REQUIRE(got);
  CHECK(got->timestamp == t);
  ENGRAM_CHECK_ARRAY(got->spike_data, first);
  CHECK(got->neuron_ids == std::vector<std::int64_t>{1, 2, 3, 4});
  CHECK_FALSE(wm->retrieve_spike_train(std::nextafter(t, 0.0)));
  CHECK_FALSE(wm->retrieve_spike_train(std::nextafter(t, 2e9)));
  CHECK_FALSE(wm->retrieve_spike_train(1700000000.123));

  // A second train at the same timestamp: both kept, the last one returned.
  wm->cache_spike_train(t, second, std::vector<std::int64_t>{9});
  got = wm->retrieve_spike_train(t);
  REQUIRE(got);
  ENGRAM_CHECK_ARRAY(got->spike_data, second);
  CHECK(got->neuron_ids == std::vector<std::int64_t>{9});
  const auto trains = all_trains(*wm);
  REQUIRE(trains.size() == 2);
  std::set<std::vector<std::int64_t>> ids;
  for (const auto& train : trains) {
    CHECK(train.timestamp == t);
    ids.insert(train.neuron_ids);
  }
  CHECK(ids == std::set<std::vector<std::int64_t>>{{1, 2, 3, 4}, {9}});

  // Timestamps that differ only far past the millisecond stay apart.
  const double u = 1700000001.0;
  const double v = std::nextafter(u, 2e9);
  wm->cache_spike_train(u, first, std::vector<std::int64_t>{100});
  wm->cache_spike_train(v, first, std::vector<std::int64_t>{200});
  auto at_u = wm->retrieve_spike_train(u);
  auto at_v = wm->retrieve_spike_train(v);
  REQUIRE(at_u);
  REQUIRE(at_v);
  CHECK(at_u->neuron_ids == std::vector<std::int64_t>{100});
  CHECK(at_v->neuron_ids == std::vector<std::int64_t>{200});
  CHECK(at_v->timestamp == v);

  // Odd but finite timestamps.
  for (double odd : {0.0, -12.5, 1e-300, 4.5e15}) {
    INFO("timestamp " << odd);
    wm->cache_spike_train(odd, first, std::vector<std::int64_t>{7});
    auto got_odd = wm->retrieve_spike_train(odd);
    REQUIRE(got_odd);
    CHECK(got_odd->timestamp == odd);
  }
}

TEST_CASE("working_memory: get_recent_spike_trains lists the window sorted by time",
          "[working_memory]") {
  engram::Storage storage = open();
  auto wm = storage.working_memory();
  const Array a = conformance::make_array(engram::DType::kFloat64, {2}, 3);
  const double now = conformance::wall_now();
  // Cached out of order; two share a timestamp.
  wm->cache_spike_train(now - 10.0, a, std::vector<std::int64_t>{2});
  wm->cache_spike_train(now - 100.0, a, std::vector<std::int64_t>{1});
  wm->cache_spike_train(now + 1000.0, a, std::vector<std::int64_t>{5});
  wm->cache_spike_train(now - 2.0, a, std::vector<std::int64_t>{3});
  wm->cache_spike_train(now - 2.0, a, std::vector<std::int64_t>{4});

  const auto recent = wm->get_recent_spike_trains(50.0);
  REQUIRE(recent.size() == 4);
  CHECK(recent[0].timestamp == now - 10.0);
  CHECK(recent[0].neuron_ids == std::vector<std::int64_t>{2});
  CHECK(recent[1].timestamp == now - 2.0);
  CHECK(recent[1].neuron_ids == std::vector<std::int64_t>{3});
  CHECK(recent[2].timestamp == now - 2.0);
  CHECK(recent[2].neuron_ids == std::vector<std::int64_t>{4});
  CHECK(recent[3].timestamp == now + 1000.0);
  for (const auto& train : recent) ENGRAM_CHECK_ARRAY(train.spike_data, a);

  CHECK(wm->get_recent_spike_trains(1000.0).size() == 5);
  const auto narrow = wm->get_recent_spike_trains(0.0);
  REQUIRE(narrow.size() == 1);
  CHECK(narrow[0].timestamp == now + 1000.0);
  // The default window is 1 s.
  const auto by_default = wm->get_recent_spike_trains();
  CHECK(by_default.size() == 1);

  CHECK_THROWS_AS(wm->get_recent_spike_trains(-1.0), InvalidArgument);
  CHECK_THROWS_AS(wm->get_recent_spike_trains(std::numeric_limits<double>::quiet_NaN()),
                  InvalidArgument);
  CHECK_THROWS_AS(wm->get_recent_spike_trains(std::numeric_limits<double>::infinity()),
                  InvalidArgument);
}

TEST_CASE("working_memory: neuron_ids round-trip and default to an empty list",
          "[working_memory]") {
  engram::Storage storage = open();
  auto wm = storage.working_memory();
  const Array a = conformance::make_array(engram::DType::kBool, {6}, 1);
  const std::vector<std::int64_t> ids{0, -1, std::numeric_limits<std::int64_t>::max(),
                                      std::numeric_limits<std::int64_t>::min(), 42, 42};
  wm->cache_spike_train(1.0, a, ids);
  wm->cache_spike_train(2.0, a);
  wm->cache_spike_train(3.0, a, std::vector<std::int64_t>{});
  std::vector<std::int64_t> many(10000);
  for (std::size_t i = 0; i < many.size(); ++i) many[i] = static_cast<std::int64_t>(i * 7);
  wm->cache_spike_train(4.0, a, many);

  auto one = wm->retrieve_spike_train(1.0);
  REQUIRE(one);
  CHECK(one->neuron_ids == ids);
  auto two = wm->retrieve_spike_train(2.0);
  REQUIRE(two);
  CHECK(two->neuron_ids.empty());
  auto three = wm->retrieve_spike_train(3.0);
  REQUIRE(three);
  CHECK(three->neuron_ids.empty());
  auto four = wm->retrieve_spike_train(4.0);
  REQUIRE(four);
  CHECK(four->neuron_ids == many);
}

TEST_CASE("working_memory: attention weights round-trip and are replaced", "[working_memory]") {
  engram::Storage storage = open();
  auto wm = storage.working_memory();
  const Array first = conformance::make_array(engram::DType::kFloat32, {8, 8}, 1);
  const Array second = conformance::make_array(engram::DType::kFloat16, {3}, 2);
  wm->store_attention_weights("ctx", first, 11.5);
  auto got = wm->retrieve_attention_weights("ctx");
  REQUIRE(got);
  CHECK(got->context == "ctx");
  ENGRAM_CHECK_ARRAY(got->weights, first);
  CHECK(got->timestamp == 11.5);
  check_fresh_ttl(got->ttl, 600.0);

  wm->store_attention_weights("ctx", second, 12.5);
  got = wm->retrieve_attention_weights("ctx");
  REQUIRE(got);
  ENGRAM_CHECK_ARRAY(got->weights, second);
  CHECK(got->timestamp == 12.5);
  CHECK(all_attention(*wm).size() == 1);
  CHECK_FALSE(wm->retrieve_attention_weights("other"));
}

TEST_CASE("working_memory: ids are validated on store and on retrieve", "[working_memory]") {
  engram::Storage storage = open();
  auto wm = storage.working_memory();
  const Array a = conformance::make_array(engram::DType::kFloat64, {2}, 1);
  wm->store_working_memory_pattern("present", a, 1.0);
  wm->store_attention_weights("present", a, 1.0);

  for (const std::string& bad : conformance::bad_ids()) {
    INFO("bad id '" << conformance::printable(bad) << "' (" << bad.size() << " bytes)");
    CHECK_THROWS_AS(wm->store_working_memory_pattern(bad, a, 1.0), InvalidArgument);
    CHECK_THROWS_AS(wm->retrieve_working_memory_pattern(bad), InvalidArgument);
    CHECK_THROWS_AS(wm->update_working_memory_access(bad), InvalidArgument);
    CHECK_THROWS_AS(wm->store_attention_weights(bad, a, 1.0), InvalidArgument);
    CHECK_THROWS_AS(wm->retrieve_attention_weights(bad), InvalidArgument);
    WorkingMemoryBatch batch;
    CHECK_THROWS_AS(batch.store_working_memory_pattern(bad, a, 1.0), InvalidArgument);
    CHECK_THROWS_AS(batch.store_attention_weights(bad, a, 1.0), InvalidArgument);
    CHECK(batch.empty());
  }
  // Nothing was stored by the refused calls.
  CHECK(all_patterns(*wm).size() == 1);
  CHECK(all_attention(*wm).size() == 1);

  // Well-formed ids round-trip, each to its own record.
  const auto good = conformance::good_ids();
  for (std::size_t i = 0; i < good.size(); ++i) {
    const Array value = conformance::make_array(engram::DType::kInt64, {2}, 100 + i);
    wm->store_working_memory_pattern(good[i], value, static_cast<double>(i));
    wm->store_attention_weights(good[i], value, static_cast<double>(i));
  }
  for (std::size_t i = 0; i < good.size(); ++i) {
    INFO("good id '" << conformance::printable(good[i]) << "'");
    const Array value = conformance::make_array(engram::DType::kInt64, {2}, 100 + i);
    auto pattern = wm->retrieve_working_memory_pattern(good[i]);
    REQUIRE(pattern);
    CHECK(pattern->pattern_hash == good[i]);
    ENGRAM_CHECK_ARRAY(pattern->pattern, value);
    auto attention = wm->retrieve_attention_weights(good[i]);
    REQUIRE(attention);
    CHECK(attention->context == good[i]);
    ENGRAM_CHECK_ARRAY(attention->weights, value);
    CHECK(wm->update_working_memory_access(good[i]));
  }
  CHECK(all_patterns(*wm).size() == good.size() + 1);
  CHECK(all_attention(*wm).size() == good.size() + 1);
  // A well-formed id that is not there (glob and LIKE characters match
  // nothing else).
  CHECK_FALSE(wm->retrieve_working_memory_pattern("absent"));
  CHECK_FALSE(wm->retrieve_working_memory_pattern("p*"));
  CHECK_FALSE(wm->retrieve_attention_weights("pres%"));
  CHECK_FALSE(wm->update_working_memory_access("absent"));

  // Values that cannot be stored.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  CHECK_THROWS_AS(wm->store_working_memory_pattern("x", a, nan), InvalidArgument);
  CHECK_THROWS_AS(wm->store_working_memory_pattern("x", a, 1.0, Json{{"bad", nan}}),
                  InvalidArgument);
  CHECK_THROWS_AS(wm->store_working_memory_pattern("x", a, 1.0, Json::array({1})),
                  InvalidArgument);
  CHECK_THROWS_AS(wm->cache_spike_train(nan, a), InvalidArgument);
  CHECK_THROWS_AS(wm->retrieve_spike_train(nan), InvalidArgument);
  CHECK_THROWS_AS(wm->store_attention_weights("x", a, std::numeric_limits<double>::infinity()),
                  InvalidArgument);
  CHECK_FALSE(wm->retrieve_working_memory_pattern("x"));
  CHECK_FALSE(wm->retrieve_attention_weights("x"));
  CHECK(all_trains(*wm).empty());
}

TEST_CASE("working_memory: store_batch stores every record", "[working_memory]") {
  engram::Storage storage = open();
  auto wm = storage.working_memory();
  const Array a = conformance::make_array(engram::DType::kFloat32, {3}, 1);
  const Array b = conformance::make_array(engram::DType::kComplex64, {2, 2}, 2);
  const double now = conformance::wall_now();
  WorkingMemoryBatch batch;
  batch.store_working_memory_pattern("p1", a, 1.0, Json{{"n", 1}});
  batch.store_working_memory_pattern("p2", b, 2.0);
  batch.cache_spike_train(now, a, std::vector<std::int64_t>{1});
  batch.cache_spike_train(now, b, std::vector<std::int64_t>{2});
  batch.cache_spike_train(now + 1.0, b, std::nullopt, milliseconds(30000));
  batch.store_attention_weights("c1", b, 3.0);
  REQUIRE(batch.size() == 6);
  wm->store_batch(batch);

  auto p1 = wm->retrieve_working_memory_pattern("p1");
  REQUIRE(p1);
  ENGRAM_CHECK_ARRAY(p1->pattern, a);
  ENGRAM_CHECK_JSON(p1->metadata, (Json{{"n", 1}}));
  check_fresh_ttl(p1->ttl, 600.0);
  auto p2 = wm->retrieve_working_memory_pattern("p2");
  REQUIRE(p2);
  ENGRAM_CHECK_ARRAY(p2->pattern, b);
  auto train = wm->retrieve_spike_train(now);
  REQUIRE(train);
  CHECK(train->neuron_ids == std::vector<std::int64_t>{2});  // the last cached
  check_fresh_ttl(train->ttl, 600.0);
  auto timed = wm->retrieve_spike_train(now + 1.0);
  REQUIRE(timed);
  check_fresh_ttl(timed->ttl, 30.0);
  CHECK(timed->neuron_ids.empty());
  auto c1 = wm->retrieve_attention_weights("c1");
  REQUIRE(c1);
  ENGRAM_CHECK_ARRAY(c1->weights, b);
  CHECK(all_trains(*wm).size() == 3);
  CHECK(wm->get_recent_spike_trains(60.0).size() == 3);

  // An empty batch is fine.
  wm->store_batch(WorkingMemoryBatch{});
  CHECK(all_patterns(*wm).size() == 2);
}

TEST_CASE("working_memory: a batch add that fails validation leaves the batch unchanged",
          "[working_memory]") {
  engram::Storage storage = open();
  auto wm = storage.working_memory();
  const Array a = conformance::make_array(engram::DType::kInt8, {4}, 1);
  WorkingMemoryBatch batch;
  batch.store_working_memory_pattern("ok1", a, 1.0);
  batch.store_attention_weights("ok2", a, 1.0);
  CHECK_THROWS_AS(batch.store_working_memory_pattern("bad/id", a, 1.0), InvalidArgument);
  CHECK_THROWS_AS(batch.cache_spike_train(1.0, a, std::nullopt, milliseconds(0)),
                  InvalidArgument);
  CHECK_THROWS_AS(batch.store_attention_weights("..", a, 1.0), InvalidArgument);
  CHECK_THROWS_AS(batch.put(engram::WorkingMemoryPatternView{
                      "", a, 1.0, engram::empty_json_object(), std::nullopt, std::nullopt}),
                  InvalidArgument);
  CHECK_THROWS_AS(batch.store_working_memory_pattern(
                      "ok3", a, 1.0, Json{{"x", std::numeric_limits<double>::infinity()}}),
                  InvalidArgument);
  CHECK(batch.size() == 2);
  CHECK(batch.patterns().size() == 1);
  CHECK(batch.attention_weights().size() == 1);
  CHECK(batch.spike_trains().empty());
  // Nothing reached the backend.
  CHECK(all_patterns(*wm).empty());
  CHECK(all_attention(*wm).empty());
  CHECK(all_trains(*wm).empty());

  wm->store_batch(batch);
  CHECK(wm->retrieve_working_memory_pattern("ok1"));
  CHECK(wm->retrieve_attention_weights("ok2"));
  CHECK_FALSE(wm->retrieve_working_memory_pattern("ok3"));
  CHECK(all_patterns(*wm).size() == 1);
}

TEST_CASE("working_memory: listings return every record exactly once", "[working_memory]") {
  engram::Storage storage = open();
  auto wm = storage.working_memory();
  const double now = conformance::wall_now();
  std::set<std::string> hashes;
  std::set<std::int64_t> train_marks;
  for (int i = 0; i < 7; ++i) {
    const Array a = conformance::make_array(engram::DType::kUInt16, {2},
                                            static_cast<std::uint64_t>(i));
    const std::string key = "k" + std::to_string(i);
    wm->store_working_memory_pattern(key, a, static_cast<double>(i));
    wm->store_attention_weights(key, a, static_cast<double>(i));
    // Pairs of trains share a timestamp.
    wm->cache_spike_train(now + static_cast<double>(i / 2), a, std::vector<std::int64_t>{i});
    hashes.insert(key);
    train_marks.insert(i);
  }
  for (const std::size_t limit : {std::size_t{1}, std::size_t{2}, std::size_t{3}, std::size_t{100}}) {
    INFO("limit " << limit);
    std::multiset<std::string> got_hashes;
    for (const auto& p : all_patterns(*wm, limit)) {
      got_hashes.insert(p.pattern_hash);
      const Array want = conformance::make_array(
          engram::DType::kUInt16, {2}, static_cast<std::uint64_t>(std::stoi(p.pattern_hash.substr(1))));
      ENGRAM_CHECK_ARRAY(p.pattern, want);
    }
    CHECK(got_hashes == std::multiset<std::string>(hashes.begin(), hashes.end()));
    std::multiset<std::string> got_contexts;
    for (const auto& w : all_attention(*wm, limit)) got_contexts.insert(w.context);
    CHECK(got_contexts == std::multiset<std::string>(hashes.begin(), hashes.end()));
    std::multiset<std::int64_t> got_marks;
    for (const auto& t : all_trains(*wm, limit)) {
      REQUIRE(t.neuron_ids.size() == 1);
      got_marks.insert(t.neuron_ids[0]);
      CHECK(t.timestamp == now + static_cast<double>(t.neuron_ids[0] / 2));
    }
    CHECK(got_marks == std::multiset<std::int64_t>(train_marks.begin(), train_marks.end()));
  }

  const std::string bogus = "this is not a cursor \x01\xff";
  CHECK_THROWS_AS(wm->list_working_memory_patterns(bogus, 2), InvalidArgument);
  CHECK_THROWS_AS(wm->list_spike_trains(bogus, 2), InvalidArgument);
  CHECK_THROWS_AS(wm->list_attention_weights(bogus, 2), InvalidArgument);
  CHECK_THROWS_AS(wm->list_working_memory_patterns({}, 0), InvalidArgument);
  CHECK_THROWS_AS(wm->list_spike_trains({}, 0), InvalidArgument);
  CHECK_THROWS_AS(wm->list_attention_weights({}, 0), InvalidArgument);

  // An empty backend lists nothing, in one last page.
  engram::Storage empty = open();
  auto page = empty.working_memory()->list_working_memory_patterns({}, 5);
  CHECK(page.items.empty());
  CHECK(page.last());
}

TEST_CASE("working_memory: records put from a listing into a fresh backend are reproduced",
          "[working_memory]") {
  engram::Storage source_storage = open();
  auto source = source_storage.working_memory();
  const double now = conformance::wall_now();
  const Array a = conformance::make_array(engram::DType::kFloat64, {2, 3}, 1);
  const Array b = conformance::make_array(engram::DType::kInt32, {}, 2);
  const Array c = conformance::make_array(engram::DType::kBool, {0}, 3);
  source->store_working_memory_pattern("accessed", a, 1.5, conformance::small_metadata(1));
  source->update_working_memory_access("accessed");
  source->store_working_memory_pattern("plain", b, 2.5, conformance::rich_metadata());
  source->cache_spike_train(now, a, std::vector<std::int64_t>{1, 2});
  source->cache_spike_train(now, b, std::vector<std::int64_t>{3});
  source->cache_spike_train(now - 5.0, c, std::nullopt, milliseconds(100000));
  source->store_attention_weights("ctx", c, 3.5);

  const PatternList patterns = all_patterns(*source, 2);
  const TrainList trains = all_trains(*source, 2);
  const AttentionList attention = all_attention(*source, 2);
  REQUIRE(patterns.size() == 2);
  REQUIRE(trains.size() == 3);
  REQUIRE(attention.size() == 1);

  engram::Storage target_storage = open();
  auto target = target_storage.working_memory();
  WorkingMemoryBatch batch;
  for (const auto& p : patterns) batch.put(p);
  for (const auto& t : trains) batch.put(t);
  for (const auto& w : attention) batch.put(w);
  target->store_batch(batch);

  for (const auto& want : patterns) {
    INFO("pattern " << want.pattern_hash);
    auto got = target->retrieve_working_memory_pattern(want.pattern_hash);
    REQUIRE(got);
    ENGRAM_CHECK_ARRAY(got->pattern, want.pattern);
    CHECK(got->timestamp == want.timestamp);
    ENGRAM_CHECK_JSON(got->metadata, want.metadata);
    CHECK(got->last_accessed == want.last_accessed);
    CHECK(ttl_seconds(got->ttl) <= ttl_seconds(want.ttl));
    CHECK(ttl_seconds(got->ttl) > 0.0);
  }
  auto accessed = target->retrieve_working_memory_pattern("accessed");
  REQUIRE(accessed);
  CHECK(accessed->last_accessed.has_value());

  const auto key = [](const CachedSpikeTrain& t) { return std::make_pair(t.timestamp, t.neuron_ids); };
  std::map<std::pair<double, std::vector<std::int64_t>>, const CachedSpikeTrain*> wanted;
  for (const auto& t : trains) wanted[key(t)] = &t;
  const TrainList copied = all_trains(*target);
  REQUIRE(copied.size() == trains.size());
  for (const auto& got : copied) {
    auto found = wanted.find(key(got));
    REQUIRE(found != wanted.end());
    ENGRAM_CHECK_ARRAY(got.spike_data, found->second->spike_data);
    CHECK(ttl_seconds(got.ttl) <= ttl_seconds(found->second->ttl));
    CHECK(ttl_seconds(got.ttl) > 0.0);
  }
  // Order among equal timestamps is kept: the last cached is retrieved.
  auto last = target->retrieve_spike_train(now);
  REQUIRE(last);
  CHECK(last->neuron_ids == std::vector<std::int64_t>{3});

  auto ctx = target->retrieve_attention_weights("ctx");
  REQUIRE(ctx);
  ENGRAM_CHECK_ARRAY(ctx->weights, c);
  CHECK(ctx->timestamp == 3.5);
  CHECK(ttl_seconds(ctx->ttl) <= ttl_seconds(attention[0].ttl));
}

TEST_CASE("working_memory: 8 threads storing and reading lose nothing", "[working_memory]") {
  engram::Storage storage = open();
  auto wm = storage.working_memory();
  constexpr int kThreads = 8;
  constexpr int kEach = 50;
  const double shared_time = conformance::wall_now();

  const std::vector<std::string> errors = conformance::run_threads(
      kThreads, [&](int t, const conformance::Fail& fail) {
        for (int i = 0; i < kEach; ++i) {
          const std::string key = "t" + std::to_string(t) + "_" + std::to_string(i);
          const Array value = conformance::make_array(
              engram::DType::kFloat32, {4}, static_cast<std::uint64_t>(t * 1000 + i));
          wm->store_working_memory_pattern(key, value, static_cast<double>(i));
          wm->store_attention_weights(key, value, static_cast<double>(i));
          wm->cache_spike_train(shared_time, value,
                                std::vector<std::int64_t>{t, i});
          auto got = wm->retrieve_working_memory_pattern(key);
          if (!got || !(got->pattern == value)) fail("pattern " + key + " not read back");
          if (!wm->update_working_memory_access(key)) fail("no access update for " + key);
          auto weights = wm->retrieve_attention_weights(key);
          if (!weights || !(weights->weights == value)) fail("attention " + key + " not read back");
          if (!wm->retrieve_spike_train(shared_time)) fail("no spike train at the shared time");
        }
      });
  INFO("first error: " << (errors.empty() ? std::string() : errors.front()));
  CHECK(errors.empty());

  const std::size_t total = static_cast<std::size_t>(kThreads * kEach);
  const auto patterns = all_patterns(*wm, 37);
  CHECK(patterns.size() == total);
  std::set<std::string> distinct;
  for (const auto& p : patterns) {
    distinct.insert(p.pattern_hash);
    CHECK(p.last_accessed.has_value());
  }
  CHECK(distinct.size() == total);
  CHECK(all_attention(*wm, 37).size() == total);
  const auto trains = all_trains(*wm, 37);
  CHECK(trains.size() == total);
  std::set<std::vector<std::int64_t>> marks;
  for (const auto& train : trains) marks.insert(train.neuron_ids);
  CHECK(marks.size() == total);
  CHECK(wm->get_recent_spike_trains(600.0).size() == total);
}
