// Fault injection (issue 13): rules a test declares (POST /_sandbox/faults,
// lib/control/faults.cpp) that make the server misbehave on the requests
// they match, so that a client's retries, timeouts and reconnects can be
// tested against the sandbox instead of a flaky network.
//
// This file owns the rules, which request a rule matches, when it fires
// (a count, or a seeded probability) and what the fault resolves to. The
// server applies request kinds before routing (server.cpp), the stream
// follower applies stream kinds to the frames it writes
// (dialects/stream_faults.cpp).
//
// Guarantees:
//   - rules are tried in the order they were added; the first that matches
//     the request's phase and fires is the one applied (one fault per phase);
//   - a rule's randomness comes from its own generator, seeded by its
//     `seed`: the same rules and the same sequence of matching requests make
//     the same choices, whatever else the server serves;
//   - no rule ever matches /_sandbox/faults (a test can always clean up);
//   - with no rule of a phase, matching costs one atomic load.
// Thread-safe.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

namespace sandbox::http {

enum class FaultKind {
  // Request kinds, applied before routing.
  kLatency,    // wait, then answer normally
  kStatus,     // an error answer in the dialect's shape
  kRateLimit,  // 429 with Retry-After
  kEmpty,      // close without a byte
  kReset,      // reset (RST) without a byte
  // Stream kinds, applied to Server-Sent Events streams.
  kStallAfter,      // N frames, then silence until the client leaves
  kDropAfter,       // N frames, then close
  kDuplicateFrame,  // frame N twice
  kHeartbeatDelay,  // keep-alives `ms` later than usual
};

bool IsStreamFault(FaultKind kind);
// "latency", "status", "rate_limit", ... as the API spells them.
const char* FaultKindName(FaultKind kind);
std::optional<FaultKind> FaultKindFromName(const std::string& name);

// A splitmix64 generator: tiny, seedable, and the same on every platform.
class FaultRandom {
 public:
  explicit FaultRandom(uint64_t seed) : state_(seed) {}
  uint64_t Next();
  double NextUnit();  // in [0, 1)
  int64_t Between(int64_t lo, int64_t hi);  // in [lo, hi]

 private:
  uint64_t state_;
};

struct FaultRule {
  std::string id;  // "f_1", given by the registry
  FaultKind kind = FaultKind::kStatus;

  // Scope. `ns` is compared with the X-Sandbox-Namespace header as sent
  // ("" when absent); unset matches every request whatever its header.
  std::optional<std::string> ns;
  std::string method;  // "" matches any; compared case-insensitively
  std::string path;    // a glob (http::PathMatches); "" matches any

  // How often: the next `count` matching requests, or each with
  // `probability`, drawn from a generator seeded with `seed`; neither: every
  // matching request.
  std::optional<uint64_t> count;
  std::optional<double> probability;
  uint64_t seed = 0;

  // The kind's parameters.
  int status = 0;         // kStatus: 400..599
  int64_t ms = 0;         // kLatency (fixed), kHeartbeatDelay
  int64_t min_ms = 0;     // kLatency, random between these when max_ms > 0
  int64_t max_ms = 0;
  int64_t retry_after_s = 1;  // kRateLimit
  int64_t frames = 0;     // kStallAfter, kDropAfter: frames sent first; kDuplicateFrame: the frame (1-based)

  // Counters, kept by the registry.
  uint64_t matched = 0;  // requests in scope (whether or not it fired)
  uint64_t fired = 0;
};

// A fault resolved for one request (a random latency already drawn).
struct Fault {
  FaultKind kind = FaultKind::kStatus;
  std::string rule_id;
  int status = 0;
  int64_t ms = 0;
  int64_t retry_after_s = 0;
  int64_t frames = 0;
  // For the journal: "status 503 (fault f_2)".
  std::string Describe() const;
};

struct FaultRequest {
  std::string method;
  std::string path;
  std::string ns;  // the X-Sandbox-Namespace header as sent, "" when absent
};

enum class FaultPhase { kRequest, kStream };

// True when `rule`'s scope covers `r` (count and probability aside).
bool FaultScopeMatches(const FaultRule& rule, const FaultRequest& r);

class FaultRegistry {
 public:
  static constexpr size_t kMaxRules = 1000;

  // Adds `rule` under a fresh id and returns it as stored; nullopt when
  // kMaxRules are already declared.
  std::optional<FaultRule> Add(FaultRule rule);
  // Every rule, in the order added, with its counters.
  std::vector<FaultRule> List() const;
  bool Remove(const std::string& id);
  size_t Clear();

  // The first rule of `phase` whose scope covers `r` and that fires now,
  // resolved; its counters move. A spent count rule is skipped.
  std::optional<Fault> Match(const FaultRequest& r, FaultPhase phase);
  // Cheap check before building a FaultRequest: any rule of `phase` at all.
  bool Any(FaultPhase phase) const {
    return (phase == FaultPhase::kRequest ? request_rules_ : stream_rules_).load(std::memory_order_relaxed) > 0;
  }

  // Waits `ms` of wall time (a latency fault); returns early, false, when
  // Stop() is called or `gone()` turns true (checked every 250 ms).
  bool Delay(int64_t ms, const std::function<bool()>& gone);
  // Ends every Delay now and later (server stop).
  void Stop();

 private:
  struct Entry {
    FaultRule rule;
    FaultRandom random;
  };
  void CountLocked();

  mutable std::mutex mu_;
  std::vector<Entry> entries_;
  uint64_t next_id_ = 1;
  std::atomic<size_t> request_rules_{0};
  std::atomic<size_t> stream_rules_{0};
  std::condition_variable stop_cv_;
  bool stopping_ = false;
};

// The stream fault for the request this thread is serving, matched now
// (FaultPhase::kStream) and noted in its journal entry; nullopt when none
// fires or the thread serves no request. Implemented in server.cpp, beside
// the request context; called by a streaming handler before it streams.
std::optional<Fault> StreamFaultForThisRequest();

}  // namespace sandbox::http
