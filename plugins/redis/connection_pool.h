// plugins/redis/connection_pool.h — the backend's connections: up to
// max_connections hiredis contexts, each used by one call at a time, and
// the retry rule every call obeys; with sentinels, where the master is.
//
// A call checks a context out (waiting while max_connections are in use),
// runs its work on it and hands it back when its Checkout is destroyed. A
// context is made, or remade after a failure, lazily by run(): connecting,
// then AUTH and SELECT when set. Work that fails with ConnectionError is
// retried on a remade context, retry_attempts times in all, with
// exponential backoff from retry_delay; any other error goes to the caller
// at once. After close(), every call throws StorageError("... closed").
//
// With sentinels (sentinel.h) the pool keeps the master's address as they
// last named it, asks them again after a failed attempt, and makes each
// context to that address, checked with ROLE; a context to an address the
// master has left is closed before its next use.
//
// Thread safety: every method may be called from several threads at once.
#ifndef ENGRAM_PLUGINS_REDIS_CONNECTION_POOL_H_
#define ENGRAM_PLUGINS_REDIS_CONNECTION_POOL_H_

#include <hiredis/hiredis.h>

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "commands.h"
#include "engram/errors.h"
#include "redis_options.h"
#include "round_trip.h"
#include "sentinel.h"

namespace engram::redis {

class Pool {
 public:
  Pool(const Settings& settings, std::string backend)
      : settings_(settings), backend_(std::move(backend)) {}

  // A connection: its context (null until made) and the address it
  // reached, for messages and, with sentinels, to tell whether it still
  // leads to the master.
  struct Connection {
    ContextPtr context;
    ServerAddress address;
    std::string where;
  };

  class Checkout {
   public:
    Checkout(Pool& pool, Connection connection) : pool_(pool), connection_(std::move(connection)) {}
    Checkout(const Checkout&) = delete;
    Checkout& operator=(const Checkout&) = delete;
    ~Checkout() { pool_.give_back(std::move(connection_)); }
    Connection& connection() noexcept { return connection_; }

   private:
    Pool& pool_;
    Connection connection_;
  };

  // Runs `work(link)` on a live context, retrying on ConnectionError as the
  // options say; returns what it returns.
  //
  // With sentinels (sentinel.h), an attempt first takes the master's
  // address from them: asking them the first time, and again after a
  // failed attempt (ConnectionError, which READONLY and too few replica
  // acknowledgements also are), unless another call asked them since this
  // one failed, starting then with the sentinel after the one that named
  // the address that failed (a stale sentinel is passed over); a context
  // that leads elsewhere is closed and one is made to the master, checked
  // with ROLE.
  //
  // What a call may take, once it holds a context (waiting for one of the
  // pool's max_connections is not counted): at most retry_attempts
  // attempts; an attempt may first ask the S sentinels (none without
  // them), each up to connect_timeout + command_timeout; an attempt that
  // must (re)connect waits up to connect_timeout for the connection and
  // then, when password or db is set or there are sentinels (ROLE), one
  // round trip for the handshake; each round trip (the commands sent
  // together and all their replies) has command_timeout in all, a store's
  // W = min_replicas_timeout more when min_replicas_acked > 0 (W = 0
  // otherwise: replica_wait.h); between attempts it sleeps retry_delay,
  // doubling. A call of one round trip (every store, retrieve and delete,
  // and the open's PING) therefore returns within
  //   retry_attempts × (S × (connect_timeout + command_timeout)
  //                     + connect_timeout + 2 × command_timeout + W)
  //     + retry_delay × (2^(retry_attempts−1) − 1),
  // and against a server that accepts connections at once but answers
  // slowly, without password, db or sentinels, within about
  //   retry_attempts × (command_timeout + W) + retry_delay × (2^(retry_attempts−1) − 1)
  // (6.3 s with the defaults). Calls that page (listings, stats, clear_all)
  // take one command_timeout per round trip; a spike train's cache is two
  // calls (INCR, then its store).
  template <class Work>
  auto run(Work&& work) {
    Checkout checkout = take();
    Connection& connection = checkout.connection();
    const auto attempts = settings_.options.retry_attempts;
    double delay = settings_.options.retry_delay;
    // With sentinels: the master's address must have been asked for after
    // this (the last failure), or any known one will do.
    Clock::time_point failed_at = Clock::time_point::min();
    for (std::int64_t attempt = 1;; ++attempt) {
      try {
        prepare(connection, failed_at);
        return work(Link{connection.context.get(), &settings_, connection.where});
      } catch (const ConnectionError&) {
        if (attempt >= attempts) throw;
        failed_at = Clock::now();
        std::this_thread::sleep_for(std::chrono::duration<double>(delay));
        delay *= 2.0;
        if (connection.context && connection.context->err == 0) {
          connection.context->err = REDIS_ERR_IO;  // remake it
        }
      }
    }
  }

  // Closes the idle contexts; calls after it throw StorageError.
  void close();
  bool closed() const;

  const std::string& backend() const noexcept { return backend_; }

 private:
  using Clock = std::chrono::steady_clock;

  Checkout take();
  void give_back(Connection connection) noexcept;
  // Makes `connection` live: made if it is not, remade if its context
  // failed or, with sentinels, leads to another address than the master
  // asked for after `failed_at`.
  void prepare(Connection& connection, Clock::time_point failed_at);
  // A new connection to host and port (or unix_socket), or with sentinels
  // to `master`.
  Connection connect(const ServerAddress* master);
  // hiredis's reconnect drops the command timeout: set it again, and
  // authenticate and select again. Only without sentinels (with them a
  // failed context is closed and a new one made to the master).
  void reconnect(Connection& connection);
  // AUTH and SELECT when set, and ROLE with sentinels, in one round trip.
  void handshake(redisContext* context, std::string_view where);
  // The master's address: the one known if it was asked for after
  // `failed_at`, else the sentinels' answer now (find_master's errors),
  // asking first the sentinels after the one that named the address
  // known (it may be stale).
  ServerAddress master(Clock::time_point failed_at);

  const Settings& settings_;
  const std::string backend_;
  mutable std::mutex mutex_;
  std::condition_variable available_;
  std::vector<Connection> idle_;
  std::size_t open_ = 0;  // contexts checked out or idle
  bool closed_ = false;
  // With sentinels: the master's address as last asked (and which
  // sentinel named it), and when that asking began.
  std::optional<MasterAnswer> master_;
  Clock::time_point master_asked_at_{};
};

}  // namespace engram::redis

#endif  // ENGRAM_PLUGINS_REDIS_CONNECTION_POOL_H_
