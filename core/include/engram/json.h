// engram/json.h — metadata and parameters: the seed's Dict[str, Any].
//
// engram::Json is nlohmann::json. Metadata is kept whole by every backend:
// nested objects, lists, unicode, large values. JSON cannot hold NaN or
// infinity, so a non-finite number anywhere inside is InvalidArgument.
//
// Thread safety: stateless.
#ifndef ENGRAM_JSON_H_
#define ENGRAM_JSON_H_

#include <functional>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engram/export.h"

namespace engram {

using Json = nlohmann::json;

// The metadata of a record a store borrows (WorkingMemoryPatternView): the
// caller's Json, not a copy. Like an ArrayView's bytes, it must outlive the
// view and stay unchanged while the view is used; it cannot bind a
// temporary. Read it with get().
using JsonRef = std::reference_wrapper<const Json>;

// An empty JSON object, alive as long as the program: what a record's
// metadata is when none is given.
ENGRAM_API const Json& empty_json_object();

// Throws InvalidArgument unless `value` is a JSON object (or null, which
// stands for an empty object) holding only finite numbers, at any depth.
// `what` names the argument in the message ("metadata").
ENGRAM_API void check_json_object(const Json& value, std::string_view what);

}  // namespace engram

#endif  // ENGRAM_JSON_H_
