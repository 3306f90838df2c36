// Engine::DefineAgent: agents defined or changed at run time through an API
// (script/agent_definition.h). The dialect's rules decide what the
// definition says; the engine owns the order (one writer), the commit, the
// fixtures in force afterwards, and the schedule's bookkeeping.
#include <algorithm>

#include "engine/engine.h"

namespace sandbox::engine {

Result<script::AgentDefinition> Engine::DefineAgent(AgentDefinitionRules rules) {
  return Submit<script::AgentDefinition>([this, rules = std::move(rules)](Instant now)
                                             -> Result<script::AgentDefinition> {
    std::shared_ptr<const script::FixtureSet> in_force;
    std::shared_ptr<const script::FixtureSet> files;
    std::vector<script::AgentDefinition> next;
    {
      std::lock_guard<std::mutex> g(fixtures_mu_);
      in_force = fixtures_;
      files = files_;
      next = definitions_;
    }
    auto ruled = rules(AgentDefinitionContext{.fixtures = *in_force, .files = *files, .ids = ids_, .now = now});
    if (!ruled.ok()) return ruled.status();
    script::AgentDefinition def = std::move(ruled).value();

    // The definition's slot in `next` (a new one at the end); the engine,
    // not the rules, keeps the schedule's skipped periods.
    auto slot = std::find_if(next.begin(), next.end(), [&](const auto& d) { return d.type == def.type; });
    if (slot == next.end()) slot = next.insert(next.end(), script::AgentDefinition{});
    def.schedule_skipped = slot->schedule_skipped;
    *slot = def;
    // A schedule switched on (or changed) starts with its first period
    // after now: the periods that passed while it was off, or before the
    // agent existed, are skipped, never fired late.
    const script::Agent* before = in_force->FindAgentByType(def.type);
    auto has_schedule = [](const script::ModusIdentity& m) {
      return std::any_of(m.triggers.begin(), m.triggers.end(), [](const auto& t) { return t.type == "schedule"; });
    };
    // Laying the definitions over the files costs a copy of them all: only
    // when a schedule is involved.
    if (has_schedule(def.modus) || (before && before->schedule)) {
      auto overlaid = script::Overlay(files, next);
      const script::Agent* after = overlaid->FindAgentByType(def.type);
      auto unchanged = [&](const script::Schedule& t) {
        return before && before->schedule && before->schedule->every_ms == t.every_ms &&
               before->schedule->start == t.start;
      };
      if (after && after->schedule && !unchanged(*after->schedule)) {
        const script::Schedule& t = *after->schedule;
        Instant first = t.start.value_or(clock_start_ + t.every_ms);
        int64_t elapsed = now < first ? 0 : (now - first) / t.every_ms + 1;
        auto fired = schedule_counts_.find(def.type);
        def.schedule_skipped = std::max<int64_t>(0, elapsed - (fired == schedule_counts_.end() ? 0 : fired->second));
        *slot = def;
      }
    }

    Status st = store_.PutAgentDefinition(def.type, script::DefinitionToJson(def), now);
    if (!st.ok()) return st;
    std::lock_guard<std::mutex> g(fixtures_mu_);
    definitions_ = std::move(next);
    OverlayLocked();
    return def;
  });
}

}  // namespace sandbox::engine
