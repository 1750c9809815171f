// plugins/redis/connection_pool.h — the backend's connections: up to
// max_connections hiredis contexts, each used by one call at a time, and
// the retry rule every call obeys.
//
// A call checks a context out (waiting while max_connections are in use),
// runs its work on it and hands it back when its Checkout is destroyed. A
// context is made, or remade after a failure, lazily by run(): connecting,
// then AUTH and SELECT when set. Work that fails with ConnectionError is
// retried on a remade context, retry_attempts times in all, with
// exponential backoff from retry_delay; any other error goes to the caller
// at once. After close(), every call throws StorageError("... closed").
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
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "commands.h"
#include "engram/errors.h"
#include "redis_options.h"
#include "round_trip.h"

namespace engram::redis {

class Pool {
 public:
  Pool(const Settings& settings, std::string backend)
      : settings_(settings), backend_(std::move(backend)) {}

  class Checkout {
   public:
    Checkout(Pool& pool, ContextPtr context) : pool_(pool), context_(std::move(context)) {}
    Checkout(const Checkout&) = delete;
    Checkout& operator=(const Checkout&) = delete;
    ~Checkout() { pool_.give_back(std::move(context_)); }
    ContextPtr& context() noexcept { return context_; }

   private:
    Pool& pool_;
    ContextPtr context_;
  };

  // Runs `work(link)` on a live context, retrying on ConnectionError as the
  // options say; returns what it returns.
  //
  // What a call may take, once it holds a context (waiting for one of the
  // pool's max_connections is not counted): at most retry_attempts
  // attempts; an attempt that must (re)connect waits up to connect_timeout
  // for the connection and then, when password or db is set, one round
  // trip for AUTH and SELECT; each round trip (the commands sent together
  // and all their replies) has command_timeout in all; between attempts it
  // sleeps retry_delay, doubling. A call of one round trip (every store,
  // retrieve and delete, and the open's PING) therefore returns within
  //   retry_attempts × (connect_timeout + 2 × command_timeout)
  //     + retry_delay × (2^(retry_attempts−1) − 1),
  // and against a server that accepts connections at once but answers
  // slowly, without password or db, within about
  //   retry_attempts × command_timeout + retry_delay × (2^(retry_attempts−1) − 1)
  // (6.3 s with the defaults). Calls that page (listings, stats, clear_all)
  // take one command_timeout per round trip.
  template <class Work>
  auto run(Work&& work) {
    Checkout checkout = take();
    ContextPtr& context = checkout.context();
    const auto attempts = settings_.options.retry_attempts;
    double delay = settings_.options.retry_delay;
    for (std::int64_t attempt = 1;; ++attempt) {
      try {
        if (!context) {
          context = connect();
        } else if (context->err != 0) {
          reconnect(context.get());
        }
        return work(Link{context.get(), &settings_});
      } catch (const ConnectionError&) {
        if (attempt >= attempts) throw;
        std::this_thread::sleep_for(std::chrono::duration<double>(delay));
        delay *= 2.0;
        if (context && context->err == 0) context->err = REDIS_ERR_IO;  // remake it
      }
    }
  }

  // Closes the idle contexts; calls after it throw StorageError.
  void close();
  bool closed() const;

  const std::string& backend() const noexcept { return backend_; }

 private:
  Checkout take();
  void give_back(ContextPtr context) noexcept;
  ContextPtr connect();
  // hiredis's reconnect drops the command timeout: set it again, and
  // authenticate and select again.
  void reconnect(redisContext* context);
  // AUTH and SELECT, when set, in one round trip.
  void handshake(redisContext* context);

  const Settings& settings_;
  const std::string backend_;
  mutable std::mutex mutex_;
  std::condition_variable available_;
  std::vector<ContextPtr> idle_;
  std::size_t open_ = 0;  // contexts checked out or idle
  bool closed_ = false;
};

}  // namespace engram::redis

#endif  // ENGRAM_PLUGINS_REDIS_CONNECTION_POOL_H_
