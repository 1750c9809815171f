// plugins/redis/record_fetch.cpp — see record_fetch.h.
#include "record_fetch.h"

#include <utility>

namespace engram::redis {

std::vector<std::optional<Stored>> fetch(Link link, std::span<const std::string> keys,
                                         const std::string& backend) {
  std::vector<std::optional<Stored>> found;
  found.reserve(keys.size());
  fetch_each(link, keys, backend, [&](std::size_t, std::optional<Stored>&& stored) {
    found.push_back(std::move(stored));
  });
  return found;
}

std::optional<Stored> fetch_one(Link link, const std::string& key, const std::string& backend) {
  std::optional<Stored> found;
  fetch_each(link, std::span(&key, 1), backend,
             [&](std::size_t, std::optional<Stored>&& stored) { found = std::move(stored); });
  return found;
}

}  // namespace engram::redis
