// ScenarioFaults; see scenario_faults.h.
#include "engine/scenario_faults.h"

namespace sandbox::engine {

void ScenarioFaults::Replace(const script::FixtureSet& fixtures) {
  std::unique_lock<std::shared_mutex> g(mu_);
  declared_.clear();
  agents_.clear();
  runs_.clear();
  arrival_.clear();
  size_t request = 0, stream = 0;
  for (const auto& agent : fixtures.agents) {
    for (const auto& sc : agent.scenarios) {
      if (sc.faults.empty()) continue;
      declared_[{agent.type, sc.name}] = sc.faults;
      auto& has = agents_[agent.type];
      for (const auto& rule : sc.faults) {
        ++(IsStreamFault(rule.kind) ? stream : request);
        (IsStreamFault(rule.kind) ? has.second : has.first) = true;
      }
    }
  }
  request_rules_.store(request, std::memory_order_relaxed);
  stream_rules_.store(stream, std::memory_order_relaxed);
}

ScenarioFaults::RunRules* ScenarioFaults::RulesOfLocked(const std::string& run_id, const RunLookup& lookup) {
  auto it = runs_.find(run_id);
  if (it != runs_.end()) return &it->second;
  auto of = lookup();
  if (!of) return nullptr;  // no such run: nothing to remember
  RunRules rules;
  auto declared = declared_.find(*of);
  if (declared != declared_.end()) {
    rules.rules = declared->second;
    for (const auto& rule : rules.rules) rules.randoms.emplace_back(rule.seed);
  }
  if (runs_.size() >= kMaxRuns) {
    runs_.erase(arrival_.front());
    arrival_.pop_front();
  }
  arrival_.push_back(run_id);
  return &runs_.emplace(run_id, std::move(rules)).first->second;
}

bool ScenarioFaults::AgentHas(const std::string& agent_type, FaultPhase phase) const {
  if (!Any(phase)) return false;
  std::shared_lock<std::shared_mutex> g(mu_);
  auto it = agents_.find(agent_type);
  return it != agents_.end() && (phase == FaultPhase::kRequest ? it->second.first : it->second.second);
}

std::optional<Fault> ScenarioFaults::Match(const std::string& run_id, uint64_t generation, const FaultRequest& r,
                                           FaultPhase phase, const RunLookup& lookup) {
  if (!Any(phase) || run_id.empty()) return std::nullopt;
  {
    // The common case, a run known to have no rules, under the shared lock.
    std::shared_lock<std::shared_mutex> g(mu_);
    if (generation == generation_) {
      auto it = runs_.find(run_id);
      if (it != runs_.end() && it->second.rules.empty()) return std::nullopt;
    }
  }
  std::unique_lock<std::shared_mutex> g(mu_);
  if (generation != generation_) {
    // The namespace was reset or reloaded: run ids may be used again.
    runs_.clear();
    arrival_.clear();
    generation_ = generation;
  }
  RunRules* run = RulesOfLocked(run_id, lookup);
  if (!run) return std::nullopt;
  Fault f;
  for (size_t i = 0; i < run->rules.size(); ++i) {
    if (FireRule(run->rules[i], run->randoms[i], r, phase, f)) return f;
  }
  return std::nullopt;
}

}  // namespace sandbox::engine
