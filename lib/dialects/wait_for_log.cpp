// WaitForLog; see wait_for_log.h.
#include "dialects/wait_for_log.h"

#include <algorithm>
#include <chrono>

#include "core/clock.h"
#include "http/server.h"

namespace sandbox::dialects {

WaitEnd WaitForLog(engine::EventBus& bus, const engine::RunWatch& watch, int64_t wait_ms,
                   const std::function<bool()>& done) {
  const int64_t deadline = MonotonicMs() + wait_ms;
  while (true) {
    uint64_t seen = bus.version(watch);
    const bool finished = done();
    // Having looked at the log (and rendered what a stream's followers
    // share), pass on a commit's wake to the run's other followers.
    bus.PassOn(watch);
    if (finished) return WaitEnd::kDone;
    int64_t left = deadline - MonotonicMs();
    if (left <= 0) return WaitEnd::kTimedOut;
    if (http::ClientGone()) return WaitEnd::kClientGone;
    auto wake = bus.Wait(watch, seen, std::chrono::milliseconds(std::min(left, kClientCheckMs)));
    if (wake == engine::EventBus::Wake::kShutdown) return WaitEnd::kShutdown;
  }
}

}  // namespace sandbox::dialects
