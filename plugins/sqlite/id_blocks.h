// plugins/sqlite/id_blocks.h — blocks of new ids reserved for the core's
// write-behind (engram/write_behind.h), which hands them out before the
// records are written.
//
// The seed's tables are AUTOINCREMENT: a new row's id is one past the
// greater of the table's sqlite_sequence row and its largest id, read when
// the INSERT runs. Reserving `count` ids moves that row to
// max(seq, max(id)) + count in one write transaction (BEGIN IMMEDIATE on the
// writer), so afterwards no INSERT on any connection of any process takes
// one of them, also after the file is reopened with none of them stored; a
// put of a record carrying one keeps it (its id is free, and inserting it
// leaves the sequence where it is). clear_all and VACUUM keep the sequence.
//
// Errors: InvalidArgument for a count < 1 or a block that would reach the
// largest id; NotSupported for a table that is not AUTOINCREMENT (a file
// made elsewhere: its new ids are max(id) + 1, which no sequence row
// steers, so a block could not be kept from them); SQLite's as
// throw_sqlite. Thread safety: REQUIRES the writer (Database::writer()).
#ifndef ENGRAM_PLUGINS_SQLITE_ID_BLOCKS_H_
#define ENGRAM_PLUGINS_SQLITE_ID_BLOCKS_H_

#include <cstdint>

#include "connection.h"
#include "engram/ids.h"
#include "sqlite_errors.h"

namespace engram::sqlite {

// Reserves `count` consecutive new ids of `kind` (its table: episodes,
// learning_events or concepts) and returns the first. REQUIRES: the writer,
// outside a transaction.
std::int64_t reserve_id_block(Connection& writer, const Origin& origin, IdKind kind,
                              std::int64_t count);

}  // namespace engram::sqlite

#endif  // ENGRAM_PLUGINS_SQLITE_ID_BLOCKS_H_
