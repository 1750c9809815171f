// plugins/postgres/pg_dump_backup.h — a backup of one schema: pg_dump's
// custom format (pg_restore reads it), of this schema only, consistent as
// of one snapshot while writers go on.
//
// pg_dump is found on the PATH (NotSupported without it, naming the
// PATH). It connects with the parameters the backend's own connection uses
// (PQconninfo), the password handed over in its environment, never on its
// command line. The dump is written to a partial file beside its target
// and published there only if nothing is there (engram/publish_file.h): an
// explicit path that exists is InvalidArgument, an automatic name taken
// moves on to the next; a failed dump leaves nothing. Its error names the
// first line pg_dump printed.
//
// Thread safety: any number of threads, each with its own connection.
#ifndef ENGRAM_PLUGINS_POSTGRES_PG_DUMP_BACKUP_H_
#define ENGRAM_PLUGINS_POSTGRES_PG_DUMP_BACKUP_H_

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "connection.h"

namespace engram::postgres {

// Dumps `schema` (named `where` in messages) to `path`, or to
// "<schema>_backup_<unix seconds>[_<n>].dump" in the working folder when
// nullopt, at time `now`; returns the path written.
std::filesystem::path dump_schema(Connection& connection, std::string_view schema,
                                  std::string_view where, std::optional<std::filesystem::path> path,
                                  double now);

}  // namespace engram::postgres

#endif  // ENGRAM_PLUGINS_POSTGRES_PG_DUMP_BACKUP_H_
