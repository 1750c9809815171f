// The recall table (engram/embedding_matrix.h).
#include "engram/embedding_matrix.h"

#include <algorithm>
#include <charconv>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <thread>

namespace engram {
namespace {

// The thread count a search with max_threads 0 may use: a positive
// ENGRAM_RECALL_THREADS, else the hardware's count (at least 1).
unsigned default_recall_threads() {
  if (const char* text = std::getenv("ENGRAM_RECALL_THREADS")) {
    unsigned threads = 0;
    const char* end = text + std::strlen(text);
    const auto [last, error] = std::from_chars(text, end, threads);
    if (error == std::errc() && last == end && threads > 0) return threads;
  }
  return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace

template <class Columns>
void EmbeddingMatrix<Columns>::upsert(std::int64_t id, ArrayView embedding, Columns columns) {
  erase(id);
  const bool scorable = to_float32_row(embedding, scratch_);
  auto block = blocks_.try_emplace(Key{scorable, embedding.shape()}).first;
  Block& b = block->second;
  if (scorable) {
    b.dims = scratch_.size();
    b.data.insert(b.data.end(), scratch_.begin(), scratch_.end());
    b.norms.push_back(recall_norm(scratch_.data(), scratch_.size()));
    floats_ += scratch_.size();
  } else {
    b.norms.push_back(0.0f);
  }
  b.ids.push_back(id);
  b.columns.push_back(std::move(columns));
  where_[id] = Location{block, b.ids.size() - 1};
}

template <class Columns>
Columns* EmbeddingMatrix<Columns>::mutable_columns(std::int64_t id) {
  const auto found = where_.find(id);
  if (found == where_.end()) return nullptr;
  return &found->second.block->second.columns[found->second.row];
}

template <class Columns>
const Columns* EmbeddingMatrix<Columns>::columns(std::int64_t id) const {
  const auto found = where_.find(id);
  if (found == where_.end()) return nullptr;
  return &found->second.block->second.columns[found->second.row];
}

template <class Columns>
bool EmbeddingMatrix<Columns>::erase(std::int64_t id) {
  const auto found = where_.find(id);
  if (found == where_.end()) return false;
  const auto block = found->second.block;
  const std::size_t row = found->second.row;
  where_.erase(found);
  Block& b = block->second;
  const std::size_t last = b.ids.size() - 1;
  if (row != last) {  // the last row fills the hole
    std::copy_n(b.data.begin() + last * b.dims, b.dims, b.data.begin() + row * b.dims);
    b.norms[row] = b.norms[last];
    b.ids[row] = b.ids[last];
    b.columns[row] = std::move(b.columns[last]);
    where_[b.ids[row]].row = row;
  }
  b.data.resize(last * b.dims);
  b.norms.pop_back();
  b.ids.pop_back();
  b.columns.pop_back();
  floats_ -= b.dims;
  if (b.ids.empty()) blocks_.erase(block);
  return true;
}

template <class Columns>
void EmbeddingMatrix<Columns>::clear() noexcept {
  blocks_.clear();
  where_.clear();
  floats_ = 0;
}

template <class Columns>
std::size_t EmbeddingMatrix<Columns>::bytes() const noexcept {
  return floats_ * sizeof(float) +
         where_.size() * (sizeof(float) + sizeof(std::int64_t) + sizeof(Columns));
}

template <class Columns>
typename EmbeddingMatrix<Columns>::Result EmbeddingMatrix<Columns>::search(
    const RecallQuery& query, std::size_t k, const Predicate& admits, unsigned max_threads) const {
  Result result;
  // Rows of other shapes or dtypes: skipped, if the filter admits them.
  const Key own{true, query.shape};
  for (const auto& [key, block] : blocks_) {
    if (key == own) continue;
    if (!admits) {
      result.skipped += static_cast<std::int64_t>(block.ids.size());
    } else {
      result.skipped += std::count_if(block.columns.begin(), block.columns.end(), admits);
    }
  }
  const auto found = blocks_.find(own);
  if (found == blocks_.end()) return result;
  const Block& block = found->second;
  const std::size_t n = block.ids.size();

  const unsigned threads = max_threads != 0 ? max_threads : default_recall_threads();
  const std::size_t parts = std::clamp<std::size_t>(n / kMinRowsPerRecallThread, 1, threads);

  struct Part {
    TopK top;
    std::int64_t skipped = 0;
    std::exception_ptr error;
  };
  std::vector<Part> results(parts, Part{TopK(k, query.metric), 0, nullptr});
  const auto scan = [&](std::size_t p) {
    Part& part = results[p];
    try {
      const std::size_t end = n * (p + 1) / parts;
      for (std::size_t r = n * p / parts; r < end; ++r) {
        if (admits && !admits(block.columns[r])) continue;
        const std::optional<float> score =
            recall_score(query, block.data.data() + r * block.dims, block.norms[r]);
        if (score) {
          part.top.offer({block.ids[r], *score});
        } else {
          ++part.skipped;
        }
      }
    } catch (...) {
      part.error = std::current_exception();
    }
  };
  std::vector<std::thread> helpers;
  for (std::size_t p = 1; p < parts; ++p) helpers.emplace_back(scan, p);
  scan(0);
  for (std::thread& t : helpers) t.join();

  TopK top(k, query.metric);
  for (const Part& part : results) {
    if (part.error) std::rethrow_exception(part.error);
    top.merge(part.top);
    result.skipped += part.skipped;
  }
  result.best = top.sorted();
  return result;
}

template class EmbeddingMatrix<ConceptColumns>;
template class EmbeddingMatrix<EpisodeColumns>;

}  // namespace engram
