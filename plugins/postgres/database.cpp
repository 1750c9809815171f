#include "database.h"

#include <unistd.h>

#include <array>
#include <random>
#include <utility>

#include "schema.h"

namespace engram::postgres {
namespace {

// "<host>:<pid>:<random>": what no other backend instance, in this process
// or another, shares. The prefix of its connections' writer ids.
std::string instance_tag() {
  std::array<char, 256> host{};
  if (gethostname(host.data(), host.size() - 1) != 0) host[0] = '\0';
  std::random_device entropy;
  const std::uint64_t tag = (std::uint64_t{entropy()} << 32) ^ entropy();
  return std::string(host.data()) + ":" + std::to_string(getpid()) + ":" + std::to_string(tag);
}

}  // namespace

Database::Database(const BackendContext& context, Settings settings)
    : settings_(std::move(settings)),
      origin_{context.name, settings_.server, settings_.secrets},
      columns_{context.name, "schema " + settings_.options.schema + " on " + settings_.server},
      clock_(context.clock ? context.clock : system_clock()),
      life_(context.name, columns_.where) {
  const std::string instance = instance_tag();
  slots_.resize(static_cast<std::size_t>(settings_.options.pool_size));
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    slots_[i].writer_id = instance + ":" + std::to_string(i);
  }
  for (auto it = slots_.rbegin(); it != slots_.rend(); ++it) idle_.push_back(&*it);
  // The first connection migrates, then waits in the pool.
  Slot& first = slots_.front();
  first.connection = std::make_unique<Connection>(settings_, origin_);
  schema_version_ = migrate(*first.connection, settings_.options.schema, now());
}

Database::Lease Database::lease() {
  std::shared_lock life = life_.enter();
  Slot* slot = nullptr;
  {
    std::unique_lock lock(mutex_);
    free_.wait(lock, [&] { return !idle_.empty(); });
    slot = idle_.back();
    idle_.pop_back();
  }
  Lease lease(*this, std::move(life), slot);
  if (!slot->connection || !slot->connection->alive()) {
    slot->connection.reset();
    // A failure here gives the slot back empty (the lease's destructor).
    slot->connection = std::make_unique<Connection>(settings_, origin_);
  }
  return lease;
}

void Database::give_back(Slot* slot) noexcept {
  // A connection that failed is let go; the slot connects anew when next
  // leased.
  if (slot->connection && !slot->connection->healthy()) slot->connection.reset();
  {
    std::lock_guard lock(mutex_);
    idle_.push_back(slot);
  }
  free_.notify_one();
}

void Database::close() noexcept {
  life_.close([&] {
    std::lock_guard lock(mutex_);
    for (Slot& slot : slots_) slot.connection.reset();
  });
}

}  // namespace engram::postgres
