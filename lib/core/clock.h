// The Clock: the only way any layer learns what time it is in the sandbox, and
// the only way the engine waits for time to pass (DESIGN.md "Determinism rules").
//
// Sandbox time is an Instant (milliseconds since the Unix epoch, UTC). In the
// virtual and manual modes it moves only when told to, so nothing in a run
// depends on the machine's clock; realtime maps wall time onto sandbox time,
// scaled by a speed factor. Thread safety: all methods may be called from any
// thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace sandbox {

using Instant = int64_t;  // ms since 1970-01-01T00:00:00Z

enum class ClockMode { kVirtual, kRealtime, kManual };

const char* ClockModeName(ClockMode mode);
std::optional<ClockMode> ParseClockMode(const std::string& name);

class Clock {
 public:
  virtual ~Clock() = default;
  virtual ClockMode mode() const = 0;
  virtual Instant now() const = 0;
  // Moves sandbox time forward to `t`; never backwards. Returns false when the
  // mode does not let callers move time (realtime).
  virtual bool advance_to(Instant t) = 0;
  // Sets sandbox time to `t`, backwards too: for a reset or a snapshot
  // restore, which take the whole sandbox back, and for a restart, where
  // time continues from where the last process left it (realtime included).
  virtual bool reset_to(Instant t) = 0;
  // Blocks on `cv` until notified, or until sandbox time reaches `due` when the
  // clock moves by itself (realtime). `lock` must hold cv's mutex.
  virtual void wait(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                    std::optional<Instant> due) const = 0;
};

// Time that moves only through advance_to(): the virtual and manual modes. The
// two differ in who calls advance_to (the engine itself, or the control API),
// not in how the clock behaves.
class SteppedClock final : public Clock {
 public:
  SteppedClock(ClockMode mode, Instant start) : mode_(mode), now_(start) {}
  ClockMode mode() const override { return mode_; }
  Instant now() const override;
  bool advance_to(Instant t) override;
  bool reset_to(Instant t) override;
  void wait(std::condition_variable& cv, std::unique_lock<std::mutex>& lock, std::optional<Instant> due) const override;

 private:
  ClockMode mode_;
  mutable std::mutex mu_;
  Instant now_;
};

// Sandbox time = start + (wall time since construction) * speed. Defined in
// system_clock.cpp, the one file that reads the operating system's clocks.
std::unique_ptr<Clock> MakeRealtimeClock(std::optional<Instant> start, double speed);

// Milliseconds of wall time since the process started, for uptime only; never
// used for anything a run records.
int64_t ProcessUptimeMs();

// A monotonic millisecond count (steady clock) for the deadlines of network
// I/O: how long a client may take to send a request, how long an idle
// connection may stay. Never used for sandbox time.
int64_t MonotonicMs();

// The machine's wall time (ms since the Unix epoch), for when a request
// reached the server (the request journal). Never used for sandbox time.
int64_t WallClockMs();

}  // namespace sandbox
