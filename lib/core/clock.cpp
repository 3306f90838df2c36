// SteppedClock and clock-mode names. No OS clock is read here.
#include "core/clock.h"

namespace sandbox {

const char* ClockModeName(ClockMode mode) {
  switch (mode) {
    case ClockMode::kVirtual:
      return "virtual";
    case ClockMode::kRealtime:
      return "realtime";
    case ClockMode::kManual:
      return "manual";
  }
  return "virtual";
}

std::optional<ClockMode> ParseClockMode(const std::string& name) {
  if (name == "virtual") return ClockMode::kVirtual;
  if (name == "realtime") return ClockMode::kRealtime;
  if (name == "manual") return ClockMode::kManual;
  return std::nullopt;
}

Instant SteppedClock::now() const {
  std::lock_guard<std::mutex> g(mu_);
  return now_;
}

bool SteppedClock::advance_to(Instant t) {
  std::lock_guard<std::mutex> g(mu_);
  if (t > now_) now_ = t;
  return true;
}

bool SteppedClock::reset_to(Instant t) {
  std::lock_guard<std::mutex> g(mu_);
  now_ = t;
  return true;
}

void SteppedClock::wait(std::condition_variable& cv, std::unique_lock<std::mutex>& lock, std::optional<Instant>) const {
  // Stepped time never passes by itself: only a notification can make work due.
  cv.wait(lock);
}

}  // namespace sandbox
