// Semantic recall beside FAISS: ConceptStore::nearest_concepts over
// kRecallRows float32 embeddings of kRecallDims (deterministic random,
// normalised, the same for every entry), the kRecallK nearest of one query
// at a time, each iteration the next of kRecallQueries fixed queries.
// - nearest_concepts_<backend>/raw: FAISS IndexFlatIP (exact inner product),
//   single-threaded: OpenMP capped at one thread (omp_set_num_threads(1);
//   FAISS 1.7.3 would use one anyway for a single query, and does not reach
//   BLAS below 20 queries).
// - nearest_concepts_<backend>/engram: the plugin (memory; sqlite on a temp
//   file), metric dot to match IndexFlatIP, with ratio_vs_raw; its recall
//   held to one thread (ENGRAM_RECALL_THREADS=1, engram/embedding_matrix.h)
//   as FAISS is. nearest_concepts_memory_cosine/engram is the same under
//   cosine (the default metric), its ratio against the same FAISS entry.
// - nearest_concepts_scalar/loop: a plain double-precision loop and an
//   insertion top-k, a reference point (not a pair).
// - nearest_concepts_memory_threads/engram/threads:N: the memory plugin's
//   recall on N threads (ENGRAM_RECALL_THREADS=N), speedup_vs_1_thread for
//   N != 1; threads:0 leaves the variable unset, the plugin's default: the
//   hardware's thread count (a scan splits only into parts of at least
//   16,384 rows, so 100,000 rows use at most 6 threads).
// - nearest_concepts_memory_filtered/{raw,engram}: only concepts whose
//   metadata "group" is 3 (10 % of them) are considered: FAISS with an
//   IDSelectorBitmap, engram with ConceptFilter::metadata_equals; the engram
//   entry also carries speed_vs_unfiltered (its rate ÷ the unfiltered
//   engram entry's; >= 1 is the target).
// The data is made and stored before the timing (each store once for all
// its entries), and each side answers one query before its loop; engram's
// first answer must name the rows FAISS finds (dot and cosine agree on unit
// vectors), else the entry fails: both sides do the same work.
#include <faiss/IndexFlat.h>
#include <faiss/impl/IDSelector.h>
#include <omp.h>
#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "engram/concept_store.h"
#include "engram/recall.h"
#include "engram/storage.h"
#include "ratio.h"
#include "scratch_dir.h"

namespace engram::bench {
namespace {

using workloads::kNearestConcepts;
using workloads::kRecallDims;
using workloads::kRecallK;
using workloads::kRecallQueries;
using workloads::kRecallRows;

constexpr std::int64_t kGroups = 10;      // metadata "group" = row % kGroups
constexpr std::int64_t kFilterGroup = 3;  // the filtered queries' group

const std::string kMemory = std::string(kNearestConcepts.name) + "_memory";
const std::string kSqlite = std::string(kNearestConcepts.name) + "_sqlite";
const std::string kMemoryCosine = kMemory + "_cosine";
const std::string kMemoryThreads = kMemory + "_threads";
const std::string kMemoryFiltered = kMemory + "_filtered";
const std::string kScalar = std::string(kNearestConcepts.name) + "_scalar";

// Rows of `dims` normally distributed floats scaled to unit norm.
std::vector<float> unit_rows(std::size_t rows, std::size_t dims, std::uint64_t seed) {
  std::mt19937_64 random(seed);
  std::normal_distribution<float> normal;
  std::vector<float> values(rows * dims);
  for (std::size_t r = 0; r < rows; ++r) {
    float* row = values.data() + r * dims;
    double sum = 0;
    for (std::size_t d = 0; d < dims; ++d) {
      row[d] = normal(random);
      sum += static_cast<double>(row[d]) * row[d];
    }
    const auto scale = static_cast<float>(1.0 / std::sqrt(sum));
    for (std::size_t d = 0; d < dims; ++d) row[d] *= scale;
  }
  return values;
}

const std::vector<float>& embeddings() {
  static const std::vector<float> values = unit_rows(kRecallRows, kRecallDims, 17);
  return values;
}
const std::vector<float>& queries() {
  static const std::vector<float> values = unit_rows(kRecallQueries, kRecallDims, 71);
  return values;
}
const float* query_at(std::int64_t i) {
  return queries().data() + static_cast<std::size_t>(i) % kRecallQueries * kRecallDims;
}
ArrayView query_view(std::int64_t i) {
  return ArrayView(std::span<const float>(query_at(i), kRecallDims), Shape{kRecallDims});
}

std::string name_of(std::size_t row) { return "concept_" + std::to_string(row); }

// The same rows in every store: concept_<row>, metadata {"group": row % 10}.
ConceptBatch concept_batch(std::size_t from, std::size_t to) {
  ConceptBatch batch;
  for (std::size_t r = from; r < to; ++r) {
    batch.store_concept(
        name_of(r),
        ArrayView(std::span<const float>(embeddings().data() + r * kRecallDims, kRecallDims),
                  Shape{kRecallDims}),
        Json{{"group", static_cast<std::int64_t>(r) % kGroups}}, 1.0);
  }
  return batch;
}

void store_all(ConceptStore& concepts) {
  constexpr std::size_t kBatch = 10'000;
  for (std::size_t from = 0; from < kRecallRows; from += kBatch) {
    concepts.store_batch(concept_batch(from, std::min(kRecallRows, from + kBatch)));
  }
}

// ENGRAM_RECALL_THREADS set to `threads` (0: unset, the hardware's count)
// while it lives, then restored. Set only between benchmarks, when no
// recall runs.
class RecallThreads {
 public:
  explicit RecallThreads(unsigned threads) {
    if (const char* old = ::getenv("ENGRAM_RECALL_THREADS")) old_ = old;
    if (threads == 0) {
      ::unsetenv("ENGRAM_RECALL_THREADS");
    } else {
      ::setenv("ENGRAM_RECALL_THREADS", std::to_string(threads).c_str(), 1);
    }
  }
  ~RecallThreads() {
    if (old_) {
      ::setenv("ENGRAM_RECALL_THREADS", old_->c_str(), 1);
    } else {
      ::unsetenv("ENGRAM_RECALL_THREADS");
    }
  }
  RecallThreads(const RecallThreads&) = delete;
  RecallThreads& operator=(const RecallThreads&) = delete;

