// The route table of the Modus dialect. Paths as in ../shared/spec/modus-agents.md
// (sections 4 and 8), plus the sandbox extensions documented in docs/modus.md.
#include "dialects/modus/routes.h"

#include "dialects/modus/handlers.h"

namespace sandbox::modus {

void RegisterRoutes(httplib::Server& s, const Deps& d) {
  using Handler = void (*)(const Deps&, const httplib::Request&, httplib::Response&);
  auto bind = [&d](Handler h) {
    return [&d, h](const httplib::Request& req, httplib::Response& res) { h(d, req, res); };
  };
  s.Get("/api/v1/agents", bind(ListAgents));
  s.Get(R"(/api/v1/agents/([^/]+))", bind(GetAgent));
  s.Get(R"(/api/v1/agents/([^/]+)/runs)", bind(ListRuns));
  s.Get(R"(/api/v1/agents/([^/]+)/runs/([^/]+))", bind(GetRun));
  s.Post(R"(/api/v1/agents/([^/]+)/chat)", bind(StartChat));
  s.Post(R"(/api/v1/agents/([^/]+)/conversations/([^/]+)/chat)", bind(ContinueChat));
  // The runtime.
  s.Post("/agent/runs", bind(PostAgentRun));
  s.Get(R"(/agent/runs/([^/]+)/stream)", bind(StreamAgentRun));
  s.Get(R"(/agent/runs/([^/]+)/events)", bind(AgentRunEvents));
  // Sandbox extensions.
  s.Post(R"(/api/v1/agents/([^/]+)/runs/([^/]+)/approval)", bind(ApproveRun));
  s.Post(R"(/api/v1/agents/([^/]+)/runs/([^/]+)/cancel)", bind(CancelRun));
  s.Post(R"(/_sandbox/modus/agents/([^/]+)/runs)", bind(TriggerRun));
}

}  // namespace sandbox::modus
