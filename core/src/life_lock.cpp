#include "engram/life_lock.h"

#include "engram/errors.h"

namespace engram {

std::shared_lock<std::shared_mutex> LifeLock::enter() const {
  std::shared_lock lock(mutex_);
  if (closed_) throw_closed();
  return lock;
}

std::unique_lock<std::shared_mutex> LifeLock::enter_alone() {
  std::unique_lock lock(mutex_);
  if (closed_) throw_closed();
  return lock;
}

void LifeLock::throw_closed() const { engram::throw_closed(backend_, what_); }

}  // namespace engram
