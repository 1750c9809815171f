// plugins/redis/record_fetch.cpp — see record_fetch.h.
#include "record_fetch.h"

#include <utility>

namespace engram::redis {

std::vector<std::optional<Stored>> fetch(Link link, const std::vector<std::string>& keys,
                                         const std::string& backend) {
  std::vector<std::optional<Stored>> found;
  found.reserve(keys.size());
  fetch_each(link, keys, backend, [&](std::size_t, std::optional<Stored>&& stored) {
    found.push_back(std::move(stored));
  });
  return found;
}

}  // namespace engram::redis
