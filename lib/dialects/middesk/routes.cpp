// The route table of the Middesk dialect. Paths and methods as in
// ../shared/spec/openapi/middesk-*.yml; the fields each route reads are
// declared beside it (http/route_table.h), for strict mode and the served
// OpenAPI document.
#include "dialects/middesk/routes.h"

#include "dialects/middesk/errors.h"
#include "dialects/middesk/handlers.h"

namespace sandbox::middesk {

void RegisterRoutes(http::RouteTable& t, const Deps& d) {
  using Handler = void (*)(const Deps&, const httplib::Request&, httplib::Response&);
  auto add = [&t, &d](http::Route r, Handler h) {
    r.tag = "Middesk";
    t.Add(std::move(r), [&d, h](const httplib::Request& req, httplib::Response& res) { h(d, req, res); });
  };
  add({.method = "GET", .path = "/v1/agents", .summary = "List agents"}, ListAgents);
  add({.method = "GET", .path = "/v1/agents/{agent_id}", .summary = "Get an agent"}, GetAgent);
  add({.method = "GET", .path = "/v1/threads", .summary = "List threads"}, ListThreads);
  add({.method = "POST", .path = "/v1/threads", .summary = "Create a thread", .interaction = "created"},
      CreateThread);
  add({.method = "GET", .path = "/v1/threads/{thread_id}", .summary = "Get a thread"}, GetThread);
  add({.method = "GET", .path = "/v1/runs", .summary = "List runs"}, ListRuns);
  add({.method = "POST", .path = "/v1/runs", .summary = "Create a run", .interaction = "created"}, CreateRun);
  add({.method = "GET",
       .path = "/v1/runs/{run_id}",
       .summary = "Get a run",
       .run_param = "run_id",
       .interaction = "polled"},
      GetRun);
  add({.method = "POST",
       .path = "/v1/runs/{run_id}/resume",
       .summary = "Resume an interrupted run",
       .run_param = "run_id",
       .interaction = "resumed"},
      ResumeRun);
  add({.method = "POST",
       .path = "/v1/runs/{run_id}/feedback",
       .summary = "Rate a run's artifact",
       .run_param = "run_id",
       .interaction = "rated"},
      SubmitFeedback);
  add({.method = "GET",
       .path = "/v1/runs/{run_id}/stream",
       .summary = "Stream a run's AG-UI events",
       .run_param = "run_id",
       .interaction = "streamed",
       .streams = true},
      StreamRun);
  add({.method = "GET", .path = "/v1/actions", .summary = "List actions"}, ListActions);
  add({.method = "POST", .path = "/v1/actions", .summary = "Take an action on an object"}, CreateAction);
  add({.method = "GET", .path = "/v1/actions/{action_id}", .summary = "Get an action"}, GetAction);
  add({.method = "GET", .path = "/v1/webhooks", .summary = "List webhook endpoints"}, ListWebhooks);
  add({.method = "POST", .path = "/v1/webhooks", .summary = "Create a webhook endpoint"}, CreateWebhook);
  // Before /{webhook_id}: the first match wins.
  add({.method = "GET", .path = "/v1/webhooks/oidc_keys", .summary = "Get the webhook signing keys"}, GetOidcKeys);
  add({.method = "GET", .path = "/v1/webhooks/{webhook_id}", .summary = "Get a webhook endpoint"}, GetWebhook);
  add({.method = "PUT", .path = "/v1/webhooks/{webhook_id}", .summary = "Update a webhook endpoint"}, UpdateWebhook);
  add({.method = "DELETE", .path = "/v1/webhooks/{webhook_id}", .summary = "Delete a webhook endpoint"},
      DeleteWebhook);
}

}  // namespace sandbox::middesk
