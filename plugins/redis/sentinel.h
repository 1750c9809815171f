// plugins/redis/sentinel.h — Redis Sentinel: where the master is.
//
// A backend given `sentinels` never connects to a fixed address: it asks
// the sentinels, in the order given, for the address of the master named
// `master_name` (SENTINEL get-master-addr-by-name), connects there and
// checks with ROLE that the server is a master (a sentinel's answer may be
// stale: a replica must never take writes meant for the master). The pool
// (connection_pool.h) asks again when a call's connection fails or the
// server answers READONLY (redis_errors.h), before its next attempt,
// starting with the sentinel after the one whose answer failed: one
// sentinel left behind (partitioned, its answer stale) does not keep the
// backend from a master the others name.
//
// hiredis 0.14 knows nothing of Sentinel. Each sentinel is asked on a
// connection of its own, made for the question and closed after it: AUTH
// (when sentinel_password is set) and the question go in one round trip
// (round_trip.h). Asking one sentinel therefore takes at most
// connect_timeout + command_timeout, and asking every one of S sentinels
// S times that; the first that names an address ends the search.
//
// Thread safety: stateless; find_master may run on several threads at once.
#ifndef ENGRAM_PLUGINS_REDIS_SENTINEL_H_
#define ENGRAM_PLUGINS_REDIS_SENTINEL_H_

#include <hiredis/hiredis.h>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace engram::redis {

struct Settings;

// A server's TCP address.
struct ServerAddress {
  std::string host;
  int port = 0;

  // "host:port", or "[host]:port" when the host is an IPv6 address.
  std::string text() const;
  bool operator==(const ServerAddress&) const = default;
};

// The address `text` spells: "host:port" or "[IPv6 address]:port", the
// host not empty and the port from 1 to 65535; nullopt for anything else.
std::optional<ServerAddress> parse_server_address(std::string_view text);

// What a sentinel answered: the master's address, and which of
// settings.sentinels (its index) named it.
struct MasterAnswer {
  ServerAddress address;
  std::size_t sentinel = 0;
};

// The master's address, from the first of settings.sentinels that names
// one for settings.options.master_name, asking them in order from index
// `first` (wrapping around, each once). A sentinel that cannot be
// reached, refuses, times out or answers anything but an address is
// skipped. When none names one, throws, naming the master and each
// sentinel with what it said, the most telling kind first:
//   AccessDenied    a sentinel refused sentinel_password, or wants one;
//   ConfigError     a sentinel answered, but knows no master of that name;
//   BackendError    a sentinel answered something else (an error reply, or
//                   a reply that is not an address: not a sentinel?);
//   ConnectionError no sentinel could be reached or answered in time.
// REQUIRES: settings.sentinels is not empty.
MasterAnswer find_master(const Settings& settings, std::size_t first, const std::string& backend);

// Checks ROLE's `reply` from the server at `where`, which the sentinels
// named as the master: returns if it is a master; throws ConnectionError
// (the sentinels' answer is stale, or a failover is under way: the pool
// asks again) if it is a replica or sentinel, and as the mapper says
// (redis_errors.h) for an error reply; BackendError for a reply ROLE does
// not give.
void check_master_role(const redisReply& reply, std::string_view where, const std::string& backend);

}  // namespace engram::redis

#endif  // ENGRAM_PLUGINS_REDIS_SENTINEL_H_
