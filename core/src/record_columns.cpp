#include "engram/record_columns.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "engram/array.h"
#include "engram/errors.h"
#include "engram/ids.h"
#include "engram/json.h"
#include "engram/npy.h"
#include "engram/pickle.h"
#include "engram/record_limits.h"

namespace engram {
namespace {

// InvalidArgument: a value to store that a read under max_record_bytes
// could not take back.
[[noreturn]] void throw_record_too_large(const ColumnOrigin& origin, std::string_view what,
                                         std::size_t bytes, std::uint64_t limit) {
  throw InvalidArgument("storing " + std::string(what) + " in " + origin.where + ": " +
                            std::to_string(bytes) + " bytes, more than max_record_bytes (" +
                            std::to_string(limit) + ")",
                        origin.backend);
}

// InvalidArgument: a value nlohmann cannot write as JSON text.
[[noreturn]] void throw_bad_json_value(const ColumnOrigin& origin, std::string_view what,
                                       const char* why) {
  throw InvalidArgument(
      std::string("storing ") + std::string(what) + ": it cannot be written as JSON text: " + why,
      origin.backend);
}

// CorruptData: a stored value that does not decode; `what` names the record
// and column.
[[noreturn]] void throw_corrupt(const ColumnOrigin& origin, const std::string& what,
                                const std::string& why) {
  throw CorruptData("reading " + what + " in " + origin.where + ": " + why, origin.backend);
}

// The first byte of every pickle of protocol 2 or later (PROTO); a .npy
// starts with "\x93NUMPY" instead.
constexpr std::byte kPickleMagic{0x80};

// JSON text of a caller's value. Throws InvalidArgument when nlohmann cannot
// write it (a string that is not UTF-8) or it is past max_record_bytes.
std::string json_text(const ColumnCodec& codec, const Json& value, std::string_view what) {
  std::string text;
  try {
    text = value.dump();
  } catch (const Json::exception& e) {
    throw_bad_json_value(codec.origin, what, e.what());
  }
  if (text.size() > codec.record_limit) {
    throw_record_too_large(codec.origin, what, text.size(), codec.record_limit);
  }
  return text;
}

// A column of one stored record, named in messages as "concept 12's
// embedding". The name is only built when a message needs it: a read that
// succeeds allocates no text for it.
struct Field {
  std::string_view record;  // "episode", "concept", "learning event"
  std::int64_t id;
  std::string_view column;

