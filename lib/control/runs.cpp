// What the dashboard reads and does (the sandbox's own JSON, not a vendor's):
//   GET  /_sandbox/namespaces         every live namespace: clock, seed, run count
//   GET  /_sandbox/runs               the namespace's runs, newest first (?limit, default 50, max 200)
//   GET  /_sandbox/runs/{id}          one run: its step tree, interrupts (a pending one with the
//                                     answers its scenario offers), event log, dialect view
//   GET  /_sandbox/agents             the fixtures' agents and their scenarios
//   POST /_sandbox/runs               a new run of an agent
//   POST /_sandbox/runs/{id}/resume   an answer to the run's pending interrupt
#include "control/respond.h"
#include "control/routes.h"
#include "core/decimal.h"
#include "core/time_format.h"
#include "http/body.h"
#include "http/request_notes.h"

namespace sandbox::control {
namespace {

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
                     {"ended_at", InstantOrNull(r.ended_at)},
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
                              {"completed_at", InstantOrNull(st.completed_at)},
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
  for (const auto& s : page->items) {
    OrderedJson row = RunSummary(s.run);
    std::optional<DialectView> view;
    if (d.dialect_view) view = d.dialect_view(engine->store().ns(), *engine, s, /*detail=*/false);
    row["dialect"] = view ? OrderedJson(view->dialect) : OrderedJson();
    row["view"] = view ? std::move(view->body) : OrderedJson();
    runs.push_back(std::move(row));
  }
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
  if (s.run.status == RunStatus::kInterrupted) {
    auto choices = engine->PendingChoices(s);
    if (!choices.ok()) return RespondStatus(res, choices.status());
    for (auto& i : interrupts) {
      if (!i["pending"].get<bool>()) continue;
      i["choices"] = OrderedJson{{"branch_on", choices->branch_on},
                                 {"branches", choices->branches},
                                 {"has_default", choices->has_default}};
    }
  }
  body["interrupts"] = std::move(interrupts);
  body["steps"] = StepTree(s, std::nullopt);
  OrderedJson events = OrderedJson::array();
  for (const auto& e : log.value()) {
    events.push_back(
        OrderedJson{{"seq", e.seq}, {"type", e.type}, {"at", FormatInstant(e.at)}, {"payload", e.payload}});
  }
  body["events"] = std::move(events);
  std::optional<DialectView> view;
  if (d.dialect_view) view = d.dialect_view(engine->store().ns(), *engine, s, /*detail=*/true);
  body["dialect"] = view ? OrderedJson(view->dialect) : OrderedJson();
  body["view"] = view ? std::move(view->body) : OrderedJson();
  RespondJson(res, 200, body);
}

void ListAgentsOfNamespace(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  engine::Engine* engine = NamespaceOrRespond(d, req, res);
  if (!engine) return;
  auto fixtures = engine->fixtures();
  OrderedJson agents = OrderedJson::array();
  for (const auto& a : fixtures->agents) {
    OrderedJson scenarios = OrderedJson::array();
    for (const auto& sc : a.scenarios) {
      scenarios.push_back(OrderedJson{{"name", sc.name},
                                      {"description", sc.description.empty() ? OrderedJson() : OrderedJson(sc.description)}});
    }
    agents.push_back(OrderedJson{{"type", a.type},
                                 {"name", a.name},
                                 {"modus_id", a.modus ? OrderedJson(a.modus->id) : OrderedJson()},
                                 {"scenarios", std::move(scenarios)}});
  }
  RespondJson(res, 200, OrderedJson{{"agents", std::move(agents)}});
}

void StartRunInNamespace(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto parsed = http::ParseJsonObjectBody(req.body, d.limits);
  if (!parsed.ok()) return RespondStatus(res, parsed.status());
  const OrderedJson& body = parsed.value();
  if (!body.contains("agent") || !body["agent"].is_string()) {
    return RespondError(res, 422, "Parameter `agent` must be an agent type (GET /_sandbox/agents)", "agent");
  }
  if (body.contains("scenario") && !body["scenario"].is_string() && !body["scenario"].is_null()) {
    return RespondError(res, 422, "Parameter `scenario` must be a scenario name", "scenario");
  }
  if (body.contains("request") && !body["request"].is_object()) {
    return RespondError(res, 422, "Parameter `request` must be an object", "request");
  }
  engine::Engine* engine = NamespaceOrRespond(d, req, res);
  if (!engine) return;
  engine::CreateRunCommand cmd;
  cmd.agent_type = body["agent"].get<std::string>();
  if (body.contains("scenario") && body["scenario"].is_string()) cmd.scenario = body["scenario"].get<std::string>();
  cmd.request = body.contains("request") ? Json(body["request"]) : Json::object();
  auto run = engine->CreateRun(std::move(cmd));
  if (!run.ok()) {
    Status st = run.status();
    // The engine names the vendor's field (type, X-Sandbox-Scenario); here they are agent and scenario.
    if (st.code() == Code::kNotFound) {
      return RespondError(res, 404, st.message(), st.parameter() == "type" ? "agent" : "scenario");
    }
    return RespondStatus(res, st);
  }
  http::NoteRun(run->run.id);
  RespondJson(res, 201, RunSummary(run->run));
}

void ResumeRunInNamespace(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto parsed = http::ParseJsonObjectBody(req.body, d.limits);
  if (!parsed.ok()) return RespondStatus(res, parsed.status());
  const OrderedJson& body = parsed.value();
  if (!body.contains("input")) return RespondError(res, 422, "Parameter `input` is required", "input");
  if (body.contains("interrupt_id") && !body["interrupt_id"].is_string()) {
    return RespondError(res, 422, "Parameter `interrupt_id` must be a string", "interrupt_id");
  }
  engine::Engine* engine = NamespaceOrRespond(d, req, res);
  if (!engine) return;
  const std::string run_id = req.matches[1];
  http::NoteRun(run_id);
  std::string interrupt_id;
  if (body.contains("interrupt_id")) {
    interrupt_id = body["interrupt_id"].get<std::string>();
  } else {
    auto run = engine->store().GetRun(run_id, /*with_steps=*/false);
    if (!run.ok()) return RespondStatus(res, run.status());
    if (!run.value()) return RespondError(res, 404, "run not found", "id");
    const Interrupt* pending = run.value()->PendingInterrupt();
    if (!pending) {
      return RespondError(res, 409,
                          std::string("run waits for no answer (status: ") + RunStatusName(run.value()->run.status) + ")",
                          "id");
    }
    interrupt_id = pending->id;
  }
  auto resumed = engine->Resume(engine::ResumeCommand{run_id, interrupt_id, Json(body["input"])});
  if (!resumed.ok()) {
    if (resumed.status().code() == Code::kNotFound) return RespondError(res, 404, "run not found", "id");
    return RespondStatus(res, resumed.status());
  }
  RespondJson(res, 200, RunSummary(resumed->run));
}

}  // namespace sandbox::control
