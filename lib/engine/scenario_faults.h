// Faults declared in a scenario (issue 13, docs/toolkit.md "Faults declared
// in a scenario"): the `faults` of every scenario in the fixtures, and, per
// run of such a scenario, each rule's counters and random generator, so that
// `count: 1` means the first matching request about *each* run. A run is
// known by id; the first request about it looks up its agent and scenario
// (the caller's `lookup`), later ones find them here.
//
// Kept in memory, per namespace (engine.h), bounded to kMaxRuns runs (the
// oldest forgotten first). Replacing the fixtures or resetting the
// namespace starts every run's counters afresh. Thread-safe; with no
// scenario declaring a rule of a phase, Any() is one atomic load, and a run
// whose scenario declares none costs a shared lock and a lookup: reads of
// such runs, the hot path, never wait for one another.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <shared_mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/fault_rule.h"
#include "script/fixture.h"

namespace sandbox::engine {

class ScenarioFaults {
 public:
  static constexpr size_t kMaxRuns = 10000;

  // The run's agent type and scenario name; nullopt when there is no such run.
  using RunLookup = std::function<std::optional<std::pair<std::string, std::string>>()>;

  // The rules `fixtures` declare from now on; every run's counters restart.
  void Replace(const script::FixtureSet& fixtures);

  bool Any(FaultPhase phase) const {
    return (phase == FaultPhase::kRequest ? request_rules_ : stream_rules_).load(std::memory_order_relaxed) > 0;
  }
  // Does any scenario of agent `agent_type` declare a rule of `phase`?
  bool AgentHas(const std::string& agent_type, FaultPhase phase) const;

  // The first rule of the run's scenario that covers `r` in `phase` and fires
  // now, resolved; its counters for this run move. `generation` is the
  // namespace's (Engine::generation()): a new one forgets every run.
  std::optional<Fault> Match(const std::string& run_id, uint64_t generation, const FaultRequest& r, FaultPhase phase,
                             const RunLookup& lookup);

 private:
  struct RunRules {
    std::vector<FaultRule> rules;  // empty: the run's scenario declares none
    std::vector<FaultRandom> randoms;
  };
  RunRules* RulesOfLocked(const std::string& run_id, const RunLookup& lookup);

  mutable std::shared_mutex mu_;
  // By agent type, then scenario name.
  std::map<std::pair<std::string, std::string>, std::vector<FaultRule>> declared_;
  std::map<std::string, std::pair<bool, bool>> agents_;  // agent type -> (request rules, stream rules)
  std::unordered_map<std::string, RunRules> runs_;
  std::deque<std::string> arrival_;  // run ids, oldest first
  uint64_t generation_ = 0;
  std::atomic<size_t> request_rules_{0};
  std::atomic<size_t> stream_rules_{0};
};

}  // namespace sandbox::engine
