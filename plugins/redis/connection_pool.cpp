// plugins/redis/connection_pool.cpp — see connection_pool.h.
#include "connection_pool.h"

#include "redis_errors.h"

namespace engram::redis {

void Pool::close() {
  std::vector<ContextPtr> idle;
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
    idle.swap(idle_);
  }
  available_.notify_all();
}

bool Pool::closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

Pool::Checkout Pool::take() {
  std::unique_lock lock(mutex_);
  available_.wait(lock, [this] {
    return closed_ || !idle_.empty() ||
           open_ < static_cast<std::size_t>(settings_.options.max_connections);
  });
  if (closed_) throw_closed(backend_);
  if (!idle_.empty()) {
    ContextPtr context = std::move(idle_.back());
    idle_.pop_back();
    return Checkout(*this, std::move(context));
  }
  ++open_;
  return Checkout(*this, nullptr);
}

void Pool::give_back(ContextPtr context) noexcept {
  {
    std::lock_guard lock(mutex_);
    if (context && !closed_) {
      idle_.push_back(std::move(context));
    } else {
      --open_;
    }
  }
  available_.notify_one();
}

ContextPtr Pool::connect() {
  const RedisOptions& o = settings_.options;
  ContextPtr context(
      o.unix_socket.empty()
          ? redisConnectWithTimeout(o.host.c_str(), static_cast<int>(o.port),
                                    settings_.connect_timeout)
          : redisConnectUnixWithTimeout(o.unix_socket.c_str(), settings_.connect_timeout));
  if (!context || context->err != 0) {
    throw_context_error(context.get(), "connecting to " + settings_.where, backend_);
  }
  handshake(context.get());
  return context;
}

void Pool::reconnect(redisContext* context) {
  if (redisReconnect(context) != REDIS_OK) {
    throw_context_error(context, "reconnecting to " + settings_.where, backend_);
  }
  handshake(context);
}

void Pool::handshake(redisContext* context) {
  const RedisOptions& o = settings_.options;
  if (redisSetTimeout(context, settings_.command_timeout) != REDIS_OK) {
    throw_context_error(context, "setting the command timeout", backend_);
  }
  std::vector<Command> commands;
  if (!o.password.empty()) {
    Command auth{"AUTH"};
    if (!o.username.empty()) auth.push_back(o.username);
    auth.push_back(o.password);
    commands.push_back(std::move(auth));
  }
  if (o.db != 0) commands.push_back({"SELECT", std::to_string(o.db)});
  if (commands.empty()) return;
  const auto replies = pipeline(Link{context, &settings_}, commands, backend_);
  for (std::size_t i = 0; i < replies.size(); ++i) {
    checked(replies[i], commands[i].front(), backend_);
  }
}

}  // namespace engram::redis
