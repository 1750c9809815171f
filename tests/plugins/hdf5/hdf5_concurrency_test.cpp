// Many threads on one backend: storing every kind, reading back, listing
// and asking for stats at once lose nothing and mix nothing up.
#include <atomic>
#include <catch2/catch.hpp>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engram/array.h"
#include "engram/storage.h"
#include "engram/trace_store.h"
#include "hdf5_test_util.h"

using engram::Array;
using engram::Json;

TEST_CASE("hdf5: 8 threads storing, reading, listing and batching lose nothing",
          "[hdf5][threads]") {
  hdf5_test::TempDir dir;
  engram::Storage storage = hdf5_test::open_hdf5(dir / "traces.h5", ", compression: lz4");
  auto s = storage.traces();
  constexpr int kThreads = 8;
  constexpr int kEach = 15;
  constexpr double kT = 1700000000.0;
  std::mutex mutex;
  std::vector<std::string> errors;
  std::set<std::string> snapshots, trains, plasticity;
  const auto fail = [&](const std::string& m) {
    std::lock_guard<std::mutex> lock(mutex);
    errors.push_back(m);
  };
  std::atomic<bool> writers_done{false};
  std::thread lister([&] {
    try {
      while (!writers_done) {
        (void)s->list_network_snapshots({}, 4);
        (void)s->maintenance().stats();
        (void)s->get_network_snapshots_in_range(kT, kT + 1);
      }
    } catch (const std::exception& e) {
      fail(std::string("lister threw: ") + e.what());
    }
  });
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      try {
        for (int i = 0; i < kEach; ++i) {
          const double v = t * 1000 + i;
          const Array m(std::vector<double>(16, v), {4, 4});
          const std::string sid = s->store_network_snapshot(kT, m, m, m, Json{{"v", v}});
          auto got = s->retrieve_network_snapshot(sid);
          if (!got || !(got->weight_matrix == m) || got->metadata != Json{{"v", v}}) {
            fail("snapshot " + sid + " not read back");
          }
          const std::string tid = s->store_spike_train(kT, Array(std::vector<double>{v, v + 1}),
                                                       Array(std::vector<std::int64_t>{t, i}));
          auto train = s->retrieve_spike_train(tid);
          if (!train || !(train->neuron_ids == Array(std::vector<std::int64_t>{t, i}))) {
            fail("train " + tid + " not read back");
          }
          engram::TraceBatch batch;
          const Array changes(std::vector<float>{static_cast<float>(v)});
          batch.put(engram::PlasticityTraceView{{}, kT, changes, "stdp"});
          batch.put(engram::PlasticityTraceView{{}, kT, changes, "stdp"});
          const auto ids = s->store_batch(batch);
          std::lock_guard<std::mutex> lock(mutex);
          snapshots.insert(sid);
          trains.insert(tid);
          plasticity.insert(ids.plasticity_traces.begin(), ids.plasticity_traces.end());
        }
      } catch (const std::exception& e) {
        fail(std::string("thread threw: ") + e.what());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  writers_done = true;
  lister.join();
  INFO("first error: " << (errors.empty() ? std::string() : errors.front()));
  CHECK(errors.empty());
  const std::size_t total = kThreads * kEach;
  CHECK(snapshots.size() == total);
  CHECK(trains.size() == total);
  CHECK(plasticity.size() == 2 * total);
  const Json stats = s->maintenance().stats();
  CHECK(stats.at("network_snapshots") == total);
  CHECK(stats.at("raw_spike_trains") == total);
  CHECK(stats.at("plasticity_traces") == 2 * total);
  CHECK(s->get_network_snapshots_in_range(kT, kT).size() == total);
}
