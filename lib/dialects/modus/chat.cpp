// Buffered chat (spec section 6): POST /api/v1/agents/{id}/chat starts a
// conversation, POST /api/v1/agents/{id}/conversations/{threadId}/chat
// continues one; both answer {content, threadId, runId} once the run has
// finished (or stopped for a human). A conversation is a sandbox thread, its
// threadId "api-auto-<agentId>-<thread uuid>"; each message is a run of the
// agent with request {"message","model"}. Task agents keep the thread across
// turns; a workflow agent starts a fresh thread (and workflow) every time, as
// the contract says.

#include "dialects/modus/errors.h"
#include "dialects/modus/handlers.h"
#include "dialects/modus/request.h"
#include "dialects/wait_for_log.h"

namespace sandbox::modus {
namespace {

const char* kModels[] = {"claude-sonnet-4.6",
                         "claude-opus-4.8",
                         "gpt-5.2",
                         "gpt-5.5",
                         "gpt-5-mini",
                         "gpt-oss-120b",
                         "gpt-oss-20b",
                         "qwen3-235b-a22b-2507",
                         "qwen3-coder",
                         "qwen3-32b",
                         "deepseek-chat-v3.1",
                         "minimax-m2.7",
                         "llama-4-maverick",
                         "llama-4-scout",
                         "llama-3.3-70b-instruct",
                         "gemini-3.1-pro-preview",
                         "gemini-3-flash-preview",
                         "grok-4.3-fast",
                         "grok-4.3"};

// How long a buffered call waits (wall time) for a run that is not settled
// when it is created: realtime runs, or a manual clock someone must advance.
constexpr int64_t kChatWaitMs = 30000;

std::string ThreadIdOf(const script::Agent& agent, const std::string& thread) {
  return "api-auto-" + std::to_string(agent.modus->id) + "-" + thread;
}

bool Settled(RunStatus s) { return IsTerminal(s) || s == RunStatus::kInterrupted; }

// The assistant's words: the run's streamed messages, else its summary.
std::string Content(const RunState& s) {
  std::string text;
  for (const auto& st : s.steps) {
    if (st.text.empty()) continue;
    if (!text.empty()) text += "\n\n";
    text += st.text;
  }
  if (!text.empty()) return text;
  if (s.run.result.is_object() && s.run.result.contains("summary") && s.run.result["summary"].is_string()) {
    return s.run.result["summary"];
  }
  if (const Interrupt* i = s.PendingInterrupt()) {
    for (const char* key : {"label", "title"}) {
      if (i->value.is_object() && i->value.contains(key) && i->value[key].is_string()) return i->value[key];
    }
  }
  return "";
}

// Reads and checks {message, model}; nullopt after a 400.
std::optional<Json> ChatRequestOrRespond(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto body = JsonObjectBodyOrRespond(req, res, d.limits);
  if (!body) return std::nullopt;
  const Json& message = body->contains("message") ? (*body)["message"] : Json();
  if (!message.is_string() || message.get<std::string>().empty()) {
    RespondError(res, Status::InvalidArgument("Parameter `message` must be a non-empty string", "message"));
    return std::nullopt;
  }
  const Json& model = body->contains("model") ? (*body)["model"] : Json();
  bool known = false;
  for (const char* m : kModels) known = known || model == m;
  if (!known) {
    RespondError(res, Status::InvalidArgument("Parameter `model` must be one of the supported models, e.g. "
                                              "claude-sonnet-4.6 or gpt-5.2",
                                              "model"));
    return std::nullopt;
  }
  return Json{{"message", message}, {"model", model}};
}

void Chat(const Deps& d, const httplib::Request& req, httplib::Response& res, bool continues) {
  auto call = AgentCallOrRespond(d.spaces, req, res, AgentUse::kRun);
  if (!call) return;
  engine::Engine* engine = call->engine;
  const script::Agent* agent = call->agent;
  std::optional<std::string> thread;
  if (continues) {
    const std::string given = req.matches[2];
    const std::string prefix = ThreadIdOf(*agent, "");
    auto found = given.rfind(prefix, 0) == 0 ? engine->store().GetThread(given.substr(prefix.size()))
                                             : Result<std::optional<Thread>>(std::optional<Thread>());
    if (!found.ok()) return RespondError(res, found.status());
    if (!found.value() || found.value()->agent != agent->type) {
      return RespondError(res, Status::NotFound("conversation not found", "threadId"));
    }
    if (agent->modus->agent_type == "task") thread = found.value()->id;
  }
  auto request = ChatRequestOrRespond(d, req, res);
  if (!request) return;
  engine::CreateRunCommand cmd{.request = *request,
                               .agent_type = agent->type,
                               .thread_id = thread,
                               .requester = call->caller.principal,
                               .trigger_type = "api"};
  auto created = engine->CreateRun(std::move(cmd));
  if (!created.ok()) return RespondError(res, created.status());
  const std::string run_id = created->run.id;
  // Buffered: answer once the run has settled (at once on the virtual clock).
  std::optional<RunState> run;
  Status read;
  auto watch = engine->bus().Watch(run_id);
  dialects::WaitForLog(engine->bus(), *watch, kChatWaitMs, [&] {
    auto stored = engine->store().GetRun(run_id, /*with_steps=*/true);
    if (!stored.ok()) {
      read = stored.status();
      return true;
    }
    if (!stored.value()) {
      read = Status::NotFound("run not found", "runId");
      return true;
    }
    run = std::move(*stored.value());
    return Settled(run->run.status);
  });
  if (!read.ok()) return RespondError(res, read);
  if (!Settled(run->run.status)) {
    return RespondJson(res, 504,
                       OrderedJson{{"error",
                                    {{"code", "deadline_exceeded"},
                                     {"message",
                                      "the run did not finish within 30 s; follow it with "
                                      "GET /agent/runs/" +
                                          run_id + "/stream"},
                                     {"runId", run_id}}}});
  }
  if (run->run.status == RunStatus::kError || run->run.status == RunStatus::kCancelled) {
    std::string why = run->run.error_message.value_or("the run was cancelled");
    if (run->run.result.is_object() && run->run.result.contains("task_error") &&
        run->run.result["task_error"].is_string()) {
      why = run->run.result["task_error"];
    }
    return RespondJson(res, 502, OrderedJson{{"error", {{"code", "run_failed"}, {"message", why}, {"runId", run_id}}}});
  }
  RespondJson(
      res, 200,
      OrderedJson{{"content", Content(*run)}, {"threadId", ThreadIdOf(*agent, run->run.thread_id)}, {"runId", run_id}});
}

}  // namespace

void StartChat(const Deps& d, const httplib::Request& req, httplib::Response& res) { Chat(d, req, res, false); }

void ContinueChat(const Deps& d, const httplib::Request& req, httplib::Response& res) { Chat(d, req, res, true); }

}  // namespace sandbox::modus
