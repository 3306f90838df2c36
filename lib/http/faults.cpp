// The fault registry; see faults.h.
#include "http/faults.h"

#include <algorithm>

#include "core/clock.h"
#include "core/wall_wait.h"

namespace sandbox::http {
namespace {

// What a latency wait checks between its slices, like WaitForLog does.
constexpr int64_t kDelaySliceMs = 250;

}  // namespace

std::optional<FaultRule> FaultRegistry::Add(FaultRule rule) {
  std::lock_guard<std::mutex> g(mu_);
  if (entries_.size() >= kMaxRules) return std::nullopt;
  rule.id = "f_" + std::to_string(next_id_++);
  rule.matched = 0;
  rule.fired = 0;
  FaultRandom random(rule.seed);
  entries_.push_back(Entry{rule, random});
  CountLocked();
  return rule;
}

std::vector<FaultRule> FaultRegistry::List() const {
  std::lock_guard<std::mutex> g(mu_);
  std::vector<FaultRule> out;
  out.reserve(entries_.size());
  for (const auto& e : entries_) out.push_back(e.rule);
  return out;
}

bool FaultRegistry::Remove(const std::string& id) {
  std::lock_guard<std::mutex> g(mu_);
  auto it = std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.rule.id == id; });
  if (it == entries_.end()) return false;
  entries_.erase(it);
  CountLocked();
  return true;
}

size_t FaultRegistry::Clear() {
  std::lock_guard<std::mutex> g(mu_);
  size_t n = entries_.size();
  entries_.clear();
  CountLocked();
  return n;
}

void FaultRegistry::CountLocked() {
  size_t stream = 0;
  for (const auto& e : entries_) stream += IsStreamFault(e.rule.kind) ? 1 : 0;
  stream_rules_.store(stream, std::memory_order_relaxed);
  request_rules_.store(entries_.size() - stream, std::memory_order_relaxed);
}

std::optional<Fault> FaultRegistry::Match(const FaultRequest& r, FaultPhase phase) {
  if (!Any(phase)) return std::nullopt;
  std::lock_guard<std::mutex> g(mu_);
  Fault f;
  for (auto& e : entries_) {
    if (FireRule(e.rule, e.random, r, phase, f)) return f;
  }
  return std::nullopt;
}

bool FaultRegistry::Delay(int64_t ms, const std::function<bool()>& gone) {
  const int64_t deadline = MonotonicMs() + ms;
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    if (stopping_) return false;
    int64_t left = deadline - MonotonicMs();
    if (left <= 0) return true;
    if (WaitWallMs(stop_cv_, lock, std::min(left, kDelaySliceMs), [this] { return stopping_; })) return false;
    if (gone) {
      lock.unlock();
      bool left_us = gone();
      lock.lock();
      if (left_us) return false;
    }
  }
}

void FaultRegistry::Stop() {
  {
    std::lock_guard<std::mutex> g(mu_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
}

}  // namespace sandbox::http
