// Fault rules (issue 13, docs/toolkit.md "Fault injection"): what a test
// declares to make the server misbehave on the requests a rule matches, so
// that a client's retries, timeouts and reconnects can be tested. Rules come
// from POST /_sandbox/faults (http/faults.h keeps those) or from a scenario's
// `faults` (script/fixture.h; the engine keeps them per run). This file owns
// the rule itself, which request it matches, when it fires (a count, or a
// seeded probability) and what it resolves to; http/faults.h and
// dialects/stream_faults.h apply the result.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/status.h"
#include "core/types.h"

namespace sandbox {

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
  // "f_1", given by the registry; "<scenario>/faults/0" for a scenario's.
  std::string id;
  FaultKind kind = FaultKind::kStatus;

  // Scope. `ns` is compared with the X-Sandbox-Namespace header as sent
  // ("" when absent); unset matches every request whatever its header.
  std::optional<std::string> ns;
  std::string method;  // "" matches any; compared case-insensitively
  std::string path;    // a pattern (core/path_glob.h); "" matches any

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

// Gives `rule` its turn at `r` in `phase`: false when the rule is of the
// other phase, spent, or out of scope; otherwise counts the match, draws from
// `random` when the rule has a probability, and (when it fires) counts that
// and resolves the fault into `out` (a random latency drawn).
bool FireRule(FaultRule& rule, FaultRandom& random, const FaultRequest& r, FaultPhase phase, Fault& out);

// Limits a rule's parameters keep to: ten minutes of latency is a hang, not
// latency.
inline constexpr int64_t kMaxFaultMs = 600000;
inline constexpr int64_t kMaxFaultFrames = 1000000;

// A rule from its JSON form (the body of POST /_sandbox/faults, an entry of
// a scenario's `faults`), refusing any field it does not know: a misspelt
// field would otherwise silently widen the rule's scope. The error names the
// offending field as its parameter.
[[nodiscard]] Result<FaultRule> ParseFaultRule(const Json& body);
// The rule as the API lists it, with its counters.
Json FaultRuleJson(const FaultRule& rule);

}  // namespace sandbox
