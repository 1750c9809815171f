// plugins/redis/commands.cpp — see commands.h.
#include "commands.h"

#include <algorithm>
#include <chrono>

#include "engram/errors.h"
#include "redis_errors.h"
#include "replica_wait.h"

namespace engram::redis {

void throw_trip_error(Link link, const RoundTrip& trip, RoundTrip::Status status, bool sending,
                      std::string_view command, const std::string& backend) {
  const std::string doing = (sending ? "sending " : "reading reply to ") + std::string(command) +
                            (sending ? " to " : " from ") + std::string(link.where);
  // The trip's own time: a store that waits for replicas has more.
  const double seconds = std::chrono::duration<double>(trip.timeout()).count();
  throw_round_trip_error(link.context, trip.budget(), status, doing, seconds, backend);
}

std::vector<ReplyPtr> pipeline(Link link, const std::vector<const Command*>& commands,
                               const std::string& backend) {
  redisContext* const context = link.context;
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  for (const Command* command_pointer : commands) {
    const Command& command = *command_pointer;
    argv.clear();
    lengths.clear();
    for (const std::string& arg : command) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    if (redisAppendCommandArgv(context, static_cast<int>(argv.size()), argv.data(),
                               lengths.data()) != REDIS_OK) {
      throw_context_error(context, "sending " + command.front(), backend);
    }
  }
  RoundTrip trip(context, link.settings->limits);
  if (const auto status = trip.send(); status != RoundTrip::Status::kOk) {
    throw_trip_error(link, trip, status, true, commands.front()->front(), backend);
  }
  std::vector<ReplyPtr> replies;
  replies.reserve(commands.size());
  for (std::size_t i = 0; i < commands.size(); ++i) {
    ReplyPtr& reply = replies.emplace_back();
    if (const auto status = trip.next(reply); status != RoundTrip::Status::kOk) {
      // The budget may have refused a later reply than the one awaited.
      const std::size_t failed = std::max(i, trip.budget().replies_done());
      throw_trip_error(link, trip, status, false,
                       failed < commands.size() ? commands[failed]->front() : "(unasked)", backend);
    }
  }
  trip.finish();
  return replies;
}

std::vector<ReplyPtr> pipeline(Link link, const std::vector<Command>& commands,
                               const std::string& backend) {
  std::vector<const Command*> pointers;
  pointers.reserve(commands.size());
  for (const Command& command : commands) pointers.push_back(&command);
  return pipeline(link, pointers, backend);
}

const redisReply& checked(const ReplyPtr& reply, std::string_view doing,
                          const std::string& backend) {
  if (reply->type == REDIS_REPLY_ERROR) throw_reply_error(*reply, doing, backend);
  return *reply;
}

ReplyPtr command(Link link, Command args, const std::string& backend) {
  std::vector<Command> one;
  one.push_back(std::move(args));
  auto replies = pipeline(link, one, backend);
  checked(replies.front(), one.front().front(), backend);
  return std::move(replies.front());
}

void transaction(Link link, const CommandBuffer& commands, const std::string& backend) {
  static constexpr std::string_view kMulti = "*1\r\n$5\r\nMULTI\r\n";
  static constexpr std::string_view kExec = "*1\r\n$4\r\nEXEC\r\n";
  const std::string_view body = commands.bytes();
  const ReplicaWait& wait = link.settings->replica_wait;
  const bool waits = wait.replicas > 0;
  // Replies: MULTI's, one per command, EXEC's, and WAIT's when it waits.
  const std::size_t exec_at = commands.size() + 1;
  const std::size_t replies = exec_at + (waits ? 2 : 1);
  const auto verb = [&](std::size_t i) -> std::string_view {
    if (i == 0) return "MULTI";
    if (i < exec_at) return commands.verb(i - 1);
    if (i == exec_at) return "EXEC";
    return waits && i == exec_at + 1 ? "WAIT" : "(unasked)";
  };
  RoundTrip trip(link.context, waits ? link.settings->store_limits : link.settings->limits);
  const std::string_view wait_command = waits ? std::string_view(wait.command) : std::string_view();
  if (const auto status = trip.send({kMulti, body, kExec, wait_command});
      status != RoundTrip::Status::kOk) {
    throw_trip_error(link, trip, status, true, "MULTI", backend);
  }
  ReplyPtr reply;
  ReplyPtr refused;  // the first error reply before EXEC's
  std::size_t refused_at = 0;
  ReplyPtr exec_reply;
  for (std::size_t i = 0; i < replies; ++i) {
    if (const auto status = trip.next(reply); status != RoundTrip::Status::kOk) {
      // The budget may have refused a later reply than the one awaited.
      throw_trip_error(link, trip, status, false, verb(std::max(i, trip.budget().replies_done())),
                       backend);
    }
    if (i < exec_at && !refused && reply->type == REDIS_REPLY_ERROR) {
      refused = std::move(reply);
      refused_at = i;
    }
    if (i == exec_at) exec_reply = std::move(reply);
  }
  trip.finish();
  if (refused) throw_reply_error(*refused, "queueing " + std::string(verb(refused_at)), backend);
  const redisReply& exec = checked(exec_reply, "EXEC", backend);
  if (exec.type != REDIS_REPLY_ARRAY) {
    throw BackendError("EXEC: the transaction was not applied", backend);
  }
  for (std::size_t i = 0; i < exec.elements; ++i) {
    if (exec.element[i]->type == REDIS_REPLY_ERROR) {
      throw_reply_error(*exec.element[i], "running " + std::string(verb(i + 1)), backend);
    }
  }
  if (waits) check_acks(*reply, wait, link.where, backend);
}

std::string text_of(const redisReply& reply) {
  if (reply.str == nullptr) return {};
  return std::string(reply.str, reply.len);
}

std::string_view view_of(const redisReply& reply) {
  if (reply.str == nullptr) return {};
  return std::string_view(reply.str, reply.len);
}

}  // namespace engram::redis
