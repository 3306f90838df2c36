// Fault injection at the edge (issue 13): the rules a test declares with
// POST /_sandbox/faults (lib/control/faults.cpp), kept in a registry the
// server consults for every request. The rule model and matching are
// core/fault_rule.h; rules a scenario declares are the engine's, per run.
// The server applies request kinds before routing (server.cpp); the stream
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

#include <httplib.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/fault_rule.h"

namespace sandbox::http {

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

// Where a rule of the request this thread serves comes from besides the
// registry: a scenario's rules for the run the request touches.
using FaultSource = std::function<std::optional<Fault>(const FaultRequest&)>;

// The stream fault for the request this thread is serving, matched now
// (FaultPhase::kStream) against the registry, then `also`, and noted in its
// journal entry; nullopt when none fires or the thread serves no request.
// Implemented in server.cpp, beside the request context; called by a
// streaming handler before it streams.
std::optional<Fault> StreamFaultForThisRequest(const FaultSource& also = {});

// The request fault `also` gives for the request this thread is serving,
// applied to `res` (a scenario's rule, matched once the handler knows the
// run). True when the handler should go on (no fault, or a latency waited
// out); false when the fault wrote the answer. Implemented in server.cpp.
bool ApplyRequestFaultToThisRequest(const FaultSource& also, const httplib::Request& req, httplib::Response& res);

}  // namespace sandbox::http