  std::string name() const {
    return std::string(record) + " " + std::to_string(id) + "'s " + std::string(column);
  }
};

// check_declared_size(declared, limit, stored), whose message ("reading
// <field> in <where>") is built only when the check fails.
void check_field_size(const ColumnCodec& codec, const Field& field, std::uint64_t declared,
                      std::optional<std::uint64_t> stored = std::nullopt) {
  if (declared <= codec.record_limit && (!stored || declared <= *stored)) return;
  check_declared_size(codec.origin.backend, "reading " + field.name() + " in " + codec.origin.where,
                      declared, codec.record_limit, stored);
}

// CorruptData unless the value in `column` fits max_record_bytes; checked
// from the stored size, before the value is copied or decoded.
void check_stored_size(const ColumnCodec& codec, const ColumnRow& row, int column,
                       const Field& field) {
  check_field_size(codec, field, row.bytes(column));
}

// A JSON column: NULL (a row from before the column had a value) is {}.
Json json_column(const ColumnCodec& codec, const ColumnRow& row, int column, const Field& field) {
  if (row.is_null(column)) return Json::object();
  check_stored_size(codec, row, column, field);
  try {
    return Json::parse(row.text(column));
  } catch (const Json::exception& e) {
    throw_corrupt(codec.origin, field.name(), std::string("not JSON text: ") + e.what());
  }
}

// A stored value a core decoder (npy.h, pickle.h) refused, its kind kept:
// NotSupported stays NotSupported (a later format, a global outside the
// pickle reader's list), anything else is CorruptData. The message names the
// record and column, where the data is, then `why`.
[[noreturn]] void throw_undecodable(const ColumnOrigin& origin, const std::string& what,
                                    const StorageError& e, const std::string& why) {
  if (dynamic_cast<const NotSupported*>(&e) != nullptr) {
    throw NotSupported("reading " + what + " in " + origin.where + ": " + why, origin.backend);
  }
  throw_corrupt(origin, what, why);
}

// A blob npy could not read. Only an episode's experience_data reaches here
// with pickle bytes (an embedding's are told apart first).
[[noreturn]] void throw_not_npy(const ColumnOrigin& origin, const std::string& what,
                                std::span<const std::byte> bytes, const StorageError& e) {
  const bool later = dynamic_cast<const NotSupported*>(&e) != nullptr;
  const bool pickle = !bytes.empty() && bytes[0] == kPickleMagic;
  throw_undecodable(
      origin, what, e,
      later ? std::string(e.what())
            : std::string("not a .npy array") +
                  (pickle ? " (it looks like a Python pickle, in a row marked npy)" : "") + ": " +
                  e.what());
}

// A .npy column. The header's declared data size is checked against
// max_record_bytes and the bytes stored before the array is allocated.
Array npy_column(const ColumnCodec& codec, const ColumnRow& row, int column, const Field& field) {
  const ColumnOrigin& origin = codec.origin;
  if (row.is_null(column)) throw_corrupt(origin, field.name(), "the value is NULL");
  check_stored_size(codec, row, column, field);
  const std::span<const std::byte> bytes = row.blob(column);
  npy::Header header;
  try {
    header = npy::parse_header(bytes);
  } catch (const StorageError& e) {
    throw_not_npy(origin, field.name(), bytes, e);
  }
  const std::size_t stored = bytes.size() - std::min(header.data_offset, bytes.size());
  check_field_size(codec, field, header.data_bytes, stored);
  try {
    return npy::decode(header, bytes);
  } catch (const StorageError& e) {
    throw_not_npy(origin, field.name(), bytes, e);
  }
}

// A pickle column, as the Python system wrote it, decoded by the core's
// closed-list reader (engram/pickle.h): nothing in it is imported or run.
// The stored size is checked first; the decoded value may not exceed
// max_record_bytes either.
pickle::Value pickle_column(const ColumnCodec& codec, const ColumnRow& row, int column,
                            const Field& field) {
  if (row.is_null(column)) throw_corrupt(codec.origin, field.name(), "the value is NULL");
  check_stored_size(codec, row, column, field);
  pickle::Limits limits;
  limits.max_output_bytes = static_cast<std::size_t>(
      std::min<std::uint64_t>(codec.record_limit, std::numeric_limits<std::size_t>::max()));
  try {
    return pickle::decode(row.blob(column), limits);
  } catch (const StorageError& e) {
    throw_undecodable(codec.origin, field.name(), e, e.what());
  }
}

// The Python type a decoded pickle held, from its tagged form, for messages.
std::string pickled_kind(const Json& value) {
  if (value.is_null()) return "None";
  if (value.is_boolean()) return "bool";
  if (value.is_string()) return "str";
  if (value.is_number_float()) return "float";
  if (value.is_number()) return "int";
  if (value.is_array()) return "list";
  const auto tag = value.find(std::string(pickle::kTagKey));
  if (tag == value.end() || !tag->is_string()) return "dict";
  const std::string name = tag->get<std::string>();
  return name == "scalar" ? "numpy scalar" : name;
}

// A concept's embedding: .npy (engram wrote it) or a pickle (the Python
// system did), told apart by their magic bytes. A pickle must hold a numpy
// array.
Array embedding_column(const ColumnCodec& codec, const ColumnRow& row, int column,
                       const Field& field) {
  const std::span<const std::byte> bytes = row.blob(column);
  if (row.is_null(column) || bytes.empty() || bytes[0] != kPickleMagic) {
    return npy_column(codec, row, column, field);
  }
  pickle::Value value = pickle_column(codec, row, column, field);
  if (auto* array = std::get_if<Array>(&value)) return std::move(*array);
  throw NotSupported("reading " + field.name() + " in " + codec.origin.where + ": a pickled " +
                         pickled_kind(std::get<Json>(value)) + ", not a numpy array",
                     codec.origin.backend);
}

// The .npy bytes of `array`. Throws InvalidArgument past max_record_bytes.
std::vector<std::byte> npy_value(const ColumnCodec& codec, const ArrayView& array,
                                 std::string_view what) {
  std::vector<std::byte> bytes = npy::encode(array);
  if (bytes.size() > codec.record_limit) {
    throw_record_too_large(codec.origin, what, bytes.size(), codec.record_limit);
  }
  return bytes;
}

EncodedExperience encode_experience(const ColumnCodec& codec,
                                    const std::variant<ArrayView, Json>& data) {
  EncodedExperience encoded;
  if (const auto* array = std::get_if<ArrayView>(&data)) {
    encoded.npy = npy_value(codec, *array, "experience_data");
    encoded.format = kFormatNpy;
  } else {
    encoded.json = json_text(codec, std::get<Json>(data), "experience_data");
    encoded.format = kFormatJson;
  }
  return encoded;
}

}  // namespace

EncodedEpisode encode(const ColumnCodec& codec, const EpisodeView& record) {
  return {&record, encode_experience(codec, record.experience_data),
          json_text(codec, record.metadata, "metadata")};
}

EncodedConcept encode(const ColumnCodec& codec, const ConceptView& record) {
  return {&record, npy_value(codec, record.embedding, "embedding"),
          json_text(codec, record.metadata, "metadata")};
}

EncodedEvent encode(const ColumnCodec& codec, const LearningEvent& record) {
  return {&record, json_text(codec, record.parameters, "parameters")};
}

// The columns every episode query selects, in this order.
//   0 id, 1 timestamp, 2 experience_data, 3 performance_score,
//   4 context_hash, 5 metadata, 6 experience_format
Episode read_episode(const ColumnCodec& codec, const ColumnRow& row) {
  const ColumnOrigin& origin = codec.origin;
  Episode episode;
  episode.id = row.int64(0);
  const Field experience{"episode", episode.id, "experience_data"};
  episode.timestamp = row.real(1);
  episode.performance_score = row.real(3);
  episode.context_hash = row.text(4);
  episode.metadata = json_column(codec, row, 5, {"episode", episode.id, "metadata"});
  if (row.is_null(6)) {  // the Python system's row: a pickle
    episode.experience_data = pickle_column(codec, row, 2, experience);
    return episode;
  }
  const std::string format = row.text(6);
  if (format == kFormatNpy) {
    episode.experience_data = npy_column(codec, row, 2, experience);
  } else if (format == kFormatJson) {
    check_stored_size(codec, row, 2, experience);
    const std::span<const std::byte> bytes = row.blob(2);
    try {
      episode.experience_data =
          Json::parse(reinterpret_cast<const char*>(bytes.data()),
                      reinterpret_cast<const char*>(bytes.data()) + bytes.size());
    } catch (const Json::exception& e) {
      throw_corrupt(origin, experience.name(), std::string("not JSON: ") + e.what());
    }
  } else {
    throw_corrupt(origin, experience.name(),
                  "unknown experience_format \"" + printable(format) + "\"");
  }
  return episode;
}

//   0 id, 1 task_type, 2 performance_delta, 3 strategy_used, 4 timestamp,
//   5 parameters
LearningEvent read_event(const ColumnCodec& codec, const ColumnRow& row) {
  LearningEvent event;
  event.id = row.int64(0);
  event.task_type = row.text(1);
  event.performance_delta = row.real(2);
  event.strategy_used = row.text(3);
  event.timestamp = row.real(4);
  event.parameters = json_column(codec, row, 5, {"learning event", event.id, "parameters"});
  return event;
}

//   0 id, 1 name, 2 embedding, 3 creation_time, 4 access_count,
//   5 last_accessed, 6 metadata
Concept read_concept(const ColumnCodec& codec, const ColumnRow& row) {
  Concept record;
  record.id = row.int64(0);
  record.name = row.text(1);
  record.embedding = embedding_column(codec, row, 2, {"concept", record.id, "embedding"});
  record.creation_time = row.real(3);
  record.access_count = row.int64(4);
  record.last_accessed = row.real(5);
  record.metadata = json_column(codec, row, 6, {"concept", record.id, "metadata"});
  return record;
}

}  // namespace engram
