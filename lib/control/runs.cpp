// What the dashboard reads (the sandbox's own JSON, not a vendor's):
//   GET /_sandbox/namespaces   every live namespace: clock, seed, run count
//   GET /_sandbox/runs         the namespace's runs, newest first (?limit, default 50, max 200)
//   GET /_sandbox/runs/{id}    one run: its step tree, interrupts and event log
#include "control/respond.h"
#include "control/routes.h"
#include "core/decimal.h"
#include "core/time_format.h"

namespace sandbox::control {
namespace {

OrderedJson OptTime(const std::optional<Instant>& t) { return t ? OrderedJson(FormatInstant(*t)) : OrderedJson(); }

OrderedJson RunSummary(const Run& r) {
  return OrderedJson{{"id", r.id},
                     {"thread_id", r.thread_id},
                     {"agent", r.agent},
                     {"agent_name", r.agent_name},
                     {"scenario", r.scenario},
                     {"status", RunStatusName(r.status)},
                     {"trigger_type", r.trigger_type},
                     {"attempt", r.attempt},
                     {"retry_of", r.retry_of.empty() ? OrderedJson() : OrderedJson(r.retry_of)},
                     {"created_at", FormatInstant(r.created_at)},
                     {"ended_at", OptTime(r.ended_at)},
                     {"error", r.error_message ? OrderedJson(*r.error_message) : OrderedJson()}};
}

// The children of `parent` (nullopt: the top level), in the order they started.
OrderedJson StepTree(const RunState& s, const std::optional<std::string>& parent) {
  OrderedJson out = OrderedJson::array();
  for (const auto& st : s.steps) {
    if (st.parent_step_id != parent) continue;
    OrderedJson artifacts = OrderedJson::array();
    for (const auto& a : st.artifacts) artifacts.push_back(ArtifactToJson(a));
    out.push_back(OrderedJson{{"id", st.id},
                              {"name", st.name},
                              {"label", st.label},
                              {"type", st.type},
                              {"agent", st.agent},
                              {"status", StepStatusName(st.status)},
                              {"started_at", FormatInstant(st.started_at)},
                              {"completed_at", OptTime(st.completed_at)},
                              {"text", st.text},
                              {"result", st.result},
                              {"artifacts", std::move(artifacts)},
                              {"steps", StepTree(s, st.id)}});
  }
  return out;
}

}  // namespace

void ListNamespaces(const Deps& d, const httplib::Request&, httplib::Response& res) {
  OrderedJson out = OrderedJson::array();
  d.spaces.ForEach([&](const std::string& ns, engine::Engine& e) {
    auto runs = e.store().CountRuns();
    out.push_back(OrderedJson{{"name", ns},
                              {"clock", {{"mode", ClockModeName(e.clock_mode())}, {"now", FormatInstant(e.Now())}}},
                              {"seed", e.seed()},
                              {"runs", runs.ok() ? runs.value() : 0}});
  });
  RespondJson(res, 200, OrderedJson{{"namespaces", std::move(out)}});
}

void ListRunsOfNamespace(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  engine::Engine* engine = NamespaceOrRespond(d, req, res);
  if (!engine) return;
  int64_t limit = 50;
  if (req.has_param("limit")) {
    const std::string v = req.get_param_value("limit");
    auto asked = ParseDecimalInt(v, 200);
    if (!asked || *asked < 1)
      return RespondError(res, 422, "Parameter `limit` must be a number from 1 to 200", "limit");
    limit = *asked;
  }
  auto page = engine->store().ListRuns(limit, 0);
  if (!page.ok()) return RespondStatus(res, page.status());
  OrderedJson runs = OrderedJson::array();
  for (const auto& s : page->items) runs.push_back(RunSummary(s.run));
  RespondJson(res, 200, OrderedJson{{"total", page->total}, {"runs", std::move(runs)}});
}

void GetRunOfNamespace(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  engine::Engine* engine = NamespaceOrRespond(d, req, res);
  if (!engine) return;
  auto run = engine->store().GetRun(req.matches[1], /*with_steps=*/true);
  if (!run.ok()) return RespondStatus(res, run.status());
  if (!run.value()) return RespondError(res, 404, "run not found", "id");
  auto log = engine->store().Events(req.matches[1]);
  if (!log.ok()) return RespondStatus(res, log.status());
  const RunState& s = *run.value();
  OrderedJson body = RunSummary(s.run);
  body["request"] = s.run.request;
  body["output"] = s.run.output;
  body["result"] = s.run.result;
  OrderedJson interrupts = OrderedJson::array();
  for (const auto& i : s.interrupts) {
    interrupts.push_back(OrderedJson{{"id", i.id},
                                     {"step_id", i.step_id},
                                     {"value", i.value},
                                     {"pending", i.pending},
                                     {"expired", i.expired},
                                     {"input", i.input},
                                     {"created_at", FormatInstant(i.created_at)}});
  }
  body["interrupts"] = std::move(interrupts);
  body["steps"] = StepTree(s, std::nullopt);
  OrderedJson events = OrderedJson::array();
  for (const auto& e : log.value()) {
    events.push_back(OrderedJson{{"seq", e.seq}, {"type", e.type}, {"at", FormatInstant(e.at)}});
  }
  body["events"] = std::move(events);
  RespondJson(res, 200, body);
}

}  // namespace sandbox::control
