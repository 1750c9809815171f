// plugins/redis/record_encoding.h — how a record's fields are written as
// Redis hash fields and read back: numbers as their shortest exact text,
// TTLs in milliseconds, neuron id lists as JSON, metadata as JSON, arrays
// as engram/compressed_npy.h values. Which fields each record has is
// key_layout.h's.
//
// Errors: a field that is missing or does not parse is CorruptData naming
// the key and the field; an array value this build cannot read (a later
// format, an unknown codec) is NotSupported naming them. Both name the
// backend.
//
// Thread safety: stateless.
#ifndef ENGRAM_PLUGINS_REDIS_RECORD_ENCODING_H_
#define ENGRAM_PLUGINS_REDIS_RECORD_ENCODING_H_

#include <charconv>
#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "engram/array.h"
#include "engram/json.h"
#include "round_trip.h"

namespace engram::redis {

// The shortest text that reads back as exactly `value`.
std::string number_text(double value);

// True iff all of `text` is one number of `Number`'s type, then in `value`.
template <class Number>
bool parse_number(std::string_view text, Number& value) {
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  return !text.empty() && error == std::errc() && stop == end;
}

// A TTL as PEXPIRE takes it.
std::string millis_text(std::chrono::milliseconds ttl);

// A neuron id list as JSON ("[1,2,3]"), written and read without a JSON
// library: for a train of a thousand spikes it is most of the work.
std::string id_list_text(std::span<const std::int64_t> ids);
// Parses exactly what id_list_text writes; false for anything else (other
// spacing included), which the caller then hands to the JSON parser.
bool parse_id_list(std::string_view text, std::vector<std::int64_t>& ids);

// The fields and the TTL left of one key. The fields are read where
// HGETALL's reply holds them, so an array value is copied once, when
// decoded; a record has a handful, found by a scan.
struct Stored {
  // REQUIRES: an array reply of name, value pairs.
  ReplyPtr reply;
  std::optional<std::chrono::milliseconds> ttl;

  // The value of field `name` (the first, should a reply repeat it);
  // nullopt when the record has none.
  std::optional<std::string_view> find(std::string_view name) const;
};

// The record of one key from its HGETALL and PTTL replies; nullopt when the
// key is gone. Throws through the error mapper for an error reply.
std::optional<Stored> stored_of(ReplyPtr hash_reply, const ReplyPtr& pttl_reply,
                                const std::string& backend);

// A field of the record at `key`, as text, a number, JSON or an array (with
// at most `record_limit` bytes of .npy). Throws as above.
std::string_view field(const Stored& stored, std::string_view name, std::string_view key,
                       const std::string& backend);
double number_field(const Stored& stored, std::string_view name, std::string_view key,
                    const std::string& backend);
Json json_field(const Stored& stored, std::string_view name, std::string_view key,
                const std::string& backend);
Array array_field(const Stored& stored, std::string_view name, std::string_view key,
                  std::uint64_t record_limit, const std::string& backend);

}  // namespace engram::redis

#endif  // ENGRAM_PLUGINS_REDIS_RECORD_ENCODING_H_
