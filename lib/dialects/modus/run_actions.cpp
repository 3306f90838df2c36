// Sandbox extensions (no such endpoints in the vendor's contract):
// POST /api/v1/agents/{id}/runs/{runId}/approval and .../cancel.
#include "dialects/modus/errors.h"
#include "dialects/modus/handlers.h"
#include "dialects/modus/lookup.h"
#include "dialects/modus/request.h"

namespace sandbox::modus {

void ApproveRun(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto call = AgentCallOrRespond(d.spaces, req, res);
  if (!call) return;
  engine::Engine* engine = call->engine;
  const script::Agent* agent = call->agent;
  auto run = RunOrRespond(*engine, *agent, req.matches[2], std::nullopt, req, res);
  if (!run) return;
  auto body = JsonObjectBodyOrRespond(req, res, d.limits);
  if (!body) return;
  const Json& decision = body->contains("decision") ? (*body)["decision"] : Json();
  if (!decision.is_string() || (decision != "approve" && decision != "reject")) {
    return RespondError(res, Status::InvalidArgument("Parameter `decision` must be approve or reject", "decision"));
  }
  Json input{{"decision", decision}};
  if (body->contains("comment") && !(*body)["comment"].is_null()) {
    if (!(*body)["comment"].is_string()) {
      return RespondError(res, Status::InvalidArgument("Parameter `comment` must be a string", "comment"));
    }
    input["comment"] = (*body)["comment"];
  }
  const Interrupt* pending = run->state.PendingInterrupt();
  if (run->state.run.status != RunStatus::kInterrupted || !pending) {
    return RespondError(res, Status::Conflict("run is not awaiting_human", "runId"));
  }
  auto resumed = engine->Resume({.run_id = run->state.run.id, .interrupt_id = pending->id, .input = input});
  if (!resumed.ok()) {
    Status st = resumed.status();
    if (st.code() == Code::kConflict || st.code() == Code::kInvalidArgument || st.code() == Code::kBadRequest) {
      return RespondError(res, Status::Conflict(st.message(), "runId"));
    }
    return RespondError(res, st);
  }
  RespondWithRun(*engine, *agent, run->state.run.id, run->n, 200, res);
}

void CancelRun(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto call = AgentCallOrRespond(d.spaces, req, res);
  if (!call) return;
  engine::Engine* engine = call->engine;
  const script::Agent* agent = call->agent;
  auto run = RunOrRespond(*engine, *agent, req.matches[2], std::nullopt, req, res);
  if (!run) return;
  if (IsTerminal(run->state.run.status)) {
    return RespondError(res, Status::Conflict("run has already ended", "runId"));
  }
  auto cancelled = engine->Cancel(run->state.run.id, std::nullopt);
  if (!cancelled.ok()) return RespondError(res, cancelled.status());
  RespondWithRun(*engine, *agent, run->state.run.id, run->n, 200, res);
}

}  // namespace sandbox::modus
