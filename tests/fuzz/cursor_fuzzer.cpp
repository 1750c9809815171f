// Fuzzes the listing cursors ("after:<key>") of the plugins that need no
// server: memory, sqlite and hdf5, each loaded through the core
// (Storage::from_yaml) from the fuzz build's plugin folder and holding a few
// records of every kind. The first input byte picks the listing, the rest is
// the cursor. A cursor must give a page or InvalidArgument; a page must hold
// at most `limit` records and, when it is not the last, a cursor that is
// accepted in turn.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "engram/storage.h"
#include "fuzz_support.h"

namespace {

using engram::fuzz::finding;
namespace fs = std::filesystem;

struct Stores {
  fs::path dir;
  std::vector<engram::Storage> storages;
  // One per listing: lists one page after the cursor, returns its next cursor
  // and how many records it held.
  std::vector<std::function<std::pair<std::string, std::size_t>(std::string_view, std::size_t)>>
      listings;
};

// A listing that takes Undecodable is fuzzed in its skipping mode (every
// record decodes here, so the page must be the same as without it).
template <class Role, class List>
void add(Stores& stores, std::shared_ptr<Role> role, List list) {
  stores.listings.push_back([role, list](std::string_view cursor, std::size_t limit) {
    auto page = [&] {
      if constexpr (std::is_invocable_v<List, Role&, std::string_view, std::size_t,
                                        engram::Undecodable>) {
        return std::invoke(list, *role, cursor, limit, engram::Undecodable::kSkip);
      } else {
        return std::invoke(list, *role, cursor, limit);
      }
    }();
    if (!page.skipped.empty()) finding("a listing skipped a record that decodes");
    return std::pair{page.next_cursor, page.items.size()};
  });
}

void fill(engram::Storage& storage) {
  const std::vector<double> values{1.0, 2.0, 3.0};
  const std::vector<double> square{1.0, 0.0, 0.0, 1.0};
  const engram::ArrayView matrix(square, {2, 2});
  auto wm = storage.working_memory();
  auto episodes = storage.episodes();
  auto concepts = storage.concepts();
  auto traces = storage.traces();
  for (int i = 0; i < 3; ++i) {
    const std::string n = std::to_string(i);
    wm->store_working_memory_pattern("hash:" + n, values, 100.0 + i);
    wm->cache_spike_train(100.0 + i, values);
    wm->store_attention_weights("context:" + n, values, 100.0 + i);
    episodes->store_episode(values, 0.5, "ctx" + n, 100.0 + i);
    episodes->store_learning_event("task", 0.1 * i, "strategy" + n);
    concepts->store_concept("concept " + n + ": a", values);
    traces->store_network_snapshot(100.0 + i, matrix, matrix, values);
    traces->store_spike_train(100.0 + i, values, values);
    traces->store_reservoir_states(100.0 + i, values, "r" + n);
    traces->store_performance_metrics(100.0 + i, {{"loss", 0.5}}, "task" + n);
  }
  concepts->add_concept_relationship(1, 2, "is:a");
  concepts->add_concept_relationship(2, 3, "has");
}

void add_listings(Stores& stores, engram::Storage& storage) {
  using WM = engram::WorkingMemory;
  using ES = engram::EpisodeStore;
  using CS = engram::ConceptStore;
  using TS = engram::TraceStore;
  add(stores, storage.working_memory(), &WM::list_working_memory_patterns);
  add(stores, storage.working_memory(), &WM::list_spike_trains);
  add(stores, storage.working_memory(), &WM::list_attention_weights);
  add(stores, storage.episodes(), &ES::list_episodes);
  add(stores, storage.episodes(), &ES::list_learning_events);
  add(stores, storage.concepts(), &CS::list_concepts);
  add(stores, storage.concepts(), &CS::list_relationships);
  add(stores, storage.traces(), &TS::list_network_snapshots);
  add(stores, storage.traces(), &TS::list_spike_trains);
  add(stores, storage.traces(), &TS::list_compressed_spike_trains);
  add(stores, storage.traces(), &TS::list_reservoir_states);
  add(stores, storage.traces(), &TS::list_layer_outputs);
  add(stores, storage.traces(), &TS::list_plasticity_traces);
  add(stores, storage.traces(), &TS::list_homeostatic_traces);
  add(stores, storage.traces(), &TS::list_performance_metrics);
}

Stores& stores() {
  static Stores* made = [] {
    auto* s = new Stores;
    const std::filesystem::path pattern = engram::fuzz::make_temp_dir("cursor");
    s->dir = pattern;
    const std::string dir = s->dir.string();
    // Every role in process, then the file plugins: sqlite for episodes and
    // concepts, hdf5 for traces (working memory stays in memory).
    s->storages.push_back(engram::Storage::from_yaml(
        "version: 1\n"
        "backends: {mem: {plugin: memory}}\n"
        "roles: {working_memory: mem, episodes: mem, concepts: mem, traces: mem}\n"));
    s->storages.push_back(engram::Storage::from_yaml(
        "version: 1\n"
        "backends:\n"
        "  mem: {plugin: memory}\n"
        "  db: {plugin: sqlite, db_path: " +
        dir + "/engram.db}\n" + "  arrays: {plugin: hdf5, file_path: " + dir +
        "/traces.h5}\n"
        "roles: {working_memory: mem, episodes: db, concepts: db, traces: arrays}\n"));
    for (auto& storage : s->storages) {
      fill(storage);
      add_listings(*s, storage);
    }
    std::atexit([] {
      std::error_code ignored;
      fs::remove_all(stores().dir, ignored);
    });
    return s;
  }();
  return *made;
}

// With ENGRAM_FUZZ_WRITE_SEEDS=<folder>, writes an input for every cursor the
// listings give (paging with limit 1): how corpus/cursor/valid-* was made.
void write_seeds(const fs::path& folder) {
  Stores& all = stores();
  for (std::size_t which = 0; which < all.listings.size(); ++which) {
    std::string cursor;
    int n = 0;
    do {
      std::ofstream(folder / ("valid-" + std::to_string(which) + "-" + std::to_string(n++)),
                    std::ios::binary)
          << static_cast<char>(which) << cursor;
      cursor = all.listings[which](cursor, 1).first;
    } while (!cursor.empty());
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Opening through the core builds the stores once, outside the timing of
  // the first input; the folder is removed at exit.
  stores();
  if (const char* folder = std::getenv("ENGRAM_FUZZ_WRITE_SEEDS")) write_seeds(folder);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  Stores& all = stores();
  const std::size_t which = data[0] % all.listings.size();
  const std::size_t limit = 1 + (data[0] / all.listings.size()) % 2;
  const std::string cursor(reinterpret_cast<const char*>(data + 1), size - 1);
  std::pair<std::string, std::size_t> page;
  if (!engram::fuzz::only_errors<engram::InvalidArgument>(
          "listing", [&] { page = all.listings[which](cursor, limit); })) {
    return 0;
  }
  if (page.second > limit) finding("a page holds more records than its limit");
  if (!page.first.empty()) {
    engram::fuzz::only_errors<>("listing after a cursor the backend gave",
                                [&] { all.listings[which](page.first, limit); });
  }
  return 0;
}
