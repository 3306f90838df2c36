// The Modus runtime (spec section 5; docs/modus.md "Runtime"):
//   POST /agent/runs                  start a run (or attach to one by Idempotency-Key,
//                                     after Last-Event-ID)
//   GET  /agent/runs/{runId}/stream   its RunEvent stream over SSE
//   GET  /agent/runs/{runId}/events   the same frames by long-poll
// Frames come from the run's log (runtime_frames.h): a stream replays the log
// after Last-Event-ID, then follows new commits through the engine's bus
// until the terminal frame, sending heartbeat frames while nothing happens.
// A reconnect to a run that has ended, with nothing after its Last-Event-ID,
// is 204 No Content.
#include <cstdio>
#include <memory>

#include "dialects/follow_run.h"
#include "dialects/run_faults.h"
#include "dialects/modus/errors.h"
#include "dialects/modus/render.h"
#include "dialects/modus/request.h"
#include "dialects/modus/routes.h"
#include "dialects/modus/runtime_frames.h"
#include "dialects/wait_for_log.h"
#include "core/decimal.h"
#include "http/request_notes.h"

namespace sandbox::modus {
namespace {

constexpr int64_t kMaxWaitMs = 25000;

// FNV-1a 64 of the body's canonical JSON (keys sorted), 16 hex digits.
std::string BodyHash(const Json& body) { return HashHex(nlohmann::json::parse(body.dump()).dump()); }
void RespondForbidden(httplib::Response& res, const std::string& message, const std::string& field) {
  RespondJson(res, 403,
              OrderedJson{{"error", {{"code", "permission_denied"}, {"message", message}, {"field", field}}}});
}

bool WantsJson(const httplib::Request& req) {
  return req.get_header_value("Accept").find("application/json") != std::string::npos;
}

// Last-Event-ID (header, or ?lastEventId=): the seq to resume after; nullopt
// after a 400 was written.
std::optional<int64_t> LastSeqOrRespond(const httplib::Request& req, std::string& raw, httplib::Response& res) {
  raw.clear();
  if (req.has_header("Last-Event-ID"))
    raw = req.get_header_value("Last-Event-ID");
  else if (req.has_param("lastEventId"))
    raw = req.get_param_value("lastEventId");
  auto seq = ParseRuntimeCursor(raw);
  if (!seq) {
    RespondError(
        res, Status::InvalidArgument("Last-Event-ID must be 0 or the id of a frame of this stream", "Last-Event-ID"));
  }
  return seq;
}

struct Follow {
  engine::Engine* engine = nullptr;
  std::string run_id;
  int64_t after_seq = 0;
  RuntimeFrames frames;
};

// Reads the log past what `f` has folded; appends the frames past after_seq.
bool ReadNew(Follow& f, std::vector<RuntimeFrame>& out) {
  auto events = f.engine->store().Events(f.run_id, f.frames.applied_seq());
  if (!events.ok()) return false;
  for (const Event& e : events.value()) {
    auto frame = f.frames.Next(e);
    if (frame && frame->seq > f.after_seq) out.push_back(std::move(*frame));
  }
  return true;
}

// True when the run has ended and every frame after `after_seq` has been
// sent already: a reconnect then gets 204, which tells an EventSource to
// stop reconnecting (the SSE specification), not an empty 200 it would
// retry every few seconds forever. A read failure says false: the stream
// then reports it.
bool NothingLeftAfter(engine::Engine* engine, const std::string& run_id, int64_t after_seq) {
  if (after_seq <= 0) return false;  // a whole replay always has frames
  Follow f;
  f.engine = engine;
  f.run_id = run_id;
  f.after_seq = after_seq;
  std::vector<RuntimeFrame> frames;
  return ReadNew(f, frames) && frames.empty() && f.frames.finished();
}

void StreamFrom(httplib::Response& res, dialects::SharedFramesRegistry& registry, engine::Engine* engine,
                const std::string& run_id, int64_t after_seq, int64_t heartbeat_ms) {
  if (NothingLeftAfter(engine, run_id, after_seq)) {
    res.status = 204;
    return;
  }
  res.status = 200;
  // One rendering of this run's frames for every client that follows it.
  dialects::StreamSharedFrames(
      res, engine, registry, "modus\n" + engine->store().ns() + "\n" + run_id + "\n" + std::to_string(engine->generation()),
      after_seq, heartbeat_ms,
      [&] {
        auto folded = std::make_shared<RuntimeFrames>();
        return std::make_shared<dialects::SharedFrames>(
            run_id, engine->bus().Watch(run_id),
            [folded](const Event& e, std::vector<dialects::WireFrame>& out) {
              if (auto frame = folded->Next(e)) out.push_back({frame->seq, frame->Wire()});
              return true;
            },
            [folded] { return folded->applied_seq(); }, [folded] { return folded->finished(); });
      },
      [engine] { return HeartbeatFrame(engine->Now()).Wire(); });
}

void StreamSingleFrame(httplib::Response& res, const RuntimeFrame& frame) {
  res.status = 200;
  res.set_header("Cache-Control", "no-cache");
  res.set_content(frame.Wire(), "text/event-stream");
}

// A required non-empty string field; nullopt after a 400.
std::optional<std::string> RequiredString(const Json& body, const char* field, httplib::Response& res) {
  if (!body.contains(field) || !body[field].is_string() || body[field].get<std::string>().empty()) {
    RespondError(res,
                 Status::InvalidArgument(std::string("Parameter `") + field + "` must be a non-empty string", field));
    return std::nullopt;
  }
  return body[field].get<std::string>();
}

// The agent a run is for: body.agentId (sandbox extension), else the
// deployed task agent with the lowest Modus id the caller may use. nullptr
// after an error was written.
const script::Agent* RuntimeAgentOrRespond(const script::FixtureSet& fixtures, const Json& body,
                                           const Principal& caller, httplib::Response& res) {
  if (body.contains("agentId") && !body["agentId"].is_null()) {
    const Json& id = body["agentId"];
    if (!id.is_number_integer()) {
      RespondError(res, Status::InvalidArgument("Parameter `agentId` must be an integer", "agentId"));
      return nullptr;
    }
    for (const auto& a : fixtures.agents) {
      if (!a.modus || a.modus->id != id.get<int64_t>()) continue;
      if (auto refused = AgentRefusal(a, caller, AgentUse::kRun, "agentId")) {
        RespondError(res, *refused);
        return nullptr;
      }
      return &a;
    }
    RespondError(res, Status::NotFound("agent not found", "agentId"));
    return nullptr;
  }
  const script::Agent* best = nullptr;
  for (const auto& a : fixtures.agents) {
    if (!a.modus || a.modus->agent_type != "task" || AgentRefusal(a, caller, AgentUse::kRun)) continue;
    if (!best || a.modus->id < best->modus->id) best = &a;
  }
  if (!best) RespondError(res, Status::NotFound("the organization has no task agent", "agentId"));
  return best;
}

// Starts the run `cmd` describes (or finds the one `key` made) and streams it
// from the start, or answers {runId, status} to Accept: application/json.
void StartAndStream(const Deps& d, const httplib::Request& req, httplib::Response& res, engine::Engine& engine_ref,
                    engine::CreateRunCommand cmd, const std::string& key) {
  engine::Engine* engine = &engine_ref;
  const bool json = WantsJson(req);
  // Reattaching by Idempotency-Key resumes after Last-Event-ID, as GET
  // .../stream does (spec 5.3, 5.4); without a key there is nothing to resume.
  int64_t after = 0;
  if (!key.empty() && !json) {
    std::string raw;
    auto seq = LastSeqOrRespond(req, raw, res);
    if (!seq) return;
    after = *seq;
  }
  // The engine looks the key up and records it in the run's own commit.
  if (!key.empty()) cmd.idempotency = store::IdempotencyClaim{key, BodyHash(cmd.request)};
  auto run = engine->CreateRun(std::move(cmd));
  if (!run.ok()) {
    if (run.status().code() == Code::kConflict && run.status().parameter() == "Idempotency-Key") {
      const std::string message = "409 conflict: Idempotency-Key reused with a different body";
      if (json) return RespondError(res, Status::Conflict(message, "Idempotency-Key"));
      return StreamSingleFrame(res, ErrorFrame(message));
    }
    return RespondError(res, run.status());
  }
  const std::string run_id = run->run.id;
  http::NoteRun(run_id);
  if (json) {
    auto run = engine->store().GetRun(run_id, /*with_steps=*/false);
    if (!run.ok()) return RespondError(res, run.status());
    if (!run.value()) return RespondError(res, Status::NotFound("run not found", "runId"));
    return RespondJson(res, 201, OrderedJson{{"runId", run_id}, {"status", ModusStatus(run.value()->run.status)}});
  }
  StreamFrom(res, *d.frames, engine, run_id, after, d.heartbeat_ms);
}

// An optional member of `body` that must be a `type` when present and not
// null; false after a 400.
bool OptionalOfType(const Json& body, const char* field, Json::value_t type, const char* what,
                    httplib::Response& res) {
  if (!body.contains(field) || body[field].is_null()) return true;
  const Json& v = body[field];
  const bool ok = type == Json::value_t::number_integer ? v.is_number_integer() : v.type() == type;
  if (!ok) RespondError(res, Status::InvalidArgument(std::string("Parameter `") + field + "` must be " + what, field));
  return ok;
}


}  // namespace

void PostAgentRun(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto caller = AuthenticateOrRespond(req, res);
  if (!caller) return;
  auto body = JsonObjectBodyOrRespond(req, res, d.limits);
  if (!body) return;
  if (!RequiredString(*body, "message", res)) return;
  if (!RequiredString(*body, "sessionId", res)) return;
  auto org = RequiredString(*body, "organizationId", res);
  if (!org) return;
  if (Lower(*org) != caller->org_uuid) {
    return RespondForbidden(res, "organizationId is not the organization of the token", "organizationId");
  }
  if (body->contains("action") && (!(*body)["action"].is_string() || (*body)["action"] != "chat")) {
    return RespondError(res, Status::InvalidArgument("Parameter `action` must be \"chat\"", "action"));
  }
  if (!OptionalOfType(*body, "fileThreadId", Json::value_t::string, "a string", res)) return;
  engine::Engine* engine = OrgEngineOrRespond(d.spaces, *caller, req, res);
  if (!engine) return;
  auto fixtures = engine->fixtures();
  const script::Agent* agent = RuntimeAgentOrRespond(*fixtures, *body, caller->principal, res);
  if (!agent) return;

  engine::CreateRunCommand cmd{.request = *body, .agent_type = agent->type, .requester = caller->principal};
  StartAndStream(d, req, res, *engine, std::move(cmd), req.get_header_value("Idempotency-Key"));
}

void PostWorkflowAction(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto caller = AuthenticateOrRespond(req, res);
  if (!caller) return;
  auto body = JsonObjectBodyOrRespond(req, res, d.limits);
  if (!body) return;
  auto org = RequiredString(*body, "organizationId", res);
  if (!org) return;
  if (!RequiredString(*body, "sessionId", res)) return;
  if (!body->contains("workflowAction") || !(*body)["workflowAction"].is_object()) {
    return RespondError(res,
                        Status::InvalidArgument("Parameter `workflowAction` must be an object", "workflowAction"));
  }
  const Json& action = (*body)["workflowAction"];
  for (const char* field : {"toolId", "toolName", "aiDescription", "runtimeScope"}) {
    if (action.contains(field) && !action[field].is_null() && !action[field].is_string()) {
      return RespondError(res, Status::InvalidArgument(std::string("Parameter `workflowAction.") + field +
                                                           "` must be a string",
                                                       "workflowAction"));
    }
  }
  if (!action.contains("toolId") && !action.contains("toolName")) {
    return RespondError(res, Status::InvalidArgument("Parameter `workflowAction` needs a `toolId` or a `toolName`",
                                                     "workflowAction"));
  }
  using T = Json::value_t;
  if (!OptionalOfType(*body, "fileThreadId", T::string, "a string", res) ||
      !OptionalOfType(*body, "userTimezone", T::string, "a string", res) ||
      !OptionalOfType(*body, "runId", T::string, "a string", res) ||
      !OptionalOfType(*body, "previousOutputs", T::array, "an array", res) ||
      !OptionalOfType(*body, "agentId", T::number_integer, "an integer", res)) {
    return;
  }
  if (body->contains("source") && !(*body)["source"].is_null()) {
    const Json& source = (*body)["source"];
    // The staging docs say automation, the production docs agent: both taken.
    if (!source.is_string() || (source != "automation" && source != "agent" && source != "api" && source != "other")) {
      return RespondError(res, Status::InvalidArgument(
                                   "Parameter `source` must be one of automation, agent, api, other", "source"));
    }
  }
  if (Lower(*org) != caller->org_uuid) {
    return RespondForbidden(res, "organizationId is not the organization of the token", "organizationId");
  }
  engine::Engine* engine = OrgEngineOrRespond(d.spaces, *caller, req, res);
  if (!engine) return;
  // The scenario that scripts this action: among the agent's when agentId
  // names one, else among every Modus agent's, in Modus id order.
  auto fixtures = engine->fixtures();
  std::vector<const script::Agent*> agents;
  for (const auto& a : fixtures->agents) {
    if (!a.modus || AgentRefusal(a, caller->principal, AgentUse::kRun)) continue;
    if (body->contains("agentId") && !(*body)["agentId"].is_null() &&
        a.modus->id != (*body)["agentId"].get<int64_t>()) {
      continue;
    }
    agents.push_back(&a);
  }
  if (agents.empty() && body->contains("agentId") && !(*body)["agentId"].is_null()) {
    return RespondError(res, Status::NotFound("agent not found", "agentId"));
  }
  std::sort(agents.begin(), agents.end(), [](auto* a, auto* b) { return a->modus->id < b->modus->id; });
  for (const script::Agent* agent : agents) {
    const script::Scenario* scenario = agent->SelectWorkflowAction(*body);
    if (!scenario) continue;
    engine::CreateRunCommand cmd{.request = *body,
                                 .agent_type = agent->type,
                                 .scenario = scenario->name,
                                 .requester = caller->principal};
    // runId names the attempt when no Idempotency-Key does ("Idempotency-Key wins").
    std::string key = req.get_header_value("Idempotency-Key");
    if (key.empty() && body->contains("runId") && (*body)["runId"].is_string()) {
      key = "runId:" + (*body)["runId"].get<std::string>();
    }
    return StartAndStream(d, req, res, *engine, std::move(cmd), key);
  }
  std::string named;
  for (const char* field : {"toolId", "toolName"}) {
    if (action.contains(field) && action[field].is_string()) {
      named += std::string(named.empty() ? "" : ", ") + field + " " + Json(action[field]).dump();
    }
  }
  RespondError(res, Status::NotFound("no scenario scripts the workflow action with " + named +
                                         " (a scenario's `workflow_action` in the fixtures, docs/modus.md)",
                                     "workflowAction"));
}

void StreamAgentRun(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto caller = AuthenticateOrRespond(req, res);
  if (!caller) return;
  std::string raw;
  auto after = LastSeqOrRespond(req, raw, res);
  if (!after) return;
  engine::Engine* engine = OrgEngineOrRespond(d.spaces, *caller, req, res);
  if (!engine) return;
  auto run = engine->store().GetRun(req.matches[1], /*with_steps=*/false);
  if (!run.ok()) return RespondError(res, run.status());
  if (!run.value()) return RespondError(res, Status::NotFound("run not found", "runId"));
  if (!dialects::RunFaultOrContinue(*engine, run.value()->run.id, req, res)) return;
  StreamFrom(res, *d.frames, engine, run.value()->run.id, *after, d.heartbeat_ms);
}

void AgentRunEvents(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto caller = AuthenticateOrRespond(req, res);
  if (!caller) return;
  std::string raw;
  auto after = LastSeqOrRespond(req, raw, res);
  if (!after) return;
  int64_t wait_ms = 0;
  if (req.has_param("waitMs")) {
    std::string v = req.get_param_value("waitMs");
    // Larger waits are clamped, as the vendor does; absurd ones refused.
    auto asked = ParseDecimalInt(v, 999'999'999);
    if (!asked) {
      return RespondError(res,
                          Status::InvalidArgument("Parameter `waitMs` must be a number from 0 to 25000", "waitMs"));
    }
    wait_ms = std::min<int64_t>(*asked, kMaxWaitMs);
  }
  engine::Engine* engine = OrgEngineOrRespond(d.spaces, *caller, req, res);
  if (!engine) return;
  auto run = engine->store().GetRun(req.matches[1], /*with_steps=*/false);
  if (!run.ok()) return RespondError(res, run.status());
  if (!run.value()) return RespondError(res, Status::NotFound("run not found", "runId"));
  if (!dialects::RunFaultOrContinue(*engine, run.value()->run.id, req, res)) return;

  Follow f;
  f.engine = engine;
  f.run_id = run.value()->run.id;
  f.after_seq = *after;
  std::vector<RuntimeFrame> frames;
  bool read_failed = false;
  auto watch = engine->bus().Watch(f.run_id);
  dialects::WaitForLog(engine->bus(), *watch, wait_ms, [&] {
    read_failed = !ReadNew(f, frames);
    return read_failed || !frames.empty() || f.frames.finished();
  });
  if (read_failed) return RespondError(res, Status::Internal("cannot read the run's events"));
  OrderedJson events = OrderedJson::array();
  for (const RuntimeFrame& frame : frames) events.push_back({{"id", frame.id}, {"data", frame.data}});
  OrderedJson last = nullptr;
  if (!frames.empty())
    last = frames.back().id;
  else if (*after > 0)
    last = raw;
  RespondJson(res, 200,
              OrderedJson{{"events", std::move(events)}, {"lastEventId", last}, {"done", f.frames.finished()}});
}

}  // namespace sandbox::modus
