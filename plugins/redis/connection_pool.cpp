// plugins/redis/connection_pool.cpp — see connection_pool.h.
#include "connection_pool.h"

#include "redis_errors.h"

namespace engram::redis {

void Pool::close() {
  std::vector<Connection> idle;
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
    Connection connection = std::move(idle_.back());
    idle_.pop_back();
    return Checkout(*this, std::move(connection));
  }
  ++open_;
  return Checkout(*this, Connection{});
}

void Pool::give_back(Connection connection) noexcept {
  {
    std::lock_guard lock(mutex_);
    if (connection.context && !closed_) {
      idle_.push_back(std::move(connection));
    } else {
      --open_;
    }
  }
  available_.notify_one();
}

void Pool::prepare(Connection& connection, Clock::time_point failed_at) {
  if (settings_.sentinels.empty()) {
    if (!connection.context) {
      connection = connect(nullptr);
    } else if (connection.context->err != 0) {
      reconnect(connection);
    }
    return;
  }
  const ServerAddress address = master(failed_at);
  if (connection.context && (connection.context->err != 0 || connection.address != address)) {
    // Failed, or left from before the master moved: a replica now, or gone.
    connection.context.reset();
  }
  if (!connection.context) connection = connect(&address);
}

ServerAddress Pool::master(Clock::time_point failed_at) {
  std::size_t first = 0;
  {
    std::lock_guard lock(mutex_);
    if (master_ && master_asked_at_ > failed_at) return master_->address;
    // The address known failed: its sentinel may be the stale one, so the
    // others are asked first.
    if (master_) first = master_->sentinel + 1;
  }
  // Asked without the lock: other calls go on meanwhile, and calls failing
  // together each wait for their own answer only.
  const Clock::time_point asked_at = Clock::now();
  MasterAnswer found = find_master(settings_, first, backend_);
  std::lock_guard lock(mutex_);
  if (!master_ || asked_at > master_asked_at_) {
    master_ = std::move(found);
    master_asked_at_ = asked_at;
  }
  return master_->address;
}

Pool::Connection Pool::connect(const ServerAddress* master) {
  const RedisOptions& o = settings_.options;
  Connection connection;
  if (master != nullptr) {
    connection.address = *master;
    connection.where = master->text();
    connection.context.reset(
        redisConnectWithTimeout(master->host.c_str(), master->port, settings_.connect_timeout));
  } else {
    connection.where = settings_.where;
    connection.context.reset(
        o.unix_socket.empty()
            ? redisConnectWithTimeout(o.host.c_str(), static_cast<int>(o.port),
                                      settings_.connect_timeout)
            : redisConnectUnixWithTimeout(o.unix_socket.c_str(), settings_.connect_timeout));
  }
  redisContext* const context = connection.context.get();
  if (!context || context->err != 0) {
    const std::string to = master ? "master `" + o.master_name + "` at " : std::string();
    throw_context_error(context, "connecting to " + to + connection.where, backend_);
  }
  handshake(context, connection.where);
  return connection;
}

void Pool::reconnect(Connection& connection) {
  redisContext* const context = connection.context.get();
  if (redisReconnect(context) != REDIS_OK) {
    throw_context_error(context, "reconnecting to " + connection.where, backend_);
  }
  handshake(context, connection.where);
}

void Pool::handshake(redisContext* context, std::string_view where) {
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
  // The sentinels' answer may be stale: only a master takes the calls.
  const bool check_role = !settings_.sentinels.empty();
  if (check_role) commands.push_back({"ROLE"});
  if (commands.empty()) return;
  const auto replies = pipeline(Link{context, &settings_, where}, commands, backend_);
  for (std::size_t i = 0; i < replies.size(); ++i) {
    if (check_role && i + 1 == replies.size()) {
      check_master_role(*replies[i], where, backend_);
    } else {
      checked(replies[i], commands[i].front(), backend_);
    }
  }
}

}  // namespace engram::redis
