// plugins/sqlite/records.h — how engram's records become SQLite columns and
// back: arrays are .npy blobs (engram/npy.h), metadata and parameters JSON
// text, an episode's experience a .npy blob or JSON text with its
// experience_format ("npy" or "json").
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
// Records are encoded before any lock is taken. No value larger than
// max_record_bytes is stored (InvalidArgument) or decoded (CorruptData,
// checked from the stored size before anything is allocated, and for a
// pickle also from the decoded size). Decoding failures name the record,
// column and file ("reading episode 3's experience_data in x.db: ..."); a
// .npy of a later format or dtype, or a pickle holding a global or opcode
// outside pickle.h's list, is NotSupported, malformed bytes CorruptData.
//
// Thread safety: stateless; a Statement is read by the thread holding it.
#ifndef ENGRAM_PLUGINS_SQLITE_RECORDS_H_
#define ENGRAM_PLUGINS_SQLITE_RECORDS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "connection.h"
#include "engram/concept_store.h"
#include "engram/episode_store.h"
#include "sqlite_errors.h"
#include "statement.h"

namespace engram::sqlite {

// What encoding and decoding a record needs: the names its messages give
// and the largest value a read may allocate.
struct Codec {
  const Origin& origin;
  std::uint64_t record_limit;
};

// experience_format values.
constexpr std::string_view kFormatNpy = "npy";
constexpr std::string_view kFormatJson = "json";

// An episode's experience as it is stored: the bytes and their format.
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
// max_record_bytes or JSON nlohmann cannot write (a string not UTF-8).
// REQUIRES: `record` outlives the result, which points to it.
EncodedEpisode encode(const Codec& codec, const EpisodeView& record);
EncodedConcept encode(const Codec& codec, const ConceptView& record);
EncodedEvent encode(const Codec& codec, const LearningEvent& record);

// encode() of every record, in order.
template <class Record>
auto encode_all(const Codec& codec, const std::vector<Record>& records) {
  std::vector<decltype(encode(codec, records.front()))> encoded;
  encoded.reserve(records.size());
  for (const Record& record : records) encoded.push_back(encode(codec, record));
  return encoded;
}

// The columns every episode query selects, in this order.
//   0 id, 1 timestamp, 2 experience_data, 3 performance_score,
//   4 context_hash, 5 metadata, 6 experience_format
Episode read_episode(const Codec& codec, const Statement& row);

//   0 id, 1 task_type, 2 performance_delta, 3 strategy_used, 4 timestamp,
//   5 parameters
LearningEvent read_event(const Codec& codec, const Statement& row);

//   0 id, 1 name, 2 embedding, 3 creation_time, 4 access_count,
//   5 last_accessed, 6 metadata
Concept read_concept(const Codec& codec, const Statement& row);

// The id a store asks for, when the backend can keep it: positive, not the
// largest (AUTOINCREMENT could not go past it) and free in `table`'s query.
// `exists_sql` selects a row by id ?1. REQUIRES: the writer, in a transaction.
bool id_is_free(Connection& connection, std::string_view exists_sql, std::int64_t wanted);

}  // namespace engram::sqlite

#endif  // ENGRAM_PLUGINS_SQLITE_RECORDS_H_
