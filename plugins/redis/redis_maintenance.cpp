// plugins/redis/redis_maintenance.cpp — see redis_maintenance.h.
#include "redis_maintenance.h"

#include <string>

#include "commands.h"
#include "engram/errors.h"
#include "record_encoding.h"

namespace engram::redis {

RedisMaintenance::RedisMaintenance(const Settings& settings, Pool& pool,
                                   RedisWorkingMemory& working_memory)
    : pool_(pool), working_memory_(working_memory), layout_(settings.options.key_prefix) {}

Json RedisMaintenance::stats() {
  return pool_.run([&](Link c) {
    working_memory_.prune_indexes(c);
    Json stats = Json::object();
    working_memory_.count(c, stats);
    stats["total"] = stats["working_memory"].get<std::int64_t>() +
                     stats["spike_trains"].get<std::int64_t>() +
                     stats["attention_weights"].get<std::int64_t>();
    const std::string info = text_of(*command(c, {"INFO", "memory"}, pool_.backend()));
    constexpr std::string_view kField = "used_memory:";
    const std::size_t at = info.find(kField);
    if (at != std::string::npos) {
      const std::size_t start = at + kField.size();
      const std::size_t end = info.find_first_of("\r\n", start);
      std::int64_t bytes = 0;
      if (parse_number(std::string_view(info).substr(start, end - start), bytes)) {
        stats["used_memory"] = bytes;
      }
    }
    return stats;
  });
}

std::int64_t RedisMaintenance::clear_expired() {
  return pool_.run([&](Link c) { return working_memory_.prune_indexes(c); });
}

void RedisMaintenance::clear_all() {
  pool_.run([&](Link c) {
    for (const std::string& pattern : layout_.record_patterns()) {
      std::string cursor = "0";
      do {
        const auto reply =
            command(c, {"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"}, pool_.backend());
        if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2) {
          throw BackendError("SCAN: unexpected reply", pool_.backend());
        }
        cursor = text_of(*reply->element[0]);
        const redisReply& keys = *reply->element[1];
        if (keys.elements > 0) {
          Command unlink{"UNLINK"};
          for (std::size_t i = 0; i < keys.elements; ++i) {
            unlink.push_back(text_of(*keys.element[i]));
          }
          command(c, std::move(unlink), pool_.backend());
        }
      } while (cursor != "0");
    }
    Command unlink{"UNLINK"};
    for (const std::string& index : layout_.lex_indexes()) unlink.push_back(index);
    command(c, std::move(unlink), pool_.backend());
  });
}

}  // namespace engram::redis
