// plugins/redis/sentinel.cpp — see sentinel.h.
#include "sentinel.h"

#include <algorithm>
#include <charconv>
#include <vector>

#include "commands.h"
#include "engram/errors.h"
#include "redis_errors.h"
#include "redis_options.h"
#include "round_trip.h"

namespace engram::redis {
namespace {

// How asking one sentinel ended, least telling first (find_master reports
// the most telling kind any sentinel gave).
enum class Outcome { kUnreachable, kOther, kUnknownMaster, kRefused };

struct Answer {
  Outcome outcome = Outcome::kUnreachable;
  std::string why;  // "sentinel host:port ...: ..."
};

// An error's text without the "<backend>: " that what() starts with.
std::string reason(const StorageError& error) {
  std::string_view text = error.what();
  const std::string prefix = error.backend() + ": ";
  if (!error.backend().empty() && text.starts_with(prefix)) text.remove_prefix(prefix.size());
  return std::string(text);
}

std::optional<int> parse_port(std::string_view text) {
  int port = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (error != std::errc() || end != text.data() + text.size() || port < 1 || port > 65535) {
    return std::nullopt;
  }
  return port;
}

// The master's address as `sentinel` names it, or why not (in `answer`).
std::optional<ServerAddress> ask(const ServerAddress& sentinel, const Settings& settings,
                                 const std::string& backend, Answer& answer) {
  const std::string where = "sentinel " + sentinel.text();
  const std::string& name = settings.options.master_name;
  try {
    ContextPtr context(
        redisConnectWithTimeout(sentinel.host.c_str(), sentinel.port, settings.connect_timeout));
    if (!context || context->err != 0) {
      throw_context_error(context.get(), "connecting to " + where, backend);
    }
    std::vector<Command> commands;
    if (!settings.options.sentinel_password.empty()) {
      commands.push_back({"AUTH", settings.options.sentinel_password});
    }
    commands.push_back({"SENTINEL", "get-master-addr-by-name", name});
    const auto replies = pipeline(Link{context.get(), &settings, where}, commands, backend);
    if (replies.size() == 2) checked(replies[0], "AUTH to " + where, backend);
    const redisReply& reply =
        checked(replies.back(), "SENTINEL get-master-addr-by-name to " + where, backend);
    if (reply.type == REDIS_REPLY_NIL) {
      answer = {Outcome::kUnknownMaster, where + " knows no master named `" + name + "`"};
      return std::nullopt;
    }
    if (reply.type == REDIS_REPLY_ARRAY && reply.elements == 2 &&
        reply.element[0]->type == REDIS_REPLY_STRING &&
        reply.element[1]->type == REDIS_REPLY_STRING && reply.element[0]->len != 0) {
      if (const auto port = parse_port(view_of(*reply.element[1]))) {
        return ServerAddress{text_of(*reply.element[0]), *port};
      }
    }
    answer = {Outcome::kOther, where +
                                   " answered SENTINEL get-master-addr-by-name with "
                                   "something that is not an address"};
  } catch (const AccessDenied& e) {
    answer = {Outcome::kRefused, reason(e)};
  } catch (const ConnectionError& e) {
    answer = {Outcome::kUnreachable, reason(e)};
  } catch (const StorageError& e) {
    answer = {Outcome::kOther, reason(e)};
  }
  return std::nullopt;
}

}  // namespace

std::string ServerAddress::text() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::optional<ServerAddress> parse_server_address(std::string_view text) {
  std::string_view host;
  std::string_view port;
  if (text.starts_with('[')) {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return std::nullopt;
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    const std::size_t colon = text.find(':');
    if (colon == std::string_view::npos || text.find(':', colon + 1) != std::string_view::npos) {
      return std::nullopt;
    }
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  const auto number = parse_port(port);
  if (host.empty() || !number) return std::nullopt;
  return ServerAddress{std::string(host), *number};
}

MasterAnswer find_master(const Settings& settings, std::size_t first, const std::string& backend) {
  Outcome worst = Outcome::kUnreachable;
  std::string whys;
  const std::size_t count = settings.sentinels.size();
  for (std::size_t k = 0; k < count; ++k) {
    const std::size_t i = (first + k) % count;
    Answer answer;
    if (auto address = ask(settings.sentinels[i], settings, backend, answer)) {
      return MasterAnswer{std::move(*address), i};
    }
    worst = std::max(worst, answer.outcome);
    whys += (whys.empty() ? "" : "; ") + answer.why;
  }
  const std::string message =
      "finding master `" + settings.options.master_name + "` through its sentinels: " + whys;
  switch (worst) {
    case Outcome::kRefused:
      throw AccessDenied(message, backend);
    case Outcome::kUnknownMaster:
      throw ConfigError(message, backend);
    case Outcome::kOther:
      throw BackendError(message, backend);
    case Outcome::kUnreachable:
      break;
  }
  throw ConnectionError(message, backend);
}

void check_master_role(const redisReply& reply, std::string_view where,
                       const std::string& backend) {
  const std::string doing = "ROLE on " + std::string(where);
  if (reply.type == REDIS_REPLY_ERROR) throw_reply_error(reply, doing, backend);
  if (reply.type != REDIS_REPLY_ARRAY || reply.elements == 0 ||
      reply.element[0]->type != REDIS_REPLY_STRING) {
    throw BackendError(doing + ": the reply is not a role", backend);
  }
  const std::string_view role = view_of(*reply.element[0]);
  if (role == "master") return;
  throw ConnectionError(doing + ": a " + std::string(role == "slave" ? "replica" : role) +
                            ", not a master (the sentinels' answer is stale, or a failover is "
                            "under way)",
                        backend);
}

}  // namespace engram::redis
