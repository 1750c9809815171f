// plugins/postgres/id_sequences.h — the ids of new rows: each table's
// sequence (schema_text.h), a record's own id kept when it is free, and
// blocks of ids reserved for the core's write-behind (engram/write_behind.h).
//
// A sequence hands out each value once, in every process, but a block of
// ids takes two steps (nextval, then setval past the block) and a kept id
// may lie past the sequence (then the sequence must be moved past it before
// anyone else takes it). So the schema's id lock (an advisory lock,
// schema_text.h's kIdLock) orders them: every transaction that inserts
// holds it shared — inserts never wait for each other — and the two steps
// hold it alone, so no insert takes a value between them. The lock is
// taken first in its transaction, shared or alone for the whole of it, so
// two transactions never deadlock upgrading it.
//
// A record's id is kept when it is positive, not the largest (no sequence
// goes past it) and no row has it: the insert asks for it with ON CONFLICT
// DO NOTHING and takes the sequence's next value when another row holds
// it. Writers that do not take the lock (psql users inserting ids of their
// own) are not ordered by it.
//
// Errors: InvalidArgument for a block of count < 1 or one reaching the
// largest id; the server's as pg_errors.h. Thread safety: the thread
// holding the connection.
#ifndef ENGRAM_PLUGINS_POSTGRES_ID_SEQUENCES_H_
#define ENGRAM_PLUGINS_POSTGRES_ID_SEQUENCES_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "connection.h"
#include "engram/ids.h"

namespace engram::postgres {

// The table holding `kind`'s rows, and its sequence.
std::string_view table_of(IdKind kind) noexcept;
std::string_view sequence_of(IdKind kind) noexcept;

// Whether a store may ask for `wanted` as its row's id (positive, not the
// largest); whether it is free is the insert's to find.
bool keepable(std::int64_t wanted) noexcept;

// The largest id rows of one table want in a transaction.
struct WantedIds {
  IdKind kind;
  std::int64_t largest = 0;  // 0: none wanted
};

// Takes the id lock for the transaction under way, which inserts rows
// wanting `wanted`: alone, after which each sequence is moved past the ids
// wanted beyond it, when one is; else shared. REQUIRES: in a transaction
// that has not taken the lock, on `schema`'s search path.
void lock_ids(Connection& connection, std::string_view schema, std::span<const WantedIds> wanted);

// Reserves `count` consecutive new ids of `kind` and returns the first, in
// a transaction of its own. REQUIRES: outside a transaction.
std::int64_t reserve_id_block(Connection& connection, std::string_view schema, IdKind kind,
                              std::int64_t count);

// Reserves `count` consecutive new ids of `kind` for a batch whose kept
// ids go up to `largest_wanted` (0: none) and returns the first: past both
// the sequence and those ids, so a batch can write its new rows with ids of
// its own (COPY) beside its kept ones. One statement, its own transaction,
// holding the id lock alone for its few microseconds. REQUIRES: outside a
// transaction, count >= 1.
std::int64_t reserve_batch_ids(Connection& connection, std::string_view schema, IdKind kind,
                               std::int64_t count, std::int64_t largest_wanted);

// The SQL that takes the id lock shared, as a one-row subquery for an
// INSERT ... SELECT ... FROM (<this>) AS id_lock of a single statement.
std::string shared_id_lock(std::string_view schema);

}  // namespace engram::postgres

#endif  // ENGRAM_PLUGINS_POSTGRES_ID_SEQUENCES_H_