 private:
  std::optional<std::string> old_;
};

// --- the raw side: FAISS

const faiss::IndexFlatIP& faiss_index() {
  static const auto index = [] {
    omp_set_num_threads(1);  // the single-threaded baseline
    auto flat = std::make_unique<faiss::IndexFlatIP>(static_cast<faiss::Index::idx_t>(kRecallDims));
    flat->add(static_cast<faiss::Index::idx_t>(kRecallRows), embeddings().data());
    return flat;
  }();
  return *index;
}

void faiss_search(const faiss::SearchParameters* params, std::int64_t i,
                  faiss::Index::idx_t (&labels)[kRecallK]) {
  float distances[kRecallK];
  faiss_index().search(1, query_at(i), static_cast<faiss::Index::idx_t>(kRecallK), distances,
                       labels, params);
  benchmark::DoNotOptimize(labels);
}
void faiss_search(const faiss::SearchParameters* params, std::int64_t i) {
  faiss::Index::idx_t labels[kRecallK];
  faiss_search(params, i, labels);
}

// The rows FAISS finds nearest query 0 (among those `params` selects), by
// name: what every engram entry must find first, so both sides do the same
// work.
std::vector<std::string> faiss_names(const faiss::SearchParameters* params) {
  faiss::Index::idx_t labels[kRecallK];
  faiss_search(params, 0, labels);
  std::vector<std::string> names;
  for (const faiss::Index::idx_t label : labels) {
    names.push_back(name_of(static_cast<std::size_t>(label)));
  }
  return names;
}

void faiss_raw(benchmark::State& state, const std::string& key) {
  faiss_search(nullptr, 0);
  std::int64_t i = 1;
  time_loop(state, Compare::kRawBaseline, key, {}, [&] { faiss_search(nullptr, i++); });
}

// FAISS's selection of the filtered entries' rows: group kFilterGroup.
struct FilteredRows {
  std::vector<std::uint8_t> bits = [] {
    std::vector<std::uint8_t> b((kRecallRows + 7) / 8, 0);
    for (std::size_t r = kFilterGroup; r < kRecallRows; r += kGroups) b[r / 8] |= 1u << (r % 8);
    return b;
  }();
  faiss::IDSelectorBitmap selector{kRecallRows, bits.data()};
  faiss::SearchParameters params = [this] {
    faiss::SearchParameters p;
    p.sel = &selector;
    return p;
  }();
};

const faiss::SearchParameters& filtered_rows() {
  static const FilteredRows rows;
  return rows.params;
}

void faiss_filtered_raw(benchmark::State& state) {
  const faiss::SearchParameters& params = filtered_rows();
  faiss_search(&params, 0);
  std::int64_t i = 1;
  time_loop(state, Compare::kRawBaseline, kMemoryFiltered, {}, [&] { faiss_search(&params, i++); });
}

// --- the reference: a plain loop

void scalar_loop(benchmark::State& state) {
  const std::vector<float>& rows = embeddings();
  std::vector<std::pair<double, std::size_t>> best;  // best first
  std::int64_t i = 0;
  time_loop(state, Compare::kRawBaseline, kScalar, {}, [&] {
    const float* query = query_at(i++);
    best.clear();
    for (std::size_t r = 0; r < kRecallRows; ++r) {
      const float* row = rows.data() + r * kRecallDims;
      double dot = 0;
      for (std::size_t d = 0; d < kRecallDims; ++d) dot += static_cast<double>(query[d]) * row[d];
      if (best.size() == kRecallK && dot <= best.back().first) continue;
      auto at = best.begin();
      while (at != best.end() && at->first >= dot) ++at;
      best.insert(at, {dot, r});
      if (best.size() > kRecallK) best.pop_back();
    }
    benchmark::DoNotOptimize(best.data());
  });
}

// --- the engram side

Storage& memory_storage() {
  static Storage storage = [] {
    Storage s = Storage::from_yaml(
        "version: 1\nbackends:\n  mem: {plugin: memory}\nroles: {concepts: mem}\n");
    store_all(*s.concepts());
    return s;
  }();
  return storage;
}

// Times nearest_concepts on `concepts` under `options`; returns the rate.
// The first query, untimed, must find `expected` (by name, in order) when
// given.
double time_recall(benchmark::State& state, ConceptStore& concepts, Compare compare,
                   const std::string& key, const ConceptRecallOptions& options,
                   const std::optional<std::vector<std::string>>& expected) {
  const Recall<Concept> first = concepts.nearest_concepts(query_view(0), kRecallK, options);
  std::vector<std::string> names;
  for (const Hit<Concept>& hit : first.hits) names.push_back(hit.record.name);
  if (names.size() != kRecallK || (expected && names != *expected)) {
    state.SkipWithError("the first query's hits differ from FAISS's");
    return 0;
  }
  std::int64_t i = 1;
  return time_loop(state, compare, key, {}, [&] {
    Recall<Concept> recall = concepts.nearest_concepts(query_view(i++), kRecallK, options);
    benchmark::DoNotOptimize(recall.hits.data());
  });
}

ConceptRecallOptions dot() { return {RecallMetric::kDot, {}, false}; }

// The unfiltered memory rate, for the filtered entry's comparison.
double memory_unfiltered_rate = 0;

void memory_engram(benchmark::State& state) {
  RecallThreads one(1);
  memory_unfiltered_rate = time_recall(state, *memory_storage().concepts(), Compare::kVsRaw,
                                       kMemory, dot(), faiss_names(nullptr));
}

void memory_cosine_engram(benchmark::State& state) {
  RecallThreads one(1);
  time_recall(state, *memory_storage().concepts(), Compare::kVsRaw, kMemory,
              {RecallMetric::kCosine, {}, false}, faiss_names(nullptr));
}

void memory_threads_engram(benchmark::State& state) {
  const auto threads = static_cast<unsigned>(state.range(0));
  RecallThreads count(threads);
  static double one_thread_rate = 0;
  const double rate =
      time_recall(state, *memory_storage().concepts(), Compare::kRawBaseline,
                  kMemoryThreads + std::to_string(threads), dot(), faiss_names(nullptr));
  if (threads == 1) {
    one_thread_rate = rate;
  } else if (one_thread_rate > 0) {
    state.counters["speedup_vs_1_thread"] = rate / one_thread_rate;
  }
}

void memory_filtered_engram(benchmark::State& state) {
  RecallThreads one(1);
  ConceptRecallOptions options = dot();
  options.filter.metadata_equals = std::pair<std::string, Json>("group", kFilterGroup);
  const double rate = time_recall(state, *memory_storage().concepts(), Compare::kVsRaw,
                                  kMemoryFiltered, options, faiss_names(&filtered_rows()));
  if (memory_unfiltered_rate > 0) {
    state.counters["speed_vs_unfiltered"] = rate / memory_unfiltered_rate;
  }
}

// The sqlite store, made and filled once (Google Benchmark may call an
// entry several times); its folder goes at exit.
struct SqliteStore {
  ScratchDir dir{"recall"};
  Storage storage =
      Storage::from_yaml("version: 1\nbackends:\n  db: {plugin: sqlite, db_path: \"" +
                         (dir / "recall.db").string() + "\"}\nroles: {concepts: db}\n");
  SqliteStore() { store_all(*storage.concepts()); }
};

void sqlite_engram(benchmark::State& state) {
  static SqliteStore store;
  RecallThreads one(1);
  time_recall(state, *store.storage.concepts(), Compare::kVsRaw, kSqlite, dot(),
              faiss_names(nullptr));
}

}  // namespace

BENCHMARK_CAPTURE(faiss_raw, memory, kMemory)
    ->Name(raw_entry(kMemory))
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(memory_engram)->Name(engram_entry(kMemory))->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(memory_cosine_engram)
    ->Name(engram_entry(kMemoryCosine))
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(scalar_loop)->Name(kScalar + "/loop")->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(memory_threads_engram)
    ->Name(engram_entry(kMemoryThreads))
    ->ArgName("threads")
    ->Arg(1)
    ->Arg(2)
    ->Arg(0)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(faiss_filtered_raw)
    ->Name(raw_entry(kMemoryFiltered))
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(memory_filtered_engram)
    ->Name(engram_entry(kMemoryFiltered))
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(faiss_raw, sqlite, kSqlite)
    ->Name(raw_entry(kSqlite))
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(sqlite_engram)->Name(engram_entry(kSqlite))->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace engram::bench
