// /v1/runs: create, retrieve and resume agent runs.
#include "dialects/cached_read.h"
#include "dialects/middesk/errors.h"
#include "dialects/middesk/handlers.h"
#include "dialects/middesk/render.h"
#include "dialects/middesk/request.h"
#include "http/pagination.h"
#include "http/request_notes.h"

namespace sandbox::middesk {
namespace {

// X-Sandbox-Scenario picks one of the agent's scenarios by name.
std::optional<std::string> ScenarioHeader(const httplib::Request& req) {
  if (!req.has_header("X-Sandbox-Scenario")) return std::nullopt;
  return req.get_header_value("X-Sandbox-Scenario");
}

}  // namespace

void CreateRun(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto call = CallOrRespond(req, res, d.keys, d.spaces);
  if (!call) return;
  const std::optional<Principal> caller = call->caller;
  engine::Engine* engine = call->engine;
  auto body = JsonObjectBodyOrRespond(req, res, d.limits);
  if (!body) return;
  std::optional<std::string> type, thread_id;
  if (!StringFieldOrRespond(*body, "type", Presence::kRequired, false, type, res)) return;
  if (!StringFieldOrRespond(*body, "thread_id", Presence::kOptional, /*uuid=*/true, thread_id, res)) return;
  // `input` (a prompt in an older version of the contract) may be any JSON:
  // the run keeps the body as its request, so scenario templates and match
  // rules can read into it ({{request.input.note}}). The body's limits
  // (size, depth, strings, UTF-8) were checked when it was parsed.
  auto context = ContextOrRespond(*body, /*required=*/!thread_id, ContextRuleOf(*engine, *type), res);
  if (!context) return;
  engine::CreateRunCommand cmd{.request = *body,
                               .agent_type = *type,
                               .context_type = context->type,
                               .context_id = context->id,
                               .thread_id = thread_id,
                               .scenario = ScenarioHeader(req),
                               .requester = caller};
  auto run = engine->CreateRun(std::move(cmd));
  if (!run.ok()) return RespondError(res, run.status());
  http::NoteRun(run->run.id);
  RespondRun(res, 201, run.value(), /*include_steps=*/false);
}

void ListRuns(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto call = CallOrRespond(req, res, d.keys, d.spaces);
  if (!call) return;
  engine::Engine* engine = call->engine;
  auto page = http::ParsePageRequest(req);
  if (!page.ok()) return RespondError(res, page.status());
  const std::string key =
      "middesk runs per_page=" + std::to_string(page->per_page) + " offset=" + std::to_string(page->offset());
  dialects::RespondFromReadCache(d.spaces, *engine, key, res, [&]() -> std::optional<OrderedJson> {
    auto runs = engine->store().ListRuns(page->per_page, page->offset());
    if (!runs.ok()) return RespondError(res, runs.status()), std::nullopt;
    // List items leave `steps` out, as GET /v1/runs/{id} does without ?include=steps.
    OrderedJson data = OrderedJson::array();
    for (const auto& r : runs->items) data.push_back(RenderRun(r, /*include_steps=*/false));
    bool has_more = page->offset() + static_cast<int64_t>(runs->items.size()) < runs->total;
    return RenderList(std::move(data), has_more, runs->total);
  });
}

void GetRun(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto call = CallOrRespond(req, res, d.keys, d.spaces);
  if (!call) return;
  engine::Engine* engine = call->engine;
  bool steps = false;
  if (!IncludesOrRespond(req, "steps", steps, res)) return;
  const std::string id = req.matches[1];
  dialects::RespondFromReadCache(
      d.spaces, *engine, (steps ? "middesk run+steps " : "middesk run ") + id, res,
      [&]() -> std::optional<OrderedJson> {
        auto run = engine->store().GetRun(id, steps);
        if (!run.ok()) return RespondError(res, run.status()), std::nullopt;
        if (!run.value()) return RespondError(res, Status::NotFound("agent run not found", "id")), std::nullopt;
        return RenderRun(*run.value(), steps);
      },
      // A run's answer depends on its own log only: commits to other runs leave it good.
      [&]() -> std::optional<int64_t> {
        auto seq = engine->store().RunLastSeq(id);
        return seq.ok() ? seq.value() : std::nullopt;
      });
}

void ResumeRun(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto call = CallOrRespond(req, res, d.keys, d.spaces);
  if (!call) return;
  engine::Engine* engine = call->engine;
  bool steps = false;
  if (!IncludesOrRespond(req, "steps", steps, res)) return;
  auto body = JsonObjectBodyOrRespond(req, res, d.limits);
  if (!body) return;
  // `id` is accepted as an alias of `interrupt_id`.
  const char* key = !body->contains("interrupt_id") && body->contains("id") ? "id" : "interrupt_id";
  std::optional<std::string> interrupt_id;
  if (!StringFieldOrRespond(*body, key, Presence::kRequired, false, interrupt_id, res)) return;
  Json input = body->value("input", Json());
  auto run = engine->Resume({.run_id = req.matches[1], .interrupt_id = *interrupt_id, .input = input});
  if (!run.ok()) return RespondError(res, run.status());
  RespondRun(res, 200, run.value(), steps);
}

}  // namespace sandbox::middesk
