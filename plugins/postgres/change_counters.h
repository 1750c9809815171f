// plugins/postgres/change_counters.h — how a backend learns that the
// embeddings its recall matrix holds (engram/recall_cache.h) have changed
// on the server: the schema's change counters (table engram_changes,
// schema_text.h).
//
// Every transaction that changes a role's embeddings (a store, a batch, a
// clear) bumps its connection's row — one row per writer connection
// (Database::Lease::writer_id), so concurrent writers never queue on one
// row — in that same transaction. A role's version is the sum of its
// column over every row: it moves with each committed change, in any
// process, and never moves back (rows are only ever bumped). A recall
// reads the version and reloads the matrix when it is not the one the
// matrix stands at; the backend's own writes move the matrix's version by
// the bumps they apply (recall_cache.h), so they need no reload.
//
// Thread safety: the thread holding the connection.
#ifndef ENGRAM_PLUGINS_POSTGRES_CHANGE_COUNTERS_H_
#define ENGRAM_PLUGINS_POSTGRES_CHANGE_COUNTERS_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "connection.h"

namespace engram::postgres {

// The roles whose embeddings are counted: engram_changes' columns.
enum class Counted { kConcepts, kEpisodes };

// The statement that bumps writer $<param>'s count of `counted` by one:
// an INSERT ... ON CONFLICT, usable alone or as a data-modifying WITH
// clause of a write's own statement (one round trip).
std::string bump_sql(Counted counted, int param);

// Bumps `writer_id`'s count of `counted` by one. REQUIRES: in the
// transaction of the change.
void bump(Connection& connection, Counted counted, std::string_view writer_id);

// The version of `counted`: the sum of its counts. Read in the caller's
// transaction (a load reads it in the snapshot it loads from).
std::int64_t version(Connection& connection, Counted counted);

}  // namespace engram::postgres

#endif  // ENGRAM_PLUGINS_POSTGRES_CHANGE_COUNTERS_H_
