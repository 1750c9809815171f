#include "engram/recall_rows.h"

#include <utility>
#include <variant>

#include "engram/errors.h"

namespace engram {
namespace {

// `row` decoded by `read` and made a cache row by `make`, or an undecodable
// row (its id only).
template <class Row, class Read, class Make>
Row row_of(const ColumnRow& row, Read read, Make make) {
  try {
    return make(read(row));
  } catch (const CorruptData&) {
  } catch (const NotSupported&) {
  }
  Row undecodable;
  undecodable.id = row.int64(0);
  undecodable.state = Row::State::kUndecodable;
  return undecodable;
}

}  // namespace

RecallCache<ConceptColumns>::Row concept_recall_row(const ColumnCodec& codec,
                                                    const ColumnRow& row) {
  using Row = RecallCache<ConceptColumns>::Row;
  return row_of<Row>(
      row, [&](const ColumnRow& r) { return read_concept(codec, r); },
      [](Concept c) {
        Row out;
        out.id = c.id;
        out.state = Row::State::kCandidate;
        out.embedding = std::move(c.embedding);
        out.columns = {std::move(c.name), c.creation_time, c.last_accessed, std::move(c.metadata)};
        return out;
      });
}

RecallCache<EpisodeColumns>::Row episode_recall_row(const ColumnCodec& codec,
                                                    const ColumnRow& row) {
  using Row = RecallCache<EpisodeColumns>::Row;
  return row_of<Row>(
      row, [&](const ColumnRow& r) { return read_episode(codec, r); },
      [](Episode e) {
        Row out;
        out.id = e.id;
        auto* array = std::get_if<Array>(&e.experience_data);
        if (array == nullptr) return out;  // kAbsent: no candidate
        out.state = Row::State::kCandidate;
        out.embedding = std::move(*array);
        out.columns = {std::move(e.context_hash), e.performance_score, e.timestamp};
        return out;
      });
}

}  // namespace engram
