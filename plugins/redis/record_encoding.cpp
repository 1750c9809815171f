// plugins/redis/record_encoding.cpp — see record_encoding.h.
#include "record_encoding.h"

#include <algorithm>

#include "commands.h"
#include "engram/compressed_npy.h"
#include "engram/errors.h"
#include "engram/ids.h"
#include "redis_errors.h"

namespace engram::redis {

std::string number_text(double value) {
  char buffer[64];
  const auto stop = std::to_chars(buffer, buffer + sizeof buffer, value).ptr;
  return std::string(buffer, stop);
}

std::string millis_text(std::chrono::milliseconds ttl) { return std::to_string(ttl.count()); }

std::string id_list_text(std::span<const std::int64_t> ids) {
  std::string text;
  text.reserve(2 + ids.size() * 8);
  text += '[';
  char buffer[24];
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i != 0) text += ',';
    text.append(buffer, std::to_chars(buffer, buffer + sizeof buffer, ids[i]).ptr);
  }
  text += ']';
  return text;
}

bool parse_id_list(std::string_view text, std::vector<std::int64_t>& ids) {
  if (text.size() < 2 || text.front() != '[' || text.back() != ']') return false;
  const char* at = text.data() + 1;
  const char* const end = text.data() + text.size() - 1;
  ids.clear();
  while (at < end) {
    std::int64_t id = 0;
    const auto [stop, error] = std::from_chars(at, end, id);
    if (error != std::errc()) return false;
    ids.push_back(id);
    at = stop;
    if (at < end) {
      if (*at != ',') return false;
      if (++at == end) return false;
    }
  }
  return true;
}

std::optional<Stored> stored_of(ReplyPtr hash_reply, const ReplyPtr& pttl_reply,
                                const std::string& backend) {
  const redisReply& hash = checked(hash_reply, "HGETALL", backend);
  const redisReply& pttl = checked(pttl_reply, "PTTL", backend);
  if (hash.type != REDIS_REPLY_ARRAY || hash.elements == 0 || pttl.integer == -2) {
    return std::nullopt;
  }
  Stored stored;
  if (pttl.integer >= 0) {
    stored.ttl = std::max(std::chrono::milliseconds(1), std::chrono::milliseconds(pttl.integer));
  }
  stored.reply = std::move(hash_reply);
  return stored;
}

std::optional<std::string_view> Stored::find(std::string_view name) const {
  for (std::size_t f = 0; f + 1 < reply->elements; f += 2) {
    if (view_of(*reply->element[f]) == name) return view_of(*reply->element[f + 1]);
  }
  return std::nullopt;
}

std::string_view field(const Stored& stored, std::string_view name, std::string_view key,
                       const std::string& backend) {
  const std::optional<std::string_view> found = stored.find(name);
  if (!found) throw_corrupt(key, "no field " + std::string(name), backend);
  return *found;
}

double number_field(const Stored& stored, std::string_view name, std::string_view key,
                    const std::string& backend) {
  double value = 0.0;
  if (!parse_number(field(stored, name, key, backend), value)) {
    throw_corrupt(key, "field " + std::string(name) + " is not a number", backend);
  }
  return value;
}

Json json_field(const Stored& stored, std::string_view name, std::string_view key,
                const std::string& backend) {
  try {
    return Json::parse(field(stored, name, key, backend));
  } catch (const Json::exception& e) {
    throw_corrupt(key, "field " + std::string(name) + " is not JSON: " + e.what(), backend);
  }
}

Array array_field(const Stored& stored, std::string_view name, std::string_view key,
                  std::uint64_t record_limit, const std::string& backend) {
  const std::string_view value = field(stored, name, key, backend);
  // Named only on failure: a read that succeeds formats nothing.
  const auto where = [&] {
    return std::string("reading ") + printable(key) + " field " + std::string(name) + ": ";
  };
  try {
    return decode_compressed_npy(value, record_limit);
  } catch (const NotSupported& e) {
    throw NotSupported(where() + e.what(), backend);
  } catch (const CorruptData& e) {
    throw CorruptData(where() + e.what(), backend);
  }
}

}  // namespace engram::redis
