// The only file that reads the operating system's clocks (STYLE.md "time and
// I/O"): the realtime Clock, the process uptime and the monotonic time of
// network deadlines.
#include <chrono>

#include "core/clock.h"

namespace sandbox {
namespace {

using Steady = std::chrono::steady_clock;
const Steady::time_point kProcessStart = Steady::now();

class RealtimeClock final : public Clock {
 public:
  RealtimeClock(Instant start, double speed) : start_(start), speed_(speed), origin_(Steady::now()) {}
  ClockMode mode() const override { return ClockMode::kRealtime; }
  Instant now() const override {
    std::lock_guard<std::mutex> g(mu_);
    auto wall = std::chrono::duration<double, std::milli>(Steady::now() - origin_).count();
    return start_ + static_cast<Instant>(wall * speed_);
  }
  bool advance_to(Instant) override { return false; }
  // Sandbox time continues from `t` at this moment (a restart picks up
  // where the last process's time stood).
  bool reset_to(Instant t) override {
    std::lock_guard<std::mutex> g(mu_);
    start_ = t;
    origin_ = Steady::now();
    return true;
  }
  void wait(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
            std::optional<Instant> due) const override {
    if (!due) {
      cv.wait(lock);
      return;
    }
    // The sandbox instant `due` falls at this steady-clock point; +1ms so that
    // rounding never wakes us just before it.
    Steady::time_point at;
    {
      std::lock_guard<std::mutex> g(mu_);
      double wall_ms = static_cast<double>(*due - start_) / speed_ + 1.0;
      at = origin_ + std::chrono::microseconds(static_cast<int64_t>(wall_ms * 1000.0));
    }
    cv.wait_until(lock, at);
  }

 private:
  mutable std::mutex mu_;
  Instant start_;
  double speed_;
  Steady::time_point origin_;
};

}  // namespace

std::unique_ptr<Clock> MakeRealtimeClock(std::optional<Instant> start, double speed) {
  Instant s =
      start ? *start
            : std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
                  .count();
  return std::make_unique<RealtimeClock>(s, speed);
}

int64_t MonotonicMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now().time_since_epoch()).count();
}

int64_t WallClockMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

int64_t ProcessUptimeMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Steady::now() - kProcessStart).count();
}

}  // namespace sandbox
