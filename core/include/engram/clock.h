// engram/clock.h — where backends that keep time themselves read "now".
//
// Time is double seconds since the Unix epoch, as in the seed. Storage hands
// every backend a clock (StorageOptions::clock, the system clock by default);
// a backend that keeps time in process (the memory plugin: TTLs, "recent"
// windows, access times) reads it, so tests can drive time with a
// ManualClock. Servers that keep time themselves (Redis expiry) do not.
//
// Thread safety: now() may be called from several threads at once;
// ManualClock's setters too.
#ifndef ENGRAM_CLOCK_H_
#define ENGRAM_CLOCK_H_

#include <atomic>
#include <memory>

#include "engram/export.h"

namespace engram {

class ENGRAM_API Clock {
 public:
  virtual ~Clock();
  // Seconds since the Unix epoch.
  virtual double now() const = 0;
};

// The wall clock (std::chrono::system_clock). One shared instance.
ENGRAM_API std::shared_ptr<const Clock> system_clock();

// A clock that moves only when told to.
class ENGRAM_API ManualClock final : public Clock {
 public:
  explicit ManualClock(double start) : now_(start) {}
  double now() const override { return now_.load(); }
  void set(double seconds) { now_.store(seconds); }
  // Moves the clock forward (or back, for a negative count) by `seconds`.
  void advance(double seconds);

 private:
  std::atomic<double> now_;
};

}  // namespace engram

#endif  // ENGRAM_CLOCK_H_
