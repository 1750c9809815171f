// engram/write_behind.h — stores that return once queued, for real-time
// loops: a core feature every backend gets by config.
//
//   backends:
//     db:
//       plugin: sqlite
//       db_path: data/engram.db
//       write_behind: {max_pending: 4096, max_bytes: 67108864, flush_interval: 0.005}
//
// `write_behind` is the one key the core reserves in every backend's config
// (the plugin never sees it); a mapping of the three keys below, each
// optional (`write_behind: {}` takes the defaults).
//
// With it, the backend's role objects queue each store and return: the
// queue's copy of the caller's arrays is the one copy made, encoding
// happens on a background writer, which drains the queue through the role's
// store_batch so every backend writes by its bulk path — the oldest records
// first, at most 1,024 records or 4 MiB of arrays per batch (beyond that a
// transaction costs more than it saves). What the caller
// sees:
// - ids are final when a store returns. Integer ids (episodes, learning
//   events, new concepts) come from blocks the backend reserves
//   (PluginCapabilities::reserves_ids); a plugin without that hook gets no
//   write-behind on those roles (ConfigError when the Storage opens). Trace
//   ids are the seed's ids, chosen at queue time against both the backend
//   and the queue. A store of an existing concept's name returns its id.
// - a read first waits until the queued writes it could observe are
//   written (read-your-writes); updates, deletes, batches and maintenance
//   calls first drain the queue, then run as without write-behind.
// - sync() and close() drain everything (close() also when the last handle
//   goes); a full queue (max_pending records or max_bytes of arrays) makes
//   a store wait, never drops it.
// - a record the backend refuses is reported, never swallowed: the next
//   call on the role (which stores nothing) and sync() throw the backend's
//   error kind, naming the records not written; the queue goes on.
// - the trade: stores acknowledged since the last sync() returned are lost
//   on a crash; after sync() returns they are as durable as the backend
//   makes them.
// Validation (InvalidArgument) still happens in the caller's thread, before
// anything is queued.
//
// Thread safety: as the role objects; one writer thread per role object.
// (The queues themselves: core/src/write_queue.h.)
#ifndef ENGRAM_WRITE_BEHIND_H_
#define ENGRAM_WRITE_BEHIND_H_

#include <cstdint>

namespace engram {

struct WriteBehindOptions {
  // Records queued at most; a store waits while the queue holds this many.
  std::int64_t max_pending = 4096;
  // Bytes of queued arrays at most (a single larger record is let in alone).
  std::int64_t max_bytes = std::int64_t{64} << 20;
  // Seconds the writer lets records gather before writing them; it starts
  // at once when the queue is half full or a read, sync() or close() waits.
  double flush_interval = 0.005;
};

}  // namespace engram

#endif  // ENGRAM_WRITE_BEHIND_H_
