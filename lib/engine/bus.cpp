// EventBus; see bus.h.
#include "engine/bus.h"

#include "core/wall_wait.h"

namespace sandbox::engine {

void EventBus::Publish() {
  {
    std::lock_guard<std::mutex> g(mu_);
    ++version_;
  }
  cv_.notify_all();
}

uint64_t EventBus::version() const {
  std::lock_guard<std::mutex> g(mu_);
  return version_;
}

EventBus::Wake EventBus::Wait(uint64_t seen, std::chrono::milliseconds timeout) const {
  std::unique_lock<std::mutex> lock(mu_);
  bool woke = WaitWallMs(cv_, lock, timeout.count(), [&] { return shutdown_ || version_ != seen; });
  if (shutdown_) return Wake::kShutdown;
  return woke ? Wake::kChanged : Wake::kTimeout;
}

void EventBus::Shutdown() {
  {
    std::lock_guard<std::mutex> g(mu_);
    shutdown_ = true;
  }
  cv_.notify_all();
}

}  // namespace sandbox::engine
