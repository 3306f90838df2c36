// EventBus; see bus.h.
#include "engine/bus.h"

#include <algorithm>

#include "core/wall_wait.h"

namespace sandbox::engine {

void EventBus::NotifyLocked(RunWatch& watch, bool everyone) {
  watch.version_.fetch_add(1, std::memory_order_release);
  if (everyone) {
    WakeWordWaiters(watch.version_);
    return;
  }
  // The flag after the word: set before it, a follower passing on an
  // earlier wake could clear it and wake the rest while the word still held
  // their version, and they would sleep through this commit.
  watch.pass_on_.store(true, std::memory_order_release);
  WakeOneWordWaiter(watch.version_);
}

bool EventBus::PassOn(const RunWatch& watch) const {
  // A load first: 1,000 followers calling this after each look must not
  // all write the flag's cache line.
  if (!watch.pass_on_.load(std::memory_order_acquire) || !watch.pass_on_.exchange(false, std::memory_order_acq_rel)) {
    return false;
  }
  WakeWordWaiters(watch.version_);
  return true;
}

void EventBus::Publish() {
  {
    std::lock_guard<std::mutex> g(mu_);
    ++version_;
  }
  cv_.notify_all();
}

void EventBus::Publish(const std::vector<std::string>& runs) {
  {
    std::lock_guard<std::mutex> g(mu_);
    ++version_;
    for (const std::string& run : runs) {
      auto it = watches_.find(run);
      if (it == watches_.end()) continue;
      if (auto watch = it->second.lock()) NotifyLocked(*watch, /*everyone=*/false);
    }
  }
  cv_.notify_all();
}

void EventBus::PublishEverything() {
  {
    std::lock_guard<std::mutex> g(mu_);
    ++version_;
    for (auto& [run, weak] : watches_) {
      if (auto watch = weak.lock()) NotifyLocked(*watch, /*everyone=*/true);
    }
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

std::shared_ptr<RunWatch> EventBus::Watch(const std::string& run_id) {
  std::lock_guard<std::mutex> g(mu_);
  auto it = watches_.find(run_id);
  if (it != watches_.end()) {
    if (auto live = it->second.lock()) return live;
  }
  if (watches_.size() >= sweep_at_) {
    // Runs nobody follows any more are forgotten in batches, so the map
    // stays about as small as the set of followed runs at no cost per call.
    std::erase_if(watches_, [](const auto& entry) { return entry.second.expired(); });
    sweep_at_ = std::max<size_t>(64, 2 * watches_.size());
  }
  auto made = std::make_shared<RunWatch>();
  watches_[run_id] = made;
  return made;
}

uint64_t EventBus::version(const RunWatch& watch) const { return watch.version_.load(std::memory_order_acquire); }

EventBus::Wake EventBus::Wait(const RunWatch& watch, uint64_t seen, std::chrono::milliseconds timeout) const {
  // Shutdown() sets the flag before it moves the words, so a waiter that
  // missed the flag finds its word moved.
  if (shutdown_.load(std::memory_order_acquire)) return Wake::kShutdown;
  bool woke = WaitWordWallMs(watch.version_, static_cast<uint32_t>(seen), timeout.count());
  if (shutdown_.load(std::memory_order_acquire)) return Wake::kShutdown;
  return woke ? Wake::kChanged : Wake::kTimeout;
}

void EventBus::Shutdown() {
  {
    std::lock_guard<std::mutex> g(mu_);
    shutdown_.store(true, std::memory_order_release);
    for (auto& [run, weak] : watches_) {
      if (auto watch = weak.lock()) NotifyLocked(*watch, /*everyone=*/true);
    }
  }
  cv_.notify_all();
}

}  // namespace sandbox::engine
