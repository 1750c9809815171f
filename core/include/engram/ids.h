// engram/ids.h — the one validator for caller ids and names, and the seed's
// id form.
//
// Every caller string that becomes part of a key, a path or an id (pattern
// hashes, attention contexts, reservoir ids, plasticity types, mechanisms,
// task types, layer and metric names, trace ids) must be a valid id: 1 to
// 255 bytes of valid UTF-8, no control characters (U+0000–U+001F, U+007F,
// U+0080–U+009F), no '/', and not "." or "..". Strings kept only as values
// (context hashes, strategy names, relationship types, concept names) must
// be non-empty valid UTF-8. The role interfaces check both on every store
// and retrieve, the same for every backend.
//
// Thread safety: stateless.
#ifndef ENGRAM_IDS_H_
#define ENGRAM_IDS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engram/export.h"

namespace engram {

inline constexpr std::size_t kMaxIdBytes = 255;
// A caller string that becomes an id's prefix (a reservoir id, plasticity
// type, mechanism or task type: "<prefix>_<ms>_<n>") leaves room for the
// suffix, so every id derived from it is a valid id.
inline constexpr std::size_t kMaxIdPrefixBytes = 200;

// True iff `text` is well-formed UTF-8 (no overlongs, surrogates or code
// points past U+10FFFF).
ENGRAM_API bool is_valid_utf8(std::string_view text) noexcept;
// True iff `id` is a valid id (see above).
ENGRAM_API bool is_valid_id(std::string_view id) noexcept;
// Why `id` is not a valid id — "is empty", "is longer than 255 bytes",
// "is '.' or '..'", "is not valid UTF-8", "contains '/'", "contains a
// control character" — or nullptr when it is one. The one list of reasons:
// check_id and the config's name checks say these words.
ENGRAM_API const char* id_problem(std::string_view id) noexcept;

// Throws InvalidArgument, naming `what` ("pattern_hash") and the reason,
// unless `id` is a valid id.
ENGRAM_API void check_id(std::string_view id, std::string_view what);
// check_id, and no longer than kMaxIdPrefixBytes.
ENGRAM_API void check_id_prefix(std::string_view prefix, std::string_view what);
// Throws InvalidArgument unless `text` is non-empty valid UTF-8.
ENGRAM_API void check_text(std::string_view text, std::string_view what);
// Throws InvalidArgument unless `value` is finite.
ENGRAM_API void check_finite(double value, std::string_view what);

// `text` made printable for messages: control characters and invalid bytes
// escaped (\x01), cut to about 80 bytes with "..." when longer.
ENGRAM_API std::string printable(std::string_view text);

// The seed's millisecond stamp: int(timestamp * 1000), truncated toward zero
// as Python does. Throws InvalidArgument when `timestamp` is not finite or
// the result does not fit in int64.
ENGRAM_API std::int64_t seed_millis(double timestamp);
// The seed's trace id "<prefix>_<ms>", and with n > 0 the form that keeps
// ids apart within one millisecond: "<prefix>_<ms>_<n>".
ENGRAM_API std::string seed_id(std::string_view prefix, double timestamp, unsigned n = 0);
// The millisecond stamp of `id` read as a seed id with `prefix`
// ("<prefix>_<ms>" or "<prefix>_<ms>_<n>", ms an optionally negative decimal
// integer, n a positive one), or nullopt when it does not read so.
ENGRAM_API std::optional<std::int64_t> seed_id_stamp(std::string_view id,
                                                     std::string_view prefix) noexcept;

// The kinds of integer id a backend assigns, for reserving blocks of them
// (EpisodeStore::do_reserve_ids, ConceptStore::do_reserve_ids).
enum class IdKind { kEpisode, kLearningEvent, kConcept };
// "episode", "learning event", "concept".
ENGRAM_API std::string_view id_kind_name(IdKind kind) noexcept;

}  // namespace engram

#endif  // ENGRAM_IDS_H_
