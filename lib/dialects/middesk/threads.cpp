// /v1/threads: create and retrieve agent threads.
#include "dialects/middesk/errors.h"
#include "dialects/middesk/handlers.h"
#include "dialects/middesk/render.h"
#include "dialects/middesk/request.h"

namespace sandbox::middesk {

void CreateThread(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  auto caller = AuthenticateOrRespond(req, res, d.keys);
  if (!caller) return;
  auto body = JsonObjectBodyOrRespond(req, res);
  if (!body) return;
  std::optional<std::string> type;
  if (!StringFieldOrRespond(*body, "type", Presence::kRequired, false, type, res)) return;
  auto context = ContextOrRespond(*body, /*required=*/true, res);
  if (!context) return;
  auto thread = d.engine.CreateThread({*type, context->type, context->id, caller});
  if (!thread.ok()) return RespondError(res, thread.status());
  RespondJson(res, 201, RenderThread(thread.value()));
}

void GetThread(const Deps& d, const httplib::Request& req, httplib::Response& res) {
  if (!AuthenticateOrRespond(req, res, d.keys)) return;
  auto thread = d.store.GetThread(req.matches[1]);
  if (!thread.ok()) return RespondError(res, thread.status());
  if (!thread.value()) return RespondError(res, Status::NotFound("agent thread not found", "id"));
  RespondJson(res, 200, RenderThread(*thread.value()));
}

}  // namespace sandbox::middesk
