// Sandbox control extension: POST /_sandbox/modus/agents/{id}/runs starts a
// run of a Modus agent in the caller's org, as a trigger would.
#include "dialects/modus/errors.h"
#include "dialects/modus/handlers.h"
#include "dialects/modus/lookup.h"
#include "dialects/modus/request.h"
#include "http/request_notes.h"

namespace sandbox::modus {

void TriggerRun(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto call = AgentCallOrRespond(d.spaces, req, res, AgentUse::kRun);
  if (!call) return;
  const Caller* caller = &call->caller;
  engine::Engine* engine = call->engine;
  const script::Agent* agent = call->agent;
  auto body = JsonObjectBodyOrRespond(req, res, d.limits);
  if (!body) return;
  std::string trigger = "manual";
  if (body->contains("triggerType") && !(*body)["triggerType"].is_null()) {
    const Json& t = (*body)["triggerType"];
    if (!t.is_string() || (t != "manual" && t != "schedule" && t != "webhook" && t != "api" && t != "slack")) {
      return RespondError(
          res, Status::InvalidArgument("Parameter `triggerType` must be one of manual, schedule, webhook, api, slack",
                                       "triggerType"));
    }
    trigger = t.get<std::string>();
  }
  Json input = Json::object();
  if (body->contains("input") && !(*body)["input"].is_null()) {
    if (!(*body)["input"].is_object()) {
      return RespondError(res, Status::InvalidArgument("Parameter `input` must be an object", "input"));
    }
    input = (*body)["input"];
  }
  std::optional<std::string> scenario;
  if (body->contains("scenario") && !(*body)["scenario"].is_null()) {
    const Json& s = (*body)["scenario"];
    if (!s.is_string() || !agent->FindScenario(s.get<std::string>())) {
      return RespondError(
          res, Status::InvalidArgument("Parameter `scenario` must name one of the agent's scenarios", "scenario"));
    }
    scenario = s.get<std::string>();
  }
  engine::CreateRunCommand cmd{.request = input,
                               .agent_type = agent->type,
                               .scenario = scenario,
                               .requester = caller->principal,
                               .trigger_type = trigger};
  auto run = engine->CreateRun(std::move(cmd));
  if (!run.ok()) return RespondError(res, run.status());
  http::NoteRun(run->run.id);
  RespondWithRun(*engine, *agent, run->run.id, run->run.agent_seq, 201, res);
}

}  // namespace sandbox::modus
