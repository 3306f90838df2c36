// /v1/threads: create and retrieve agent threads.
#include "dialects/cached_read.h"
#include "dialects/middesk/errors.h"
#include "dialects/middesk/handlers.h"
#include "dialects/middesk/render.h"
#include "dialects/middesk/request.h"
#include "http/pagination.h"

namespace sandbox::middesk {

void CreateThread(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto call = CallOrRespond(req, res, d.keys, d.spaces);
  if (!call) return;
  const std::optional<Principal> caller = call->caller;
  engine::Engine* engine = call->engine;
  auto body = JsonObjectBodyOrRespond(req, res, d.limits);
  if (!body) return;
  std::optional<std::string> type;
  if (!StringFieldOrRespond(*body, "type", Presence::kRequired, false, type, res)) return;
  auto context = ContextOrRespond(*body, /*required=*/true, ContextRuleOf(*engine, *type), res);
  if (!context) return;
  auto thread = engine->CreateThread(
      {.agent_type = *type, .context_type = context->type, .context_id = context->id, .requester = caller});
  if (!thread.ok()) return RespondError(res, thread.status());
  // A new thread has no runs yet, so no steps: the same object GET returns.
  const std::vector<RunState> no_runs;
  RespondJson(res, 201, RenderThread(thread.value(), &no_runs));
}

void GetThread(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto call = CallOrRespond(req, res, d.keys, d.spaces);
  if (!call) return;
  engine::Engine* engine = call->engine;
  // The vendor's thread carries its steps (its example, and the AgentsThread
  // schema); ?include=steps, which once asked for them, is still accepted.
  bool asked_for_steps = false;
  if (!IncludesOrRespond(req, "steps", asked_for_steps, res)) return;
  auto thread = engine->store().GetThread(req.matches[1]);
  if (!thread.ok()) return RespondError(res, thread.status());
  if (!thread.value()) return RespondError(res, Status::NotFound("agent thread not found", "id"));
  // A thread's steps are those of its runs, oldest run first.
  auto runs = engine->store().RunsOfThread(thread.value()->id, /*with_steps=*/true);
  if (!runs.ok()) return RespondError(res, runs.status());
  RespondJson(res, 200, RenderThread(*thread.value(), &runs.value()));
}

void ListThreads(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto call = CallOrRespond(req, res, d.keys, d.spaces);
  if (!call) return;
  engine::Engine* engine = call->engine;
  auto page = http::ParsePageRequest(req);
  if (!page.ok()) return RespondError(res, page.status());
  std::optional<std::string> business_id;
  if (req.has_param("business_id")) {
    business_id = req.get_param_value("business_id");
    if (!IsUuid(*business_id)) {
      return RespondError(res, Status::InvalidArgument("Parameter `business_id` must be a UUID", "business_id"));
    }
  }
  const std::string key = "middesk threads per_page=" + std::to_string(page->per_page) +
                          " offset=" + std::to_string(page->offset()) + " business=" + business_id.value_or("*");
  dialects::RespondFromReadCache(d.spaces, *engine, key, res, [&]() -> std::optional<OrderedJson> {
    auto threads = engine->store().ListThreads(business_id, page->per_page, page->offset());
    if (!threads.ok()) return RespondError(res, threads.status()), std::nullopt;
    OrderedJson data = OrderedJson::array();
    for (const auto& t : threads->items) data.push_back(RenderThread(t));
    bool has_more = page->offset() + static_cast<int64_t>(threads->items.size()) < threads->total;
    return RenderList(std::move(data), has_more, threads->total);
  });
}

}  // namespace sandbox::middesk
