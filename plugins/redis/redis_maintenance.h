// plugins/redis/redis_maintenance.h — the redis backend's maintenance:
// stats, clear_expired, clear_all and close.
//
// backup, backup_if_due, compact, rotate, rotate_if_needed, cleanup and sync
// are not overridden: they throw NotSupported (Redis's persistence is the
// server's). Errors are the mapper's (redis_errors.h); after close() every
// call throws StorageError("... closed").
//
// Thread safety: every method may be called from several threads at once.
#ifndef ENGRAM_PLUGINS_REDIS_REDIS_MAINTENANCE_H_
#define ENGRAM_PLUGINS_REDIS_REDIS_MAINTENANCE_H_

#include <cstdint>
#include <string_view>

#include "connection_pool.h"
#include "engram/json.h"
#include "engram/maintenance.h"
#include "key_layout.h"
#include "redis_options.h"
#include "redis_working_memory.h"

namespace engram::redis {

class RedisMaintenance final : public Maintenance {
 public:
  // Keeps references to all three; REQUIRES: they outlive it. Only the
  // reference to `working_memory` is taken here: it may be built after.
  RedisMaintenance(const Settings& settings, Pool& pool, RedisWorkingMemory& working_memory);

  std::string_view backend_name() const noexcept override { return pool_.backend(); }

  // Live records per kind, "total", and the server's used_memory (bytes).
  Json stats() override;

  // Redis expires the records itself; this drops the index entries of
  // expired records and returns how many went.
  std::int64_t clear_expired() override;

  // Deletes engram's keys under key_prefix and nothing else: the record
  // keys by SCAN over each of their shapes (KeyLayout::record_patterns),
  // then the indexes. Another application's keys under the same prefix stay.
  void clear_all() override;

  void close() override { pool_.close(); }

 private:
  Pool& pool_;
  RedisWorkingMemory& working_memory_;
  const KeyLayout layout_;
};

}  // namespace engram::redis

#endif  // ENGRAM_PLUGINS_REDIS_REDIS_MAINTENANCE_H_
