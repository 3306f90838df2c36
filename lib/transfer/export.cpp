// Event log -> Timeline -> fixture. The projection (core Rebuild) gives the
// steps with their instants, artifacts, results and streamed text; the
// events add what the projection does not keep: which branch each answer
// took, tool calls and notices, and the run's task result.
#include "transfer/export.h"

#include <map>

#include "core/projection.h"
#include "core/time_format.h"
#include "transfer/json_fields.h"

namespace sandbox::transfer {
namespace {

struct LogFacts {
  std::map<std::string, std::string> branch;  // interrupt id -> branch taken
  std::map<std::string, Json> tool;           // step id -> {name, input, output}
  std::map<std::string, std::string> notice;  // step id -> text
  Json result;                                // run.completed's result
};

Json Any(const Json& p, const char* key) { return p.contains(key) ? p[key] : Json(); }

LogFacts Collect(const std::vector<Event>& log) {
  LogFacts f;
  for (const Event& e : log) {
    const Json& p = e.payload;
    std::string step = StringOrEmpty(p, "step_id");
    if (e.type == event_type::kRunResumed) {
      f.branch[StringOrEmpty(p, "interrupt_id")] = StringOrEmpty(p, "branch");
    } else if (e.type == event_type::kToolStarted) {
      f.tool[step] = Json{{"name", StringOrEmpty(p, "name")}, {"input", Any(p, "input")}};
    } else if (e.type == event_type::kToolCompleted) {
      Json& t = f.tool[step];
      if (!t.is_object()) t = Json{{"name", StringOrEmpty(p, "name")}};
      t["output"] = Any(p, "output");
    } else if (e.type == event_type::kNotice) {
      f.notice[step] = StringOrEmpty(p, "text");
    } else if (e.type == event_type::kRunCompleted) {
      f.result = Any(p, "result");
    }
  }
  return f;
}

TimelineStep FromStep(const Step& s, const RunState& state, const LogFacts& facts, Timeline& t) {
  TimelineStep ts;
  ts.name = s.name;
  ts.label = s.label;
  ts.type = s.type;
  ts.agent = s.agent;
  ts.status = StepStatusName(s.status);
  ts.started_at = s.started_at;
  ts.completed_at = s.completed_at;
  ts.result = s.result;
  for (const auto& a : s.artifacts) ts.artifacts.push_back(ArtifactForFixture(ArtifactToJson(a)));
  if (!s.text.empty()) ts.message = s.text;
  if (auto it = facts.tool.find(s.id); it != facts.tool.end()) ts.tool = it->second;
  if (auto it = facts.notice.find(s.id); it != facts.notice.end()) ts.notice = it->second;
  if (s.type != "interrupt") return ts;

  TimelineInterrupt in;
  in.raised_at = s.started_at;
  const Interrupt* raised = nullptr;
  for (const auto& i : state.interrupts) {
    if (i.step_id == s.id) raised = &i;
  }
  std::string policy;
  if (raised) {
    in.value = raised->value;
    in.agent = raised->agent;
    in.raised_at = raised->created_at;
    in.resolved_at = raised->resolved_at;
    if (raised->pending) {
      in.end = TimelineInterrupt::End::kPending;
    } else if (raised->expired) {
      in.end = TimelineInterrupt::End::kExpired;
      const Run& r = state.run;
      in.failed_run =
          r.status == RunStatus::kError && r.failure_reason == "approval_timeout" && r.ended_at == raised->resolved_at;
    } else {
      in.end = TimelineInterrupt::End::kAnswered;
      in.input = raised->input;
      auto b = facts.branch.find(raised->id);
      if (b != facts.branch.end() && !b->second.empty()) in.branch = b->second;
    }
  } else if (IsPolicyMarker(s.result, policy)) {
    // Resolved by the scenario's policy: no pause, and the step records how.
    in.end = TimelineInterrupt::End::kPolicy;
    in.value = Json{{"label", s.label}};
    ts.result = nullptr;
    if (!t.interrupt_policy) t.interrupt_policy = policy;
  } else {
    in.end = s.status == StepStatus::kRunning ? TimelineInterrupt::End::kPending : TimelineInterrupt::End::kAnswered;
    in.value = Json{{"label", s.label}};
  }
  ts.interrupt = std::move(in);
  return ts;
}

// Children of `parent` (empty: the top level), in start order.
std::vector<TimelineStep> Tree(const std::string& parent, const RunState& state, const LogFacts& facts, Timeline& t) {
  std::vector<TimelineStep> out;
  for (const Step& s : state.steps) {
    if (s.parent_step_id.value_or("") != parent) continue;
    TimelineStep ts = FromStep(s, state, facts, t);
    ts.steps = Tree(s.id, state, facts, t);
    out.push_back(std::move(ts));
  }
  return out;
}

}  // namespace

Result<Timeline> TimelineFromLog(const std::vector<Event>& log) {
  if (log.empty()) return Status::NotFound("the run has no events");
  auto state = Rebuild(log);
  if (!state.ok()) return state.status();
  const Run& r = state->run;
  LogFacts facts = Collect(log);
  Timeline t;
  t.run_id = r.id;
  t.agent = r.agent;
  t.status = RunStatusName(r.status);
  t.result = facts.result;
  t.steps = Tree("", state.value(), facts, t);
  if (r.status == RunStatus::kError) {
    ExplainFailure(t, r.error_message.value_or("run failed"), r.failure_reason, r.ended_at);
  }
  return t;
}

Result<Json> ExportRun(const std::vector<Event>& log) {
  auto t = TimelineFromLog(log);
  if (!t.ok()) return t.status();
  if (t->steps.empty()) return Status::InvalidArgument("run " + t->run_id + " has no steps yet: nothing to export");
  const std::string& id = t->run_id;
  FixtureLabels labels;
  labels.agent_description = "Exported from run " + id;
  labels.scenario_name = "exported_" + id.substr(0, 8);
  labels.scenario_description = "Reproduces run " + id + " of " + t->agent + " (" + t->status + " at " +
                                FormatInstant(log.back().at) + "), rebuilt from its event log by agent-sandbox export.";
  return FixtureFromTimeline(t.value(), labels);
}

}  // namespace sandbox::transfer
