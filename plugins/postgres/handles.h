// plugins/postgres/handles.h — owning handles for libpq's C objects: a
// connection (PQfinish) and a query result (PQclear), each an
// engram::CHandle (engram/c_handle.h).
//
// A ConnectionHandle is made even for a failed connect (PQconnectdbParams
// returns a PGconn whose status is CONNECTION_BAD, or null when out of
// memory): the caller reads its error (pg_errors.h) and the handle frees it.
//
// Thread safety: as unique_ptr; a handle is used by one thread at a time
// (libpq allows one thread per PGconn at a time).
#ifndef ENGRAM_PLUGINS_POSTGRES_HANDLES_H_
#define ENGRAM_PLUGINS_POSTGRES_HANDLES_H_

#include <libpq-fe.h>

#include "engram/c_handle.h"

namespace engram::postgres {

using ConnectionHandle = CHandle<PGconn, PQfinish>;
using ResultHandle = CHandle<PGresult, PQclear>;

}  // namespace engram::postgres

#endif  // ENGRAM_PLUGINS_POSTGRES_HANDLES_H_
