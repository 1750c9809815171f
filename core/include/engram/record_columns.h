// engram/record_columns.h — for plugin authors: how engram's records become
// table columns and back, for any SQL backend (the sqlite and postgres
// plugins, one table per record kind, the Python system's columns): arrays
// are .npy bytes (engram/npy.h), metadata and parameters JSON text, an
// episode's experience .npy bytes or JSON text with its experience_format
// ("npy" or "json").
//
// The Python system's rows are read as they are, never rewritten by a read:
// an episode whose experience_format is NULL holds a pickle, decoded by the
// core's closed-list reader (engram/pickle.h; nothing is imported or run) —
// a top-level numpy array becomes the Array experience, anything else the
// Json in pickle.h's tagged form. A concept's embedding is .npy (engram
// wrote it) or a pickle (the Python system did), told apart by the magic
// bytes both formats define: "\x93NUMPY" opens a .npy, 0x80 (PROTO, the
// first byte of every pickle of protocol 2 or later) a pickle; a pickled
// embedding must be a numpy array, anything else is NotSupported naming what
// it held ("a pickled list, not a numpy array"). engram writes only .npy and
// JSON.
//
// Records are encoded before the backend takes any lock. No value larger
// than max_record_bytes is stored (InvalidArgument: "storing <what> in
// <where>: N bytes, more than max_record_bytes (L)") or decoded
// (CorruptData, checked from the stored size before anything is allocated,
// and for a pickle also from the decoded size). Decoding failures name the
// record, column and where the data is ("reading episode 3's
// experience_data in x.db: ..."); a .npy of a later format or dtype, or a
// pickle holding a global or opcode outside pickle.h's list, is
// NotSupported, malformed bytes CorruptData. Every error carries
// ColumnOrigin::backend as its backend name.
//
// Thread safety: stateless; a ColumnRow is read by the thread holding it.
#ifndef ENGRAM_RECORD_COLUMNS_H_
#define ENGRAM_RECORD_COLUMNS_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "engram/concept_store.h"
#include "engram/episode_store.h"
#include "engram/export.h"

namespace engram {

// What every message names: the backend and where its data is ("x.db" for
// sqlite, a schema on a server for postgres).
struct ColumnOrigin {
  std::string backend;
  std::string where;
};

// What encoding and decoding a record needs: the names its messages give
// and the largest value a read may allocate (effective_record_limit of the
// backend's max_record_bytes, engram/record_limits.h).
struct ColumnCodec {
  const ColumnOrigin& origin;
  std::uint64_t record_limit;
};

// experience_format values.
constexpr std::string_view kFormatNpy = "npy";
constexpr std::string_view kFormatJson = "json";

// An episode's experience as it is stored: the bytes (`npy` when `format`
// is kFormatNpy, `json` when kFormatJson) and their format.
struct EncodedExperience {
  std::vector<std::byte> npy;
  std::string json;
  std::string_view format;
};

// An episode stored, with what its columns need.
struct EncodedEpisode {
  const EpisodeView* record;
  EncodedExperience experience;
  std::string metadata;
};

struct EncodedConcept {
  const ConceptView* record;
  std::vector<std::byte> embedding;
  std::string metadata;
};

struct EncodedEvent {
  const LearningEvent* record;
  std::string parameters;
};

// Each record's columns. Throw InvalidArgument for a value past
// `codec.record_limit` or JSON nlohmann cannot write (a string not UTF-8).
// REQUIRES: `record` outlives the result, which points to it.
ENGRAM_API EncodedEpisode encode(const ColumnCodec& codec, const EpisodeView& record);
ENGRAM_API EncodedConcept encode(const ColumnCodec& codec, const ConceptView& record);
ENGRAM_API EncodedEvent encode(const ColumnCodec& codec, const LearningEvent& record);

// encode() of every record, in order.
template <class Record>
auto encode_all(const ColumnCodec& codec, const std::vector<Record>& records) {
  std::vector<decltype(encode(codec, records.front()))> encoded;
  encoded.reserve(records.size());
  for (const Record& record : records) encoded.push_back(encode(codec, record));
  return encoded;
}

// A query's row as the readers below see it, columns by index (0-based).
// Each backend implements it over its own statement or result (sqlite's
// Statement is one); a virtual call per column read is the whole cost, no
// value is copied to get here. Rows are never owned or deleted through this
// interface (the destructor is protected, not virtual).
class ColumnRow {
 public:
  // True iff the value in `column` is SQL NULL.
  virtual bool is_null(int column) const = 0;
  virtual std::int64_t int64(int column) const = 0;
  virtual double real(int column) const = 0;
  // A text value's bytes (empty for NULL).
  virtual std::string text(int column) const = 0;
  // The stored size in bytes of a blob or text value, without copying it.
  virtual std::size_t bytes(int column) const = 0;
  // A blob's (or text's) bytes, empty for NULL; valid while the row is
  // (until the backend's next step or the row's end).
  virtual std::span<const std::byte> blob(int column) const = 0;

 protected:
  ~ColumnRow() = default;
};

// The columns every episode query selects, in this order.
//   0 id, 1 timestamp, 2 experience_data, 3 performance_score,
//   4 context_hash, 5 metadata, 6 experience_format
// Throws CorruptData or NotSupported (above) for a value that does not
// decode; metadata NULL is {}.
ENGRAM_API Episode read_episode(const ColumnCodec& codec, const ColumnRow& row);

//   0 id, 1 task_type, 2 performance_delta, 3 strategy_used, 4 timestamp,
//   5 parameters
// Throws CorruptData for parameters that are not JSON; NULL is {}.
ENGRAM_API LearningEvent read_event(const ColumnCodec& codec, const ColumnRow& row);

//   0 id, 1 name, 2 embedding, 3 creation_time, 4 access_count,
//   5 last_accessed, 6 metadata
// Throws CorruptData or NotSupported (above) for a value that does not
// decode; metadata NULL is {}.
ENGRAM_API Concept read_concept(const ColumnCodec& codec, const ColumnRow& row);

}  // namespace engram

#endif  // ENGRAM_RECORD_COLUMNS_H_
