// The fault registry; see faults.h.
#include "http/faults.h"

#include <algorithm>
#include <cctype>

#include "core/clock.h"
#include "core/wall_wait.h"
#include "http/journal.h"

namespace sandbox::http {
namespace {

// What a latency wait checks between its slices, like WaitForLog does.
constexpr int64_t kDelaySliceMs = 250;
// Never a rule for the rules: a test can always remove what it declared.
constexpr const char* kFaultsPath = "/_sandbox/faults";

struct KindName {
  FaultKind kind;
  const char* name;
};
constexpr KindName kKindNames[] = {
    {FaultKind::kLatency, "latency"},
    {FaultKind::kStatus, "status"},
    {FaultKind::kRateLimit, "rate_limit"},
    {FaultKind::kEmpty, "empty"},
    {FaultKind::kReset, "reset"},
    {FaultKind::kStallAfter, "stall_after"},
    {FaultKind::kDropAfter, "drop_after"},
    {FaultKind::kDuplicateFrame, "duplicate_frame"},
    {FaultKind::kHeartbeatDelay, "heartbeat_delay"},
};

bool EqualsIgnoringCase(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

bool IsFaultsPath(const std::string& path) {
  const size_t n = std::char_traits<char>::length(kFaultsPath);
  return path.compare(0, n, kFaultsPath) == 0 && (path.size() == n || path[n] == '/');
}

}  // namespace

bool IsStreamFault(FaultKind kind) {
  return kind == FaultKind::kStallAfter || kind == FaultKind::kDropAfter || kind == FaultKind::kDuplicateFrame ||
         kind == FaultKind::kHeartbeatDelay;
}

const char* FaultKindName(FaultKind kind) {
  for (const auto& k : kKindNames) {
    if (k.kind == kind) return k.name;
  }
  return "unknown";
}

std::optional<FaultKind> FaultKindFromName(const std::string& name) {
  for (const auto& k : kKindNames) {
    if (name == k.name) return k.kind;
  }
  return std::nullopt;
}

uint64_t FaultRandom::Next() {
  uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

double FaultRandom::NextUnit() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

int64_t FaultRandom::Between(int64_t lo, int64_t hi) {
  if (hi <= lo) return lo;
  return lo + static_cast<int64_t>(Next() % static_cast<uint64_t>(hi - lo + 1));
}

std::string Fault::Describe() const {
  std::string what = FaultKindName(kind);
  switch (kind) {
    case FaultKind::kLatency:
    case FaultKind::kHeartbeatDelay:
      what += " " + std::to_string(ms) + " ms";
      break;
    case FaultKind::kStatus:
      what += " " + std::to_string(status);
      break;
    case FaultKind::kRateLimit:
      what += " 429, retry after " + std::to_string(retry_after_s) + " s";
      break;
    case FaultKind::kStallAfter:
    case FaultKind::kDropAfter:
      what += " " + std::to_string(frames) + " frames";
      break;
    case FaultKind::kDuplicateFrame:
      what += " frame " + std::to_string(frames);
      break;
    case FaultKind::kEmpty:
    case FaultKind::kReset:
      break;
  }
  return what + " (fault " + rule_id + ")";
}

bool FaultScopeMatches(const FaultRule& rule, const FaultRequest& r) {
  if (IsFaultsPath(r.path)) return false;
  if (rule.ns && *rule.ns != r.ns) return false;
  if (!rule.method.empty() && !EqualsIgnoringCase(rule.method, r.method)) return false;
  if (!rule.path.empty() && !PathMatches(rule.path, r.path)) return false;
  return true;
}

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
  for (auto& e : entries_) {
    FaultRule& rule = e.rule;
    if (IsStreamFault(rule.kind) != (phase == FaultPhase::kStream)) continue;
    if (rule.count && rule.fired >= *rule.count) continue;  // spent
    if (!FaultScopeMatches(rule, r)) continue;
    ++rule.matched;
    // One draw per request in scope, fired or not: the sequence of choices
    // depends only on the seed and the requests, as faults.h promises.
    if (rule.probability && !(e.random.NextUnit() < *rule.probability)) continue;
    ++rule.fired;
    Fault f;
    f.kind = rule.kind;
    f.rule_id = rule.id;
    f.status = rule.kind == FaultKind::kRateLimit ? 429 : rule.status;
    f.ms = rule.max_ms > 0 ? e.random.Between(rule.min_ms, rule.max_ms) : rule.ms;
    f.retry_after_s = rule.retry_after_s;
    f.frames = rule.frames;
    return f;
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
