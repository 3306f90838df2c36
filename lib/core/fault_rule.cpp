// Fault rules; see fault_rule.h.
#include "core/fault_rule.h"

#include <algorithm>
#include <cctype>

#include "core/path_glob.h"

namespace sandbox {
namespace {

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
  // Appended piece by piece: GCC 12 warns (a false -Wstringop-overflow) on
  // `" " + std::to_string(n)`.
  std::string what = FaultKindName(kind);
  auto number = [&](const char* before, int64_t n, const char* after) {
    what += before;
    what += std::to_string(n);
    what += after;
  };
  switch (kind) {
    case FaultKind::kLatency:
    case FaultKind::kHeartbeatDelay:
      number(" ", ms, " ms");
      break;
    case FaultKind::kStatus:
      number(" ", status, "");
      break;
    case FaultKind::kRateLimit:
      number(" 429, retry after ", retry_after_s, " s");
      break;
    case FaultKind::kStallAfter:
    case FaultKind::kDropAfter:
      number(" ", frames, " frames");
      break;
    case FaultKind::kDuplicateFrame:
      number(" frame ", frames, "");
      break;
    case FaultKind::kEmpty:
    case FaultKind::kReset:
      break;
  }
  what += " (fault ";
  what += rule_id;
  what += ")";
  return what;
}

bool FaultScopeMatches(const FaultRule& rule, const FaultRequest& r) {
  if (IsFaultsPath(r.path)) return false;
  if (rule.ns && *rule.ns != r.ns) return false;
  if (!rule.method.empty() && !EqualsIgnoringCase(rule.method, r.method)) return false;
  if (!rule.path.empty() && !PathMatches(rule.path, r.path)) return false;
  return true;
}

bool FireRule(FaultRule& rule, FaultRandom& random, const FaultRequest& r, FaultPhase phase, Fault& out) {
  if (IsStreamFault(rule.kind) != (phase == FaultPhase::kStream)) return false;
  if (rule.count && rule.fired >= *rule.count) return false;  // spent
  if (!FaultScopeMatches(rule, r)) return false;
  ++rule.matched;
  // One draw per request in scope, fired or not: the sequence of choices
  // depends only on the seed and the requests, as fault_rule.h promises.
  if (rule.probability && !(random.NextUnit() < *rule.probability)) return false;
  ++rule.fired;
  out.kind = rule.kind;
  out.rule_id = rule.id;
  out.status = rule.kind == FaultKind::kRateLimit ? 429 : rule.status;
  out.ms = rule.max_ms > 0 ? random.Between(rule.min_ms, rule.max_ms) : rule.ms;
  out.retry_after_s = rule.retry_after_s;
  out.frames = rule.frames;
  return true;
}

}  // namespace sandbox
