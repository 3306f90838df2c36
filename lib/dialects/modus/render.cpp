// Modus JSON renderings; see render.h.
#include "dialects/modus/render.h"

#include <cstdio>

#include "core/ids.h"
#include "core/time_format.h"

namespace sandbox::modus {
std::string AgentSlug(const std::string& type) {
  std::string s = type;
  for (auto& ch : s) {
    if (ch == '_') ch = '-';
  }
  return s;
}

std::string IsoDuration(int64_t ms) {
  if (ms % 3600000 == 0) return "PT" + std::to_string(ms / 3600000) + "H";
  if (ms % 60000 == 0) return "PT" + std::to_string(ms / 60000) + "M";
  if (ms % 1000 == 0) return "PT" + std::to_string(ms / 1000) + "S";
  char buf[48];
  std::snprintf(buf, sizeof buf, "PT%lld.%03lldS", static_cast<long long>(ms / 1000),
                static_cast<long long>(ms % 1000));
  return buf;
}

OrderedJson FixtureVariation(const script::Agent& agent) {
  const script::ModusIdentity& m = *agent.modus;
  OrderedJson kinds = OrderedJson::array();
  OrderedJson trigger = OrderedJson::object();
  std::optional<OrderedJson> schedule;
  for (const auto& t : m.triggers) {
    kinds.push_back(t.type);
    if (t.type == "schedule" && !schedule) {
      OrderedJson s = OrderedJson::object();
      if (t.every_ms) {
        s["every"] = IsoDuration(*t.every_ms);
        s["everyMs"] = *t.every_ms;
      }
      if (t.start) s["startAt"] = FormatInstant(*t.start);
      schedule = std::move(s);
    }
  }
  trigger["kinds"] = std::move(kinds);
  if (schedule) trigger["schedule"] = std::move(*schedule);
  OrderedJson nodes = OrderedJson::array();
  OrderedJson edges = OrderedJson::array();
  if (!agent.scenarios.empty()) {
    const script::Scenario& def = agent.SelectScenario(Json::object());
    std::string prev;
    for (const auto& node : def.steps) {
      nodes.push_back(OrderedJson{{"id", node.name}, {"label", node.label}, {"type", node.type}});
      if (!prev.empty()) edges.push_back(OrderedJson{{"source", prev}, {"target", node.name}});
      prev = node.name;
    }
  }
  return OrderedJson{{"trigger", std::move(trigger)},
                     {"workflowStructure", {{"nodes", std::move(nodes)}, {"edges", std::move(edges)}}},
                     {"agentSelection", OrderedJson::array()}};
}

namespace {

const script::StepNode* FindNode(const script::StepList& steps, const std::string& name) {
  for (const auto& n : steps) {
    if (n.name == name) return &n;
    if (const auto* found = FindNode(n.steps, name)) return found;
    if (n.interrupt) {
      for (const auto& [key, branch] : n.interrupt->branches) {
        if (const auto* f = FindNode(branch, name)) return f;
      }
      if (n.interrupt->on_timeout) {
        if (const auto* f = FindNode(*n.interrupt->on_timeout, name)) return f;
      }
    }
  }
  return nullptr;
}

const Step* StepById(const RunState& s, const std::string& id) {
  for (const auto& st : s.steps) {
    if (st.id == id) return &st;
  }
  return nullptr;
}

// The pending interrupt's label: value.label, else value.title, else its step's label.
std::optional<std::string> ApprovalLabel(const RunState& s, const Interrupt& i) {
  for (const char* key : {"label", "title"}) {
    if (i.value.is_object() && i.value.contains(key) && i.value[key].is_string()) {
      return i.value[key].get<std::string>();
    }
  }
  if (const Step* st = StepById(s, i.step_id)) return st->label;
  return std::nullopt;
}

// When the interrupt expires: its fixture node's timeout after it was raised.
std::optional<Instant> ExpiryOf(const script::Agent& agent, const RunState& s, const Interrupt& i) {
  const Step* st = StepById(s, i.step_id);
  const script::Scenario* sc = agent.FindScenario(s.run.scenario);
  if (!st || !sc) return std::nullopt;
  const script::StepNode* node = FindNode(sc->steps, st->name);
  if (!node || !node->interrupt || !node->interrupt->timeout_ms) return std::nullopt;
  return i.created_at + *node->interrupt->timeout_ms;
}

std::optional<std::string> StringAt(const Json& j, const char* key) {
  if (j.is_object() && j.contains(key) && j[key].is_string()) return j[key].get<std::string>();
  return std::nullopt;
}

}  // namespace

const char* ModusStatus(RunStatus s) {
  switch (s) {
    case RunStatus::kRunning:
      return "running";
    case RunStatus::kInterrupted:
      return "awaiting_human";
    case RunStatus::kCompleted:
      return "completed";
    case RunStatus::kError:
      return "error";
    case RunStatus::kCancelled:
      return "cancelled";
  }
  return "running";
}

std::string WorkflowId(const script::Agent& agent, int64_t n) {
  return "wf_" + std::to_string(agent.modus->id) + "_run_" + std::to_string(n);
}

OrderedJson RenderRun(const script::Agent& agent, const RunState& s, int64_t n, bool detail) {
  const Run& r = s.run;
  const bool task = agent.modus->agent_type == "task";
  const std::string wf = WorkflowId(agent, n);
  const char* status = ModusStatus(r.status);
  const Interrupt* pending = r.status == RunStatus::kInterrupted ? s.PendingInterrupt() : nullptr;
  OrderedJson j;
  j["id"] = wf + ":" + r.id;
  j["workflowId"] = wf;
  j["agentId"] = agent.modus->id;
  j["agentName"] = r.agent_name.empty() ? agent.name : r.agent_name;
  j["agentType"] = agent.modus->agent_type;
  j["status"] = status;
  j["source"] = IsTerminal(r.status) ? "history" : "live-query";
  j["temporalRunId"] = r.id;
  j["triggerType"] = r.trigger_type;
  Instant started = r.started_at.value_or(r.created_at);
  j["startedAt"] = FormatInstant(started);
  if (r.ended_at && IsTerminal(r.status)) {
    j["endedAt"] = FormatInstant(*r.ended_at);
    j["durationMs"] = *r.ended_at - started;
  }
  std::optional<std::string> summary;
  if (r.status == RunStatus::kCompleted) summary = StringAt(r.result, "summary");
  if (r.status == RunStatus::kError) summary = r.error_message;
  if (pending) summary = ApprovalLabel(s, *pending);
  if (summary) j["summary"] = *summary;
  if (pending) {
    OrderedJson p;
    p["interruptId"] = pending->id;
    if (auto label = ApprovalLabel(s, *pending)) p["label"] = *label;
    p["value"] = pending->value;
    p["requestedAt"] = FormatInstant(pending->created_at);
    if (auto expires = ExpiryOf(agent, s, *pending)) p["expiresAt"] = FormatInstant(*expires);
    j["pendingApproval"] = std::move(p);
  }
  if (r.failure_reason && *r.failure_reason == "approval_timeout") j["statusReason"] = "approval_timeout";
  if (!detail) return j;
  if (task && r.status == RunStatus::kCompleted && r.result.is_object() && r.result.contains("task_result") &&
      !r.result["task_result"].is_null()) {
    j["taskResult"] = r.result["task_result"];
  }
  if (task && r.status == RunStatus::kError) {
    auto err = StringAt(r.result, "task_error");
    if (!err) err = r.error_message;
    if (err) j["taskError"] = *err;
  }
  if (!task) {
    OrderedJson nodes = OrderedJson::array();
    for (const auto& st : s.steps) {
      if (st.parent_step_id) continue;
      OrderedJson node;
      node["id"] = st.id;
      node["name"] = st.name;
      node["label"] = st.label;
      node["status"] = pending && pending->step_id == st.id ? "awaiting_human" : StepStatusName(st.status);
      node["startedAt"] = FormatInstant(st.started_at);
      if (st.completed_at) node["completedAt"] = FormatInstant(*st.completed_at);
      nodes.push_back(std::move(node));
    }
    j["workflowNodes"] = std::move(nodes);
  }
  return j;
}

}  // namespace sandbox::modus
