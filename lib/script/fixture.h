// The scenario model: agents and the scripted behaviour of their runs, as read
// from fixture files (docs/scenarios.md is the user's reference). Plain data;
// loader.h fills it and validates it, program.h compiles a scenario for the
// engine.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/fault_rule.h"
#include "core/types.h"

namespace re2 {
class RE2;
}

namespace sandbox::script {

struct ArtifactSpec {
  std::string title;
  std::string type;
  std::optional<std::string> confidence;
  std::optional<std::string> summary;
  std::vector<Source> sources;
};

struct StepNode;
using StepList = std::vector<StepNode>;

struct InterruptSpec {
  Json value;                        // the payload shown to the client (an object); may hold templates
  std::optional<std::string> agent;  // defaults to value.agent when that is a string
  // The dotted path into the resume input whose value picks the branch.
  std::string branch_on = "decision";
  // What happens after the resume, keyed by that value; "default" catches
  // every other answer. Absent keys continue with the next step.
  std::map<std::string, StepList> branches;
  std::optional<int64_t> timeout_ms;   // the interrupt expires after this long
  std::optional<StepList> on_timeout;  // absent: the run fails with approval_timeout
};

struct ToolSpec {
  std::string name;
  Json input;
  Json output;
};

struct StepNode {
  int ref = 0;  // index of this node in its scenario, depth-first; names the step's id
  std::string name;
  std::string label;
  std::string type = "activity";  // activity | output | interrupt | error
  std::string agent;              // resolved: the node's own, else its parent's, else the agent's type
  int64_t duration_ms = 0;
  std::vector<ArtifactSpec> artifacts;
  Json result;     // null when absent
  StepList steps;  // children, run one after another (or together when `parallel`)
  bool parallel = false;
  std::optional<std::string> message;  // leaf only: text streamed as tokens over the duration
  std::optional<ToolSpec> tool;
  std::optional<std::string> notice;
  std::optional<InterruptSpec> interrupt;
  std::optional<std::string> error_message;
  std::optional<std::string> error_reason;
};

enum class InterruptPolicy { kManual, kAutoApprove, kSkip };
const char* InterruptPolicyName(InterruptPolicy p);

// One condition on the create-run request: `field` (a dotted path into the
// request body) equals / contains / matches / exists.
struct MatchRule {
  std::string field;
  std::string op;  // equals | contains | matches | exists
  Json operand;
  // matches: the operand compiled by RE2 when the fixture was loaded
  // (match_regex.h); shared by the copies of the scenario.
  std::shared_ptr<const re2::RE2> regex;
};

// One scripted retry: when an execution of the workflow fails, the next one
// starts `after_ms` later and runs `scenario` (the failed one's when empty).
struct Retry {
  int64_t after_ms = 0;
  std::string scenario;
};

// A scenario that scripts one Modus workflow action (POST
// /agent/workflow-actions, docs/modus.md): it plays for a request whose
// workflowAction has this toolId and toolName (each when given; at least one
// is). Such scenarios are never chosen for other runs.
struct WorkflowActionSelector {
  std::optional<std::string> tool_id;
  std::optional<std::string> tool_name;
  // True when `action` (the request's workflowAction object) is this one.
  bool Selects(const Json& action) const;
};

struct Scenario {
  std::string name;
  std::string description;
  std::vector<MatchRule> match;                     // empty: a default scenario
  std::optional<InterruptPolicy> interrupt_policy;  // overrides the agent's
  StepList steps;
  Json result;  // {summary, task_result, task_error} for Modus task agents; null when absent
  // What happens when a run of this scenario fails: the i-th entry is the
  // (i+2)-th execution of the workflow. A retry's stored script carries the
  // entries still to come, so each execution knows its own next step.
  std::vector<Retry> retries;
  // Faults the sandbox injects into requests and streams about a run of
  // this scenario (docs/toolkit.md), each rule's `count` per run; ids
  // "<name>/faults/<i>".
  std::vector<FaultRule> faults;
  std::optional<WorkflowActionSelector> workflow_action;
  int node_count = 0;
  // The scenario as written, with the agent's interrupt policy resolved into
  // it; stored with each run that uses it, so the run keeps its script.
  Json source;
  // True when every rule holds for the create-run `request`. A `matches`
  // rule searches with RE2 and fails on a field longer than
  // limits::kMaxMatchInputBytes.
  bool Matches(const Json& request) const;
};

struct ModusTrigger {
  std::string type;                 // manual | schedule | webhook | api
  std::optional<int64_t> every_ms;  // schedule
  std::optional<Instant> start;     // schedule
};

// How the Modus dialect knows the agent; absent when Modus does not serve it.
struct ModusIdentity {
  int64_t id = 0;
  std::string agent_type;  // task | workflow
  bool enabled = true;
  // draft (never deployed: it does not run), active, or deleted (soft-
  // deleted: hidden and never runs). Fixture agents are active; the agent
  // management API changes it (script/agent_definition.h).
  std::string status = "active";
  std::vector<ModusTrigger> triggers;
};

// An agent that starts runs on its own: the first at `start` (else one period
// after the namespace's clock starts), then every `every_ms`.
struct Schedule {
  int64_t every_ms = 0;
  std::optional<Instant> start;
  // Periods that passed while the schedule was switched off: never fired.
  int64_t skipped = 0;
  bool operator==(const Schedule&) const = default;
};

struct Agent {
  std::string id;  // derived from the type, stable across restarts
  std::string type;
  std::string name;
  std::string description;
  std::string version = "1";
  InterruptPolicy interrupt_policy = InterruptPolicy::kManual;
  // What a Middesk thread or run of this agent must say it is about
  // (docs/scenarios.md "Agent"): kBusiness, the vendor's rule, wants a
  // business_id or a context_type with a UUID context_id; kAny takes any
  // non-empty context_id; kOptional needs no context at all.
  enum class ContextRule { kBusiness, kAny, kOptional };
  ContextRule context = ContextRule::kBusiness;
  std::optional<ModusIdentity> modus;
  // From the fixture's modus block (its first schedule trigger, when the
  // identity is enabled); the engine reads only this.
  std::optional<Schedule> schedule;
  std::string file;  // where it was declared; empty for an agent created through an API
  std::vector<Scenario> scenarios;
  // Null unless an API defined or changed the agent: the dialect's record of
  // it (script/agent_definition.h), e.g. its draft and deployed variations.
  Json record;
  const Scenario* FindScenario(const std::string& name) const;
  // The scenario a create-run request gets, among those that script no
  // workflow action: the first whose match rules all hold, else the first
  // without rules, else the agent's first scenario.
  const Scenario& SelectScenario(const Json& request) const;
  // The first scenario scripting the workflow action `request` asks for
  // (its workflowAction selected, its match rules holding), or null.
  const Scenario* SelectWorkflowAction(const Json& request) const;
};

struct FixtureSet {
  std::vector<Agent> agents;  // in load order: files by name, agents as written
  const Agent* FindAgentByType(const std::string& type) const;
  const Agent* FindAgentById(const std::string& id) const;
  size_t ScenarioCount() const;
};

}  // namespace sandbox::script
