// /api/v1/agents/{id}/runs: the run history of one agent in the caller's org.
#include "dialects/cached_read.h"
#include "dialects/modus/errors.h"
#include "dialects/modus/handlers.h"
#include "dialects/modus/lookup.h"
#include "http/request_notes.h"
#include "dialects/modus/render.h"
#include "dialects/modus/request.h"

namespace sandbox::modus {
namespace {

constexpr int64_t kHourMs = 3600 * 1000;

// ?timeframe as a window in ms (nullopt: no limit); false after a 400.
bool TimeframeOrRespond(const httplib::Request& req, std::optional<int64_t>& window, httplib::Response& res) {
  window.reset();
  if (!req.has_param("timeframe")) return true;
  std::string v = req.get_param_value("timeframe");
  if (v == "last_hour")
    window = kHourMs;
  else if (v == "last_day")
    window = 24 * kHourMs;
  else if (v == "last_week")
    window = 7 * 24 * kHourMs;
  else if (v == "last_month")
    window = 30 * 24 * kHourMs;
  else if (v != "all") {
    RespondError(
        res, Status::InvalidArgument(
                 "Parameter `timeframe` must be one of last_hour, last_day, last_week, last_month, all", "timeframe"));
    return false;
  }
  return true;
}

}  // namespace

void ListRuns(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto call = AgentCallOrRespond(d.spaces, req, res);
  if (!call) return;
  const Caller* caller = &call->caller;
  engine::Engine* engine = call->engine;
  const script::Agent* agent = call->agent;

  std::string status = req.has_param("status") ? req.get_param_value("status") : "all_executions";
  if (status != "all_executions" && status != "running" && status != "awaiting_human" && status != "completed" &&
      status != "error" && status != "cancelled") {
    return RespondError(
        res, Status::InvalidArgument("Parameter `status` must be one of running, awaiting_human, completed, error, "
                                     "cancelled, all_executions",
                                     "status"));
  }
  std::optional<int64_t> window;
  if (!TimeframeOrRespond(req, window, res)) return;
  std::string scope = req.has_param("approvalScope") ? req.get_param_value("approvalScope") : "all";
  if (scope != "mine" && scope != "all") {
    return RespondError(res, Status::InvalidArgument("Parameter `approvalScope` must be mine or all", "approvalScope"));
  }
  std::string search = Lower(req.get_param_value("search"));
  std::string filters = "runs|agent=" + std::to_string(agent->modus->id) + "|status=" + status +
                        "|timeframe=" + req.get_param_value("timeframe") + "|approvalScope=" + scope +
                        "|search=" + search;
  auto page = PageOrRespond(req, filters, d.limits, res);
  if (!page) return;

  store::AgentRunQuery query;
  query.agent_type = agent->type;
  query.fallback_name = agent->name;
  if (window) query.started_since = engine->Now() - *window;
  query.name_contains = search;
  if (status == "awaiting_human")
    query.status = RunStatus::kInterrupted;
  else if (status != "all_executions")
    query.status = ParseRunStatus(status);
  if (status == "awaiting_human" && scope == "mine") query.requester = caller->principal;
  query.limit = page->size;
  query.offset = page->offset;
  std::string key = filters + "|size=" + std::to_string(page->size) + "|offset=" + std::to_string(page->offset);
  if (query.started_since) key += "|since=" + std::to_string(*query.started_since);
  if (query.requester) key += "|requester=" + query.requester->kind + ":" + query.requester->id;
  dialects::RespondFromReadCache(d.spaces, *engine, key, res, [&]() -> std::optional<OrderedJson> {
    // Every execution is a row of its own (a retried workflow has several), as
    // Temporal's visibility lists executions.
    auto found = engine->store().ListAgentRuns(query);
    if (!found.ok()) return RespondError(res, found.status()), std::nullopt;
    auto count = [&](RunStatus s) {
      auto it = found->counts.find(s);
      return it == found->counts.end() ? int64_t{0} : it->second;
    };
    int64_t all = 0;
    for (const auto& [s, n] : found->counts) all += n;
    OrderedJson rows = OrderedJson::array();
    for (const auto& s : found->runs) rows.push_back(RenderRun(*agent, s, s.run.agent_seq, /*detail=*/false));
    const int64_t end = page->offset + static_cast<int64_t>(found->runs.size());
    const int64_t total = found->total;
    const int64_t running = count(RunStatus::kRunning), awaiting = count(RunStatus::kInterrupted),
                  errors = count(RunStatus::kError), completed = count(RunStatus::kCompleted);
    OrderedJson body{{"runs", std::move(rows)},
                     {"counts",
                      {{"all_executions", all},
                       {"running", running},
                       {"awaiting_human", awaiting},
                       {"error", errors},
                       {"completed", completed}}},
                     {"nextPageToken", nullptr}};
    if (end < total) body["nextPageToken"] = PageToken(end, filters);
    return body;
  });
}

void GetRun(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto call = AgentCallOrRespond(d.spaces, req, res);
  if (!call) return;
  engine::Engine* engine = call->engine;
  const script::Agent* agent = call->agent;
  std::optional<std::string> temporal;
  if (req.has_param("temporalRunId")) temporal = req.get_param_value("temporalRunId");
  const std::string workflow = req.matches[2];
  std::string key = "modus run " + agent->type + " " + workflow;
  if (temporal) key += " temporal " + *temporal;
  auto render = [&]() -> std::optional<OrderedJson> {
    auto run = RunOrRespond(*engine, *agent, workflow, temporal, req, res);
    if (!run) return std::nullopt;
    return RenderRun(*agent, run->state, run->n, /*detail=*/true);
  };
  // A scenario's request faults count every request about the run, and
  // only the lookup knows the run: no answer from the cache for an agent
  // with such scenarios.
  if (engine->AgentHasScenarioFaults(agent->type, FaultPhase::kRequest)) {
    if (auto body = render()) RespondJson(res, 200, *body);
    return;
  }
  dialects::RespondFromReadCache(d.spaces, *engine, key, res, render);
  // An answer from the cache did not look the run up, so the journal has
  // not been told which execution it was (RunOrRespond tells it): the
  // answer names it.
  if (res.status == 200) {
    static const std::string kField = "\"temporalRunId\":\"";
    size_t at = res.body.find(kField);
    size_t end = at == std::string::npos ? at : res.body.find('"', at + kField.size());
    if (end != std::string::npos) http::NoteRun(res.body.substr(at + kField.size(), end - at - kField.size()));
  }
}

}  // namespace sandbox::modus
