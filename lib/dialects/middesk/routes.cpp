// The route table of the Middesk dialect. Paths and methods as in
// ../shared/spec/openapi/middesk-*.yml.
#include "dialects/middesk/routes.h"

#include "dialects/middesk/errors.h"
#include "dialects/middesk/handlers.h"

namespace sandbox::middesk {

void RegisterRoutes(httplib::Server& s, const Deps& d) {
  using Handler = void (*)(const Deps&, const httplib::Request&, httplib::Response&);
  auto bind = [&d](Handler h) {
    return [&d, h](const httplib::Request& req, httplib::Response& res) { h(d, req, res); };
  };
  s.Get("/v1/agents", bind(ListAgents));
  s.Get(R"(/v1/agents/([^/]+))", bind(GetAgent));
  s.Get("/v1/threads", bind(ListThreads));
  s.Post("/v1/threads", bind(CreateThread));
  s.Get(R"(/v1/threads/([^/]+))", bind(GetThread));
  s.Get("/v1/runs", bind(ListRuns));
  s.Post("/v1/runs", bind(CreateRun));
  s.Get(R"(/v1/runs/([^/]+))", bind(GetRun));
  s.Post(R"(/v1/runs/([^/]+)/resume)", bind(ResumeRun));
  s.Post(R"(/v1/runs/([^/]+)/feedback)", bind(SubmitFeedback));
  s.Get(R"(/v1/runs/([^/]+)/stream)", bind(StreamRun));
  s.Get("/v1/actions", bind(ListActions));
  s.Post("/v1/actions", bind(CreateAction));
  s.Get(R"(/v1/actions/([^/]+))", bind(GetAction));
  s.Get("/v1/webhooks", bind(ListWebhooks));
  s.Post("/v1/webhooks", bind(CreateWebhook));
  s.Get("/v1/webhooks/oidc_keys", bind(GetOidcKeys));  // before /{id}: first match wins
  s.Get(R"(/v1/webhooks/([^/]+))", bind(GetWebhook));
  s.Put(R"(/v1/webhooks/([^/]+))", bind(UpdateWebhook));
  s.Delete(R"(/v1/webhooks/([^/]+))", bind(DeleteWebhook));
}

}  // namespace sandbox::middesk
